package io.sipedge.loadtest.transport;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class WebSocketHandshakeTest {
    /** RFC 6455 §1.3's example key and the accept value it gives. */
    private static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";
    private static final String ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
    private static final String GOOD = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: " + ACCEPT + "\r\nSec-WebSocket-Protocol: sip";

    @Test
    void theAcceptValueIsRfc6455sExample() {
        assertEquals(ACCEPT, WebSocketHandshake.accept(KEY));
    }

    @Test
    void aKeyIsSixteenRandomBytesInBase64() {
        String k = WebSocketHandshake.newKey(new Random(1));
        assertEquals(16, Base64.getDecoder().decode(k).length);
        assertTrue(!k.equals(WebSocketHandshake.newKey(new Random(2))));
    }

    @Test
    void theRequestAsksForTheSipSubprotocol() {
        assertEquals("GET / HTTP/1.1\r\nHost: 127.0.0.1:5066\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Key: " + KEY + "\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: sip\r\n\r\n",
                WebSocketHandshake.request(new InetSocketAddress("127.0.0.1", 5066), KEY));
        assertTrue(WebSocketHandshake.request(new InetSocketAddress("::1", 7443), KEY).contains("\r\nHost: [0:0:0:0:0:0:0:1]:7443\r\n"),
                "an IPv6 literal is bracketed");
    }

    @Test
    void aGoodAnswerPassesWhateverTheHeaderCaseAndWithOtherHeaders() {
        assertDoesNotThrow(() -> WebSocketHandshake.check(GOOD, KEY));
        assertDoesNotThrow(() -> WebSocketHandshake.check("HTTP/1.1 101 Switching Protocols\r\nserver: kamailio\r\n"
                + "UPGRADE: WebSocket\r\nconnection: keep-alive, upgrade\r\nsec-websocket-accept: " + ACCEPT
                + "\r\nsec-websocket-protocol: sip\r\nSec-WebSocket-Extensions:", KEY));
    }

    static Stream<Arguments> badAnswers() {
        return Stream.of(
                Arguments.of("refused", "HTTP/1.1 101 Switching Protocols", "HTTP/1.1 400 Bad Request"),
                Arguments.of("status 1010", "HTTP/1.1 101 Switching Protocols", "HTTP/1.1 1010 Switching"),
                Arguments.of("not a websocket upgrade", "Upgrade: websocket", "Upgrade: h2c"),
                Arguments.of("no Connection: Upgrade", "Connection: Upgrade", "Connection: close"),
                Arguments.of("wrong accept", ACCEPT, "x3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
                Arguments.of("another subprotocol", "Sec-WebSocket-Protocol: sip", "Sec-WebSocket-Protocol: msrp"),
                Arguments.of("no subprotocol", "\r\nSec-WebSocket-Protocol: sip", ""),
                Arguments.of("an extension nobody offered", "Sec-WebSocket-Protocol: sip",
                        "Sec-WebSocket-Protocol: sip\r\nSec-WebSocket-Extensions: permessage-deflate"),
                Arguments.of("a line without a colon", "Upgrade: websocket", "Upgrade websocket"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badAnswers")
    void aBadAnswerIsRefused(String what, String replace, String with) {
        String head = GOOD.replace(replace, with);
        IOException e = assertThrows(IOException.class, () -> WebSocketHandshake.check(head, KEY));
        assertTrue(e.getMessage().startsWith("WebSocket handshake"), e.getMessage());
    }

    @Test
    void theHeadIsReadUpToTheBlankLineAndNotAByteFurther() throws IOException {
        byte[] wire = (GOOD + "\r\n\r\n\u0081\u0002ok").getBytes(StandardCharsets.ISO_8859_1);
        ByteArrayInputStream in = new ByteArrayInputStream(wire);
        assertEquals(GOOD, WebSocketHandshake.readHead(in));
        assertEquals(4, in.available(), "the first frame is still there");
        assertThrows(IOException.class, () -> WebSocketHandshake.readHead(new ByteArrayInputStream(
                "HTTP/1.1 101".getBytes(StandardCharsets.US_ASCII))), "closed before the blank line");
    }
}
