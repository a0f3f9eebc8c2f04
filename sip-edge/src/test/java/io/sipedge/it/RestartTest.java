package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.sipedge.it.SipTestClient.SipResponse;
import io.sipedge.it.SipTestClient.Transport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher as an operator runs it: separate JVMs for {@code import} and for the edge, a kill -9
 * of the edge, and a restart on the same data directory. Everything provisioned must authenticate
 * after the restart.
 */
class RestartTest {
    private static final String DOMAIN = "example.com";
    private static final Pattern LISTENING =
            Pattern.compile("sip-edge listening: SIP udp\\+tcp 127\\.0\\.0\\.1:(\\d+)");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(60);

    private static final Map<String, String> FIRST_USERS = users("alice", "secret-alice", "bob", "secret-bob",
            "carol", "secret-carol");
    private static final Map<String, String> MORE_USERS = users("dave", "secret-dave", "erin", "secret-erin");

    @TempDir
    Path tmp;

    private final List<Child> children = new ArrayList<>();

    @AfterEach
    void destroyChildren() throws InterruptedException {
        for (Child c : children) {
            c.kill();
        }
    }

    @Test
    void usersAuthenticateAfterKill9AndRestart() throws Exception {
        Child imp = spawn("import", usersFile("first.txt", FIRST_USERS).toString());
        assertEquals(0, imp.waitForExit(EXIT_TIMEOUT), imp.output());
        assertTrue(imp.output().contains("imported 3 line(s)"), imp.output());

        Child edge = spawn();
        int port = edge.awaitListening();
        assertRegisters(port, "alice", FIRST_USERS.get("alice"));
        edge.kill();

        Child again = spawn();
        int port2 = again.awaitListening();
        for (Map.Entry<String, String> u : FIRST_USERS.entrySet()) {
            assertRegisters(port2, u.getKey(), u.getValue());
        }
        again.stop();
    }

    @Test
    void importAfterKill9IsDurableAndVisibleToTheNextEdge() throws Exception {
        Child imp = spawn("import", usersFile("first.txt", FIRST_USERS).toString());
        assertEquals(0, imp.waitForExit(EXIT_TIMEOUT), imp.output());

        Child edge = spawn();
        int port = edge.awaitListening();
        assertRegisters(port, "alice", FIRST_USERS.get("alice"));
        edge.kill();

        // The killed edge's directory lock died with it: an offline import can write the directory.
        Child more = spawn("import", usersFile("more.txt", MORE_USERS).toString());
        assertEquals(0, more.waitForExit(EXIT_TIMEOUT), more.output());
        assertTrue(more.output().contains("imported 2 line(s)"), more.output());

        Child again = spawn();
        int port2 = again.awaitListening();
        Map<String, String> all = new LinkedHashMap<>(FIRST_USERS);
        all.putAll(MORE_USERS);
        for (Map.Entry<String, String> u : all.entrySet()) {
            assertRegisters(port2, u.getKey(), u.getValue());
        }
        again.stop();
    }

    @Test
    void importIsRefusedWhileAnEdgeProcessHoldsTheDirectory() throws Exception {
        Child edge = spawn();
        edge.awaitListening();
        Child imp = spawn("import", usersFile("first.txt", FIRST_USERS).toString());
        assertEquals(1, imp.waitForExit(EXIT_TIMEOUT), imp.output());
        assertTrue(imp.output().contains("in use"), "says the directory is in use\n" + imp.output());
        edge.stop();

        Child retry = spawn("import", usersFile("first.txt", FIRST_USERS).toString());
        assertEquals(0, retry.waitForExit(EXIT_TIMEOUT), retry.output());
    }

    // ------------------------------------------------------------------ helpers

    private static Map<String, String> users(String... userPassword) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < userPassword.length; i += 2) {
            m.put(userPassword[i], userPassword[i + 1]);
        }
        return m;
    }

    private Path usersFile(String name, Map<String, String> users) throws IOException {
        StringBuilder sb = new StringBuilder();
        users.forEach((u, p) -> sb.append(DOMAIN).append(';').append(u).append(';').append(p).append('\n'));
        Path f = tmp.resolve(name);
        Files.writeString(f, sb.toString(), StandardCharsets.UTF_8);
        return f;
    }

    private static void assertRegisters(int port, String user, String password) throws Exception {
        try (SipTestClient c = new SipTestClient(Transport.UDP, port)) {
            SipResponse r = c.registerWithAuth(user, DOMAIN, password, c.contact(user), "MD5");
            assertNotNull(r, "no response to " + user + "'s REGISTER");
            assertEquals(200, r.status(), user + ":\n" + r.raw());
        }
    }

    /** Starts {@code java ... io.sipedge.launcher.Main <loopback, ephemeral settings> args}. */
    private Child spawn(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xshare:auto", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"),
                "io.sipedge.launcher.Main",
                "--set", "sip.address=127.0.0.1", "--set", "sip.port=0", "--set", "sip.tls-port=0",
                "--set", "http.port=0", "--set", "http.address=127.0.0.1"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        // Only this test's settings: nothing inherited from the developer's or CI's environment.
        pb.environment().keySet().removeIf(k -> k.startsWith("SIPEDGE_"));
        pb.environment().put("SIPEDGE_DATA_DIR", tmp.resolve("data").toString());
        pb.environment().put("SIPEDGE_ADMIN_KEY", "restart-test-admin-key");
        Child c = new Child(String.join(" ", args.length == 0 ? List.of("run") : List.of(args)), pb.start());
        children.add(c);
        return c;
    }

    /** A child JVM whose merged stdout/stderr is drained on a thread, so it never blocks on a full pipe. */
    private static final class Child {
        private final String name;
        private final Process process;
        private final Thread drain;
        private final StringBuilder output = new StringBuilder();
        private boolean eof;

        Child(String name, Process process) {
            this.name = name;
            this.process = process;
            this.drain = new Thread(this::drain, "drain-" + name + "-" + process.pid());
            drain.setDaemon(true);
            drain.start();
        }

        private void drain() {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (this) {
                        output.append(line).append('\n');
                        notifyAll();
                    }
                }
            } catch (IOException e) {
                // the process was killed and its pipe closed
            } finally {
                synchronized (this) {
                    eof = true;
                    notifyAll();
                }
            }
        }

        synchronized String output() {
            return "--- " + name + " (pid " + process.pid() + ")\n" + output;
        }

        /** Waits for the startup line and returns the UDP/TCP port it names. */
        int awaitListening() throws InterruptedException {
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            synchronized (this) {
                while (true) {
                    Matcher m = LISTENING.matcher(output);
                    if (m.find()) {
                        return Integer.parseInt(m.group(1));
                    }
                    long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                    if (eof) {
                        fail("the edge exited before listening:\n" + output());
                    }
                    if (left <= 0) {
                        fail("no 'sip-edge listening' line within " + START_TIMEOUT + ":\n" + output());
                    }
                    wait(left);
                }
            }
        }

        int waitForExit(Duration timeout) throws InterruptedException {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                fail(name + " did not exit within " + timeout + ":\n" + output());
            }
            drain.join(TimeUnit.SECONDS.toMillis(10));
            return process.exitValue();
        }

        /** SIGTERM, as systemd or docker stop would send; the shutdown hook closes the edge. */
        void stop() throws InterruptedException {
            process.destroy();
            waitForExit(EXIT_TIMEOUT);
        }

        /** kill -9 (destroyForcibly is SIGKILL on Linux), and wait until it is gone. */
        void kill() throws InterruptedException {
            if (process.isAlive()) {
                process.destroyForcibly();
            }
            process.waitFor(EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            drain.join(TimeUnit.SECONDS.toMillis(10));
        }
    }
}
