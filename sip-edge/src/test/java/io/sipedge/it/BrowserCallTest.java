package io.sipedge.it;

import static io.sipedge.it.RegistrarRulesTest.NO_HTTP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sipedge.it.Softphone.Transport;
import io.sipedge.model.Aor;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * JsSIP in Debian's headless Chromium (the browser driver in {@code src/test/browser}) registers
 * over WS and calls baresip, registered over UDP, through the edge; and the other way round. The
 * call is answered (JsSIP reports the 2xx accepted and the call confirmed, baresip reports it
 * established), then hung up with a BYE that the other side sees.
 *
 * <p>Signalling only, as the issue says: the page swaps Chromium's RTCPeerConnection for a stand-in
 * that offers and answers plain RTP/AVP (a SIP phone refuses WebRTC's DTLS-SRTP offer with 488, and
 * browser-to-phone media needs the media relay that comes later); the local stream is still a real
 * getUserMedia one from Chromium's fake device. The tenant offers MD5 only for baresip 1.0's sake
 * (see {@link RealSoftphoneCallTest}). Chromium, Node.js and baresip are required, never skipped.
 */
@Timeout(90)
class BrowserCallTest {
    private static final Path BROWSER = Path.of("src/test/browser").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String D = "webcalls.example.com";
    private static final Duration WAIT = Duration.ofSeconds(20);
    static EdgeUnderTest edge;

    @BeforeAll
    static void start() throws Exception {
        assertTrue(Softphone.installed("baresip"), "baresip is required (apt-get install baresip-core; .ci/run does)");
        assertTrue(Softphone.installed("node"), "Node.js is required (apt-get install nodejs npm; .ci/run does)");
        assertTrue(Files.isExecutable(Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"))),
                "Chromium is required (apt-get install chromium; .ci/run does)");
        installDriver();
        edge = EdgeUnderTest.start(NO_HTTP, "sip.tls-port=-1", "sip.wss-port=-1");
        edge.tenant(D, true);
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

    private static Softphone baresip(String user) throws Exception {
        edge.user(D, user, user + "-secret");
        return Softphone.baresip(edge, user, D, user + "-secret", Transport.UDP).awaitRegistered(edge, WAIT);
    }

    private static Page jssip(String user) throws Exception {
        edge.user(D, user, user + "-secret");
        Page page = Page.start(user, user + "-secret");
        page.await("registered");
        assertTrue(edge.locations().lookup(new Aor(user, D), edge.clock().instant()).stream()
                .anyMatch(b -> b.transport() == io.sipedge.model.Transport.WS), "JsSIP's binding is over WS");
        return page;
    }

    @Test
    void jssipCallsBaresipWhichAnswersThenJssipHangsUp() throws Exception {
        try (Softphone phone = baresip("desk1"); Page browser = jssip("web1")) {
            try {
                String webAor = "sip:web1@" + D;
                browser.send("call " + phone.aor());
                phone.awaitIncomingCallFrom(webAor, WAIT);
                phone.answer();

                JsonNode accepted = browser.await("call_accepted");
                assertEquals(200, accepted.path("status").asInt(), accepted.toString());
                assertTrue(accepted.path("sdp").asText().contains("a=tool:baresip"),
                        "the 2xx carries baresip's SDP, untouched: " + accepted);
                browser.await("call_confirmed"); // JsSIP sent its ACK
                phone.awaitEstablishedWith(webAor, WAIT); // and baresip got it through the edge

                browser.send("hangup");
                JsonNode ended = browser.await("call_ended");
                assertEquals("local", ended.path("originator").asText(), ended.toString());
                phone.awaitHungUpBy(webAor, WAIT); // the BYE reached baresip through the edge
            } catch (AssertionError e) {
                throw withBrowser(e, browser, phone);
            } finally {
                System.out.println("--- browser driver events ---\n" + String.join("\n", browser.seen));
                System.out.println("--- " + phone + " console ---\n" + phone.output());
            }
        }
    }

    @Test
    void baresipCallsJssipWhichAnswersThenBaresipHangsUp() throws Exception {
        try (Softphone phone = baresip("desk2"); Page browser = jssip("web2")) {
            try {
                String webAor = "sip:web2@" + D;
                phone.dial(webAor);
                JsonNode incoming = browser.await("incoming_call");
                assertEquals(phone.aor(), incoming.path("from").asText(), incoming.toString());
                assertTrue(incoming.path("ruri").asText().contains(".invalid"),
                        "the edge sends the INVITE to the browser's registered contact: " + incoming);
                browser.send("answer");
                browser.await("call_accepted");
                phone.awaitEstablishedWith(webAor, WAIT);
                browser.await("call_confirmed"); // baresip's ACK came through the edge

                phone.hangUp();
                phone.awaitHungUp(webAor, WAIT); // the edge relayed JsSIP's 2xx to the BYE
                JsonNode ended = browser.await("call_ended");
                assertEquals("remote", ended.path("originator").asText(), ended.toString());
                assertEquals("BYE", ended.path("method").asText(), ended.toString());
            } catch (AssertionError e) {
                throw withBrowser(e, browser, phone);
            } finally {
                System.out.println("--- browser driver events ---\n" + String.join("\n", browser.seen));
                System.out.println("--- " + phone + " console ---\n" + phone.output());
            }
        }
    }

    private static AssertionError withBrowser(AssertionError e, Page browser, Softphone phone) {
        String msg = e.getMessage() + "\n--- browser driver events ---\n" + String.join("\n", browser.seen);
        if (!msg.contains("--- " + phone + " console ---")) {
            msg += "\n" + phone.report();
        }
        return new AssertionError(msg, e);
    }

    /** One driver process: a Chromium page with JsSIP, talking JSON lines over stdin/stdout. */
    private static final class Page implements AutoCloseable {
        private final Process process;
        private final Writer in;
        private final BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
        final List<String> seen = new ArrayList<>();

        private Page(Process process) {
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
            }, "browser-call-driver-stdout");
            reader.setDaemon(true);
            reader.start();
        }

        static Page start(String user, String password) throws IOException {
            ProcessBuilder pb = new ProcessBuilder("node", BROWSER.resolve("driver.mjs").toString(), "--lib", "jssip",
                    "--ws-url", "ws://127.0.0.1:" + edge.transports().wsPort(), "--aor", "sip:" + user + "@" + D,
                    "--user", user, "--password", password, "--timeout-ms", "20000");
            pb.redirectError(ProcessBuilder.Redirect.INHERIT);
            return new Page(pb.start());
        }

        /** The next event named {@code name}; fails on a driver error, a failed call or after 30 s. */
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
                if (event.equals("error") || event.endsWith("_failed") && !name.endsWith("_failed")
                        || event.equals("call_ended") && !name.equals("call_ended")) {
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
