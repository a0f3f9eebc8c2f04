package io.sipedge.loadtest.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.loadtest.TestTls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The stream client transport over WS and WSS, against {@link FakeWebSocketServer} over real loopback sockets. */
@Timeout(30)
class StreamClientTransportWebSocketTest {
    private final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
    private final BlockingQueue<String> lost = new LinkedBlockingQueue<>();
    private final ResponseHandler handler = new ResponseHandler() {
        @Override
        public void onMessage(int connection, byte[] buf, int off, int len) {
            messages.add(connection + " " + new String(buf, off, len, StandardCharsets.UTF_8));
        }

        @Override
        public void onConnectionLost(int connection, IOException cause) {
            lost.add(connection + " " + cause.getMessage());
        }
    };

    private static ClientTransport open(TransportType type, FakeWebSocketServer server, int connections) throws IOException {
        return ClientTransport.open(type, new InetSocketAddress("127.0.0.1", server.port()), null,
                connections);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String poll(BlockingQueue<String> q) throws InterruptedException {
        String s = q.poll(5, TimeUnit.SECONDS);
        assertNotNull(s, "nothing within 5 s");
        return s;
    }

    @Test
    void theUpgradeAsksForSipAndEachMessageIsOneMaskedTextFrameWithItsOwnKey() throws Exception {
        try (FakeWebSocketServer server = new FakeWebSocketServer(null, FakeWebSocketServer.Handshake.ACCEPT, null);
             ClientTransport t = open(TransportType.WS, server, 2)) {
            String head = server.requests.poll(5, TimeUnit.SECONDS);
            assertNotNull(head);
            assertTrue(head.startsWith("GET / HTTP/1.1\r\n"), head);
            assertEquals("127.0.0.1:" + server.port(), FakeWebSocketServer.header(head, "Host"));
            assertEquals("websocket", FakeWebSocketServer.header(head, "Upgrade"));
            assertEquals("Upgrade", FakeWebSocketServer.header(head, "Connection"));
            assertEquals("13", FakeWebSocketServer.header(head, "Sec-WebSocket-Version"));
            assertEquals("sip", FakeWebSocketServer.header(head, "Sec-WebSocket-Protocol"));
            String otherHead = server.requests.poll(5, TimeUnit.SECONDS);
            assertNotEquals(FakeWebSocketServer.header(head, "Sec-WebSocket-Key"),
                    FakeWebSocketServer.header(otherHead, "Sec-WebSocket-Key"), "a key per connection");
            assertEquals(2, t.connections());
            assertEquals(TransportType.WS, t.type());

            t.start(handler);
            String register = "REGISTER sip:example.com SIP/2.0\r\n" + "x".repeat(300) + "\r\n\r\n";
            t.send(0, bytes("padding" + register), 7, register.length());
            t.send(0, bytes(register), 0, register.length());
            FakeWebSocketServer.Frame a = server.nextFrame();
            FakeWebSocketServer.Frame b = server.nextFrame();
            for (FakeWebSocketServer.Frame f : new FakeWebSocketServer.Frame[] {a, b}) {
                assertEquals(WebSocketFrames.TEXT, f.opcode());
                assertTrue(f.fin());
                assertTrue(f.masked());
                assertEquals(register, f.text());
            }
            assertNotEquals(a.maskKey(), b.maskKey(), "a fresh masking key per frame (RFC 6455 §5.3)");
        }
    }

    @Test
    void messagesComeBackWholeAPingGetsItsPongAndNothingIsLost() throws Exception {
        try (FakeWebSocketServer server = new FakeWebSocketServer(null, FakeWebSocketServer.Handshake.ACCEPT, null);
             ClientTransport t = open(TransportType.WS, server, 1)) {
            t.start(handler);
            server.send(0, FakeWebSocketServer.frame(true, WebSocketFrames.TEXT, bytes("SIP/2.0 401 Unauthorized\r\n\r\n")));
            assertEquals("0 SIP/2.0 401 Unauthorized\r\n\r\n", poll(messages));
            server.send(0, FakeWebSocketServer.frame(true, WebSocketFrames.PING, bytes("still there?")));
            FakeWebSocketServer.Frame pong = server.nextFrame();
            assertEquals(WebSocketFrames.PONG, pong.opcode());
            assertTrue(pong.masked());
            assertEquals("still there?", pong.text());
            server.send(0, FakeWebSocketServer.frame(false, WebSocketFrames.BINARY, bytes("SIP/2.0 200")));
            server.send(0, FakeWebSocketServer.frame(true, WebSocketFrames.CONTINUATION, bytes(" OK\r\n\r\n")));
            assertEquals("0 SIP/2.0 200 OK\r\n\r\n", poll(messages));
            assertTrue(lost.isEmpty(), lost.toString());
        }
    }

    @Test
    void aCloseFromTheServerIsEchoedAndTheConnectionCountsAsLost() throws Exception {
        try (FakeWebSocketServer server = new FakeWebSocketServer(null, FakeWebSocketServer.Handshake.ACCEPT, null);
             ClientTransport t = open(TransportType.WS, server, 1)) {
            t.start(handler);
            server.send(0, FakeWebSocketServer.frame(true, WebSocketFrames.CLOSE, new byte[] {0x03, (byte) 0xE9, 'b', 'y', 'e'}));
            FakeWebSocketServer.Frame echo = server.nextFrame();
            assertEquals(WebSocketFrames.CLOSE, echo.opcode());
            assertEquals("\u0003\u00e9", new String(echo.payload(), StandardCharsets.ISO_8859_1), "status 1001 echoed");
            assertEquals("0 the server closed the WebSocket (1001 bye)", poll(lost));
            assertThrows(IOException.class, () -> t.send(0, bytes("x"), 0, 1), "no more sends on it");
        }
    }

    @Test
    void aMaskedFrameFromTheServerFailsTheConnectionWithA1002() throws Exception {
        try (FakeWebSocketServer server = new FakeWebSocketServer(null, FakeWebSocketServer.Handshake.ACCEPT, null);
             ClientTransport t = open(TransportType.WS, server, 1)) {
            t.start(handler);
            server.send(0, new byte[] {(byte) 0x81, (byte) 0x81, 1, 2, 3, 4, 'x'});
            assertTrue(poll(lost).contains("masked frame from a server"));
            FakeWebSocketServer.Frame close = server.nextFrame();
            assertEquals(WebSocketFrames.CLOSE, close.opcode());
            assertEquals(1002, (close.payload()[0] & 0xFF) << 8 | close.payload()[1] & 0xFF);
        }
    }

    @Test
    void closingTheTransportSaysGoodbyeWithA1000() throws Exception {
        try (FakeWebSocketServer server = new FakeWebSocketServer(null, FakeWebSocketServer.Handshake.ACCEPT, null)) {
            ClientTransport t = open(TransportType.WS, server, 1);
            t.start(handler);
            t.close();
            FakeWebSocketServer.Frame close = server.nextFrame();
            assertEquals(WebSocketFrames.CLOSE, close.opcode());
            assertEquals(1000, (close.payload()[0] & 0xFF) << 8 | close.payload()[1] & 0xFF);
            assertEquals(0, server.ended.poll(5, TimeUnit.SECONDS));
            assertTrue(lost.isEmpty(), "a close of our own is no loss: " + lost);
        }
    }

    @Test
    void wssRunsTheSameOverTls() throws Exception {
        try (FakeWebSocketServer server = new FakeWebSocketServer(TestTls.serverContext(),
                FakeWebSocketServer.Handshake.ACCEPT, request -> "SIP/2.0 200 OK for " + request.length());
             ClientTransport t = open(TransportType.WSS, server, 1)) {
            t.start(handler);
            t.send(0, bytes("REGISTER"), 0, 8);
            assertEquals("0 SIP/2.0 200 OK for 8", poll(messages));
        }
    }

    @Test
    void aRefusedOrWrongHandshakeFailsTheOpenWithTheReason() throws Exception {
        for (var c : new Object[][] {
                {FakeWebSocketServer.Handshake.REFUSE_400, "refused: 'HTTP/1.1 400 Bad Request'"},
                {FakeWebSocketServer.Handshake.WRONG_ACCEPT, "Sec-WebSocket-Accept"},
                {FakeWebSocketServer.Handshake.NO_SUBPROTOCOL, "Sec-WebSocket-Protocol is 'null'"}}) {
            try (FakeWebSocketServer server = new FakeWebSocketServer(null, (FakeWebSocketServer.Handshake) c[0], null)) {
                IOException e = assertThrows(IOException.class, () -> open(TransportType.WS, server, 1));
                assertTrue(e.getMessage().contains((String) c[1]), e.getMessage());
            }
        }
        assertFalse(Thread.currentThread().isInterrupted());
    }
}
