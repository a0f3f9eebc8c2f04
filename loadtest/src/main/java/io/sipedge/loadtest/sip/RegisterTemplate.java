package io.sipedge.loadtest.sip;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.Locale;

/**
 * Formats REGISTER requests from precomputed byte chunks, for one local socket (the Via sent-by and
 * the Contact host:port are fixed per socket). Everything that varies per message (user, CSeq,
 * branch, credentials) is copied or printed into the caller's {@link MessageBuilder}.
 *
 * <p>The branch encodes the user's index and the CSeq ({@code z9hG4bK<run>-<user hex>-<cseq hex>}),
 * so a response finds its transaction without a map lookup, and the Call-ID
 * ({@code <tag>-<user hex>@sip-edge-loadtest}) stays the same for a user during a run, or from run
 * to run when the tag is kept.
 */
public final class RegisterTemplate {
    public static final String USER_AGENT = "sip-edge-loadtest";
    private static final byte[] BRANCH_MAGIC = Ascii.bytes("z9hG4bK");
    private static final byte[] FROM = Ascii.bytes("\r\nMax-Forwards: 70\r\nFrom: <sip:");
    private static final byte[] TO = Ascii.bytes("\r\nTo: <sip:");
    private static final byte[] CALL_ID = Ascii.bytes(">\r\nCall-ID: ");
    private static final byte[] CSEQ = Ascii.bytes("@" + USER_AGENT + "\r\nCSeq: ");
    private static final byte[] CONTACT = Ascii.bytes(" REGISTER\r\nContact: <sip:");
    private static final byte[] END = Ascii.bytes("Content-Length: 0\r\n\r\n");
    private static final byte[] AUTHORIZATION = Ascii.bytes("Authorization: Digest username=\"");
    private static final byte[] PROXY_AUTHORIZATION = Ascii.bytes("Proxy-Authorization: Digest username=\"");
    private static final byte[] REALM = Ascii.bytes("\", realm=\"");
    private static final byte[] NONCE = Ascii.bytes("\", nonce=\"");
    private static final byte[] URI = Ascii.bytes("\", uri=\"");
    private static final byte[] ALGORITHM = Ascii.bytes("\", algorithm=");
    private static final byte[] CNONCE = Ascii.bytes(", cnonce=\"");
    private static final byte[] QOP_NC = Ascii.bytes("\", qop=auth, nc=00000001");
    private static final byte[] RESPONSE = Ascii.bytes(", response=\"");
    private static final int CNONCE_LENGTH = 16;
    private static final byte[] OPAQUE = Ascii.bytes(", opaque=\"");
    private static final byte[] NC = Ascii.bytes("00000001");
    private static final byte[] AUTH = Ascii.bytes("auth");
    private static final byte[] CRLF = Ascii.bytes("\r\n");
    private static final byte[][] ALGORITHM_TOKENS = {Ascii.bytes("MD5"), Ascii.bytes("SHA-256")};

    private final byte[] runTag;
    private final byte[] callIdTag;
    private final byte[] via;
    private final byte[] tag;
    private final byte[] contactTail;
    private final byte[] expiresAndAgent;

    /**
     * For UDP, TCP and TLS: the Via sent-by (with {@code rport}) and the Contact's host are the
     * socket's local address.
     *
     * @param transport   Via token: UDP, TCP or TLS
     * @param local       the socket's local address, for Via and Contact
     * @param contactPort the port of the Contact URI (normally {@code local}'s)
     * @param runTag      short hex that makes branches and Call-IDs of this run unique
     */
    public RegisterTemplate(String transport, InetSocketAddress local, int contactPort, String runTag, int expires) {
        this(transport, local, contactPort, runTag, runTag, expires);
    }

    /**
     * As above, with Call-IDs {@code <callIdTag>-<user hex>@...}: a tag kept from run to run keeps
     * each user's Call-ID, as a phone keeps it between refreshes.
     */
    public RegisterTemplate(String transport, InetSocketAddress local, int contactPort, String runTag,
                            String callIdTag, int expires) {
        this(runTag, callIdTag, transport + " " + hostPort(local) + ";rport",
                host(local) + ":" + contactPort + ";transport=" + transport.toLowerCase(Locale.ROOT), expires);
    }

    private RegisterTemplate(String runTag, String callIdTag, String sentBy, String contactHostAndParameters,
                             int expires) {
        this.runTag = Ascii.bytes(runTag);
        this.callIdTag = Ascii.bytes(callIdTag);
        this.via = Ascii.bytes("Via: SIP/2.0/" + sentBy + ";branch=z9hG4bK" + runTag + "-");
        this.tag = Ascii.bytes(">;tag=" + runTag);
        this.contactTail = Ascii.bytes("@" + contactHostAndParameters + ">\r\nExpires: ");
        this.expiresAndAgent = Ascii.bytes(expires + "\r\nUser-Agent: " + USER_AGENT + "\r\n");
    }

    /**
     * For WS and WSS, as browsers write them (RFC 7118 §5; JsSIP and SIP.js do the same): a
     * WebSocket client has no address a server could reach, so the Via sent-by is an invented
     * {@code host} without port or {@code rport}, and the Contact is
     * {@code <sip:user@host;transport=ws>}, {@code ws} over WSS too. The server answers on the
     * connection the request came in on.
     *
     * @param transport Via token: WS or WSS
     * @param host      the invented host, such as {@code df7jal23ls0d.invalid}
     */
    public static RegisterTemplate webSocket(String transport, String host, String runTag, String callIdTag,
                                             int expires) {
        return new RegisterTemplate(runTag, callIdTag, transport + " " + host, host + ";transport=ws", expires);
    }

    private static String host(InetSocketAddress local) {
        return local.getAddress() instanceof Inet6Address
                ? "[" + local.getAddress().getHostAddress() + "]" : local.getAddress().getHostAddress();
    }

    private static String hostPort(InetSocketAddress local) {
        return host(local) + ":" + local.getPort();
    }

    /** Leg 1: REGISTER without credentials. */
    public void writeRegister(MessageBuilder b, SipDomain domain, byte[] username, int userIndex, int cseq) {
        head(b, domain, username, userIndex, cseq);
        b.append(END);
    }

    /**
     * Leg 2: REGISTER answering {@code challenge}, with qop=auth (nc=00000001) when offered, else the
     * RFC 2069 form. {@code ha1} must match the challenge's algorithm and realm; the digest uri is
     * the Request-URI. The same inputs give the same bytes, so a retransmission is a rewrite.
     */
    public void writeAuthenticatedRegister(MessageBuilder b, SipDomain domain, byte[] username, int userIndex,
                                           int cseq, DigestChallenge challenge, byte[] digestUsername,
                                           byte[] ha1, long cnonce) {
        head(b, domain, username, userIndex, cseq);
        DigestAlgorithm alg = challenge.algorithm();
        b.append(challenge.proxy() ? PROXY_AUTHORIZATION : AUTHORIZATION);
        appendQuoted(b, digestUsername);
        b.append(REALM);
        appendQuoted(b, challenge.realm());
        b.append(NONCE);
        appendQuoted(b, challenge.nonce());
        b.append(URI).append(domain.requestUri()).append(ALGORITHM).append(ALGORITHM_TOKENS[alg.ordinal()]);
        boolean qop = challenge.qopOffered();
        int cnonceAt = -1;
        if (qop) {
            b.append(CNONCE);
            cnonceAt = b.length();
            b.appendHexFixed(cnonce, CNONCE_LENGTH).append(QOP_NC);
        }
        if (challenge.opaque() != null) {
            b.append(OPAQUE);
            appendQuoted(b, challenge.opaque());
            b.append('"');
        }
        b.append(RESPONSE);
        int at = b.length();
        b.appendHexFixed(0, alg.hexLength()); // reserved, then overwritten in place
        byte[] out = b.array();
        Digest.get().response(alg, ha1, challenge.nonce(), NC, out, Math.max(cnonceAt, 0), CNONCE_LENGTH,
                qop ? AUTH : null, domain.ha2(alg), out, at);
        b.append('"').append(CRLF).append(END);
    }

    private void head(MessageBuilder b, SipDomain domain, byte[] username, int userIndex, int cseq) {
        b.reset();
        b.append(domain.requestLine());
        b.append(via).appendHex(userIndex).append('-').appendHex(cseq & 0xFFFFFFFFL);
        b.append(FROM).append(username).append('@').append(domain.bytes()).append(tag).appendHex(userIndex);
        b.append(TO).append(username).append('@').append(domain.bytes());
        b.append(CALL_ID).append(callIdTag).append('-').appendHex(userIndex);
        b.append(CSEQ).appendDecimal(cseq & 0xFFFFFFFFL);
        b.append(CONTACT).append(username).append(contactTail).append(expiresAndAgent);
    }

    /** Inside a quoted-string, {@code "} and {@code \} need a backslash (RFC 3261 §25.1). */
    private static void appendQuoted(MessageBuilder b, byte[] value) {
        for (byte c : value) {
            if (c == '"' || c == '\\') {
                b.append('\\');
            }
            b.append((char) (c & 0xFF));
        }
    }

    /**
     * The (user index, CSeq) a branch of this run encodes, packed as {@code index << 32 | cseq};
     * -1 when the branch is not one of ours.
     */
    public long decodeBranch(byte[] buf, int start, int end) {
        int p = start;
        if (!Ascii.equals(buf, p, Math.min(end, p + BRANCH_MAGIC.length), BRANCH_MAGIC)) {
            return -1;
        }
        p += BRANCH_MAGIC.length;
        if (!Ascii.equals(buf, p, Math.min(end, p + runTag.length), runTag)) {
            return -1;
        }
        p += runTag.length;
        if (p >= end || buf[p] != '-') {
            return -1;
        }
        int dash = Ascii.indexOf(buf, p + 1, end, (byte) '-');
        if (dash < 0) {
            return -1;
        }
        long user = Ascii.parseHex(buf, p + 1, dash);
        long cseq = Ascii.parseHex(buf, dash + 1, end);
        if (user < 0 || user > Integer.MAX_VALUE || cseq < 0 || cseq > 0xFFFFFFFFL) {
            return -1;
        }
        return user << 32 | cseq;
    }
}
