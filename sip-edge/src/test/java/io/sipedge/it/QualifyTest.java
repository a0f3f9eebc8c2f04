package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.it.SipTestClient.SipResponse;
import io.sipedge.it.SipTestClient.Transport;
import io.sipedge.model.Aor;
import io.sipedge.testing.PrometheusText;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Qualify over real sockets: a UDP phone whose Contact port is not its source port (a NAT, as the
 * edge sees it) gets OPTIONS from the edge's SIP port; answered, it stays registered; silent for
 * three probes in a row, it is removed; a phone not behind NAT is never probed, and none of it
 * counts as a REGISTER. The edge's clock is the test's: each step moves it a second and waits for
 * the qualifier's tick, which runs every real second.
 */
@Timeout(120)
class QualifyTest {
    private static final String D = "qualify.example.com";
    private static final int INTERVAL = 2;
    private static final int MISSES = 3;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static EdgeUnderTest edge;

    @BeforeAll
    static void start() throws Exception {
        edge = EdgeUnderTest.start("sip.tls-port=-1", "sip.qualify-interval-seconds=" + INTERVAL,
                "sip.qualify-misses=" + MISSES);
        edge.user(D, "natted", "natted-pw1");
        edge.user(D, "direct", "direct-pw1");
    }

    @AfterAll
    static void stop() throws Exception {
        edge.close();
    }

    private static boolean bound(String user) {
        return !edge.locations().lookup(new Aor(user, D), edge.clock().instant()).isEmpty();
    }

    private static PrometheusText scrape() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.httpPort()
                + "/metrics")).timeout(Duration.ofSeconds(15)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        return PrometheusText.parse(r.body());
    }

    private static double keepalive(PrometheusText p, String family) {
        return p.valueOrZero(family, "kind", "qualify", "transport", "udp");
    }

    private static double registers(PrometheusText p) {
        return p.all("sip_register_requests_total").stream().mapToDouble(PrometheusText.Sample::value).sum();
    }

    /**
     * The next OPTIONS on {@code phone}: one already waiting, else the one the qualifier's next tick
     * sends once the edge's clock has moved an interval.
     */
    private static SipResponse nextProbe(SipTestClient phone) throws Exception {
        SipResponse m = phone.receive(50);
        for (int step = 0; m == null && step < 3; step++) {
            edge.clock().advance(Duration.ofSeconds(INTERVAL));
            m = phone.receive(2500);
        }
        assertNotNull(m, "no OPTIONS came");
        assertTrue(m.raw().startsWith("OPTIONS "), m.raw());
        return m;
    }

    /** Waits until the edge has counted {@code n} answers since {@code before}: the clock may move then. */
    private static void awaitAnswered(PrometheusText before, int n) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (keepalive(scrape(), "sip_keepalive_probes_answered_total")
                - keepalive(before, "sip_keepalive_probes_answered_total") < n) {
            assertTrue(System.nanoTime() < deadline, "the answer was not taken");
            Thread.sleep(20);
        }
    }

    /** Moves the edge's clock an interval at a time until {@code user} is no longer bound. */
    private static void awaitRemoved(String user) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (bound(user)) {
            assertTrue(System.nanoTime() < deadline, user + " still bound after " + MISSES + " unanswered probes");
            edge.clock().advance(Duration.ofSeconds(INTERVAL));
            Thread.sleep(1100); // a tick of the qualifier
        }
    }

    /** A response to {@code request} with {@code status}, as a phone's stack would write it. */
    private static String answer(SipResponse request, int status, String reason) {
        return "SIP/2.0 " + status + " " + reason + "\r\nVia: " + request.first("Via") + "\r\nFrom: "
                + request.first("From") + "\r\nTo: " + request.first("To") + ";tag=phone\r\nCall-ID: "
                + request.first("Call-ID") + "\r\nCSeq: " + request.first("CSeq") + "\r\nContent-Length: 0\r\n\r\n";
    }

    @Test
    void aPhoneBehindNatIsProbedKeptWhileItAnswersAndRemovedAfterThreeSilentProbes() throws Exception {
        try (SipTestClient natted = new SipTestClient(Transport.UDP, edge.sipPort());
             SipTestClient direct = new SipTestClient(Transport.UDP, edge.sipPort())) {
            // The Contact names another port than the socket's: what a NAT in between looks like.
            int claimed = natted.localPort() == 5099 ? 5098 : 5099;
            SipResponse ok = natted.registerWithAuth("natted", D, "natted-pw1",
                    "<sip:natted@127.0.0.1:" + claimed + ";transport=udp>", "MD5", "Expires: 3600");
            assertEquals(200, ok.status(), ok.raw());
            assertEquals(200, direct.registerWithAuth("direct", D, "direct-pw1", direct.contact("direct"), "MD5",
                    "Expires: 3600").status());
            PrometheusText before = scrape();

            // Answered probes, even with an error status, keep the binding.
            String[][] answers = {{"200", "OK"}, {"404", "Not Found"}};
            int answered = 0;
            for (String[] a : answers) {
                SipResponse probe = nextProbe(natted);
                assertTrue(probe.raw().startsWith("OPTIONS sip:natted@127.0.0.1:" + claimed + ";transport=udp SIP/2.0\r\n"),
                        "the Contact is the Request-URI:\n" + probe.raw());
                assertTrue(probe.first("Via").startsWith("SIP/2.0/UDP 127.0.0.1:" + edge.sipPort() + ";branch=z9hG4bK"),
                        probe.raw());
                assertTrue(probe.first("From").startsWith("<sip:ping@" + D + ">;tag="), probe.raw());
                assertEquals("<sip:natted@" + D + ">", probe.first("To"));
                assertEquals("1 OPTIONS", probe.first("CSeq"));
                assertEquals("70", probe.first("Max-Forwards"));
                natted.sendText(answer(probe, Integer.parseInt(a[0]), a[1]));
                awaitAnswered(before, ++answered);
            }
            assertTrue(bound("natted"));

            // Silence: the third probe in a row without an answer removes the binding.
            for (int silent = 1; silent <= MISSES; silent++) {
                nextProbe(natted);
                // A probe leaves only while the binding stands: the one before it was at most miss n-1.
                assertTrue(bound("natted"), "removed before " + MISSES + " misses");
            }
            awaitRemoved("natted");
            edge.clock().advance(Duration.ofSeconds(2 * INTERVAL));
            assertNull(natted.receive(2500), "no probe after the binding is gone");
            assertTrue(bound("direct"));
            assertNull(direct.receive(200), "a phone not behind NAT is never probed");

            PrometheusText after = scrape();
            assertEquals(answers.length + MISSES, keepalive(after, "sip_keepalive_probes_sent_total")
                    - keepalive(before, "sip_keepalive_probes_sent_total"), after.text());
            assertEquals(answers.length, keepalive(after, "sip_keepalive_probes_answered_total")
                    - keepalive(before, "sip_keepalive_probes_answered_total"));
            assertEquals(MISSES, keepalive(after, "sip_keepalive_probes_unanswered_total")
                    - keepalive(before, "sip_keepalive_probes_unanswered_total"));
            assertEquals(1, keepalive(after, "sip_keepalive_failures_total")
                    - keepalive(before, "sip_keepalive_failures_total"));
            assertEquals(1, after.valueOrZero("sip_bindings_removed_total", "reason", "unreachable")
                    - before.valueOrZero("sip_bindings_removed_total", "reason", "unreachable"));
            assertEquals(registers(before), registers(after), "probes and answers are no REGISTERs");
            assertFalse(after.text().contains("natted"), "no AOR in the scrape");
        }
    }

    @Test
    void aRegisterBringsTheRemovedPhoneBack() throws Exception {
        try (SipTestClient phone = new SipTestClient(Transport.UDP, edge.sipPort())) {
            edge.user(D, "returning", "returning-pw1");
            int claimed = phone.localPort() == 5097 ? 5096 : 5097;
            String contact = "<sip:returning@127.0.0.1:" + claimed + ">";
            assertEquals(200, phone.registerWithAuth("returning", D, "returning-pw1", contact, "MD5").status());
            for (int silent = 0; silent < MISSES; silent++) {
                nextProbe(phone);
            }
            awaitRemoved("returning");
            phone.newCallId();
            assertEquals(200, phone.registerWithAuth("returning", D, "returning-pw1", contact, "MD5").status());
            assertTrue(bound("returning"));
            SipResponse probe = nextProbe(phone);
            assertNotNull(probe.first("Call-ID"), "qualified again");
            // Gone for good, so that the other test's counts are its own.
            assertEquals(200, phone.registerWithAuth("returning", D, "returning-pw1", contact, "MD5", "Expires: 0")
                    .status());
            assertFalse(bound("returning"));
        }
    }
}
