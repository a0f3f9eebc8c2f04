package io.sipedge.sip.wire;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Where {@link SipResponses} writes an answer: one growable byte array per thread, reused from
 * answer to answer, written as UTF-8 and copied out once at its exact length. A StringBuilder, its
 * String and that String's bytes made three copies of every answer, half of what a registration
 * allocated.
 *
 * <p>Not reentrant: a thread writes one answer at a time ({@link #begin} to {@link #toBytes}).
 */
final class ResponseBuffer {
    /** A buffer grown past this (a 200 listing many bindings) is not kept for the next answer. */
    private static final int RETAINED = 8 * 1024;
    private static final ThreadLocal<ResponseBuffer> PER_THREAD = ThreadLocal.withInitial(ResponseBuffer::new);
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private byte[] bytes = new byte[1024];
    private int length;
    private final CRC32C crc = new CRC32C();

    private ResponseBuffer() {
    }

    /** This thread's buffer, emptied. */
    static ResponseBuffer begin() {
        ResponseBuffer b = PER_THREAD.get();
        b.length = 0;
        return b;
    }

    ResponseBuffer append(String s) {
        int n = s.length();
        ensure(n);
        byte[] out = bytes;
        int at = length;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                return appendUtf8(s); // a display name the parsed path decoded: rare
            }
            out[at++] = (byte) c;
        }
        length = at;
        return this;
    }

    private ResponseBuffer appendUtf8(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        ensure(utf8.length);
        System.arraycopy(utf8, 0, bytes, length, utf8.length);
        length += utf8.length;
        return this;
    }

    ResponseBuffer append(char c) {
        ensure(1);
        bytes[length++] = (byte) c; // ASCII punctuation only
        return this;
    }

    ResponseBuffer append(long value) {
        if (value < 0) {
            if (value == Long.MIN_VALUE) {
                return append(Long.toString(value));
            }
            append('-');
            value = -value;
        }
        ensure(19);
        int digits = 1;
        for (long v = value; v >= 10; v /= 10) {
            digits++;
        }
        for (int i = length + digits - 1; i >= length; i--) {
            bytes[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        length += digits;
        return this;
    }

    /**
     * Appends the CRC-32C, in lower-case hex without leading zeros, of the fields written as UTF-8,
     * each followed by a zero byte (so ("ab","c") and ("a","bc") differ); a null field is just the
     * separator. The fields are written past the end, hashed and dropped.
     */
    ResponseBuffer appendCrcHex(String... fields) {
        int mark = length;
        for (String f : fields) {
            if (f != null) {
                append(f);
            }
            ensure(1);
            bytes[length++] = 0;
        }
        crc.reset();
        crc.update(bytes, mark, length - mark);
        length = mark;
        int value = (int) crc.getValue();
        ensure(8);
        int digits = Math.max(1, (35 - Integer.numberOfLeadingZeros(value)) / 4);
        for (int i = digits - 1; i >= 0; i--) {
            bytes[length++] = HEX[(value >>> (i * 4)) & 0xf];
        }
        return this;
    }

    /** The answer at its exact length; a buffer grown past {@link #RETAINED} is let go. */
    byte[] toBytes() {
        byte[] out = Arrays.copyOf(bytes, length);
        if (bytes.length > RETAINED) {
            bytes = new byte[1024];
        }
        length = 0;
        return out;
    }

    private void ensure(int more) {
        if (length + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
        }
    }
}
