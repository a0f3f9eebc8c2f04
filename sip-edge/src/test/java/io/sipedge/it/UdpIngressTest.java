package io.sipedge.it;

import static io.sipedge.it.RegistrarRulesTest.NO_HTTP;
import static io.sipedge.it.RegistrarRulesTest.NO_TLS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The edge's UDP readers: replies leave from the listening socket, and after a flood far beyond
 * what the socket buffers hold the readers keep serving and a new request is answered promptly.
 */
class UdpIngressTest {
    private static final String D = "ingress.example.com";
    static EdgeUnderTest edge;

    @BeforeAll
    static void start() throws Exception {
        edge = EdgeUnderTest.start(NO_TLS, NO_HTTP, "sip.worker-threads=2");
    }

    @AfterAll
    static void stop() throws Exception {
        edge.close();
    }

    private static byte[] options(int port, String callId) {
        String req = "OPTIONS sip:" + D + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:" + port + ";rport;branch=z9hG4bK" + callId + "\r\n"
                + "Max-Forwards: 70\r\nFrom: <sip:probe@" + D + ">;tag=1\r\nTo: <sip:" + D + ">\r\n"
                + "Call-ID: " + callId + "\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
        return req.getBytes(StandardCharsets.US_ASCII);
    }

    /** NAT: a phone's mapping only lets in what comes from the address and port it sent to. */
    @Test
    void repliesLeaveFromTheListeningPort() throws Exception {
        InetAddress lo = InetAddress.getLoopbackAddress();
        try (DatagramSocket s = new DatagramSocket(0, lo)) {
            s.setSoTimeout(3000);
            byte[] b = options(s.getLocalPort(), "from-port-1");
            s.send(new DatagramPacket(b, b.length, lo, edge.sipPort()));
            DatagramPacket p = new DatagramPacket(new byte[8192], 8192);
            s.receive(p);
            assertTrue(new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII).startsWith("SIP/2.0 200"));
            assertEquals(edge.sipPort(), p.getPort(), "reply source port");
        }
    }

    @Test
    void aFloodBeyondTheSocketBufferLeavesTheReadersServing() throws Exception {
        InetAddress lo = InetAddress.getLoopbackAddress();
        try (DatagramSocket flood = new DatagramSocket(0, lo); DatagramSocket probe = new DatagramSocket(0, lo)) {
            flood.setReceiveBufferSize(64 * 1024); // its replies may overflow: nobody reads them
            int sent = 40_000; // far more than the 4 MiB socket buffer holds
            for (int i = 0; i < sent; i++) {
                byte[] b = options(flood.getLocalPort(), "flood-" + i);
                flood.send(new DatagramPacket(b, b.length, lo, edge.sipPort()));
            }
            // Right after the flood, a new request is answered within a few seconds: the backlog is
            // bounded, so it does not wait behind 40 000 datagrams of parsing.
            probe.setSoTimeout(500);
            long deadline = System.nanoTime() + 5_000_000_000L;
            String got = null;
            for (int attempt = 0; got == null && System.nanoTime() < deadline; attempt++) {
                byte[] b = options(probe.getLocalPort(), "probe-" + attempt);
                probe.send(new DatagramPacket(b, b.length, lo, edge.sipPort()));
                DatagramPacket p = new DatagramPacket(new byte[8192], 8192);
                try {
                    probe.receive(p);
                    got = new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII);
                } catch (SocketTimeoutException e) {
                    // shed or still queued; retransmit as a phone would
                }
            }
            assertTrue(got != null && got.startsWith("SIP/2.0 200"), "no answer after the flood: " + got);
        }
    }
}
