package io.sipedge.loadtest.sip;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A reusable byte buffer that SIP messages are written into: one per sending thread, reset per
 * message, so formatting a request allocates nothing.
 */
public final class MessageBuilder {
    private byte[] buf;
    private int len;

    public MessageBuilder(int capacity) {
        buf = new byte[capacity];
    }

    public MessageBuilder reset() {
        len = 0;
        return this;
    }

    public byte[] array() {
        return buf;
    }

    public int length() {
        return len;
    }

    private void ensure(int extra) {
        if (len + extra > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
        }
    }

    /**
     * Counts {@code n} more bytes as written and returns the offset of the first, for the caller to
     * fill in {@link #array()} (which this may have replaced): for encoders that write in place.
     */
    public int extend(int n) {
        ensure(n);
        int at = len;
        len += n;
        return at;
    }

    public MessageBuilder append(byte[] b) {
        return append(b, 0, b.length);
    }

    public MessageBuilder append(byte[] b, int off, int n) {
        ensure(n);
        System.arraycopy(b, off, buf, len, n);
        len += n;
        return this;
    }

    public MessageBuilder append(char c) {
        ensure(1);
        buf[len++] = (byte) c;
        return this;
    }

    /** For text that is not known ahead (rare paths); ASCII expected. */
    public MessageBuilder append(String s) {
        return append(s.getBytes(StandardCharsets.UTF_8));
    }

    public MessageBuilder appendDecimal(long v) {
        ensure(20);
        len = Ascii.writeDecimal(v, buf, len);
        return this;
    }

    public MessageBuilder appendHex(long v) {
        ensure(16);
        len = Ascii.writeHex(v, buf, len);
        return this;
    }

    public MessageBuilder appendHexFixed(long v, int digits) {
        ensure(digits);
        len = Ascii.writeHexFixed(v, digits, buf, len);
        return this;
    }

    /** Lower-case hex of {@code data[0, n)}. */
    public MessageBuilder appendHex(byte[] data, int n) {
        ensure(2 * n);
        len = Ascii.writeHex(data, n, buf, len);
        return this;
    }

    @Override
    public String toString() {
        return new String(buf, 0, len, StandardCharsets.UTF_8);
    }
}
