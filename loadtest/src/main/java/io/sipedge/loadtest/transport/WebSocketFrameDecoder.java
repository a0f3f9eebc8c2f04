package io.sipedge.loadtest.transport;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Cuts WebSocket frames (RFC 6455 §5) out of a byte stream, in the same way {@link
 * io.sipedge.loadtest.sip.StreamFramer} cuts SIP messages: the reader reads straight into the
 * decoder's buffer with {@link #readFrom}, then {@link #received} hands out every complete message
 * and control frame in place. A message in one frame is not copied; a fragmented one is gathered
 * into a second, reused buffer. Anything that breaks the protocol throws: the connection has to be
 * failed (§7.1.7).
 *
 * <p>In the client role (the generator's) a masked frame is an error (§5.1); in the server role (a
 * test's fake server) an unmasked one is, and masked payloads are unmasked in place. Text payloads
 * are not checked for valid UTF-8: the SIP parser that reads them is the judge of what they hold.
 */
public final class WebSocketFrameDecoder {
    /** What a connection's frames carry; the bytes are only valid during the call. */
    public interface Listener {
        /** One whole text or binary message (its fragments joined). */
        void message(byte[] buf, int off, int len) throws IOException;

        /** A PING: answer it with a PONG carrying the same bytes (§5.5.2). */
        void ping(byte[] buf, int off, int len) throws IOException;

        /** A PONG, solicited or not. */
        default void pong(byte[] buf, int off, int len) throws IOException {
        }

        /**
         * A CLOSE: {@code code} is its status, or -1 when it carried none; {@code buf[off, off+len)}
         * the reason (UTF-8, maybe empty). Frames after it are not read.
         */
        void close(int code, byte[] buf, int off, int len) throws IOException;
    }

    /** The peer broke RFC 6455: the connection is to be failed with a CLOSE 1002 (§7.4.1). */
    public static final class ProtocolException extends IOException {
        private static final long serialVersionUID = 1L;

        ProtocolException(String message) {
            super(message);
        }
    }

    private final boolean server;
    private final int maxMessageSize;
    private byte[] buf;
    private int start;
    private int end;
    private boolean closed;
    // a fragmented message being gathered
    private boolean fragmented;
    private byte[] gathered = new byte[0];
    private int gatheredLength;

    /**
     * @param server         true to decode a client's (masked) frames, false a server's
     * @param maxMessageSize the largest message (and frame payload) accepted
     */
    public WebSocketFrameDecoder(boolean server, int initialCapacity, int maxMessageSize) {
        this.server = server;
        this.maxMessageSize = maxMessageSize;
        this.buf = new byte[initialCapacity];
    }

    /** One read from {@code in} into the buffer; -1 at end of stream. Follow with {@link #received}. */
    public int readFrom(InputStream in) throws IOException {
        if (end == buf.length) {
            if (start > 0) {
                System.arraycopy(buf, start, buf, 0, end - start);
                end -= start;
                start = 0;
            } else {
                buf = Arrays.copyOf(buf, buf.length * 2);
            }
        }
        return in.read(buf, end, buf.length - end);
    }

    /** Bytes buffered that are not yet part of a complete frame. */
    public int pending() {
        return end - start;
    }

    /** Whether a CLOSE has been received (nothing after it is delivered). */
    public boolean closeReceived() {
        return closed;
    }

    /** Accounts for {@code n} bytes read into the buffer and hands out every complete frame. */
    public void received(int n, Listener listener) throws IOException {
        end += n;
        while (!closed && end - start >= 2) {
            int b0 = buf[start] & 0xFF;
            int b1 = buf[start + 1] & 0xFF;
            if ((b0 & 0x70) != 0) {
                throw new ProtocolException("WebSocket frame with RSV bits set, and no extension was negotiated");
            }
            boolean masked = (b1 & 0x80) != 0;
            if (masked != server) {
                throw new ProtocolException(server ? "unmasked frame from a client (RFC 6455 §5.1)"
                        : "masked frame from a server (RFC 6455 §5.1)");
            }
            int opcode = b0 & 0x0F;
            boolean fin = (b0 & 0x80) != 0;
            int len7 = b1 & 0x7F;
            int header = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + (masked ? 4 : 0);
            if (end - start < header) {
                return;
            }
            long length = len7 < 126 ? len7 : len7 == 126 ? readUnsigned(start + 2, 2) : readUnsigned(start + 2, 8);
            if (length < 0 || length > maxMessageSize) {
                throw new ProtocolException("WebSocket frame of " + Long.toUnsignedString(length) + " bytes, more than "
                        + maxMessageSize);
            }
            boolean control = (opcode & 0x8) != 0;
            if (control && (length > WebSocketFrames.MAX_CONTROL_PAYLOAD || !fin)) {
                throw new ProtocolException("fragmented or over-long control frame (RFC 6455 §5.5)");
            }
            int total = header + (int) length;
            if (end - start < total) {
                if (total > buf.length) {
                    buf = Arrays.copyOf(buf, Math.max(total, buf.length * 2)); // readFrom compacts
                }
                return;
            }
            int payload = start + header;
            if (masked) {
                WebSocketFrames.mask(buf, payload, buf, payload, (int) length, readInt(payload - 4));
            }
            start += total; // before the listener, which may throw
            frame(listener, opcode, fin, payload, (int) length);
        }
        if (start == end) {
            start = end = 0;
        }
    }

    private void frame(Listener listener, int opcode, boolean fin, int off, int len) throws IOException {
        switch (opcode) {
            case WebSocketFrames.TEXT, WebSocketFrames.BINARY -> {
                if (fragmented) {
                    throw new ProtocolException("a new message began inside a fragmented one (RFC 6455 §5.4)");
                }
                if (fin) {
                    listener.message(buf, off, len);
                } else {
                    fragmented = true;
                    gatheredLength = 0;
                    gather(off, len);
                }
            }
            case WebSocketFrames.CONTINUATION -> {
                if (!fragmented) {
                    throw new ProtocolException("a continuation frame outside a fragmented message (RFC 6455 §5.4)");
                }
                gather(off, len);
                if (fin) {
                    fragmented = false;
                    listener.message(gathered, 0, gatheredLength);
                }
            }
            case WebSocketFrames.PING -> listener.ping(buf, off, len);
            case WebSocketFrames.PONG -> listener.pong(buf, off, len);
            case WebSocketFrames.CLOSE -> {
                if (len == 1) {
                    throw new ProtocolException("a CLOSE frame with a one-byte body (RFC 6455 §5.5.1)");
                }
                closed = true;
                int code = len >= 2 ? (buf[off] & 0xFF) << 8 | buf[off + 1] & 0xFF : -1;
                listener.close(code, buf, off + Math.min(len, 2), Math.max(0, len - 2));
            }
            default -> throw new ProtocolException("WebSocket frame with the reserved opcode " + opcode);
        }
    }

    private void gather(int off, int len) throws IOException {
        if (gatheredLength + len > maxMessageSize) {
            throw new ProtocolException("fragmented WebSocket message longer than " + maxMessageSize + " bytes");
        }
        if (gatheredLength + len > gathered.length) {
            gathered = Arrays.copyOf(gathered, Math.max(gatheredLength + len, 2 * gathered.length));
        }
        System.arraycopy(buf, off, gathered, gatheredLength, len);
        gatheredLength += len;
    }

    /** Big-endian unsigned; 8 bytes with the top bit set come back negative (RFC 6455 forbids it). */
    private long readUnsigned(int at, int bytes) {
        long v = 0;
        for (int i = 0; i < bytes; i++) {
            v = v << 8 | buf[at + i] & 0xFF;
        }
        return v;
    }

    private int readInt(int at) {
        return (int) readUnsigned(at, 4);
    }
}
