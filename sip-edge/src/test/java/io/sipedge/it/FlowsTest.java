package io.sipedge.it;

import static io.sipedge.it.RegistrarRulesTest.NO_HTTP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.it.SipTestClient.SipResponse;
import io.sipedge.it.SipTestClient.Transport;
import io.sipedge.model.Aor;
import io.sipedge.model.Binding;
import java.io.IOException;
import java.net.DatagramPacket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Flows: every binding keeps the flow it registered on, the edge reaches the phone on it, and a
 * closed connection takes its RFC 5626 bindings with it and leaves the others unreachable.
 */
class FlowsTest {
    private static final String D = "flows.example.com";
    private static final String INSTANCE = "+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-00aa00bb00cc>\"";
    static EdgeUnderTest edge;

    @BeforeAll
    static void start() throws Exception {
        edge = EdgeUnderTest.start(NO_HTTP);
        for (String u : List.of("tcp-phone", "tcp-reach", "tls-reach", "udp-phone", "outbound-phone")) {
            edge.user(D, u, u + "-pw");
        }
    }

    @AfterAll
    static void stop() throws Exception {
        edge.close();
    }

    private static List<Binding> bindings(String user) {
        return edge.locations().lookup(new Aor(user, D), Instant.now());
    }

    private static void register(SipTestClient c, String user, String contact) throws IOException {
        SipResponse r = c.registerWithAuth(user, D, user + "-pw", contact, "MD5");
        assertNotNull(r, "no answer");
        assertEquals(200, r.status(), r.raw());
    }

    private static String options(SipTestClient phone, String user) {
        return "OPTIONS sip:" + user + "@127.0.0.1:" + phone.localPort() + " SIP/2.0\r\n"
                + "Via: SIP/2.0/" + phone.transportToken().toUpperCase(java.util.Locale.ROOT)
                + " 127.0.0.1;branch=z9hG4bK-edge-probe\r\nMax-Forwards: 70\r\nFrom: <sip:" + D + ">;tag=e\r\n"
                + "To: <sip:" + user + "@" + D + ">\r\nCall-ID: reach-" + user + "\r\nCSeq: 1 OPTIONS\r\n"
                + "Content-Length: 0\r\n\r\n";
    }

    @Test
    void theEdgeReachesAStreamPhoneOnItsOwnConnection() throws Exception {
        for (Transport t : List.of(Transport.TCP, Transport.TLS)) {
            String user = t == Transport.TCP ? "tcp-reach" : "tls-reach";
            try (SipTestClient phone = new SipTestClient(t, t == Transport.TLS ? edge.sipTlsPort() : edge.sipPort())) {
                register(phone, user, phone.contact(user));
                Binding b = bindings(user).get(0);
                assertEquals(t.name(), b.transport().name());
                assertTrue(b.flow().onConnection(), b.toString());
                assertEquals(phone.localPort(), b.flow().remotePort());
                assertEquals(edge.transports().edge(), b.flow().edge());
                edge.transports().send(b.flow(), options(phone, user).getBytes(StandardCharsets.US_ASCII));
                String got = new String(phone.receiveRaw(3000), StandardCharsets.US_ASCII);
                assertTrue(got.startsWith("OPTIONS sip:" + user), got);
            }
        }
    }

    @Test
    void theEdgeReachesAUdpPhoneFromItsListeningPort() throws Exception {
        try (SipTestClient phone = new SipTestClient(Transport.UDP, edge.sipPort())) {
            register(phone, "udp-phone", phone.contact("udp-phone"));
            Binding b = bindings("udp-phone").get(0);
            assertFalse(b.flow().onConnection());
            assertEquals(phone.localPort(), b.flow().remotePort(), "the phone's source port, as the edge saw it");
            edge.transports().send(b.flow(), options(phone, "udp-phone").getBytes(StandardCharsets.US_ASCII));
            DatagramPacket p = phone.receivePacket(3000);
            assertNotNull(p, "nothing reached the phone");
            assertEquals(edge.sipPort(), p.getPort(), "must leave from the listening socket (NAT)");
        }
    }

    @Test
    void aClosedConnectionTakesItsOutboundBindingsAndLeavesTheOthersUnreachable() throws Exception {
        Binding plain;
        Binding outbound;
        try (SipTestClient tcp = new SipTestClient(Transport.TCP, edge.sipPort());
             SipTestClient tls = new SipTestClient(Transport.TLS, edge.sipTlsPort())) {
            register(tcp, "tcp-phone", tcp.contact("tcp-phone"));
            register(tls, "outbound-phone", tls.contact("outbound-phone") + ";" + INSTANCE + ";reg-id=1");
            plain = bindings("tcp-phone").get(0);
            outbound = bindings("outbound-phone").get(0);
            assertTrue(plain.flow().open() && outbound.flow().open());
        }
        eventually("the RFC 5626 binding went with its connection", () -> bindings("outbound-phone").isEmpty());
        eventually("the plain binding is marked unreachable",
                () -> bindings("tcp-phone").size() == 1 && !bindings("tcp-phone").get(0).flow().open());
        // Nothing is sent where the connection was, and no connection is opened to reach it.
        IOException e = assertThrows(IOException.class,
                () -> edge.transports().send(plain.flow(), new byte[] {'\r', '\n'}));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        // A REGISTER on a new flow replaces the dead one.
        try (SipTestClient again = new SipTestClient(Transport.TCP, edge.sipPort())) {
            register(again, "tcp-phone", plain.contact().startsWith("sip:") ? "<" + plain.contact() + ">"
                    : plain.contact());
            Binding now = bindings("tcp-phone").get(0);
            assertTrue(now.flow().open());
            assertEquals(again.localPort(), now.flow().remotePort());
        }
    }

    private static void eventually(String what, BooleanSupplier ok) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!ok.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what);
            Thread.sleep(20);
        }
    }
}
