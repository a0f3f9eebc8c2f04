package io.sipedge.sip.guard;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * Finds a known scanner's name in a message's User-Agent, from the bytes, before any parsing: the
 * tools that probe SIP servers for accounts (sipvicious's {@code friendly-scanner}, sipcli, ...)
 * announce themselves there. Matching is a case-insensitive substring of the header's value.
 */
public final class ScannerAgents {
    /** The names SIP scanners and password guessers send (sipvicious, sipcli, SIPScan, sundayddr, ...). */
    public static final List<String> DEFAULTS = List.of("friendly-scanner", "sipvicious", "sipcli", "sip-scan",
            "sipscan", "sundayddr", "iwar", "sivus", "vaxsipuseragent", "smap", "pplsip", "sipptk");
    private static final byte[] HEADER = "user-agent".getBytes(StandardCharsets.US_ASCII);

    private final String[] names;
    private final byte[][] needles;
    /** The first bytes of the names, as a 256-bit set. */
    private final long[] firstBytes = new long[4];

    private ScannerAgents(List<String> names) {
        this.names = names.stream().map(n -> n.toLowerCase(Locale.ROOT)).toArray(String[]::new);
        this.needles = new byte[this.names.length][];
        for (int i = 0; i < this.names.length; i++) {
            needles[i] = this.names[i].getBytes(StandardCharsets.UTF_8);
            int first = needles[i][0] & 0xFF;
            firstBytes[first >> 6] |= 1L << (first & 63);
        }
    }

    /** @param names substrings to look for; empty entries are ignored */
    public static ScannerAgents of(List<String> names) {
        return new ScannerAgents(names.stream().map(String::strip).filter(n -> !n.isEmpty()).toList());
    }

    /** The configured name found in {@code message}'s User-Agent, or null (also for no User-Agent). */
    public String match(byte[] message) {
        if (needles.length == 0) {
            return null;
        }
        int n = message.length;
        int i = 0;
        while (i < n) {
            int eol = lineEnd(message, i);
            if (eol == i || eol == i + 1 && message[i] == '\r') {
                return null; // the blank line: the headers are over
            }
            if (i > 0 && startsWithIgnoreCase(message, i, eol, HEADER)) {
                int colon = i + HEADER.length;
                while (colon < eol && (message[colon] == ' ' || message[colon] == '\t')) {
                    colon++;
                }
                if (colon < eol && message[colon] == ':') {
                    return find(message, colon + 1, eol);
                }
            }
            i = eol + 1;
        }
        return null;
    }

    /** One pass over the value: at each byte, only the names that start with it are compared. */
    private String find(byte[] m, int from, int to) {
        for (int at = from; at < to; at++) {
            int first = lower(m[at]) & 0xFF;
            if ((firstBytes[first >> 6] & 1L << (first & 63)) == 0) {
                continue;
            }
            for (int k = 0; k < needles.length; k++) {
                if (needles[k][0] == (byte) first && startsWithIgnoreCase(m, at, to, needles[k])) {
                    return names[k];
                }
            }
        }
        return null;
    }

    private static byte lower(byte b) {
        return b >= 'A' && b <= 'Z' ? (byte) (b + ('a' - 'A')) : b;
    }

    private static int lineEnd(byte[] m, int from) {
        for (int i = from; i < m.length; i++) {
            if (m[i] == '\n') {
                return i;
            }
        }
        return m.length;
    }

    /** {@code name} is in lower case; ASCII letters of {@code m} are compared folded. */
    private static boolean startsWithIgnoreCase(byte[] m, int at, int limit, byte[] name) {
        if (at + name.length > limit) {
            return false;
        }
        for (int j = 0; j < name.length; j++) {
            if (lower(m[at + j]) != name[j]) {
                return false;
            }
        }
        return true;
    }
}
