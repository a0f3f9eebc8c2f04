package io.sipedge.sip.wire;

/**
 * The byte scanning that the in-place readers of requests and responses ({@link RawRequest},
 * {@link RawResponse}) share: CRLF line ends (a bare LF or CR ends no line for them: the stack's
 * parser decides such a message), searches within a range, blanks around a value, header names in
 * any case, digits, and the parameters of a header value.
 */
final class HeaderBytes {
    private HeaderBytes() {
    }

    /** The index of the CR of the CRLF ending the line that starts at {@code from}; -1 for none or a bare LF. */
    static int lineEnd(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == '\n') {
                return -1;
            }
            if (b[i] == '\r') {
                return i + 1 < b.length && b[i + 1] == '\n' ? i : -1;
            }
        }
        return -1;
    }

    /** The first index of {@code c} in {@code b[s, e)}, or -1. */
    static int indexOf(byte[] b, byte c, int s, int e) {
        for (int i = s; i < e; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }

    /** The first index in {@code b[from, to)} that is not a space or a tab, or {@code to}. */
    static int skipBlanks(byte[] b, int from, int to) {
        int i = from;
        while (i < to && (b[i] == ' ' || b[i] == '\t')) {
            i++;
        }
        return i;
    }

    /** The end of {@code b[from, to)} without its trailing spaces and tabs (never before {@code from}). */
    static int trimBlanks(byte[] b, int from, int to) {
        int i = to;
        while (i > from && (b[i - 1] == ' ' || b[i - 1] == '\t')) {
            i--;
        }
        return i;
    }

    /** True when {@code b[s, e)} is exactly {@code text}. */
    static boolean region(byte[] b, int s, int e, String text) {
        if (e - s != text.length()) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            if (b[s + i] != text.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** True when {@code b[s, e)} is {@code lower} in any case (a header name, a parameter name). */
    static boolean is(byte[] b, int s, int e, String lower) {
        if (e - s != lower.length()) {
            return false;
        }
        for (int i = 0; i < lower.length(); i++) {
            int c = b[s + i];
            if (c >= 'A' && c <= 'Z') {
                c += 'a' - 'A';
            }
            if (c != lower.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** The value of an ASCII digit; anything else throws (the readers turn that into "not this shape"). */
    static int digit(byte c) {
        if (c < '0' || c > '9') {
            throw new IllegalArgumentException("not a digit");
        }
        return c - '0';
    }

    /** The decimal number {@code b[s, e)}, digits only; anything else throws, as {@link #digit} does. */
    static long number(byte[] b, int s, int e) {
        long n = 0;
        for (int i = s; i < e; i++) {
            n = n * 10 + digit(b[i]);
        }
        return n;
    }

    /**
     * The value of parameter {@code name} (any case) of a header value such as a Via
     * ({@code SIP/2.0/UDP host;branch=z9hG4bK1;rport}): "" for a parameter without a value, null
     * when absent. Spaces around the name, the '=' and the value are allowed.
     */
    static String parameter(String value, String name) {
        int semi = value.indexOf(';');
        if (semi < 0) {
            return null;
        }
        for (String param : value.substring(semi + 1).split(";")) {
            int eq = param.indexOf('=');
            if ((eq < 0 ? param : param.substring(0, eq)).strip().equalsIgnoreCase(name)) {
                return eq < 0 ? "" : param.substring(eq + 1).strip();
            }
        }
        return null;
    }
}
