package io.sipedge.sip.transport;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Cuts a SIP byte stream (TCP, RFC 3261 §18.3) into messages, without parsing them: the header
 * section ends at the first empty line, the body is {@code Content-Length} bytes ({@code l:} in
 * compact form; absent means 0). No socket and no threads: the connection hands its bytes to
 * {@link #readFrom(ByteBuf)} and takes what {@link #next()} finds.
 *
 * <p>Between messages, empty lines are skipped; every second CRLF in a row is a keepalive ping
 * (RFC 5626 §4.4.1, "CRLFCRLF"), reported as {@link Kind#KEEPALIVE} so the reader can answer CRLF. A
 * bare LF is skipped without counting, as the RI did.
 *
 * <p>The buffer is reused and grows only up to the message size limit: a message (from its first
 * byte to the end of its body) larger than the limit, a Content-Length that is not a decimal number,
 * or two Content-Length headers that disagree make the stream unframeable ({@link FramingException}):
 * the connection must be closed, since where the next message starts is unknown. A Content-Length
 * whose value is folded onto the next line counts as not a number.
 */
final class StreamFramer {

    /** What {@link #next()} found. */
    enum Kind {
        /** No complete message or ping in the buffer: read more. */
        NEED_MORE,
        /** {@link #message()} is the next message. */
        MESSAGE,
        /** A CRLFCRLF keepalive ping between messages. */
        KEEPALIVE
    }

    /** The stream cannot be cut into messages any more; close the connection. */
    static final class FramingException extends Exception {
        private static final long serialVersionUID = 1L;

        FramingException(String message) {
            super(message, null, false, false); // expected on hostile input: no stack trace
        }
    }

    /** First allocation; most connections carry messages of a few hundred bytes. */
    private static final int INITIAL_CAPACITY = 4096;
    /** More digits than any Content-Length within the size limit can have. */
    private static final int MAX_CONTENT_LENGTH_DIGITS = 9;

    private final int maxMessageSize;
    private byte[] buf;
    /** First byte not yet consumed. */
    private int start;
    /** End of the bytes read. */
    private int end;

    // Between messages.
    private int crlfs;
    private boolean pendingCr;

    // Inside a message (msgStart >= 0); all indices absolute in buf.
    private int msgStart = -1;
    /** Start of the first line not yet examined. */
    private int lineStart;
    /** Where the search for the end of the current line resumes. */
    private int scanFrom;
    /** Index just past the empty line, or -1 while headers are still arriving. */
    private int bodyStart;
    private int contentLength;

    // The last message found.
    private byte[] message;

    StreamFramer(int maxMessageSize) {
        if (maxMessageSize <= 0) {
            throw new IllegalArgumentException("maxMessageSize " + maxMessageSize);
        }
        this.maxMessageSize = maxMessageSize;
        this.buf = new byte[Math.min(INITIAL_CAPACITY, maxMessageSize)];
        resetMessage();
    }

    /** True while part of a message is buffered (the read timeout runs), false between messages. */
    boolean midMessage() {
        return msgStart >= 0;
    }

    /** The exact bytes of the message found by the last {@link #next()} that returned MESSAGE. */
    byte[] message() {
        return message;
    }

    /**
     * Takes as many of {@code in}'s readable bytes as the buffer has room for (making room first);
     * call {@link #next()} until NEED_MORE before taking more.
     *
     * @return the number of bytes taken
     */
    int readFrom(ByteBuf in) {
        makeRoom();
        int n = Math.min(in.readableBytes(), buf.length - end);
        in.readBytes(buf, end, n);
        end += n;
        return n;
    }

    /** Looks at the buffered bytes: the next message or ping, or NEED_MORE. */
    Kind next() throws FramingException {
        if (msgStart < 0) {
            Kind between = skipBetweenMessages();
            if (between != null) {
                return between;
            }
        }
        if (bodyStart < 0 && !scanHeaders()) {
            if (end - msgStart >= maxMessageSize) {
                throw new FramingException("header section larger than " + maxMessageSize + " bytes");
            }
            return Kind.NEED_MORE;
        }
        int length = bodyStart - msgStart + contentLength;
        if (length > maxMessageSize) {
            throw new FramingException("message of " + length + " bytes, limit " + maxMessageSize);
        }
        if (end - msgStart < length) {
            return Kind.NEED_MORE;
        }
        message = Arrays.copyOfRange(buf, msgStart, msgStart + length);
        start = msgStart + length;
        resetMessage();
        return Kind.MESSAGE;
    }

    /** Consumes CR/LF between messages; KEEPALIVE on every second CRLF, null when a message begins. */
    private Kind skipBetweenMessages() {
        while (start < end) {
            byte b = buf[start];
            if (b == '\n') {
                start++;
                if (pendingCr) {
                    pendingCr = false;
                    if (++crlfs == 2) {
                        crlfs = 0;
                        return Kind.KEEPALIVE;
                    }
                }
            } else if (b == '\r') {
                start++;
                pendingCr = true;
            } else {
                pendingCr = false;
                crlfs = 0;
                msgStart = start;
                lineStart = start;
                scanFrom = start;
                return null;
            }
        }
        return Kind.NEED_MORE;
    }

    /** Examines complete header lines; true once the empty line ending the headers is in. */
    private boolean scanHeaders() throws FramingException {
        while (true) {
            int nl = indexOfLf(scanFrom);
            if (nl < 0) {
                scanFrom = end;
                return false;
            }
            int lineEnd = nl > lineStart && buf[nl - 1] == '\r' ? nl - 1 : nl;
            if (lineEnd == lineStart && lineStart != msgStart) {
                bodyStart = nl + 1;
                if (contentLength < 0) {
                    contentLength = 0; // RFC 3261 §18.3 wants one on streams; the RI read none as 0
                }
                return true;
            }
            if (lineStart != msgStart) { // the request or status line is no header
                header(lineStart, lineEnd);
            }
            lineStart = nl + 1;
            scanFrom = lineStart;
        }
    }

    private int indexOfLf(int from) {
        byte[] b = buf;
        for (int i = from; i < end; i++) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** Notes Content-Length (long or compact form, any case) from one header line. */
    private void header(int from, int to) throws FramingException {
        int nameEnd = from;
        while (nameEnd < to && buf[nameEnd] != ':' && buf[nameEnd] != ' ' && buf[nameEnd] != '\t') {
            nameEnd++;
        }
        int colon = nameEnd;
        while (colon < to && (buf[colon] == ' ' || buf[colon] == '\t')) {
            colon++;
        }
        if (colon >= to || buf[colon] != ':') {
            return; // a folded continuation line or not a header: the parser will judge
        }
        int nameLength = nameEnd - from;
        if (!(nameLength == 1 ? lower(buf[from]) == 'l' : named(from, nameLength, CONTENT_LENGTH))) {
            return;
        }
        int v = colon + 1;
        while (v < to && (buf[v] == ' ' || buf[v] == '\t')) {
            v++;
        }
        int ve = to;
        while (ve > v && (buf[ve - 1] == ' ' || buf[ve - 1] == '\t')) {
            ve--;
        }
        int digits = ve - v;
        if (digits == 0 || digits > MAX_CONTENT_LENGTH_DIGITS) {
            throw new FramingException(digits == 0 ? "empty Content-Length" : "Content-Length too large");
        }
        int value = 0;
        for (int i = v; i < ve; i++) {
            int d = buf[i] - '0';
            if (d < 0 || d > 9) {
                throw new FramingException("Content-Length is not a number");
            }
            value = value * 10 + d;
        }
        if (contentLength >= 0 && contentLength != value) {
            throw new FramingException("two different Content-Length values");
        }
        contentLength = value;
    }

    private static final byte[] CONTENT_LENGTH = "content-length".getBytes(StandardCharsets.US_ASCII);

    private boolean named(int from, int length, byte[] lowerName) {
        if (length != lowerName.length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (lower(buf[from + i]) != lowerName[i]) {
                return false;
            }
        }
        return true;
    }

    /** ASCII upper-case letters to lower case, every other byte as it is. */
    private static int lower(byte b) {
        return b >= 'A' && b <= 'Z' ? b | 0x20 : b;
    }

    private void resetMessage() {
        msgStart = -1;
        bodyStart = -1;
        contentLength = -1;
    }

    /** Ensures free space after {@link #end}: reset when empty, else move the unconsumed bytes to the front, else grow. */
    private void makeRoom() {
        if (start == end) {
            int shift = start;
            start = 0;
            end = 0;
            shiftIndices(shift);
        }
        if (end < buf.length) {
            return;
        }
        if (start > 0) {
            int shift = start;
            System.arraycopy(buf, start, buf, 0, end - start);
            end -= start;
            start = 0;
            shiftIndices(shift);
            return;
        }
        if (buf.length < maxMessageSize) {
            buf = Arrays.copyOf(buf, (int) Math.min((long) buf.length * 2, maxMessageSize));
            return;
        }
        // next() reports a buffered message as oversize before the buffer can be full of it.
        throw new IllegalStateException("framer buffer full: call next() before reading again");
    }

    private void shiftIndices(int shift) {
        if (msgStart >= 0) {
            msgStart -= shift;
            lineStart -= shift;
            scanFrom -= shift;
            if (bodyStart >= 0) {
                bodyStart -= shift;
            }
        }
    }
}
