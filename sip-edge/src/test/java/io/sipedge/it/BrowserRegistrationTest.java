package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
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
    private static final Path BROWSER = Path.of("src/test/browser").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger N = new AtomicInteger();
    static EdgeUnderTest edge;
    static ApiClient api;
    static String admin;

    @BeforeAll
    static void start() throws Exception {
        installDriver();
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

    /** The driver's npm packages, from the committed lockfile, when a checkout has none yet. */
    private static void installDriver() throws Exception {
        if (Files.isDirectory(BROWSER.resolve("node_modules/playwright-core"))) {
            return;
        }
        Process npm = new ProcessBuilder("npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund")
                .directory(BROWSER.toFile()).redirectErrorStream(true).start();
        String out = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(npm.waitFor(300, TimeUnit.SECONDS), "npm ci did not finish");
        assertEquals(0, npm.exitValue(), "npm ci in " + BROWSER + " failed:\n" + out);
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
        try (Driver page = Driver.start(lib, transport, d.user(), d.realm(), d.password())) {
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
        try (Driver page = Driver.start(lib, transport, d.user(), d.realm(), d.password())) {
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
        try (Driver page = Driver.start(lib, transport, d.user(), d.realm(), d.password() + "-wrong")) {
            JsonNode failed = page.await("registration_failed");
            int status = failed.get("status").asInt();
            assertTrue(status == 401 || status == 403, failed.toString());
            assertFalse(d.status().get("registered").asBoolean());
        }
    }

    /** One driver process: a Chromium page with the library, talking JSON lines over stdin/stdout. */
    private static final class Driver implements AutoCloseable {
        private final Process process;
        private final Writer in;
        private final BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
        private final List<String> seen = new ArrayList<>();

        private Driver(Process process) {
            this.process = process;
            this.in = process.outputWriter(StandardCharsets.UTF_8);
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        try {
                            events.add(JSON.readTree(line));
                        } catch (IOException notJson) {
                            events.add(JSON.createObjectNode().put("event", "stdout").put("text", line));
                        }
                    }
                } catch (IOException ignored) {
                    // the process ended
                }
            }, "browser-driver-stdout");
            reader.setDaemon(true);
            reader.start();
        }

        static Driver start(String lib, String transport, String user, String domain, String password)
                throws IOException {
            int port = "wss".equals(transport) ? edge.transports().wssPort() : edge.transports().wsPort();
            ProcessBuilder pb = new ProcessBuilder("node", BROWSER.resolve("driver.mjs").toString(), "--lib", lib,
                    "--ws-url", transport + "://127.0.0.1:" + port, "--aor", "sip:" + user + "@" + domain,
                    "--user", user, "--password", password, "--timeout-ms", "20000");
            pb.redirectError(ProcessBuilder.Redirect.INHERIT);
            return new Driver(pb.start());
        }

        /** The next event named {@code name}; fails on a driver error or after 30 s. */
        JsonNode await(String name) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {
                long left = deadline - System.nanoTime();
                JsonNode e = left > 0 ? events.poll(left, TimeUnit.NANOSECONDS) : null;
                if (e == null) {
                    fail("no '" + name + "' from the browser driver; it said: " + seen);
                }
                seen.add(e.toString());
                String event = e.path("event").asText();
                if (event.equals(name)) {
                    return e;
                }
                if (event.equals("error") || event.endsWith("_failed") && !name.endsWith("_failed")) {
                    fail("the browser driver reported " + e + " while waiting for '" + name + "'; before: " + seen);
                }
            }
        }

        void send(String command) throws IOException {
            in.write(command + "\n");
            in.flush();
        }

        @Override
        public void close() {
            try {
                send("quit");
            } catch (IOException alreadyGone) {
                // the driver has exited
            }
            try {
                if (process.waitFor(15, TimeUnit.SECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process.destroyForcibly();
        }
    }
}
