package io.sipedge.loadtest.sip;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Cuts SIP messages out of a TCP/TLS byte stream by Content-Length (RFC 3261 §18.3). The reader
 * reads straight into the framer's buffer with {@link #readFrom}, then calls {@link #received};
 * complete messages are handed out in place, without copying, and the rest is kept for the next
 * read. CRLF keep-alives between messages are skipped.
 */
public final class StreamFramer {
    /** Receives each complete message; the bytes are only valid during the call. */
    @FunctionalInterface
    public interface Sink {
        void message(byte[] buf, int off, int len) throws IOException;
    }

    private static final byte[] CONTENT_LENGTH = Ascii.bytes("content-length");
    private static final byte[] CONTENT_LENGTH_COMPACT = Ascii.bytes("l");

    private final int maxMessageSize;
    private byte[] buf;
    private int start;
    private int end;

    public StreamFramer(int initialCapacity, int maxMessageSize) {
        this.buf = new byte[initialCapacity];
        this.maxMessageSize = maxMessageSize;
    }

    /** Room left after the buffered bytes, never zero: the buffer is compacted or grown first. */
    private int writableBytes() {
        if (end == buf.length) {
            if (start > 0) {
                System.arraycopy(buf, start, buf, 0, end - start);
                end -= start;
                start = 0;
            } else {
                buf = Arrays.copyOf(buf, buf.length * 2);
            }
        }
        return buf.length - end;
    }

    /** One read from {@code in} into the buffer; -1 at end of stream. Follow with {@link #received}. */
    public int readFrom(InputStream in) throws IOException {
        int room = writableBytes(); // may move or grow the buffer, so before reading buf and end
        return in.read(buf, end, room);
    }

    /** Bytes buffered that are not yet part of a complete message. */
    public int pending() {
        return end - start;
    }

    /**
     * Accounts for {@code n} bytes read into the buffer and hands every complete message to the
     * sink. Throws when a message announces more than {@code maxMessageSize} bytes or its
     * headers exceed that size: a stream that cannot be framed has to be closed.
     */
    public void received(int n, Sink sink) throws IOException {
        end += n;
        while (true) {
            while (start < end && (buf[start] == '\r' || buf[start] == '\n')) {
                start++;
            }
            if (start == end) {
                start = end = 0;
                return;
            }
            int headersEnd = headersEnd(start, end);
            if (headersEnd < 0) {
                if (end - start > maxMessageSize) {
                    throw new IOException("SIP headers longer than " + maxMessageSize + " bytes");
                }
                return;
            }
            long body = contentLength(start, headersEnd);
            if (body < 0 || headersEnd - start + body > maxMessageSize) {
                throw new IOException("bad or too large Content-Length");
            }
            int total = (int) (headersEnd - start + body);
            if (end - start < total) {
                return;
            }
            int off = start;
            start += total;
            sink.message(buf, off, total);
        }
    }

    /** Offset just past CRLFCRLF, or -1 when the headers are not complete yet. */
    private int headersEnd(int from, int to) {
        for (int i = from + 3; i < to; i++) {
            if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' && buf[i - 3] == '\r') {
                return i + 1;
            }
        }
        return -1;
    }

    /** Content-Length of the headers in [from, to); 0 when absent (lenient), -1 when malformed. */
    private long contentLength(int from, int to) {
        int p = from;
        while (p < to) {
            int nl = Ascii.indexOf(buf, p, to, (byte) '\n');
            int lineEnd = nl < 0 ? to : nl;
            int colon = Ascii.indexOf(buf, p, lineEnd, (byte) ':');
            if (colon > p) {
                int nameEnd = colon;
                while (nameEnd > p && (buf[nameEnd - 1] == ' ' || buf[nameEnd - 1] == '\t')) {
                    nameEnd--;
                }
                if (Ascii.equalsIgnoreCase(buf, p, nameEnd, CONTENT_LENGTH)
                        || Ascii.equalsIgnoreCase(buf, p, nameEnd, CONTENT_LENGTH_COMPACT)) {
                    int v = colon + 1;
                    int ve = lineEnd;
                    while (v < ve && Ascii.isLws(buf[v])) {
                        v++;
                    }
                    while (ve > v && Ascii.isLws(buf[ve - 1])) {
                        ve--;
                    }
                    return Ascii.parseDecimal(buf, v, ve);
                }
            }
            p = lineEnd + 1;
        }
        return 0;
    }
}
