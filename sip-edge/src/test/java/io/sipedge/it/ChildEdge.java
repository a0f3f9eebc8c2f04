package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The launcher in a child JVM ({@code java ... io.sipedge.launcher.Main <loopback, ephemeral
 * settings> args}), as an operator runs it, so a test can kill -9 it. Its merged stdout/stderr is
 * drained on a thread, so it never blocks on a full pipe.
 */
final class ChildEdge {
    static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    static final Duration EXIT_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern LISTENING =
            Pattern.compile("sip-edge listening: SIP udp\\+tcp 127\\.0\\.0\\.1:(\\d+), tls ([^,]*), ws [^,]*, wss [^,]*, "
                    + "http ([^;,]+)(?:, admin ([^;]+))?;");

    private final String name;
    private final Process process;
    private final Thread drain;
    private final StringBuilder output = new StringBuilder();
    private boolean eof;

    private ChildEdge(String name, Process process) {
        this.name = name;
        this.process = process;
        this.drain = new Thread(this::drain, "drain-" + name + "-" + process.pid());
        drain.setDaemon(true);
        drain.start();
    }

    /** Starts the launcher on {@code dataDir} with the admin key; no args means {@code run}. */
    static ChildEdge spawn(Path dataDir, String adminKey, String... args) throws IOException {
        return spawn(0, dataDir, adminKey, args);
    }

    /**
     * As {@link #spawn(Path, String, String...)}, with at most {@code openFiles} descriptors
     * ({@code ulimit -n}; 0 for the inherited limit).
     */
    static ChildEdge spawn(int openFiles, Path dataDir, String adminKey, String... args) throws IOException {
        return spawn(openFiles, Map.of("SIPEDGE_ADMIN_KEY", adminKey), dataDir, args);
    }

    /**
     * As {@link #spawn(Path, String, String...)}, with these {@code SIPEDGE_*} variables instead of
     * just the admin key (say, {@code SIPEDGE_ADMIN_KEY_FILE}).
     */
    static ChildEdge spawn(Map<String, String> env, Path dataDir, String... args) throws IOException {
        return spawn(0, env, dataDir, args);
    }

    private static ChildEdge spawn(int openFiles, Map<String, String> env, Path dataDir, String... args)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        if (openFiles > 0) {
            cmd.addAll(List.of("/bin/sh", "-c", "ulimit -n " + openFiles + " && exec \"$0\" \"$@\""));
        }
        // The signals a test sends act as they would under systemd or docker even when this JVM was
        // started with them ignored (nohup ignores SIGHUP, and the JVM then never handles it).
        cmd.addAll(List.of("env", "--default-signal=HUP,INT,TERM",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xshare:auto", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"),
                "io.sipedge.launcher.Main",
                "--set", "sip.address=127.0.0.1", "--set", "sip.port=0", "--set", "sip.tls-port=0",
                "--set", "sip.ws-port=0", "--set", "sip.wss-port=0",
                "--set", "http.port=0", "--set", "http.address=127.0.0.1", "--set", "http.admin-port=-1"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        // Only this test's settings: nothing inherited from the developer's or CI's environment.
        pb.environment().keySet().removeIf(k -> k.startsWith("SIPEDGE_"));
        pb.environment().put("SIPEDGE_DATA_DIR", dataDir.toString());
        pb.environment().putAll(env);
        return new ChildEdge(String.join(" ", args.length == 0 ? List.of("run") : List.of(args)), pb.start());
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
        return Integer.parseInt(awaitStartLine().group(1));
    }

    /** Waits for the startup line and returns the HTTP port it names. */
    int awaitHttpPort() throws InterruptedException {
        return awaitPorts().http();
    }

    /** The ports a started edge listens on; -1 for one that is off (no admin listener: the API is on http). */
    record Ports(int sip, int tls, int http, int admin) {
    }

    /** Waits for the startup line and returns the ports it names. */
    Ports awaitPorts() throws InterruptedException {
        Matcher m = awaitStartLine();
        return new Ports(Integer.parseInt(m.group(1)), portOf(m.group(2)), portOf(m.group(3)), portOf(m.group(4)));
    }

    private static int portOf(String listening) {
        return listening == null || listening.equals("off") ? -1
                : Integer.parseInt(listening.substring(listening.lastIndexOf(':') + 1));
    }

    /** Waits for the startup line and returns the admin listener's port it names, or -1 for none. */
    int awaitAdminPort() throws InterruptedException {
        return awaitPorts().admin();
    }

    private Matcher awaitStartLine() throws InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        synchronized (this) {
            while (true) {
                Matcher m = LISTENING.matcher(output);
                if (m.find()) {
                    return m;
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

    /** Waits for the startup line and returns the SIP TLS port it names. */
    int awaitTlsPort() throws InterruptedException {
        int tls = awaitPorts().tls();
        if (tls < 0) {
            fail("TLS is off:\n" + output());
        }
        return tls;
    }

    /** Waits until the output has a line containing {@code text} after its first {@code skip} characters. */
    int awaitOutput(String text, int skip, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            while (true) {
                int at = output.indexOf(text, skip);
                if (at >= 0) {
                    return at + text.length();
                }
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (eof || left <= 0) {
                    fail("no '" + text + "' in the output within " + timeout + ":\n" + output());
                }
                wait(left);
            }
        }
    }

    /** SIGHUP, as certbot's deploy hook or systemctl reload would send. */
    void hangup() throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            fail("kill -HUP failed");
        }
    }

    int waitForExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            fail(name + " did not exit within " + timeout + ":\n" + output());
        }
        drain.join(TimeUnit.SECONDS.toMillis(10));
        return process.exitValue();
    }

    /** SIGTERM, as systemd or docker stop would send, and waits for the exit; returns its code. */
    int stop() throws InterruptedException {
        terminate();
        return waitForExit(EXIT_TIMEOUT);
    }

    /**
     * SIGTERM, without waiting: the edge drains, then exits. Through the process handle, because
     * {@code Process.destroy()} also closes the pipes, and the drain's output would be lost.
     */
    void terminate() {
        process.toHandle().destroy();
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
