package io.sipedge.it;

import static io.sipedge.it.RegistrarRulesTest.NO_HTTP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.sipedge.it.SipTestClient.SipResponse;
import io.sipedge.it.SipTestClient.Transport;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * RFC 5626 over real sockets: the 200 to an outbound registration carries Require: outbound and,
 * on a connection, the configured Flow-Timer; a UDP phone's STUN keepalive is answered from the
 * SIP port with the address the edge sees. The table in {@code RegistrarOutboundTableTest} has the
 * rest of the rule.
 */
class OutboundTest {
    private static final String D = "outbound.example.com";
    private static final String INSTANCE = "+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-00aa00bb00dd>\"";
    static EdgeUnderTest edge;

    @BeforeAll
    static void start() throws Exception {
        edge = EdgeUnderTest.start(NO_HTTP, "sip.flow-timer-seconds=90");
        edge.user(D, "ob", "ob-pass1");
    }

    @AfterAll
    static void stop() throws Exception {
        edge.close();
    }

    private static SipResponse register(SipTestClient phone, String... headers) throws Exception {
        SipResponse r = phone.registerWithAuth("ob", D, "ob-pass1", phone.contact("ob") + ";" + INSTANCE + ";reg-id=1",
                "MD5", headers);
        assertNotNull(r, "no answer");
        assertEquals(200, r.status(), r.raw());
        return r;
    }

    @Test
    void overTcpTheTwoHundredRequiresOutboundAndNamesTheFlowTimer() throws Exception {
        try (SipTestClient phone = new SipTestClient(Transport.TCP, edge.sipPort())) {
            SipResponse r = register(phone, "Supported: path, outbound");
            assertEquals("outbound", r.first("Require"), r.raw());
            assertEquals("90", r.first("Flow-Timer"), r.raw());
        }
    }

    @Test
    void withoutTheOptionTagNeitherHeader() throws Exception {
        try (SipTestClient phone = new SipTestClient(Transport.TCP, edge.sipPort())) {
            SipResponse r = register(phone, "Supported: path");
            assertNull(r.first("Require"), r.raw());
            assertNull(r.first("Flow-Timer"), r.raw());
        }
    }

    @Test
    void overUdpOutboundIsRequiredWithoutFlowTimerAndStunKeepalivesAreAnswered() throws Exception {
        try (SipTestClient phone = new SipTestClient(Transport.UDP, edge.sipPort())) {
            SipResponse r = register(phone, "k: outbound");
            assertEquals("outbound", r.first("Require"), r.raw());
            assertNull(r.first("Flow-Timer"), r.raw());

            byte[] id = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
            phone.sendBytes(ByteBuffer.allocate(20).putShort((short) 0x0001).putShort((short) 0)
                    .putInt(0x2112A442).put(id).array());
            DatagramPacket p = phone.receivePacket(3000);
            assertNotNull(p, "the STUN keepalive went unanswered");
            assertEquals(edge.sipPort(), p.getPort(), "answered from the SIP port");
            ByteBuffer b = ByteBuffer.wrap(p.getData(), 0, p.getLength());
            assertEquals(0x0101, b.getShort() & 0xffff, "a Binding success response");
            b.getShort();
            assertEquals(0x2112A442, b.getInt());
            byte[] echoed = new byte[12];
            b.get(echoed);
            assertEquals(Arrays.toString(id), Arrays.toString(echoed));
            assertEquals(0x0020, b.getShort() & 0xffff, "XOR-MAPPED-ADDRESS");
            b.getShort();
            b.getShort();
            assertEquals(phone.localPort(), (b.getShort() & 0xffff) ^ 0x2112, "the phone's port as the edge saw it");
            byte[] ip = new byte[4];
            b.get(ip);
            byte[] cookie = ByteBuffer.allocate(4).putInt(0x2112A442).array();
            for (int i = 0; i < 4; i++) {
                ip[i] ^= cookie[i];
            }
            assertEquals(InetAddress.getLoopbackAddress(), InetAddress.getByAddress(ip));
        }
    }
}
