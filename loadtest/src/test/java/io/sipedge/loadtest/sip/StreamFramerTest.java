package io.sipedge.loadtest.sip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreamFramerTest {
    private static final String A = "SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/TCP h;branch=z9hG4bKa\r\nContent-Length: 0\r\n\r\n";
    private static final String B = "SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP h;branch=z9hG4bKb\r\nl: 5\r\n\r\nhello";

    private final List<String> messages = new ArrayList<>();
    private final StreamFramer.Sink sink = (buf, off, len) -> messages.add(new String(buf, off, len, StandardCharsets.UTF_8));

    /** Feeds the chunks as successive reads, each written where the framer says. */
    private void feed(StreamFramer f, String... chunks) throws IOException {
        for (String c : chunks) {
            byte[] b = c.getBytes(StandardCharsets.UTF_8);
            int done = 0;
            while (done < b.length) {
                int n = f.readFrom(new ByteArrayInputStream(b, done, b.length - done));
                f.received(n, sink);
                done += n;
            }
        }
    }

    @Test
    void twoMessagesInOneRead() throws IOException {
        feed(new StreamFramer(1024, 65535), A + B);
        assertEquals(List.of(A, B), messages);
    }

    @Test
    void aMessageSplitAcrossReadsIncludingItsBody() throws IOException {
        StreamFramer f = new StreamFramer(1024, 65535);
        int cut = B.indexOf("hel");
        feed(f, A + B.substring(0, 10), B.substring(10, cut));
        assertEquals(List.of(A), messages, "B's headers are complete but its body is not");
        assertEquals(cut, f.pending());
        feed(f, B.substring(cut));
        assertEquals(List.of(A, B), messages);
        assertEquals(0, f.pending());
    }

    @Test
    void byteByByteThroughASmallBufferThatHasToGrowAndCompact() throws IOException {
        StreamFramer f = new StreamFramer(16, 65535);
        String all = A + "\r\n\r\n" + B + A; // CRLF keep-alives between messages are skipped
        for (char c : all.toCharArray()) {
            feed(f, String.valueOf(c));
        }
        assertEquals(List.of(A, B, A), messages);
    }

    @Test
    void tooLargeOrBrokenContentLengthFailsTheStream() {
        assertThrows(IOException.class, () -> feed(new StreamFramer(1024, 200),
                "SIP/2.0 200 OK\r\nContent-Length: 100000\r\n\r\n"));
        assertThrows(IOException.class, () -> feed(new StreamFramer(1024, 200),
                "SIP/2.0 200 OK\r\nContent-Length: x\r\n\r\n"));
        assertThrows(IOException.class, () -> feed(new StreamFramer(16, 100), "SIP/2.0 200 OK\r\n" + "X: y\r\n".repeat(40)));
    }
}
