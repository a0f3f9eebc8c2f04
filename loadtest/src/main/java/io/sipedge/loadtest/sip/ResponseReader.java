package io.sipedge.loadtest.sip;

import java.nio.charset.StandardCharsets;

/**
 * A small SIP response parser for the fields a registration client needs: status code, top Via
 * branch, CSeq, Call-ID, the challenges and Content-Length. One instance per reading thread: it
 * records offsets into the caller's buffer, so reading a response allocates nothing until a
 * challenge is asked for.
 *
 * <p>Header names are matched case-insensitively, compact forms included ({@code v i l}); folded
 * header lines (a line starting with SP/HT continues the previous one) are accepted, and bare LF
 * line ends too.
 */
public final class ResponseReader {
    private static final byte[] SIP_2_0 = Ascii.bytes("sip/2.0 ");
    private static final byte[] VIA = Ascii.bytes("via");
    private static final byte[] VIA_COMPACT = Ascii.bytes("v");
    private static final byte[] CALL_ID = Ascii.bytes("call-id");
    private static final byte[] CALL_ID_COMPACT = Ascii.bytes("i");
    private static final byte[] CSEQ = Ascii.bytes("cseq");
    private static final byte[] CONTENT_LENGTH = Ascii.bytes("content-length");
    private static final byte[] CONTENT_LENGTH_COMPACT = Ascii.bytes("l");
    private static final byte[] WWW_AUTHENTICATE = Ascii.bytes("www-authenticate");
    private static final byte[] PROXY_AUTHENTICATE = Ascii.bytes("proxy-authenticate");
    private static final byte[] BRANCH = Ascii.bytes("branch");
    private static final int MAX_CHALLENGES = 8;

    private byte[] buf;
    private int statusCode;
    private int branchStart;
    private int branchEnd;
    private int callIdStart;
    private int callIdEnd;
    private long cseq;
    private int cseqMethodStart;
    private int cseqMethodEnd;
    private long contentLength;
    private int headerEnd;
    private int challengeCount;
    private final int[] challengeStart = new int[MAX_CHALLENGES];
    private final int[] challengeEnd = new int[MAX_CHALLENGES];
    private final boolean[] challengeProxy = new boolean[MAX_CHALLENGES];

    /**
     * Reads the response in buf[off, off+len). Returns false when it is not a SIP response (a
     * request, garbage, or a truncated status line); accessors are then meaningless.
     */
    public boolean read(byte[] buf, int off, int len) {
        this.buf = buf;
        statusCode = -1;
        branchStart = branchEnd = -1;
        callIdStart = callIdEnd = -1;
        cseq = -1;
        cseqMethodStart = cseqMethodEnd = -1;
        contentLength = -1;
        headerEnd = -1;
        challengeCount = 0;
        int end = off + len;
        if (!Ascii.startsWithIgnoreCase(buf, off, end, SIP_2_0) || len < SIP_2_0.length + 3) {
            return false;
        }
        int p = off + SIP_2_0.length;
        long code = Ascii.parseDecimal(buf, p, p + 3);
        if (code < 100 || code > 699) {
            return false;
        }
        statusCode = (int) code;
        p = Ascii.nextLine(buf, p, end);
        while (p < end) {
            int lineEnd = Ascii.lineEnd(buf, p, end);
            if (lineEnd == p) { // empty line: end of headers
                headerEnd = Ascii.nextLine(buf, p, end);
                return true;
            }
            // a logical header line continues over folded lines
            int next = Ascii.nextLine(buf, p, end);
            while (next < end && (buf[next] == ' ' || buf[next] == '\t')) {
                lineEnd = Ascii.lineEnd(buf, next, end);
                next = Ascii.nextLine(buf, next, end);
            }
            header(buf, p, lineEnd);
            p = next;
        }
        headerEnd = end; // no blank line (UDP datagram cut short): accept what we have
        return true;
    }

    private void header(byte[] buf, int start, int end) {
        int colon = Ascii.indexOf(buf, start, end, (byte) ':');
        if (colon < 0) {
            return;
        }
        int nameEnd = colon;
        while (nameEnd > start && (buf[nameEnd - 1] == ' ' || buf[nameEnd - 1] == '\t')) {
            nameEnd--;
        }
        int v = colon + 1;
        while (v < end && Ascii.isLws(buf[v])) {
            v++;
        }
        int ve = end;
        while (ve > v && Ascii.isLws(buf[ve - 1])) {
            ve--;
        }
        int n = nameEnd - start;
        if (n <= 1) {
            if (Ascii.equalsIgnoreCase(buf, start, nameEnd, VIA_COMPACT)) {
                via(buf, v, ve);
            } else if (Ascii.equalsIgnoreCase(buf, start, nameEnd, CALL_ID_COMPACT)) {
                callId(v, ve);
            } else if (Ascii.equalsIgnoreCase(buf, start, nameEnd, CONTENT_LENGTH_COMPACT)) {
                contentLength = Ascii.parseDecimal(buf, v, ve);
            }
        } else if (Ascii.equalsIgnoreCase(buf, start, nameEnd, VIA)) {
            via(buf, v, ve);
        } else if (Ascii.equalsIgnoreCase(buf, start, nameEnd, CSEQ)) {
            int sp = v;
            while (sp < ve && !Ascii.isLws(buf[sp])) {
                sp++;
            }
            cseq = Ascii.parseDecimal(buf, v, sp);
            while (sp < ve && Ascii.isLws(buf[sp])) {
                sp++;
            }
            cseqMethodStart = sp;
            cseqMethodEnd = ve;
        } else if (Ascii.equalsIgnoreCase(buf, start, nameEnd, CALL_ID)) {
            callId(v, ve);
        } else if (Ascii.equalsIgnoreCase(buf, start, nameEnd, CONTENT_LENGTH)) {
            contentLength = Ascii.parseDecimal(buf, v, ve);
        } else if (Ascii.equalsIgnoreCase(buf, start, nameEnd, WWW_AUTHENTICATE)) {
            challenge(v, ve, false);
        } else if (Ascii.equalsIgnoreCase(buf, start, nameEnd, PROXY_AUTHENTICATE)) {
            challenge(v, ve, true);
        }
    }

    private void callId(int v, int ve) {
        callIdStart = v;
        callIdEnd = ve;
    }

    private void challenge(int v, int ve, boolean proxy) {
        if (challengeCount < MAX_CHALLENGES) {
            challengeStart[challengeCount] = v;
            challengeEnd[challengeCount] = ve;
            challengeProxy[challengeCount] = proxy;
            challengeCount++;
        }
    }

    /** Only the top Via counts: the first header's first value. */
    private void via(byte[] buf, int v, int ve) {
        if (branchStart >= 0) {
            return;
        }
        int comma = Ascii.indexOf(buf, v, ve, (byte) ',');
        int end = comma < 0 ? ve : comma;
        int p = Ascii.indexOf(buf, v, end, (byte) ';');
        while (p >= 0) {
            int name = p + 1;
            while (name < end && Ascii.isLws(buf[name])) {
                name++;
            }
            int nameEnd = name;
            while (nameEnd < end && buf[nameEnd] != '=' && buf[nameEnd] != ';' && !Ascii.isLws(buf[nameEnd])) {
                nameEnd++;
            }
            if (Ascii.equalsIgnoreCase(buf, name, nameEnd, BRANCH)) {
                int val = nameEnd;
                while (val < end && (Ascii.isLws(buf[val]) || buf[val] == '=')) {
                    val++;
                }
                int valEnd = val;
                while (valEnd < end && buf[valEnd] != ';' && !Ascii.isLws(buf[valEnd])) {
                    valEnd++;
                }
                branchStart = val;
                branchEnd = valEnd;
                return;
            }
            p = Ascii.indexOf(buf, nameEnd, end, (byte) ';');
        }
        branchStart = branchEnd = v; // top Via without branch: remember that we saw it
    }

    public int statusCode() {
        return statusCode;
    }

    /** Top Via branch as buffer offsets; start == end when absent. */
    public int branchStart() {
        return branchStart;
    }

    public int branchEnd() {
        return branchEnd;
    }

    public String branch() {
        return branchStart < 0 || branchStart == branchEnd ? null : text(branchStart, branchEnd);
    }

    public String callId() {
        return callIdStart < 0 ? null : text(callIdStart, callIdEnd);
    }

    /** CSeq number, -1 when absent or malformed. */
    public long cseq() {
        return cseq;
    }

    public String cseqMethod() {
        return cseqMethodStart < 0 ? null : text(cseqMethodStart, cseqMethodEnd);
    }

    /** Content-Length value, -1 when absent or malformed. */
    public long contentLength() {
        return contentLength;
    }

    /** Offset just past the blank line that ends the headers. */
    public int headerEnd() {
        return headerEnd;
    }

    /** Number of WWW-Authenticate and Proxy-Authenticate headers, in message order. */
    public int challengeCount() {
        return challengeCount;
    }

    /** The i-th challenge, parsed on demand; null when its scheme is not Digest. */
    public DigestChallenge challenge(int i) {
        return DigestChallenge.parse(buf, challengeStart[i], challengeEnd[i], challengeProxy[i]);
    }

    /**
     * RFC 8760 §2.4 choice: the first challenge with MD5 (or no algorithm) that we can answer, else
     * the first usable SHA-256 one; null when none is usable.
     */
    public DigestChallenge preferredChallenge() {
        DigestChallenge sha = null;
        for (int i = 0; i < challengeCount; i++) {
            DigestChallenge c = challenge(i);
            if (c == null || !c.usable()) {
                continue;
            }
            if (c.algorithm() == DigestAlgorithm.MD5) {
                return c;
            }
            if (sha == null) {
                sha = c;
            }
        }
        return sha;
    }

    private String text(int s, int e) {
        return new String(buf, s, e - s, StandardCharsets.UTF_8);
    }
}
