package io.sipedge.it;

import static io.sipedge.it.RegistrarRulesTest.NO_HTTP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipedge.it.Softphone.Transport;
import io.sipedge.model.Aor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
    private static final String D = "webcalls.example.com";
    private static final Duration WAIT = Duration.ofSeconds(20);
    static EdgeUnderTest edge;

    @BeforeAll
    static void start() throws Exception {
        assertTrue(Softphone.installed("baresip"), "baresip is required (apt-get install baresip-core; .ci/run does)");
        assertTrue(Softphone.installed("node"), "Node.js is required (apt-get install nodejs npm; .ci/run does)");
        assertTrue(Files.isExecutable(Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"))),
                "Chromium is required (apt-get install chromium; .ci/run does)");
        BrowserScript.install();
        edge = EdgeUnderTest.start(NO_HTTP, "sip.tls-port=-1", "sip.wss-port=-1");
        edge.tenant(D, true);
    }

    @AfterAll
    static void stop() throws Exception {
        if (edge != null) {
            edge.close();
        }
    }

    private static Softphone baresip(String user) throws Exception {
        edge.user(D, user, user + "-secret");
        return Softphone.baresip(edge, user, D, user + "-secret", Transport.UDP).awaitRegistered(edge, WAIT);
    }

    private static BrowserScript jssip(String user) throws Exception {
        edge.user(D, user, user + "-secret");
        BrowserScript page = page(user, user + "-secret");
        page.await("registered");
        assertTrue(edge.locations().lookup(new Aor(user, D), edge.clock().instant()).stream()
                .anyMatch(b -> b.transport() == io.sipedge.model.Transport.WS), "JsSIP's binding is over WS");
        return page;
    }

    @Test
    void jssipCallsBaresipWhichAnswersThenJssipHangsUp() throws Exception {
        try (Softphone phone = baresip("desk1"); BrowserScript browser = jssip("web1")) {
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
        try (Softphone phone = baresip("desk2"); BrowserScript browser = jssip("web2")) {
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

    private static AssertionError withBrowser(AssertionError e, BrowserScript browser, Softphone phone) {
        String msg = e.getMessage() + "\n--- browser driver events ---\n" + String.join("\n", browser.seen);
        if (!msg.contains("--- " + phone + " console ---")) {
            msg += "\n" + phone.report();
        }
        return new AssertionError(msg, e);
    }

    /**
     * driver.mjs with JsSIP over the edge's WS listener; a wait fails on an error, a failed call,
     * or a call that ended unless that is what is awaited.
     */
    private static BrowserScript page(String user, String password) throws IOException {
        return BrowserScript.start("driver.mjs", List.of("--lib", "jssip", "--ws-url", "ws://127.0.0.1:"
                + edge.transports().wsPort(), "--aor", "sip:" + user + "@" + D, "--user", user, "--password", password,
                "--timeout-ms", "20000"), BrowserScript.FAILURES.or((event, awaited) -> event.equals("call_ended")
                && !awaited.equals("call_ended")), Duration.ofSeconds(30));
    }
}
