package io.sipedge.loadtest.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.loadtest.sip.MessageBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The frame writer and reader against RFC 6455's examples and hand-made frames. */
class WebSocketFramesTest {
    private static final HexFormat HEX = HexFormat.of();

    /** Everything the decoder hands out, as text lines such as {@code message hello}. */
    private final List<String> events = new ArrayList<>();
    private final WebSocketFrameDecoder.Listener record = new WebSocketFrameDecoder.Listener() {
        @Override
        public void message(byte[] buf, int off, int len) {
            events.add("message " + new String(buf, off, len, StandardCharsets.UTF_8));
        }

        @Override
        public void ping(byte[] buf, int off, int len) {
            events.add("ping " + new String(buf, off, len, StandardCharsets.UTF_8));
        }

        @Override
        public void pong(byte[] buf, int off, int len) {
            events.add("pong " + new String(buf, off, len, StandardCharsets.UTF_8));
        }

        @Override
        public void close(int code, byte[] buf, int off, int len) {
            events.add("close " + code + " " + new String(buf, off, len, StandardCharsets.UTF_8));
        }
    };

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] masked(int opcode, byte[] payload, int key) {
        MessageBuilder b = new MessageBuilder(16);
        WebSocketFrames.writeMasked(b, opcode, payload, 0, payload.length, key);
        return Arrays.copyOf(b.array(), b.length());
    }

    /** Feeds {@code data} in reads of at most {@code chunk} bytes, as a socket might deliver it. */
    private void feed(WebSocketFrameDecoder d, byte[] data, int chunk) throws IOException {
        int done = 0;
        while (done < data.length) {
            int n = d.readFrom(new ByteArrayInputStream(data, done, Math.min(chunk, data.length - done)));
            d.received(n, record);
            done += n;
        }
    }

    private static byte[] concat(byte[]... parts) {
        MessageBuilder b = new MessageBuilder(16);
        for (byte[] p : parts) {
            b.append(p);
        }
        return Arrays.copyOf(b.array(), b.length());
    }

    @Test
    void aMaskedTextFrameIsRfc6455sExample() {
        // RFC 6455 §5.7: "A single-frame masked text message", "Hello" with key 37 fa 21 3d
        assertEquals("818537fa213d7f9f4d5158", HEX.formatHex(masked(WebSocketFrames.TEXT, bytes("Hello"), 0x37fa213d)));
    }

    @Test
    void anUnmaskedFrameIsRfc6455sExampleAndFragmentsCarryNoFin() {
        MessageBuilder b = new MessageBuilder(16);
        WebSocketFrames.writeUnmasked(b, true, WebSocketFrames.TEXT, bytes("Hello"), 0, 5);
        assertEquals("810548656c6c6f", HEX.formatHex(b.array(), 0, b.length()));
        b.reset();
        // RFC 6455 §5.7: "A fragmented unmasked text message", "Hel" then "lo"
        WebSocketFrames.writeUnmasked(b, false, WebSocketFrames.TEXT, bytes("Hel"), 0, 3);
        WebSocketFrames.writeUnmasked(b, true, WebSocketFrames.CONTINUATION, bytes("lo"), 0, 2);
        assertEquals("010348656c80026c6f", HEX.formatHex(b.array(), 0, b.length()));
    }

    static Stream<Arguments> lengths() {
        return Stream.of(
                Arguments.of(0, "8280"), // 7-bit length
                Arguments.of(125, "82fd"),
                Arguments.of(126, "82fe007e"), // 16-bit length
                Arguments.of(65535, "82feffff"),
                Arguments.of(65536, "82ff0000000000010000")); // 64-bit length
    }

    @ParameterizedTest
    @MethodSource("lengths")
    void theLengthTakesSevenSixteenOrSixtyFourBits(int length, String header) throws IOException {
        byte[] payload = new byte[length];
        new Random(length).nextBytes(payload);
        int key = 0xa1b2c3d4;
        byte[] frame = masked(WebSocketFrames.BINARY, payload, key);
        assertEquals(header + "a1b2c3d4", HEX.formatHex(frame, 0, header.length() / 2 + 4));
        assertEquals(header.length() / 2 + 4 + length, frame.length);
        // unmasked by hand: payload byte i ^ key byte i % 4
        byte[] keyBytes = HEX.parseHex("a1b2c3d4");
        for (int i = 0; i < length; i++) {
            assertEquals(payload[i], (byte) (frame[header.length() / 2 + 4 + i] ^ keyBytes[i % 4]), "byte " + i);
        }
        // and the server-role decoder gets the payload back
        List<byte[]> got = new ArrayList<>();
        WebSocketFrameDecoder d = new WebSocketFrameDecoder(true, 64, 1 << 20);
        int done = 0;
        while (done < frame.length) {
            int n = d.readFrom(new ByteArrayInputStream(frame, done, frame.length - done));
            d.received(n, new WebSocketFrameDecoder.Listener() {
                @Override
                public void message(byte[] buf, int off, int len) {
                    got.add(Arrays.copyOfRange(buf, off, off + len));
                }

                @Override
                public void ping(byte[] buf, int off, int len) {
                }

                @Override
                public void close(int code, byte[] buf, int off, int len) {
                }
            });
            done += n;
        }
        assertEquals(1, got.size());
        assertArrayEquals(payload, got.get(0));
    }

    @Test
    void maskingMatchesAByteByByteXorAtEveryLengthAndOffset() {
        Random r = new Random(7);
        for (int len = 0; len < 40; len++) {
            byte[] src = new byte[len + 5];
            r.nextBytes(src);
            int key = r.nextInt();
            byte[] dst = new byte[len + 3];
            WebSocketFrames.mask(src, 5, dst, 3, len, key);
            for (int i = 0; i < len; i++) {
                assertEquals((byte) (src[5 + i] ^ (byte) (key >>> (24 - 8 * (i % 4)))), dst[3 + i], len + ":" + i);
            }
        }
    }

    @Test
    void serverFramesOfEveryLengthSplitAnywhereComeOutWhole() throws IOException {
        String big = "x".repeat(70_000); // 64-bit length
        String mid = "y".repeat(300); // 16-bit length
        byte[] stream = concat(FakeWebSocketServer.frame(true, 1, bytes("SIP/2.0 200 OK")),
                FakeWebSocketServer.frame(true, 2, bytes(mid)), FakeWebSocketServer.frame(true, 1, bytes(big)));
        for (int chunk : new int[] {1, 7, 1000, stream.length}) {
            events.clear();
            WebSocketFrameDecoder d = new WebSocketFrameDecoder(false, 16, 100_000);
            feed(d, stream, chunk);
            assertEquals(List.of("message SIP/2.0 200 OK", "message " + mid, "message " + big), events, "chunk " + chunk);
            assertEquals(0, d.pending());
        }
    }

    @Test
    void aFragmentedMessageIsJoinedAndAPingBetweenItsFragmentsComesFirst() throws IOException {
        byte[] stream = concat(FakeWebSocketServer.frame(false, WebSocketFrames.TEXT, bytes("SIP/2.0 ")),
                FakeWebSocketServer.frame(true, WebSocketFrames.PING, bytes("are you there")),
                FakeWebSocketServer.frame(false, WebSocketFrames.CONTINUATION, bytes("401 ")),
                FakeWebSocketServer.frame(true, WebSocketFrames.CONTINUATION, bytes("Unauthorized")),
                FakeWebSocketServer.frame(true, WebSocketFrames.PONG, bytes("")),
                FakeWebSocketServer.frame(true, WebSocketFrames.TEXT, bytes("next")));
        feed(new WebSocketFrameDecoder(false, 16, 1000), stream, 3);
        assertEquals(List.of("ping are you there", "message SIP/2.0 401 Unauthorized", "pong ", "message next"), events);
    }

    @Test
    void aCloseEndsTheStreamWithItsCodeAndReason() throws IOException {
        byte[] stream = concat(FakeWebSocketServer.frame(true, WebSocketFrames.CLOSE, concat(HEX.parseHex("03e9"),
                bytes("going away"))), FakeWebSocketServer.frame(true, WebSocketFrames.TEXT, bytes("after")));
        WebSocketFrameDecoder d = new WebSocketFrameDecoder(false, 64, 1000);
        feed(d, stream, stream.length);
        assertEquals(List.of("close 1001 going away"), events, "nothing after the CLOSE is delivered");
        assertTrue(d.closeReceived());
        events.clear();
        feed(new WebSocketFrameDecoder(false, 64, 1000), FakeWebSocketServer.frame(true, WebSocketFrames.CLOSE, new byte[0]), 100);
        assertEquals(List.of("close -1 "), events);
    }

    static Stream<Arguments> protocolErrors() {
        byte[] ok = bytes("abc");
        return Stream.of(
                Arguments.of("masked from a server", masked(WebSocketFrames.TEXT, ok, 1)),
                Arguments.of("RSV1 set", HEX.parseHex("c103616263")),
                Arguments.of("reserved opcode 3", HEX.parseHex("8303616263")),
                Arguments.of("reserved control opcode 0xB", HEX.parseHex("8b00")),
                Arguments.of("continuation without a start", FakeWebSocketServer.frame(true, 0, ok)),
                Arguments.of("a new message inside a fragmented one",
                        concat(FakeWebSocketServer.frame(false, 1, ok), FakeWebSocketServer.frame(true, 1, ok))),
                Arguments.of("fragmented PING", FakeWebSocketServer.frame(false, WebSocketFrames.PING, ok)),
                Arguments.of("PING over 125 bytes", FakeWebSocketServer.frame(true, WebSocketFrames.PING, new byte[126])),
                Arguments.of("CLOSE with a one-byte body", HEX.parseHex("880103")),
                Arguments.of("frame over the size limit", FakeWebSocketServer.frame(true, 1, new byte[1001])),
                Arguments.of("fragments over the size limit",
                        concat(FakeWebSocketServer.frame(false, 1, new byte[600]), FakeWebSocketServer.frame(true, 0, new byte[600]))),
                Arguments.of("64-bit length with the top bit set", HEX.parseHex("81ff8000000000000001")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("protocolErrors")
    void aBrokenFrameFailsTheConnection(String what, byte[] stream) {
        assertThrows(WebSocketFrameDecoder.ProtocolException.class,
                () -> feed(new WebSocketFrameDecoder(false, 64, 1000), stream, stream.length));
    }

    @Test
    void theServerRoleRefusesAnUnmaskedFrame() {
        byte[] frame = FakeWebSocketServer.frame(true, 1, bytes("abc"));
        assertThrows(WebSocketFrameDecoder.ProtocolException.class,
                () -> feed(new WebSocketFrameDecoder(true, 64, 1000), frame, frame.length));
    }
}
