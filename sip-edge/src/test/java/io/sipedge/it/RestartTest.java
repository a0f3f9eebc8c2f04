package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.it.SipTestClient.SipResponse;
import io.sipedge.it.SipTestClient.Transport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    private static final Duration EXIT_TIMEOUT = ChildEdge.EXIT_TIMEOUT;

    private static final Map<String, String> FIRST_USERS = users("alice", "secret-alice", "bob", "secret-bob",
            "carol", "secret-carol");
    private static final Map<String, String> MORE_USERS = users("dave", "secret-dave", "erin", "secret-erin");

    @TempDir
    Path tmp;

    private final List<ChildEdge> children = new ArrayList<>();

    @AfterEach
    void destroyChildren() throws InterruptedException {
        for (ChildEdge c : children) {
            c.kill();
        }
    }

    @Test
    void usersAuthenticateAfterKill9AndRestart() throws Exception {
        ChildEdge imp = spawn("import", usersFile("first.txt", FIRST_USERS).toString());
        assertEquals(0, imp.waitForExit(EXIT_TIMEOUT), imp.output());
        assertTrue(imp.output().contains("imported 3 line(s)"), imp.output());

        ChildEdge edge = spawn();
        int port = edge.awaitListening();
        assertRegisters(port, "alice", FIRST_USERS.get("alice"));
        edge.kill();

        ChildEdge again = spawn();
        int port2 = again.awaitListening();
        for (Map.Entry<String, String> u : FIRST_USERS.entrySet()) {
            assertRegisters(port2, u.getKey(), u.getValue());
        }
        again.stop();
    }

    @Test
    void importAfterKill9IsDurableAndVisibleToTheNextEdge() throws Exception {
        ChildEdge imp = spawn("import", usersFile("first.txt", FIRST_USERS).toString());
        assertEquals(0, imp.waitForExit(EXIT_TIMEOUT), imp.output());

        ChildEdge edge = spawn();
        int port = edge.awaitListening();
        assertRegisters(port, "alice", FIRST_USERS.get("alice"));
        edge.kill();

        // The killed edge's directory lock died with it: an offline import can write the directory.
        ChildEdge more = spawn("import", usersFile("more.txt", MORE_USERS).toString());
        assertEquals(0, more.waitForExit(EXIT_TIMEOUT), more.output());
        assertTrue(more.output().contains("imported 2 line(s)"), more.output());

        ChildEdge again = spawn();
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
        ChildEdge edge = spawn();
        edge.awaitListening();
        ChildEdge imp = spawn("import", usersFile("first.txt", FIRST_USERS).toString());
        assertEquals(1, imp.waitForExit(EXIT_TIMEOUT), imp.output());
        assertTrue(imp.output().contains("in use"), "says the directory is in use\n" + imp.output());
        edge.stop();

        ChildEdge retry = spawn("import", usersFile("first.txt", FIRST_USERS).toString());
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

    private ChildEdge spawn(String... args) throws IOException {
        ChildEdge c = ChildEdge.spawn(tmp.resolve("data"), "restart-test-admin-key", args);
        children.add(c);
        return c;
    }
}
