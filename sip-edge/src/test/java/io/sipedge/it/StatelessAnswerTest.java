package io.sipedge.it;

import static io.sipedge.it.RegistrarRulesTest.D;
import static io.sipedge.it.RegistrarRulesTest.NO_HTTP;
import static io.sipedge.it.RegistrarRulesTest.NO_TLS;
import static io.sipedge.it.RegistrarRulesTest.PW;
import static io.sipedge.it.RegistrarRulesTest.assertStatus;
import static io.sipedge.it.RegistrarRulesTest.single;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.it.SipTestClient.SipResponse;
import io.sipedge.it.SipTestClient.Transport;
import io.sipedge.model.Binding;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The edge answers REGISTER and OPTIONS without server transactions. What a transaction would have
 * given must still hold: a retransmitted request gets the answer of the original instead of being
 * treated as a new (out-of-order or replayed) one, and UDP responses go where RFC 3261 §18.2.2 and
 * RFC 3581 say.
 */
class StatelessAnswerTest {
    static EdgeUnderTest edge;

    @BeforeAll
    static void start() throws Exception {
        edge = EdgeUnderTest.start(NO_TLS, NO_HTTP);
    }

    @AfterAll
    static void stop() throws Exception {
        edge.close();
    }

    private static List<Binding> bindings(String user) {
        return RegistrarRulesTest.bindings(edge, user, D);
    }

    private static SipTestClient udp() throws Exception {
        return new SipTestClient(Transport.UDP, edge.sipPort());
    }

    @Test
    void aRetransmittedAuthenticatedRegisterGetsTheOriginal200AndChangesNothing() throws Exception {
        edge.user(D, "sa-retrans", PW);
        try (SipTestClient c = udp()) {
            SipResponse ch = c.request(c.register("sa-retrans", D, c.contact("sa-retrans")));
            assertStatus(401, ch);
            String authenticated = c.register("sa-retrans", D, c.contact("sa-retrans"), "Expires: 600",
                    SipTestClient.authorization(ch, "sa-retrans", PW, "sip:" + D, "MD5", 1));
            SipResponse first = c.request(authenticated);
            assertStatus(200, first);
            Binding stored = single(bindings("sa-retrans"));

            edge.clock().advance(Duration.ofSeconds(2)); // the client's Timer E fired; the 200 was lost
            SipResponse again = c.request(authenticated);
            assertStatus(200, again);
            assertEquals(first.all("Contact").size(), again.all("Contact").size());
            assertTrue(again.first("Contact").contains("expires=598"), again.raw());
            assertEquals(first.first("CSeq"), again.first("CSeq"));
            // RFC 3261 §8.2.7: a stateless UAS gives the same request the same To tag.
            assertEquals(first.first("To"), again.first("To"));
            assertTrue(first.first("To").contains(";tag="), first.raw());
            assertEquals(stored, single(bindings("sa-retrans")), "a retransmission re-applied the change");

            // A new request (register() takes the next CSeq) gets another tag.
            SipResponse next = c.request(c.register("sa-retrans", D, c.contact("sa-retrans")));
            assertNotEquals(first.first("To"), next.first("To"), next.raw());
        }
    }

    @Test
    void theSameCredentialsInANewTransactionAreStillAReplay() throws Exception {
        edge.user(D, "sa-replay", PW);
        try (SipTestClient c = udp()) {
            SipResponse ch = c.request(c.register("sa-replay", D, c.contact("sa-replay")));
            String auth = SipTestClient.authorization(ch, "sa-replay", PW, "sip:" + D, "MD5", 1);
            String original = c.register("sa-replay", D, c.contact("sa-replay"), auth);
            assertStatus(200, c.request(original));
            // Same Call-ID, CSeq and credentials, but a new branch: not a retransmission.
            String newBranch = original.replaceFirst("branch=z9hG4bK[0-9a-f]+", "branch=z9hG4bKother");
            assertNotEquals(original, newBranch);
            assertStatus(401, c.request(newBranch));
        }
    }

    @Test
    void aRetransmittedUnregisterStill200sWithNoBindings() throws Exception {
        edge.user(D, "sa-unreg", PW);
        try (SipTestClient c = udp()) {
            assertStatus(200, c.registerWithAuth("sa-unreg", D, PW, c.contact("sa-unreg"), "MD5"));
            SipResponse ch = c.request(c.register("sa-unreg", D, "*", "Expires: 0"));
            assertStatus(401, ch);
            String unregister = c.register("sa-unreg", D, "*", "Expires: 0",
                    SipTestClient.authorization(ch, "sa-unreg", PW, "sip:" + D, "MD5", 1));
            assertStatus(200, c.request(unregister));
            assertTrue(bindings("sa-unreg").isEmpty());
            SipResponse again = c.request(unregister);
            assertStatus(200, again);
            assertTrue(again.all("Contact").isEmpty(), again.raw());
            assertTrue(bindings("sa-unreg").isEmpty());
        }
    }

    @Test
    void aRetransmittedFirstLegIsChallengedAgain() throws Exception {
        try (SipTestClient c = udp()) {
            String text = c.register("sa-leg1", D, c.contact("sa-leg1"));
            SipResponse a = c.request(text);
            SipResponse b = c.request(text);
            assertStatus(401, a);
            assertStatus(401, b);
        }
    }

    /**
     * Pipelined requests of one Call-ID on one connection must be handled in order, or a refresh
     * would overtake the one before it (400 out of order, or a nonce-count replay).
     */
    @Test
    void pipelinedRequestsOfOneCallIdOverTcpAreHandledInOrder() throws Exception {
        edge.user(D, "sa-pipe", PW);
        try (SipTestClient c = new SipTestClient(Transport.TCP, edge.sipPort())) {
            SipResponse ch = c.request(c.register("sa-pipe", D, c.contact("sa-pipe")));
            assertStatus(401, ch);
            StringBuilder burst = new StringBuilder();
            int n = 20;
            for (int nc = 1; nc <= n; nc++) {
                burst.append(c.register("sa-pipe", D, c.contact("sa-pipe"),
                        SipTestClient.authorization(ch, "sa-pipe", PW, "sip:" + D, "MD5", nc)));
            }
            c.sendText(burst.toString());
            for (int i = 0; i < n; i++) {
                SipResponse r = c.receive(5000);
                assertStatus(200, r);
            }
            assertEquals(c.cseq(), single(bindings("sa-pipe")).cseq());
        }
    }

    /** RFC 3261 §18.2.2: without rport, the response goes to the sent-by port, not the source port. */
    @Test
    void withoutRportTheResponseGoesToTheViaPort() throws Exception {
        InetAddress lo = InetAddress.getLoopbackAddress();
        try (DatagramSocket sender = new DatagramSocket(0, lo); DatagramSocket viaPort = new DatagramSocket(0, lo)) {
            sender.setSoTimeout(700);
            viaPort.setSoTimeout(3000);
            String req = "OPTIONS sip:" + D + " SIP/2.0\r\n"
                    + "Via: SIP/2.0/UDP 127.0.0.1:" + viaPort.getLocalPort() + ";branch=z9hG4bKnorport1\r\n"
                    + "Max-Forwards: 70\r\nFrom: <sip:probe@" + D + ">;tag=1\r\nTo: <sip:" + D + ">\r\n"
                    + "Call-ID: norport-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
            byte[] b = req.getBytes(StandardCharsets.US_ASCII);
            sender.send(new DatagramPacket(b, b.length, lo, edge.sipPort()));
            String got = receive(viaPort);
            assertTrue(got.startsWith("SIP/2.0 200"), got);
            assertNull(receiveOrNull(sender), "the response also went to the source port");

            // With rport, to the source port.
            String withRport = req.replace(";branch=z9hG4bKnorport1", ";rport;branch=z9hG4bKrport2")
                    .replace("Call-ID: norport-1", "Call-ID: rport-2");
            b = withRport.getBytes(StandardCharsets.US_ASCII);
            sender.setSoTimeout(3000);
            sender.send(new DatagramPacket(b, b.length, lo, edge.sipPort()));
            String viaRport = receive(sender);
            assertTrue(viaRport.startsWith("SIP/2.0 200"), viaRport);
            assertTrue(viaRport.contains(";rport=" + sender.getLocalPort()), viaRport);
        }
    }

    private static String receive(DatagramSocket s) throws Exception {
        DatagramPacket p = new DatagramPacket(new byte[8192], 8192);
        s.receive(p);
        return new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII);
    }

    private static String receiveOrNull(DatagramSocket s) throws Exception {
        try {
            return receive(s);
        } catch (SocketTimeoutException e) {
            return null;
        }
    }
}
