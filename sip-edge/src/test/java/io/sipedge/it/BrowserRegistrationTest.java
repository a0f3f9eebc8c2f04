package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Browser softphones register through the edge: JsSIP and SIP.js pages in Debian's headless
 * Chromium (driven by {@code src/test/browser/driver.mjs} through playwright-core), over WS and
 * over WSS with the edge's self-signed certificate. The operator API then shows the registration
 * with its transport and the browser's address; unregistering and closing the tab each remove the
 * binding; a wrong password is refused.
 */
@Timeout(180)
class BrowserRegistrationTest {
    private static final AtomicInteger N = new AtomicInteger();
    static EdgeUnderTest edge;
    static ApiClient api;
    static String admin;

    @BeforeAll
    static void start() throws Exception {
        BrowserScript.install();
        edge = EdgeUnderTest.start("sip.tls-port=-1");
        api = edge.api();
        admin = api.adminToken();
    }

    @AfterAll
    static void stop() throws Exception {
        if (edge != null) {
            edge.close();
        }
    }

    static Stream<Arguments> browsers() {
        return Stream.of(Arguments.of("jssip", "ws"), Arguments.of("jssip", "wss"),
                Arguments.of("sipjs", "ws"), Arguments.of("sipjs", "wss"));
    }

    private record Device(String account, String realm, String id, String token, String user, String password) {
        JsonNode status() throws Exception {
            ApiClient.Reply r = api.get("/v2/accounts/" + account + "/devices/" + id + "/status", token);
            assertEquals(200, r.status(), r.toString());
            return r.data();
        }
    }

    /** An account with the default digest algorithms and one device. */
    private static Device provision() throws Exception {
        int n = N.incrementAndGet();
        String realm = "browser" + n + ".example";
        String account = api.account(admin, "browser" + n, realm);
        String key = api.get("/v2/accounts/" + account + "/api_key", admin).data().get("api_key").asText();
        String token = api.token(key);
        String user = "web" + n;
        String password = "pw-" + n + "-secret";
        return new Device(account, realm, api.device(token, account, user, password), token, user, password);
    }

    @ParameterizedTest(name = "{0} over {1}")
    @MethodSource("browsers")
    void registersShowsInTheApiAndUnregisters(String lib, String transport) throws Exception {
        Device d = provision();
        try (BrowserScript page = driver(lib, transport, d.user(), d.realm(), d.password())) {
            JsonNode ok = page.await("registered");
            assertTrue(ok.get("contact").asText().contains(".invalid"), ok.toString());

            JsonNode s = d.status();
            assertTrue(s.get("registered").asBoolean(), s.toString());
            assertEquals(transport, s.get("transport").asText(), s.toString());
            assertEquals("127.0.0.1", s.get("ip").asText(), s.toString());
            assertTrue(s.get("port").asInt() > 0, s.toString());
            JsonNode contact = s.get("contacts").get(0);
            assertTrue(contact.get("contact").asText().contains(".invalid"), contact.toString());
            assertEquals(s.get("port").asInt(), contact.get("port").asInt(), "the browser's own source port");

            page.send("unregister");
            page.await("unregistered");
            assertFalse(d.status().get("registered").asBoolean(), "unregistering removes the binding");

            page.send("register");
            page.await("registered");
            assertTrue(d.status().get("registered").asBoolean());
        }
    }

    @ParameterizedTest(name = "{0} over {1}")
    @MethodSource("browsers")
    void closingTheTabRemovesTheBinding(String lib, String transport) throws Exception {
        Device d = provision();
        try (BrowserScript page = driver(lib, transport, d.user(), d.realm(), d.password())) {
            page.await("registered");
            assertTrue(d.status().get("registered").asBoolean());
            page.send("close");
            page.await("closed");
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (d.status().get("registered").asBoolean()) {
                assertTrue(System.nanoTime() < deadline, "the binding outlived its closed WebSocket");
                Thread.sleep(50);
            }
        }
    }

    @ParameterizedTest(name = "{0} over {1}")
    @MethodSource("browsers")
    void aWrongPasswordIsRefused(String lib, String transport) throws Exception {
        Device d = provision();
        try (BrowserScript page = driver(lib, transport, d.user(), d.realm(), d.password() + "-wrong")) {
            JsonNode failed = page.await("registration_failed");
            int status = failed.get("status").asInt();
            assertTrue(status == 401 || status == 403, failed.toString());
            assertFalse(d.status().get("registered").asBoolean());
        }
    }

    /** driver.mjs with the library, registering {@code user} over the edge's WS or WSS listener. */
    private static BrowserScript driver(String lib, String transport, String user, String domain, String password)
            throws IOException {
        int port = "wss".equals(transport) ? edge.transports().wssPort() : edge.transports().wsPort();
        return BrowserScript.start("driver.mjs", List.of("--lib", lib, "--ws-url", transport + "://127.0.0.1:" + port,
                "--aor", "sip:" + user + "@" + domain, "--user", user, "--password", password, "--timeout-ms", "20000"),
                BrowserScript.FAILURES, Duration.ofSeconds(30));
    }
}
