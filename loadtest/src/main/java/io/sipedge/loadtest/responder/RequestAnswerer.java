package io.sipedge.loadtest.responder;

import io.sipedge.loadtest.sip.Ascii;
import io.sipedge.loadtest.sip.MessageBuilder;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Stateless answers, byte-level: REGISTER without credentials gets a 401 with one MD5 challenge
 * (realm = the To host), REGISTER with credentials gets 200. <b>The digest is never checked</b>:
 * this is a reference peer for measuring the generator, not a registrar. Via, From, To, Call-ID
 * and CSeq lines are copied verbatim. One instance per thread (it keeps parse state).
 */
final class RequestAnswerer {
    private static final byte[] SIP_2_0 = Ascii.bytes("sip/2.0");
    private static final byte[] REGISTER = Ascii.bytes("REGISTER");
    private static final byte[] OPTIONS = Ascii.bytes("OPTIONS");
    private static final byte[] ACK = Ascii.bytes("ACK");
    private static final byte[] VIA = Ascii.bytes("via");
    private static final byte[] FROM = Ascii.bytes("from");
    private static final byte[] TO = Ascii.bytes("to");
    private static final byte[] CALL_ID = Ascii.bytes("call-id");
    private static final byte[] CSEQ = Ascii.bytes("cseq");
    private static final byte[] CONTACT = Ascii.bytes("contact");
    private static final byte[] EXPIRES = Ascii.bytes("expires");
    private static final byte[] AUTHORIZATION = Ascii.bytes("authorization");
    private static final byte[] PROXY_AUTHORIZATION = Ascii.bytes("proxy-authorization");
    private static final byte[] BRANCH = Ascii.bytes("branch=");
    private static final byte[] TAG = Ascii.bytes(";tag=");
    private static final byte[] STATUS_401 = Ascii.bytes("SIP/2.0 401 Unauthorized\r\n");
    private static final byte[] STATUS_200 = Ascii.bytes("SIP/2.0 200 OK\r\n");
    private static final byte[] STATUS_501 = Ascii.bytes("SIP/2.0 501 Not Implemented\r\n");
    private static final byte[] TO_TAG = Ascii.bytes(";tag=ldresp");
    private static final byte[] CHALLENGE = Ascii.bytes("WWW-Authenticate: Digest realm=\"");
    private static final byte[] CHALLENGE_NONCE = Ascii.bytes("\", nonce=\"");
    private static final byte[] CHALLENGE_END = Ascii.bytes("\", qop=\"auth\", algorithm=MD5\r\n");
    private static final byte[] CONTACT_LINE = Ascii.bytes("Contact: ");
    private static final byte[] CONTACT_EXPIRES = Ascii.bytes(";expires=");
    private static final byte[] EXPIRES_LINE = Ascii.bytes("Expires: ");
    private static final byte[] DEFAULT_EXPIRES = Ascii.bytes("3600");
    private static final byte[] TRAILER = Ascii.bytes("Server: sip-edge-loadtest-responder\r\nContent-Length: 0\r\n\r\n");
    private static final byte[] CRLF = Ascii.bytes("\r\n");
    private static final int MAX_VIAS = 16;
    private static final AtomicLong NONCES = new AtomicLong(ThreadLocalRandom.current().nextLong() >>> 8);

    private byte[] buf;
    private int methodStart;
    private int methodEnd;
    private final int[] viaStart = new int[MAX_VIAS];
    private final int[] viaEnd = new int[MAX_VIAS];
    private int vias;
    private int fromStart;
    private int fromEnd;
    private int toStart;
    private int toEnd;
    private int toValue;
    private int callIdStart;
    private int callIdEnd;
    private int cseqStart;
    private int cseqEnd;
    private int contactStart;
    private int contactEnd;
    private int expiresStart;
    private int expiresEnd;
    private boolean authorized;
    private int branchStart;
    private int branchEnd;

    /** Whether the message is a request; then {@link #branch} and the answer are available. */
    boolean parse(byte[] buf, int off, int len) {
        this.buf = buf;
        vias = 0;
        fromStart = toStart = callIdStart = cseqStart = contactStart = expiresStart = branchStart = -1;
        authorized = false;
        int end = off + len;
        int lineEnd = Ascii.lineEnd(buf, off, end);
        if (lineEnd - off < 12 || Ascii.startsWithIgnoreCase(buf, off, end, SIP_2_0)) {
            return false;
        }
        methodEnd = Ascii.indexOf(buf, off, lineEnd, (byte) ' ');
        methodStart = off;
        if (methodEnd < 0) {
            return false;
        }
        int p = Ascii.nextLine(buf, off, end);
        while (p < end) {
            int le = Ascii.lineEnd(buf, p, end);
            if (le == p) {
                break;
            }
            int next = Ascii.nextLine(buf, p, end);
            while (next < end && (buf[next] == ' ' || buf[next] == '\t')) {
                le = Ascii.lineEnd(buf, next, end);
                next = Ascii.nextLine(buf, next, end);
            }
            header(p, le);
            p = next;
        }
        return vias > 0 && fromStart >= 0 && toStart >= 0 && callIdStart >= 0 && cseqStart >= 0;
    }

    private void header(int start, int end) {
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
        int n = nameEnd - start;
        int c = n == 1 ? buf[start] | 0x20 : 0;
        if (c == 'v' || n == 3 && Ascii.equalsIgnoreCase(buf, start, nameEnd, VIA)) {
            if (vias < MAX_VIAS) {
                if (vias == 0) {
                    topBranch(v, end);
                }
                viaStart[vias] = start;
                viaEnd[vias++] = end;
            }
        } else if (c == 'f' || n == 4 && Ascii.equalsIgnoreCase(buf, start, nameEnd, FROM)) {
            fromStart = start;
            fromEnd = end;
        } else if (c == 't' || n == 2 && Ascii.equalsIgnoreCase(buf, start, nameEnd, TO)) {
            toStart = start;
            toEnd = end;
            toValue = v;
        } else if (c == 'i' || n == 7 && Ascii.equalsIgnoreCase(buf, start, nameEnd, CALL_ID)) {
            callIdStart = start;
            callIdEnd = end;
        } else if (n == 4 && Ascii.equalsIgnoreCase(buf, start, nameEnd, CSEQ)) {
            cseqStart = start;
            cseqEnd = end;
        } else if (c == 'm' || n == 7 && Ascii.equalsIgnoreCase(buf, start, nameEnd, CONTACT)) {
            contactStart = v;
            contactEnd = end;
        } else if (n == 7 && Ascii.equalsIgnoreCase(buf, start, nameEnd, EXPIRES)) {
            expiresStart = v;
            expiresEnd = end;
        } else if (n == 13 && Ascii.equalsIgnoreCase(buf, start, nameEnd, AUTHORIZATION)
                || n == 19 && Ascii.equalsIgnoreCase(buf, start, nameEnd, PROXY_AUTHORIZATION)) {
            authorized = true;
        }
    }

    private void topBranch(int v, int end) {
        for (int i = v; i + BRANCH.length <= end; i++) {
            if (Ascii.startsWithIgnoreCase(buf, i, end, BRANCH)) {
                int s = i + BRANCH.length;
                int e = s;
                while (e < end && buf[e] != ';' && buf[e] != ',' && !Ascii.isLws(buf[e])) {
                    e++;
                }
                branchStart = s;
                branchEnd = e;
                return;
            }
        }
    }

    /** The top Via branch of the parsed request, for the fault modes; null when absent. */
    String branch() {
        return branchStart < 0 ? null : Ascii.string(buf, branchStart, branchEnd);
    }

    boolean isAck() {
        return Ascii.equals(buf, methodStart, methodEnd, ACK);
    }

    /** Appends the answer to the parsed request to {@code out}; false when there is none (ACK). */
    boolean answer(MessageBuilder out) {
        if (isAck()) {
            return false;
        }
        boolean register = Ascii.equals(buf, methodStart, methodEnd, REGISTER);
        if (register && !authorized) {
            out.append(STATUS_401);
            copyDialogHeaders(out);
            out.append(CHALLENGE);
            realm(out);
            out.append(CHALLENGE_NONCE).appendHex(NONCES.incrementAndGet()).append(CHALLENGE_END);
        } else if (register || Ascii.equals(buf, methodStart, methodEnd, OPTIONS)) {
            out.append(STATUS_200);
            copyDialogHeaders(out);
            if (register) {
                boolean hasExpires = expiresStart >= 0 && expiresEnd > expiresStart;
                if (contactStart >= 0) {
                    out.append(CONTACT_LINE).append(buf, contactStart, contactEnd - contactStart).append(CONTACT_EXPIRES);
                    appendExpires(out, hasExpires);
                    out.append(CRLF);
                }
                out.append(EXPIRES_LINE);
                appendExpires(out, hasExpires);
                out.append(CRLF);
            }
        } else {
            out.append(STATUS_501);
            copyDialogHeaders(out);
        }
        out.append(TRAILER);
        return true;
    }

    private void appendExpires(MessageBuilder out, boolean hasExpires) {
        if (hasExpires) {
            out.append(buf, expiresStart, expiresEnd - expiresStart);
        } else {
            out.append(DEFAULT_EXPIRES);
        }
    }

    private void copyDialogHeaders(MessageBuilder out) {
        for (int i = 0; i < vias; i++) {
            out.append(buf, viaStart[i], viaEnd[i] - viaStart[i]).append(CRLF);
        }
        out.append(buf, fromStart, fromEnd - fromStart).append(CRLF);
        out.append(buf, toStart, toEnd - toStart);
        if (!contains(toStart, toEnd, TAG)) {
            out.append(TO_TAG);
        }
        out.append(CRLF);
        out.append(buf, callIdStart, callIdEnd - callIdStart).append(CRLF);
        out.append(buf, cseqStart, cseqEnd - cseqStart).append(CRLF);
    }

    /** The host of the To URI: sip:user@HOST[:port][;params][>]. */
    private void realm(MessageBuilder out) {
        int s = toValue;
        int e = toEnd;
        int lt = Ascii.indexOf(buf, s, e, (byte) '<');
        if (lt >= 0) {
            s = lt + 1;
            int gt = Ascii.indexOf(buf, s, e, (byte) '>');
            e = gt < 0 ? e : gt;
        }
        int colon = Ascii.indexOf(buf, s, e, (byte) ':'); // after the scheme
        s = colon < 0 ? s : colon + 1;
        int at = Ascii.indexOf(buf, s, e, (byte) '@');
        s = at < 0 ? s : at + 1;
        int h = s;
        while (h < e && buf[h] != ':' && buf[h] != ';' && buf[h] != '>' && !Ascii.isLws(buf[h])) {
            h++;
        }
        out.append(buf, s, h - s);
    }

    private boolean contains(int s, int e, byte[] lowerNeedle) {
        for (int i = s; i + lowerNeedle.length <= e; i++) {
            if (Ascii.startsWithIgnoreCase(buf, i, e, lowerNeedle)) {
                return true;
            }
        }
        return false;
    }
}
