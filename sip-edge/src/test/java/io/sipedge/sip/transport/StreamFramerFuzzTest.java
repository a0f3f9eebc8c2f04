package io.sipedge.sip.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * The stream framer under arbitrary cuts and arbitrary bytes: a stream of well-formed messages,
 * with keepalives between them, comes out message for message however the network splits it; any
 * bytes at all end in messages no larger than the limit or a FramingException, nothing else.
 */
class StreamFramerFuzzTest {
    private static final int MAX = 2048;

    @Provide
    Arbitrary<byte[]> message() {
        Arbitrary<String> body = Arbitraries.strings().withChars("abc\r\n =;").ofMaxLength(200);
        Arbitrary<String> header = Arbitraries.of("Content-Length", "content-length", "l", "CONTENT-LENGTH");
        Arbitrary<String> extra = Arbitraries.strings().alpha().ofMaxLength(300);
        return net.jqwik.api.Combinators.combine(body, header, extra).as((b, h, x) -> {
            byte[] bytes = b.getBytes(StandardCharsets.UTF_8);
            return ("REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK1\r\nX-Pad: " + x
                    + "\r\n" + h + ": " + bytes.length + "\r\n\r\n" + b).getBytes(StandardCharsets.UTF_8);
        });
    }

    @Provide
    Arbitrary<List<byte[]>> messages() {
        return message().list().ofMinSize(1).ofMaxSize(6);
    }

    @Property(tries = 500)
    void messagesComeOutWholeHoweverTheStreamIsCut(@ForAll("messages") List<byte[]> messages,
                                                   @ForAll @IntRange(min = 0, max = 3) int pings,
                                                   @ForAll @Size(min = 1, max = 20) List<@IntRange(min = 1, max = 700)
                                                           Integer> cuts) throws Exception {
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        for (byte[] m : messages) {
            for (int i = 0; i < pings; i++) {
                stream.write("\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            stream.write(m);
        }
        List<byte[]> out = frame(stream.toByteArray(), cuts);
        assertEquals(messages.size(), out.size());
        for (int i = 0; i < out.size(); i++) {
            assertArrayEquals(messages.get(i), out.get(i));
        }
    }

    @Property(tries = 1000)
    void anyBytesEndInBoundedMessagesOrAFramingException(@ForAll @Size(max = 6000) byte[] bytes,
                                                        @ForAll @Size(min = 1, max = 20) List<@IntRange(min = 1,
                                                                max = 3000) Integer> cuts) {
        try {
            for (byte[] m : frame(bytes, cuts)) {
                assertTrue(m.length <= MAX, m.length + " bytes");
            }
        } catch (StreamFramer.FramingException expected) {
            // the connection would be closed
        }
    }

    /** Feeds {@code stream} in pieces of the given sizes (repeating them), collecting every message. */
    private static List<byte[]> frame(byte[] stream, List<Integer> cuts) throws StreamFramer.FramingException {
        StreamFramer framer = new StreamFramer(MAX);
        List<byte[]> out = new ArrayList<>();
        int at = 0;
        int i = 0;
        while (at < stream.length) {
            int n = Math.min(cuts.get(i++ % cuts.size()), stream.length - at);
            ByteBuf piece = Unpooled.wrappedBuffer(Arrays.copyOfRange(stream, at, at + n));
            at += n;
            while (piece.isReadable()) {
                if (framer.readFrom(piece) == 0 && framer.next() == StreamFramer.Kind.NEED_MORE) {
                    throw new AssertionError("the framer takes no more bytes and finds nothing: stalled");
                }
                StreamFramer.Kind k;
                while ((k = framer.next()) != StreamFramer.Kind.NEED_MORE) {
                    if (k == StreamFramer.Kind.MESSAGE) {
                        out.add(framer.message());
                    }
                }
            }
            piece.release();
        }
        return out;
    }
}
