package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipedge.it.ApiClient.Reply;
import io.sipedge.it.SipTestClient.SipResponse;
import io.sipedge.it.TestPhone.Via;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restarts as an operator does them, on the launcher in a child JVM: a SIGTERM (graceful: drain,
 * flush, exit 0) or a kill -9, then a new process on the same data directory. The bindings come
 * back as their transports allow, and a phone registered before the restart is reached after it
 * without registering again.
 */
@Timeout(300)
class PersistedBindingsTest {
    private static final String DOMAIN = "example.com";
    private static final String ADMIN_KEY = "persisted-bindings-test-admin-key";
    private static final Map<String, String> USERS = Map.of("alice", "secret-alice", "bob", "secret-bob",
            "carol", "secret-carol", "dave", "secret-dave");

    @TempDir
    Path tmp;

    private final List<ChildEdge> children = new ArrayList<>();
    private final List<TestPhone> phones = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (TestPhone p : phones) {
            p.close();
        }
        for (ChildEdge c : children) {
            c.kill();
        }
    }

    @Test
    void aGracefulStopKeepsEveryBindingAsItsTransportAllows() throws Exception {
        importUsers();
        ChildEdge edge = spawn();
        ChildEdge.Ports ports = edge.awaitPorts();
        TestPhone alice = phone(ports, Via.UDP, "alice").register();
        phone(ports, Via.TCP, "bob").register();
        phone(ports, Via.TLS, "carol").register();
        Map<String, JsonNode> before = registrations(ports.http());
        assertEquals(3, before.size(), before.toString());
        long stoppedAt = System.nanoTime();

        assertEquals(0, edge.stop(), "a SIGTERM is a normal stop\n" + edge.output());

        // On the same SIP port, as a restarted edge is: alice's phone answers where it always sent.
        ChildEdge again = spawn("--set", "sip.port=" + ports.sip());
        ChildEdge.Ports ports2 = again.awaitPorts();
        assertTrue(again.output().contains("bindings restored: 3 of 3 AORs"), again.output());
        Map<String, JsonNode> after = registrations(ports2.http());
        long elapsed = (System.nanoTime() - stoppedAt) / 1_000_000_000L;

        JsonNode a = after.get("alice");
        assertNotNull(a, after.toString());
        assertEquals("udp", a.get("transport").asText());
        assertEquals(before.get("alice").get("contact").asText(), a.get("contact").asText());
        assertEquals(before.get("alice").get("contact_ip").asText(), a.get("contact_ip").asText());
        assertEquals(alice.localPort(), a.get("contact_port").asInt(), "the source port it registered from");
        assertTrue(a.get("reachable").asBoolean(), "a UDP phone is reached where it was");
        long expiresBefore = before.get("alice").get("expires").asLong();
        long expires = a.get("expires").asLong();
        assertTrue(expires <= expiresBefore && expires >= expiresBefore - elapsed - 2,
                "the expiry is the one granted before the stop: " + expiresBefore + " then " + expires);
        for (String streamUser : List.of("bob", "carol")) {
            JsonNode b = after.get(streamUser);
            assertNotNull(b, streamUser + " in " + after);
            assertFalse(b.get("reachable").asBoolean(),
                    streamUser + "'s connection did not survive the process: unreachable until it registers again");
        }

        // Alice, registered only with the first process, gets a MESSAGE through the second one.
        TestPhone dave = phone(ports2, Via.UDP, "dave").register();
        dave.sendAuthenticated("MESSAGE", "sip:alice@" + DOMAIN, "after the restart",
                "Content-Type: text/plain");
        SipResponse message = alice.awaitRequest("MESSAGE");
        assertTrue(message.raw().endsWith("after the restart"), message.raw());
        alice.send(alice.response(message, 200, "OK", "a1"));
        assertEquals(200, dave.awaitFinal("MESSAGE").status(), again.output());
    }

    @Test
    void aKill9AfterTheFlushIntervalLosesNothingAndATornTailDoesNotStopTheStart() throws Exception {
        importUsers();
        ChildEdge edge = spawn("--set", "registrar.persist-interval-ms=200");
        ChildEdge.Ports ports = edge.awaitPorts();
        TestPhone alice = phone(ports, Via.UDP, "alice").register();
        TestPhone bob = phone(ports, Via.UDP, "bob").register();
        Thread.sleep(1000); // five flush intervals
        edge.kill();

        // A kill -9 in the middle of the next append: half a record at the end of the newest journal.
        Path bindings = tmp.resolve("data").resolve("bindings");
        Path journal;
        try (Stream<Path> files = Files.list(bindings)) {
            journal = files.filter(f -> f.getFileName().toString().startsWith("journal-"))
                    .max((x, y) -> Long.compare(generation(x), generation(y))).orElseThrow();
        }
        Files.write(journal, new byte[] {0, 0, 1, 0, 0x12, 0x34, 0x56, 0x78, 1, 0, 0, 0},
                StandardOpenOption.APPEND);

        ChildEdge again = spawn();
        ChildEdge.Ports ports2 = again.awaitPorts();
        Map<String, JsonNode> after = registrations(ports2.http());
        assertEquals(alice.localPort(), after.get("alice").get("contact_port").asInt(), after.toString());
        assertEquals(bob.localPort(), after.get("bob").get("contact_port").asInt(), after.toString());
        assertTrue(again.output().contains("unreadable"), "the torn tail is reported\n" + again.output());
    }

    @Test
    void aStopDrainsAnswers503AndExitsZero() throws Exception {
        importUsers();
        ChildEdge edge = spawn("--set", "shutdown.drain-seconds=4", "--set", "shutdown.retry-after-seconds=7");
        ChildEdge.Ports ports = edge.awaitPorts();
        TestPhone alice = phone(ports, Via.UDP, "alice").register();
        TestPhone bob = phone(ports, Via.UDP, "bob").register();
        ApiClient api = new ApiClient(ports.http());
        assertEquals(200, api.get("/readyz", null).status());
        // A call in progress: alice rings and does not answer, so the proxy's transaction stays open.
        bob.sendAuthenticated("INVITE", "sip:alice@" + DOMAIN, "");
        SipResponse invite = alice.awaitRequest("INVITE");
        alice.send(alice.response(invite, 180, "Ringing", "a1"));
        bob.awaitResponse(180, "INVITE");

        long termAt = System.nanoTime();
        edge.terminate();
        Reply ready = awaitStatus(api, 503);
        assertFalse(ready.data().get("ready").asBoolean(), ready.toString());
        assertFalse(ready.data().get("checks").get("serving").asBoolean(), ready.toString());

        try (SipTestClient carol = new SipTestClient(SipTestClient.Transport.UDP, ports.sip())) {
            SipResponse refused = carol.request(carol.register("carol", DOMAIN, carol.contact("carol")));
            assertNotNull(refused, "a REGISTER during the drain is answered");
            assertEquals(503, refused.status(), refused.raw());
            assertEquals("7", refused.first("Retry-After"), refused.raw());
        }
        // Within the dialog's transaction, alice's answer still reaches bob.
        alice.send(alice.response(invite, 486, "Busy Here", "a1"));
        assertEquals(486, bob.awaitFinal("INVITE").status());

        assertEquals(0, edge.waitForExit(ChildEdge.EXIT_TIMEOUT), edge.output());
        long tookMs = (System.nanoTime() - termAt) / 1_000_000L;
        assertTrue(edge.output().contains("draining"), edge.output());
        assertTrue(tookMs < 30_000, "the drain ends: " + tookMs + " ms");
    }

    @Test
    void aBackupTakenUnderLoadRestoresToAWorkingEdge() throws Exception {
        importUsers();
        ChildEdge edge = spawn("--set", "registrar.persist-interval-ms=100");
        ChildEdge.Ports ports = edge.awaitPorts();
        TestPhone alice = phone(ports, Via.UDP, "alice").register();
        TestPhone bob = phone(ports, Via.UDP, "bob").register();
        Thread.sleep(500); // written out
        // Load while the backup runs: bob refreshes fifty times a second (within the guard's rate for one
        // address), and devices are added.
        AtomicBoolean loading = new AtomicBoolean(true);
        AtomicInteger refreshes = new AtomicInteger();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread load = new Thread(() -> {
            try {
                while (loading.get()) {
                    bob.register();
                    refreshes.incrementAndGet();
                    Thread.sleep(20);
                }
            } catch (Exception | AssertionError e) {
                failed.set(e);
            }
        });
        load.start();
        ApiClient api = new ApiClient(ports.http());
        String token = api.call("PUT", "/v2/api_auth", null, Map.of("api_key", ADMIN_KEY)).json()
                .get("auth_token").asText();
        String account = api.get("/v2/accounts", token).data().get(0).get("id").asText();
        for (int i = 0; i < 20; i++) {
            Reply created = api.call("PUT", "/v2/accounts/" + account + "/devices", token, Map.of("sip",
                    Map.of("username", "extra" + i, "password", "extra-secret-" + i)));
            assertEquals(201, created.status(), created.toString());
        }
        Path backup = tmp.resolve("backup");
        ChildEdge copy = spawn("backup", backup.toString());
        assertEquals(0, copy.waitForExit(ChildEdge.EXIT_TIMEOUT), copy.output());
        loading.set(false);
        load.join(10_000);
        assertNull(failed.get(), () -> "bob's refreshes during the backup: " + failed.get());
        assertTrue(refreshes.get() > 0, "bob kept registering during the backup: " + refreshes.get());
        assertTrue(copy.output().contains("backed up"), copy.output());
        assertEquals(0, edge.stop(), edge.output());

        // The backup goes into an empty data directory, never over one that holds data.
        ChildEdge over = spawn("restore", backup.toString());
        assertEquals(1, over.waitForExit(ChildEdge.EXIT_TIMEOUT), over.output());
        assertTrue(over.output().contains("not empty"), over.output());
        Path fresh = tmp.resolve("restored");
        ChildEdge restore = spawnOn(fresh, "restore", backup.toString());
        assertEquals(0, restore.waitForExit(ChildEdge.EXIT_TIMEOUT), restore.output());

        ChildEdge again = spawnOn(fresh, "--set", "sip.port=" + ports.sip());
        ChildEdge.Ports ports2 = again.awaitPorts();
        Map<String, JsonNode> after = registrations(ports2.http());
        assertEquals(alice.localPort(), after.get("alice").get("contact_port").asInt(), after.toString());
        assertEquals(bob.localPort(), after.get("bob").get("contact_port").asInt(), after.toString());
        // Users authenticate: one imported, and the devices the API created before the backup.
        phone(ports2, Via.UDP, "carol").register();
        try (SipTestClient extra = new SipTestClient(SipTestClient.Transport.UDP, ports2.sip())) {
            SipResponse ok = extra.registerWithAuth("extra19", DOMAIN, "extra-secret-19", extra.contact("extra19"),
                    "MD5");
            assertEquals(200, ok.status(), ok.raw());
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static long generation(Path file) {
        String n = file.getFileName().toString();
        return Long.parseLong(n.substring(n.indexOf('-') + 1, n.indexOf('.')));
    }

    private static Reply awaitStatus(ApiClient api, int status) throws Exception {
        long deadline = System.nanoTime() + 5_000_000_000L;
        Reply r = null;
        while (System.nanoTime() < deadline) {
            try {
                r = api.get("/readyz", null);
                if (r.status() == status) {
                    return r;
                }
            } catch (IOException closed) {
                r = null;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("/readyz never answered " + status + ": " + r);
    }

    /** The registrations the operator API lists, by username. */
    private static Map<String, JsonNode> registrations(int httpPort) throws Exception {
        ApiClient api = new ApiClient(httpPort);
        String token = api.call("PUT", "/v2/api_auth", null, Map.of("api_key", ADMIN_KEY)).json().get("auth_token")
                .asText();
        String account = api.get("/v2/accounts", token).data().get(0).get("id").asText();
        Map<String, JsonNode> byUser = new HashMap<>();
        for (JsonNode r : api.get("/v2/accounts/" + account + "/registrations", token).data()) {
            byUser.put(r.get("username").asText(), r);
        }
        return byUser;
    }

    private TestPhone phone(ChildEdge.Ports ports, Via via, String user) throws Exception {
        TestPhone p = new TestPhone(ports.sip(), ports.tls(), -1, -1, via, user, DOMAIN, USERS.get(user));
        phones.add(p);
        return p;
    }

    private void importUsers() throws Exception {
        StringBuilder sb = new StringBuilder();
        USERS.forEach((u, p) -> sb.append(DOMAIN).append(';').append(u).append(';').append(p).append('\n'));
        Path f = tmp.resolve("users.txt");
        Files.writeString(f, sb.toString(), StandardCharsets.UTF_8);
        ChildEdge imp = spawn("import", f.toString());
        assertEquals(0, imp.waitForExit(ChildEdge.EXIT_TIMEOUT), imp.output());
    }

    private ChildEdge spawn(String... args) throws IOException {
        return spawnOn(tmp.resolve("data"), args);
    }

    private ChildEdge spawnOn(Path dataDir, String... args) throws IOException {
        ChildEdge c = ChildEdge.spawn(dataDir, ADMIN_KEY, args);
        children.add(c);
        return c;
    }
}
