package io.sipedge.sip.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sipedge.sip.transport.StreamFramer.FramingException;
import io.sipedge.sip.transport.StreamFramer.Kind;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The stream framer on its own: message boundaries, keepalives and the limits. */
class StreamFramerTest {
    private static final int MAX = 8192;

    static String request(String callIdHeader, String body, String... extra) {
        StringBuilder sb = new StringBuilder("REGISTER sip:example.com SIP/2.0\r\n"
                + "Via: SIP/2.0/TCP 127.0.0.1:5070;branch=z9hG4bK1;rport\r\n"
                + "From: <sip:a@example.com>;tag=1\r\nTo: <sip:a@example.com>\r\n");
        if (callIdHeader != null) {
            sb.append(callIdHeader).append("\r\n");
        }
        sb.append("CSeq: 1 REGISTER\r\n");
        for (String e : extra) {
            sb.append(e).append("\r\n");
        }
        if (body != null) {
            sb.append("Content-Type: text/plain\r\nContent-Length: ").append(body.getBytes(StandardCharsets.UTF_8).length)
                    .append("\r\n\r\n").append(body);
        } else {
            sb.append("Content-Length: 0\r\n\r\n");
        }
        return sb.toString();
    }

    /** One event seen by the reader: a message (its text) or a keepalive. */
    record Event(Kind kind, String text) {
        static Event keepalive() {
            return new Event(Kind.KEEPALIVE, null);
        }

        static Event message(String text) {
            return new Event(Kind.MESSAGE, text);
        }
    }

    /** The given chunks as a connection receives them, one buffer per read, each taken whole or in part. */
    static final class Chunks {
        private final Deque<byte[]> chunks = new ArrayDeque<>();
        private ByteBuf current = Unpooled.EMPTY_BUFFER;

        Chunks(List<byte[]> parts) {
            chunks.addAll(parts);
        }

        /** Feeds {@code f} from the current chunk, or the next one: bytes taken, -1 when all are. */
        int feed(StreamFramer f) {
            if (!current.isReadable()) {
                byte[] next = chunks.poll();
                if (next == null) {
                    return -1;
                }
                current = Unpooled.wrappedBuffer(next);
            }
            return f.readFrom(current);
        }
    }

    /** Runs the reader loop over the chunks: every event until end of stream. */
    static List<Event> frame(StreamFramer f, List<byte[]> chunks) throws FramingException {
        Chunks in = new Chunks(chunks);
        List<Event> events = new ArrayList<>();
        while (true) {
            Kind k = f.next();
            switch (k) {
                case MESSAGE -> events.add(Event.message(new String(f.message(), StandardCharsets.UTF_8)));
                case KEEPALIVE -> events.add(Event.keepalive());
                case NEED_MORE -> {
                    if (in.feed(f) < 0) {
                        return events;
                    }
                }
                default -> throw new AssertionError(k);
            }
        }
    }

    static List<Event> frame(String... chunks) throws FramingException {
        List<byte[]> parts = new ArrayList<>();
        for (String c : chunks) {
            parts.add(c.getBytes(StandardCharsets.UTF_8));
        }
        return frame(new StreamFramer(MAX), parts);
    }

    @Test
    void oneMessage() throws Exception {
        String m = request("Call-ID: abc@host", null);
        assertEquals(List.of(Event.message(m)), frame(m));
    }

    @Test
    void everySplitPointOfTwoMessagesWithBodiesGivesTheSameMessages() throws Exception {
        String a = request("Call-ID: one", "hello\r\n\r\nworld");
        String b = request("i: two", null);
        String c = request("call-id:three ", "x");
        String all = "\r\n" + a + b + "\r\n\r\n" + c;
        List<Event> expected = List.of(Event.message(a), Event.message(b), Event.keepalive(),
                Event.message(c));
        for (int cut = 0; cut <= all.length(); cut++) {
            assertEquals(expected, frame(all.substring(0, cut), all.substring(cut)), "cut at " + cut);
        }
        // And one byte per read.
        String[] bytes = all.split("");
        assertEquals(expected, frame(bytes));
    }

    @Test
    void severalMessagesInOneRead() throws Exception {
        StringBuilder sb = new StringBuilder();
        List<Event> expected = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            String m = request("Call-ID: c" + i, i % 3 == 0 ? "body " + i : null);
            sb.append(m);
            expected.add(Event.message(m));
        }
        // Many times the initial buffer: it is compacted and reused, never grows beyond the limit.
        assertEquals(expected, frame(sb.toString()));
    }

    @Test
    void compactContentLength() throws Exception {
        String m = "MESSAGE sip:a@example.com SIP/2.0\r\ni: c1\r\nl: 4\r\n\r\nbody";
        assertEquals(List.of(Event.message(m)), frame(m + "OPTIONS"));
    }

    @Test
    void aContentLengthHeaderNameInsideAnotherHeaderIsNotTakenForIt() throws Exception {
        String m = request("Call-ID: c1", null, "X-Content-Length: 99", "Subject: Content-Length: 42");
        assertEquals(List.of(Event.message(m)), frame(m));
    }

    @Test
    void bareLfLineEnds() throws Exception {
        String m = "OPTIONS sip:example.com SIP/2.0\nCall-ID: lf\nContent-Length: 2\n\nok";
        assertEquals(List.of(Event.message(m)), frame("\n" + m));
    }

    @Test
    void missingContentLengthMeansNoBody() throws Exception {
        String m = "OPTIONS sip:example.com SIP/2.0\r\nCall-ID: n\r\n\r\n";
        assertEquals(List.of(Event.message(m), Event.message(m)), frame(m + m));
    }

    @Test
    void keepalivesBeforeBetweenAndAfterMessages() throws Exception {
        String m = request("Call-ID: k", null);
        assertEquals(List.of(Event.keepalive(), Event.message(m), Event.keepalive(), Event.keepalive()),
                frame("\r\n\r\n", m, "\r\n", "\r", "\n\r\n\r\n\r\n"));
        // A lone LF or CR never counts; only CRLF pairs do.
        assertEquals(List.of(), frame("\n\n\n\n", "\r\r"));
        assertEquals(List.of(Event.keepalive()), frame("\r\n\n\r\n"));
    }

    @Test
    void midMessageIsTrueFromTheFirstByteToTheLast() throws Exception {
        StreamFramer f = new StreamFramer(MAX);
        String m = request("Call-ID: t", "abc");
        byte[] b = m.getBytes(StandardCharsets.UTF_8);
        List<byte[]> parts = new ArrayList<>();
        parts.add("\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        for (byte x : b) {
            parts.add(new byte[] {x});
        }
        Chunks in = new Chunks(parts);
        assertEquals(Kind.NEED_MORE, f.next());
        assertFalse(f.midMessage());
        in.feed(f);
        assertEquals(Kind.KEEPALIVE, f.next());
        assertEquals(Kind.NEED_MORE, f.next());
        assertFalse(f.midMessage(), "CRLFs between messages start no timer");
        for (int i = 0; i < b.length; i++) {
            in.feed(f);
            Kind k = f.next();
            if (i < b.length - 1) {
                assertEquals(Kind.NEED_MORE, k);
                assertTrue(f.midMessage(), "byte " + i);
            } else {
                assertEquals(Kind.MESSAGE, k);
                assertArrayEquals(b, f.message());
            }
        }
        assertEquals(Kind.NEED_MORE, f.next());
        assertFalse(f.midMessage());
    }

    @Test
    void aMessageOfExactlyTheLimitPassesOneByteMoreDoesNot() throws Exception {
        String head = request("Call-ID: big", null);
        head = head.substring(0, head.indexOf("Content-Length")) + "Content-Length: ";
        int bodyLength = MAX - head.length() - "NNNN\r\n\r\n".length();
        String exact = head + bodyLength + "\r\n\r\n" + "x".repeat(bodyLength);
        assertEquals(MAX, exact.length());
        assertEquals(List.of(Event.message(exact)), frame(exact));
        String over = head + (bodyLength + 1) + "\r\n\r\n" + "x".repeat(bodyLength + 1);
        FramingException e = assertThrows(FramingException.class, () -> frame(over.substring(0, 300)));
        assertTrue(e.getMessage().contains("limit"), e.getMessage());
    }

    @Test
    void headersThatNeverEndAreRefusedAtTheLimit() throws Exception {
        String start = "REGISTER sip:example.com SIP/2.0\r\nX-Pad: ";
        StreamFramer f = new StreamFramer(MAX);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.writeBytes(start.getBytes(StandardCharsets.US_ASCII));
        all.writeBytes("p".repeat(MAX).getBytes(StandardCharsets.US_ASCII));
        assertThrows(FramingException.class, () -> frame(f, List.of(all.toByteArray())));
        // One byte less than the limit is still only incomplete.
        byte[] under = new byte[MAX - 1];
        System.arraycopy(all.toByteArray(), 0, under, 0, under.length);
        StreamFramer g = new StreamFramer(MAX);
        assertEquals(List.of(), frame(g, List.of(under)));
        assertTrue(g.midMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"Content-Length: abc", "Content-Length: -5", "Content-Length:", "l: 1 2",
        "Content-Length: 99999999999", "Content-Length: 0x10"})
    void unframeableContentLength(String header) {
        String m = "OPTIONS sip:example.com SIP/2.0\r\nCall-ID: x\r\n" + header + "\r\n\r\n";
        assertThrows(FramingException.class, () -> frame(m));
    }

    @Test
    void twoContentLengthsMustAgree() throws Exception {
        String same = "OPTIONS sip:example.com SIP/2.0\r\nContent-Length: 2\r\nl: 2\r\n\r\nok";
        assertEquals(List.of(Event.message(same)), frame(same));
        String differ = "OPTIONS sip:example.com SIP/2.0\r\nContent-Length: 2\r\nl: 3\r\n\r\nok!";
        assertThrows(FramingException.class, () -> frame(differ));
    }

    @Test
    void theBodyIsNotScannedForHeaders() throws Exception {
        String body = "Content-Length: 999\r\nCall-ID: inner\r\n\r\n";
        String m = request("Call-ID: outer", body);
        assertEquals(List.of(Event.message(m)), frame(m));
    }
}
