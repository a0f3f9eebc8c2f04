package io.sipedge.it;

import static io.sipedge.it.ProxyCallTest.SDP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.it.SipTestClient.SipResponse;
import io.sipedge.it.TestPhone.Via;
import io.sipedge.testing.PrometheusText;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The proxy's policy at its edges: a trusted peer reaching a local user without credentials, calls
 * across tenants, a phone whose connection has closed, and the proxy's metrics after real calls.
 */
class ProxyLimitsTest {
    private static final String D = "limits.example.com";
    private static final String OTHER = "other-tenant.example.com";
    /** A loopback address other than 127.0.0.1: the SBC the edge trusts. */
    private static final String TRUSTED = "127.0.0.2";
    static EdgeUnderTest edge;

    @BeforeAll
    static void start() throws Exception {
        edge = EdgeUnderTest.start("proxy.trusted-peers=" + TRUSTED + "/32");
        for (String u : new String[] {"alice", "bob"}) {
            edge.user(D, u, u + "-secret");
        }
        edge.user(OTHER, "mallory", "mallory-secret");
    }

    @AfterAll
    static void stop() throws Exception {
        edge.close();
    }

    private static TestPhone phone(String user, String domain, Via via) throws Exception {
        return new TestPhone(edge, via, user, domain, user + "-secret").register();
    }

    @Test
    void aTrustedPeerReachesALocalUserWithoutCredentialsAndAnOutsiderDoesNot() throws Exception {
        try (TestPhone bob = phone("bob", D, Via.TCP);
             DatagramSocket sbc = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(TRUSTED), 0));
             DatagramSocket stranger = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            sbc.setSoTimeout(3000);
            stranger.setSoTimeout(3000);
            for (DatagramSocket s : new DatagramSocket[] {stranger, sbc}) {
                String host = s.getLocalAddress().getHostAddress();
                String invite = "INVITE " + bob.aor() + " SIP/2.0\r\nVia: SIP/2.0/UDP " + host + ":" + s.getLocalPort()
                        + ";branch=z9hG4bKtrunk" + s.getLocalPort() + "\r\nMax-Forwards: 70\r\n"
                        + "From: <sip:+15551234567@trunk.example.net>;tag=t1\r\nTo: <" + bob.aor() + ">\r\n"
                        + "Call-ID: trunk-" + s.getLocalPort() + "\r\nCSeq: 1 INVITE\r\nContact: <sip:+15551234567@"
                        + host + ":" + s.getLocalPort() + ">\r\nContent-Length: 0\r\n\r\n";
                byte[] b = invite.getBytes(StandardCharsets.US_ASCII);
                s.send(new DatagramPacket(b, b.length, InetAddress.getLoopbackAddress(), edge.sipPort()));
            }
            SipResponse refused = finalOn(stranger);
            assertEquals(403, refused.status(), "an outsider is not relayed to a local user");
            SipResponse invite = bob.awaitRequest("INVITE");
            assertTrue(invite.first("From").contains("+15551234567@trunk.example.net"), invite.raw());
            bob.send(bob.response(invite, 200, "OK", "b"));
            assertEquals(200, finalOn(sbc).status());
        }
    }

    private static SipResponse finalOn(DatagramSocket s) throws Exception {
        while (true) {
            DatagramPacket p = new DatagramPacket(new byte[8192], 8192);
            s.receive(p);
            SipResponse r = SipResponse.parse(new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8));
            if (r.status() >= 200) {
                return r;
            }
        }
    }

    @Test
    void callsToAnotherTenantAreRefused() throws Exception {
        try (TestPhone mallory = phone("mallory", OTHER, Via.UDP); TestPhone bob = phone("bob", D, Via.UDP)) {
            mallory.sendAuthenticated("INVITE", bob.aor(), SDP);
            SipResponse r = mallory.awaitFinal("INVITE");
            assertEquals(403, r.status(), r.raw());
            assertTrue(bob.quiet(300, m -> false));
        }
    }

    @Test
    void aPhoneWhoseConnectionClosedIsUnavailable() throws Exception {
        TestPhone bob = phone("bob", D, Via.TCP);
        bob.close(); // its binding stays (no RFC 5626 flow), but nothing reaches it any more
        try (TestPhone alice = phone("alice", D, Via.UDP)) {
            Thread.sleep(200); // the close reaches the edge's connection table
            alice.sendAuthenticated("INVITE", bob.aor(), SDP);
            SipResponse r = alice.awaitFinal("INVITE");
            assertEquals(480, r.status(), r.raw());
        }
    }

    @Test
    void proxiedRequestsAreCountedByMethodAndFinalClass() throws Exception {
        PrometheusText before = edge.metrics();
        try (TestPhone alice = phone("alice", D, Via.TCP); TestPhone bob = phone("bob", D, Via.TCP)) {
            alice.sendAuthenticated("MESSAGE", bob.aor(), "hi");
            SipResponse m = bob.awaitRequest("MESSAGE");
            bob.send(bob.response(m, 200, "OK", "b"));
            assertEquals(200, alice.awaitFinal("MESSAGE").status());
        }
        PrometheusText after = edge.metrics();
        assertEquals(before.valueOrZero("sip_proxy_requests_total", "method", "MESSAGE", "status", "2xx") + 1,
                after.value("sip_proxy_requests_total", "method", "MESSAGE", "status", "2xx"));
        assertEquals(before.valueOrZero("sip_proxy_requests_total", "method", "MESSAGE", "status", "4xx") + 1,
                after.value("sip_proxy_requests_total", "method", "MESSAGE", "status", "4xx"), "the 407");
        assertEquals(before.valueOrZero("sip_proxy_branch_outcomes_total", "outcome", "success") + 1,
                after.value("sip_proxy_branch_outcomes_total", "outcome", "success"));
        assertNotNull(after.types().get("sip_proxy_branches"));
    }
}
