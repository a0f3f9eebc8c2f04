package io.sipedge.sip.wire;

import static io.sipedge.sip.wire.HeaderBytes.digit;
import static io.sipedge.sip.wire.HeaderBytes.indexOf;
import static io.sipedge.sip.wire.HeaderBytes.is;
import static io.sipedge.sip.wire.HeaderBytes.lineEnd;
import static io.sipedge.sip.wire.HeaderBytes.parameter;
import static io.sipedge.sip.wire.HeaderBytes.skipBlanks;
import static io.sipedge.sip.wire.HeaderBytes.trimBlanks;

import java.nio.charset.StandardCharsets;

/**
 * A response read in place, as far as a proxy relaying it needs: the status, the top Via's branch
 * and the CSeq method (what names the client transaction, RFC 3261 §17.1.3), and the bytes without
 * that top Via, which is what goes upstream (§16.7 step 3). Nothing else is parsed or rewritten: the
 * body, Record-Route, Contact and every other header pass byte for byte. A response of a shape
 * this reader does not take (folded or bare-LF lines, no Via or CSeq, a Via it cannot split) is
 * null, and the stack's parser reads it instead.
 */
public final class RawResponse {
    private static final byte[] PREFIX = "SIP/2.0 ".getBytes(StandardCharsets.US_ASCII);

    private final byte[] bytes;
    private final int status;
    private final String branch;
    private final String cseqMethod;
    private final String topVia;
    /** The top Via's bytes to cut out: a whole header line, or one value and its comma. */
    private final int cutStart;
    private final int cutEnd;

    private RawResponse(byte[] bytes, int status, String branch, String cseqMethod, String topVia, int cutStart,
                        int cutEnd) {
        this.bytes = bytes;
        this.topVia = topVia;
        this.status = status;
        this.branch = branch;
        this.cseqMethod = cseqMethod;
        this.cutStart = cutStart;
        this.cutEnd = cutEnd;
    }

    public int status() {
        return status;
    }

    /** The top Via's branch parameter, or null. */
    public String branch() {
        return branch;
    }

    /** The value of parameter {@code name} of the top Via: "" without a value, null when absent. */
    public String topViaParameter(String name) {
        return parameter(topVia, name);
    }

    /** The method of the CSeq header ("INVITE"). */
    public String cseqMethod() {
        return cseqMethod;
    }

    /** The response as read. */
    public byte[] bytes() {
        return bytes;
    }

    /** The response without its top Via: the next hop's answer. */
    public byte[] withoutTopVia() {
        byte[] out = new byte[bytes.length - (cutEnd - cutStart)];
        System.arraycopy(bytes, 0, out, 0, cutStart);
        System.arraycopy(bytes, cutEnd, out, cutStart, bytes.length - cutEnd);
        return out;
    }

    /** A response of the shape this reader takes, or null. Never throws. */
    public static RawResponse scan(byte[] message) {
        try {
            return read(message);
        } catch (RuntimeException e) {
            return null; // a shape this reader did not foresee: the stack's parser decides
        }
    }

    private static RawResponse read(byte[] b) {
        int n = b.length;
        if (n < 16) {
            return null;
        }
        for (int i = 0; i < PREFIX.length; i++) {
            if (b[i] != PREFIX[i]) {
                return null;
            }
        }
        int status = digit(b[8]) * 100 + digit(b[9]) * 10 + digit(b[10]);
        if (status < 100 || status > 699 || b[11] != ' ') {
            return null;
        }
        int at = lineEnd(b, 12);
        if (at < 0) {
            return null;
        }
        at += 2;
        int cutStart = -1;
        int cutEnd = -1;
        String branch = null;
        String method = null;
        String topVia = null;
        while (true) {
            int end = lineEnd(b, at);
            if (end < 0) {
                return null;
            }
            if (end == at) {
                break; // the empty line: the headers are over
            }
            if (b[at] == ' ' || b[at] == '\t') {
                return null; // a folded line
            }
            int colon = indexOf(b, (byte) ':', at, end);
            if (colon < 0) {
                return null;
            }
            int nameEnd = trimBlanks(b, at, colon);
            int value = skipBlanks(b, colon + 1, end);
            if (cutStart < 0 && (is(b, at, nameEnd, "via") || is(b, at, nameEnd, "v"))) {
                int comma = indexOf(b, (byte) ',', value, end);
                int viaEnd = comma < 0 ? end : comma;
                topVia = new String(b, value, viaEnd - value, StandardCharsets.ISO_8859_1);
                branch = parameter(topVia, "branch");
                if (branch != null && branch.isEmpty()) {
                    branch = null;
                }
                if (comma < 0) {
                    cutStart = at;
                    cutEnd = end + 2; // the whole line
                } else {
                    int next = skipBlanks(b, comma + 1, end);
                    if (next == end) {
                        return null;
                    }
                    cutStart = value;
                    cutEnd = next; // the first value and its comma: the others stay on the line
                }
            } else if (method == null && is(b, at, nameEnd, "cseq")) {
                int space = indexOf(b, (byte) ' ', value, end);
                if (space < 0) {
                    return null;
                }
                int m = space;
                while (m < end && b[m] == ' ') {
                    m++;
                }
                int mEnd = trimBlanks(b, m, end);
                if (mEnd == m) {
                    return null;
                }
                method = new String(b, m, mEnd - m, StandardCharsets.US_ASCII);
            }
            at = end + 2;
        }
        if (cutStart < 0 || method == null) {
            return null;
        }
        return new RawResponse(b, status, branch, method, topVia, cutStart, cutEnd);
    }
}
