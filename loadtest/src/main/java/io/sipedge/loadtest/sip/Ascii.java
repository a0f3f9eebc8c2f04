package io.sipedge.loadtest.sip;

import java.nio.charset.StandardCharsets;

/** Byte-level helpers for SIP text, which is ASCII where these are used: no Strings on the hot path. */
public final class Ascii {
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private Ascii() {
    }

    public static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public static String string(byte[] buf, int start, int end) {
        return new String(buf, start, end - start, StandardCharsets.UTF_8);
    }

    static int lower(int c) {
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    }

    /** Whether buf[start, end) equals the lower-case ASCII {@code lowerName}, ignoring case. */
    public static boolean equalsIgnoreCase(byte[] buf, int start, int end, byte[] lowerName) {
        if (end - start != lowerName.length) {
            return false;
        }
        for (int i = 0; i < lowerName.length; i++) {
            if (lower(buf[start + i]) != lowerName[i]) {
                return false;
            }
        }
        return true;
    }

    /** Whether buf[start, ...) begins with the lower-case ASCII {@code lowerPrefix}, ignoring case. */
    public static boolean startsWithIgnoreCase(byte[] buf, int start, int end, byte[] lowerPrefix) {
        if (end - start < lowerPrefix.length) {
            return false;
        }
        for (int i = 0; i < lowerPrefix.length; i++) {
            if (lower(buf[start + i]) != lowerPrefix[i]) {
                return false;
            }
        }
        return true;
    }

    public static boolean equals(byte[] buf, int start, int end, byte[] other) {
        if (end - start != other.length) {
            return false;
        }
        for (int i = 0; i < other.length; i++) {
            if (buf[start + i] != other[i]) {
                return false;
            }
        }
        return true;
    }

    /** Linear whitespace inside a header value, folded line breaks included. */
    public static boolean isLws(int c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    /** Lower-case hex of {@code value}, without leading zeros; returns the new position. */
    public static int writeHex(long value, byte[] out, int pos) {
        int digits = Math.max(1, (67 - Long.numberOfLeadingZeros(value)) >> 2);
        for (int i = digits - 1; i >= 0; i--) {
            out[pos + i] = HEX[(int) (value & 0xF)];
            value >>>= 4;
        }
        return pos + digits;
    }

    /** Exactly {@code digits} lower-case hex digits of {@code value}, zero-padded; returns the new position. */
    public static int writeHexFixed(long value, int digits, byte[] out, int pos) {
        for (int i = digits - 1; i >= 0; i--) {
            out[pos + i] = HEX[(int) (value & 0xF)];
            value >>>= 4;
        }
        return pos + digits;
    }

    /** Two lower-case hex digits per byte of {@code data[0, n)}; returns the new position. */
    public static int writeHex(byte[] data, int n, byte[] out, int pos) {
        for (int i = 0; i < n; i++) {
            out[pos++] = HEX[(data[i] >> 4) & 0xF];
            out[pos++] = HEX[data[i] & 0xF];
        }
        return pos;
    }

    /** Decimal of a non-negative {@code value}; returns the new position. */
    public static int writeDecimal(long value, byte[] out, int pos) {
        if (value == 0) {
            out[pos] = '0';
            return pos + 1;
        }
        int digits = 0;
        for (long v = value; v > 0; v /= 10) {
            digits++;
        }
        for (int i = digits - 1; i >= 0; i--) {
            out[pos + i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        return pos + digits;
    }

    /** Hex number in buf[start, end); -1 when empty, too long or not hex. */
    public static long parseHex(byte[] buf, int start, int end) {
        if (start >= end || end - start > 15) {
            return -1;
        }
        long v = 0;
        for (int i = start; i < end; i++) {
            int c = buf[i];
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            if (d < 0) {
                return -1;
            }
            v = (v << 4) | d;
        }
        return v;
    }

    /** Decimal number in buf[start, end); -1 when empty, too long or not a number. */
    public static long parseDecimal(byte[] buf, int start, int end) {
        if (start >= end || end - start > 18) {
            return -1;
        }
        long v = 0;
        for (int i = start; i < end; i++) {
            int c = buf[i];
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** Index of {@code b} in buf[start, end), or -1. */
    public static int indexOf(byte[] buf, int start, int end, byte b) {
        for (int i = start; i < end; i++) {
            if (buf[i] == b) {
                return i;
            }
        }
        return -1;
    }

    /** End of the line starting at {@code p}, before its CRLF or LF ({@code end} when there is none). */
    public static int lineEnd(byte[] buf, int p, int end) {
        int nl = indexOf(buf, p, end, (byte) '\n');
        if (nl < 0) {
            return end;
        }
        return nl > p && buf[nl - 1] == '\r' ? nl - 1 : nl;
    }

    /** Start of the line after the one starting at {@code p} ({@code end} when there is none). */
    public static int nextLine(byte[] buf, int p, int end) {
        int nl = indexOf(buf, p, end, (byte) '\n');
        return nl < 0 ? end : nl + 1;
    }
}
