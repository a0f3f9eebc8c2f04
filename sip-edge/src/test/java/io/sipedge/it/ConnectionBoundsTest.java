package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.it.SipTestClient.SipResponse;
import io.sipedge.it.SipTestClient.Transport;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * No single client stops the edge: each finding of the black-box probe of the old transport,
 * reproduced against the running edge over real sockets. One edge with small bounds, so the
 * tests finish in seconds.
 */
class ConnectionBoundsTest {
    private static final String D = "bounds.example.com";
    private static final int PER_IP = 50;
    private static final int IDLE_MS = 3000;
    private static final int READ_MS = 500;
    private static final int HANDSHAKE_MS = 1000;
    static EdgeUnderTest edge;

    @BeforeAll
    static void start() throws Exception {
        edge = EdgeUnderTest.start("sip.max-connections-per-ip=" + PER_IP, "sip.connection-idle-timeout-ms=" + IDLE_MS,
                "sip.read-timeout-ms=" + READ_MS, "sip.tls-handshake-timeout-ms=" + HANDSHAKE_MS,
                "sip.send-queue-bytes=65536", "sip.write-timeout-ms=1000", "sip.worker-threads=2",
                "sip.connection-threads=2");
        edge.user(D, "alice", "alice-secret");
        edge.user(D, "bob", "bob-secret-pw");
    }

    @AfterAll
    static void stop() throws Exception {
        edge.close();
    }

    /** A phone registers over {@code t} on a fresh connection and gets its 200 in time. */
    private static void assertPhoneRegisters(Transport t, String user, String password) throws Exception {
        try (SipTestClient c = new SipTestClient(t, t == Transport.TLS ? edge.sipTlsPort() : edge.sipPort())) {
            SipResponse r = c.registerWithAuth(user, D, password, c.contact(user), "MD5");
            assertNotNull(r, t + ": no answer");
            assertEquals(200, r.status(), r.raw());
        }
    }

    private static String unauthenticatedRegister(int localPort, int i) {
        return "REGISTER sip:" + D + " SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:" + localPort + ";branch=z9hG4bK-s" + i
                + "\r\nMax-Forwards: 70\r\nFrom: <sip:alice@" + D + ">;tag=s\r\nTo: <sip:alice@" + D + ">\r\n"
                + "Call-ID: stall-" + i + "\r\nCSeq: 1 REGISTER\r\nContact: <sip:alice@127.0.0.1:" + localPort + ">\r\n"
                + "Content-Length: 0\r\n\r\n";
    }

    @Test
    void aClientThatNeverReadsStopsNoOtherPhoneAndIsClosed() throws Exception {
        try (Socket stalled = new Socket()) {
            stalled.setReceiveBufferSize(4096);
            stalled.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), edge.sipPort()));
            int port = stalled.getLocalPort();
            // Writes challenges-worth of REGISTERs and never reads one answer, until the edge closes it.
            CompletableFuture<Integer> writer = CompletableFuture.supplyAsync(() -> {
                int sent = 0;
                try {
                    OutputStream out = stalled.getOutputStream();
                    while (sent < 200_000) {
                        out.write(unauthenticatedRegister(port, sent).getBytes(StandardCharsets.US_ASCII));
                        sent++;
                    }
                } catch (IOException closedByTheEdge) {
                    return sent;
                }
                return -1;
            });
            Thread.sleep(500); // its answers back up by now
            for (int i = 0; i < 3; i++) {
                assertPhoneRegisters(Transport.TCP, "bob", "bob-secret-pw");
                assertPhoneRegisters(Transport.TLS, "bob", "bob-secret-pw");
            }
            int sent = writer.get(20, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(sent > 0, "the edge never closed the connection of a client that does not read");
        }
        assertTrue(metric("sip_connections_ended_total", "tcp", "write_stall") >= 1, "write stall not counted");
    }

    @Test
    void aTlsClientThatHangsUpIsNeverDialedBack() throws Exception {
        try (ServerSocket viaPort = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            viaPort.setSoTimeout(2000);
            int sourcePort;
            SSLSocket tls = (SSLSocket) SipTestClient.trustAll().getSocketFactory().createSocket();
            tls.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            sourcePort = tls.getLocalPort();
            tls.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), edge.sipTlsPort()));
            tls.startHandshake();
            StringBuilder burst = new StringBuilder();
            for (int i = 0; i < 200; i++) {
                burst.append(unauthenticatedRegister(viaPort.getLocalPort(), i).replace("/TCP", "/TLS"));
            }
            tls.getOutputStream().write(burst.toString().getBytes(StandardCharsets.US_ASCII));
            tls.getOutputStream().flush();
            tls.setSoLinger(true, 0); // hang up hard, with the answers still coming
            tls.close();
            try (ServerSocket source = new ServerSocket()) {
                source.setReuseAddress(true);
                source.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), sourcePort));
                source.setSoTimeout(2000);
                assertThrows(SocketTimeoutException.class, source::accept,
                        "the edge connected back to the client's source port");
            }
            assertThrows(SocketTimeoutException.class, viaPort::accept, "the edge connected to the port the Via names");
        }
        assertPhoneRegisters(Transport.TLS, "alice", "alice-secret");
        assertPhoneRegisters(Transport.TCP, "alice", "alice-secret");
    }

    @Test
    void idleConnectionsFromOneSourceStopAtTheCapAndAreClosedWhenIdle() throws Exception {
        int before = Thread.activeCount();
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < 1000; i++) {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), edge.sipPort());
                sockets.add(s);
            }
            Thread.sleep(300);
            assertTrue(Thread.activeCount() - before < 10, "threads grew with connections: "
                    + before + " -> " + Thread.activeCount());
            int refused = 0;
            for (Socket s : sockets) {
                if (closed(s, 20)) {
                    refused++;
                }
            }
            assertEquals(1000 - PER_IP, refused, "connections past sip.max-connections-per-ip");
            Thread.sleep(IDLE_MS + 500);
            int open = 0;
            for (Socket s : sockets) {
                if (!closed(s, 20)) {
                    open++;
                }
            }
            assertEquals(0, open, "idle connections that never sent a request stayed open");
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
        assertTrue(metric("sip_connections_ended_total", "tcp", "cap_per_ip") >= 1000 - PER_IP);
        assertTrue(metric("sip_connections_ended_total", "tcp", "idle") >= PER_IP);
        Thread.sleep(200); // the edge sees the closes
        assertPhoneRegisters(Transport.TCP, "alice", "alice-secret");
    }

    @Test
    void halfARequestLineOnTlsIsClosedAfterTheReadTimeout() throws Exception {
        try (SipTestClient c = new SipTestClient(Transport.TLS, edge.sipTlsPort())) {
            c.sendText("REGISTER sip:bou");
            long t0 = System.nanoTime();
            assertTrue(c.closedByPeer(READ_MS * 6), "half a request line held open");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < IDLE_MS, "closed after " + ms + " ms: by the idle timeout, not the read timeout");
        }
    }

    @Test
    void aTlsConnectionThatSaysNothingIsClosed() throws Exception {
        try (SipTestClient handshaken = new SipTestClient(Transport.TLS, edge.sipTlsPort())) {
            assertTrue(handshaken.closedByPeer(IDLE_MS * 3), "a TLS connection with no request held open");
        }
        try (Socket noHandshake = new Socket(InetAddress.getLoopbackAddress(), edge.sipTlsPort())) {
            long t0 = System.nanoTime();
            assertTrue(closed(noHandshake, HANDSHAKE_MS * 3), "a TLS connection that never shakes hands held open");
            assertTrue((System.nanoTime() - t0) / 1_000_000 < IDLE_MS + 200, "not closed by the handshake timeout");
        }
        assertTrue(metric("sip_connections_ended_total", "tls", "tls_handshake") >= 1);
    }

    /** True when the peer closed {@code s} within {@code ms}. */
    private static boolean closed(Socket s, int ms) throws IOException {
        s.setSoTimeout(ms);
        try {
            InputStream in = s.getInputStream();
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    /** The value of a sip_connections counter for a transport and reason, from GET /metrics. */
    private static double metric(String name, String transport, String reason) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + edge.httpPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        Matcher m = Pattern.compile("(?m)^" + name + "\\{(?=[^}]*reason=\"" + reason + "\")(?=[^}]*transport=\""
                + transport + "\")[^}]*} (\\S+)$").matcher(r.body());
        assertTrue(m.find(), name + " " + transport + " " + reason + " not in /metrics");
        return Double.parseDouble(m.group(1));
    }
}
