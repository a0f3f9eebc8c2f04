package io.sipedge.loadtest.transport;

import io.sipedge.loadtest.sip.MessageBuilder;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * WebSocket frames (RFC 6455 §5.2) written in place into a {@link MessageBuilder}: a client's
 * frames, masked, and (for tests and the warm-up) a server's, unmasked. No extension is ever
 * negotiated, so the RSV bits are always 0.
 */
public final class WebSocketFrames {
    public static final int CONTINUATION = 0x0;
    public static final int TEXT = 0x1;
    public static final int BINARY = 0x2;
    public static final int CLOSE = 0x8;
    public static final int PING = 0x9;
    public static final int PONG = 0xA;
    /** Control frames carry at most this much (RFC 6455 §5.5). */
    public static final int MAX_CONTROL_PAYLOAD = 125;
    /** Close status 1000, normal closure (RFC 6455 §7.4.1). */
    public static final int NORMAL_CLOSURE = 1000;
    /** Close status 1002, protocol error. */
    public static final int PROTOCOL_ERROR = 1002;

    private static final int FIN = 0x80;
    private static final int MASKED = 0x80;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private WebSocketFrames() {
    }

    /** Header length of a frame with {@code payload} bytes: 2, +2 or +8 for the length, +4 for a mask. */
    static int headerLength(long payload, boolean masked) {
        int n = payload < 126 ? 2 : payload <= 0xFFFF ? 4 : 10;
        return masked ? n + 4 : n;
    }

    /**
     * Appends one whole (FIN) frame as a client sends it: masked with {@code maskKey} (RFC 6455
     * §5.3; the key's high byte is the first on the wire). The payload is copied and masked in one
     * pass.
     */
    public static void writeMasked(MessageBuilder out, int opcode, byte[] payload, int off, int len, int maskKey) {
        int at = header(out, true, opcode, len, true);
        byte[] a = out.array();
        a[at++] = (byte) (maskKey >>> 24);
        a[at++] = (byte) (maskKey >>> 16);
        a[at++] = (byte) (maskKey >>> 8);
        a[at++] = (byte) maskKey;
        mask(payload, off, a, at, len, maskKey);
    }

    /** Appends a frame as a server sends it: unmasked; {@code fin} false for all but a message's last fragment. */
    public static void writeUnmasked(MessageBuilder out, boolean fin, int opcode, byte[] payload, int off, int len) {
        int at = header(out, fin, opcode, len, false);
        System.arraycopy(payload, off, out.array(), at, len);
    }

    /** Writes the header up to the mask key (not included) and returns where the key or payload goes. */
    private static int header(MessageBuilder out, boolean fin, int opcode, int len, boolean masked) {
        int h = headerLength(len, masked);
        int at = out.extend(h + len);
        byte[] a = out.array();
        a[at++] = (byte) ((fin ? FIN : 0) | opcode);
        int maskBit = masked ? MASKED : 0;
        if (len < 126) {
            a[at++] = (byte) (maskBit | len);
        } else if (len <= 0xFFFF) {
            a[at++] = (byte) (maskBit | 126);
            a[at++] = (byte) (len >>> 8);
            a[at++] = (byte) len;
        } else {
            a[at++] = (byte) (maskBit | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                a[at++] = (byte) ((long) len >>> shift);
            }
        }
        return at;
    }

    /**
     * {@code dst[dstOff + i] = src[srcOff + i] ^ key byte (i % 4)}, eight bytes at a time; src and dst
     * may be the same range (unmasking in place). Byte 0 of the payload takes the key's high byte.
     */
    static void mask(byte[] src, int srcOff, byte[] dst, int dstOff, int len, int key) {
        long k = (key & 0xFFFF_FFFFL) << 32 | (key & 0xFFFF_FFFFL);
        int i = 0;
        for (; i + 8 <= len; i += 8) {
            LONGS.set(dst, dstOff + i, (long) LONGS.get(src, srcOff + i) ^ k);
        }
        for (; i < len; i++) {
            dst[dstOff + i] = (byte) (src[srcOff + i] ^ key >>> (24 - 8 * (i & 3)));
        }
    }
}
