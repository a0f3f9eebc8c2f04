package io.sipedge.loadtest.sip;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One {@code WWW-Authenticate} / {@code Proxy-Authenticate} Digest challenge. Values stay bytes
 * because they only ever go back on the wire or into a hash.
 */
public final class DigestChallenge {
    private static final byte[] DIGEST = Ascii.bytes("digest");
    private static final byte[] REALM = Ascii.bytes("realm");
    private static final byte[] NONCE = Ascii.bytes("nonce");
    private static final byte[] OPAQUE = Ascii.bytes("opaque");
    private static final byte[] ALGORITHM = Ascii.bytes("algorithm");
    private static final byte[] QOP = Ascii.bytes("qop");
    private static final byte[] STALE = Ascii.bytes("stale");
    private static final byte[] AUTH = Ascii.bytes("auth");
    private static final byte[] TRUE = Ascii.bytes("true");
    private static final byte[] MD5 = Ascii.bytes("md5");
    private static final byte[] SHA_256 = Ascii.bytes("sha-256");

    private final boolean proxy;
    private byte[] realm = new byte[0];
    private byte[] nonce;
    private byte[] opaque;
    private boolean algorithmPresent;
    private DigestAlgorithm algorithm;
    private boolean qopOffered;
    private boolean qopAuth;
    private boolean stale;

    private DigestChallenge(boolean proxy) {
        this.proxy = proxy;
    }

    /** True for Proxy-Authenticate (answered with Proxy-Authorization). */
    public boolean proxy() {
        return proxy;
    }

    public byte[] realm() {
        return realm;
    }

    public String realmString() {
        return new String(realm, StandardCharsets.UTF_8);
    }

    public byte[] nonce() {
        return nonce;
    }

    public String nonceString() {
        return new String(nonce, StandardCharsets.UTF_8);
    }

    /** Null when the challenge has no opaque. */
    public byte[] opaque() {
        return opaque;
    }

    /** Whether an {@code algorithm=} parameter was present (absent means MD5). */
    public boolean algorithmPresent() {
        return algorithmPresent;
    }

    /** MD5 when absent; null when the named algorithm is one we do not implement. */
    public DigestAlgorithm algorithm() {
        return algorithm;
    }

    public boolean qopOffered() {
        return qopOffered;
    }

    /** Whether {@code auth} is among the offered qop values. */
    public boolean qopAuth() {
        return qopAuth;
    }

    public boolean stale() {
        return stale;
    }

    /** Whether we can answer it: a supported algorithm, a nonce, and qop absent or including auth. */
    public boolean usable() {
        return algorithm != null && nonce != null && (!qopOffered || qopAuth);
    }

    /**
     * Parses the header value in buf[start, end). Returns null unless the scheme is Digest.
     * Line folds inside the value count as whitespace.
     */
    public static DigestChallenge parse(byte[] buf, int start, int end, boolean proxy) {
        int p = skipLws(buf, start, end);
        int schemeEnd = p;
        while (schemeEnd < end && !Ascii.isLws(buf[schemeEnd])) {
            schemeEnd++;
        }
        if (!Ascii.equalsIgnoreCase(buf, p, schemeEnd, DIGEST)) {
            return null;
        }
        DigestChallenge c = new DigestChallenge(proxy);
        c.algorithm = DigestAlgorithm.MD5;
        p = schemeEnd;
        while (p < end) {
            p = skipLws(buf, p, end);
            if (p < end && buf[p] == ',') {
                p++;
                continue;
            }
            int nameStart = p;
            while (p < end && buf[p] != '=' && buf[p] != ',' && !Ascii.isLws(buf[p])) {
                p++;
            }
            int nameEnd = p;
            p = skipLws(buf, p, end);
            if (p >= end || buf[p] != '=') {
                continue; // a bare token: nothing we use
            }
            p = skipLws(buf, p + 1, end);
            byte[] value;
            if (p < end && buf[p] == '"') {
                // quoted-string with backslash escapes (RFC 3261 §25.1)
                byte[] tmp = new byte[end - p];
                int n = 0;
                p++;
                while (p < end && buf[p] != '"') {
                    if (buf[p] == '\\' && p + 1 < end) {
                        p++;
                    }
                    tmp[n++] = buf[p++];
                }
                p++;
                value = Arrays.copyOf(tmp, n);
            } else {
                int vs = p;
                while (p < end && buf[p] != ',' && !Ascii.isLws(buf[p])) {
                    p++;
                }
                value = Arrays.copyOfRange(buf, vs, p);
            }
            c.set(buf, nameStart, nameEnd, value);
        }
        return c;
    }

    private void set(byte[] buf, int nameStart, int nameEnd, byte[] value) {
        if (Ascii.equalsIgnoreCase(buf, nameStart, nameEnd, REALM)) {
            realm = value;
        } else if (Ascii.equalsIgnoreCase(buf, nameStart, nameEnd, NONCE)) {
            nonce = value;
        } else if (Ascii.equalsIgnoreCase(buf, nameStart, nameEnd, OPAQUE)) {
            opaque = value;
        } else if (Ascii.equalsIgnoreCase(buf, nameStart, nameEnd, ALGORITHM)) {
            algorithmPresent = true;
            algorithm = Ascii.equalsIgnoreCase(value, 0, value.length, MD5) ? DigestAlgorithm.MD5
                    : Ascii.equalsIgnoreCase(value, 0, value.length, SHA_256) ? DigestAlgorithm.SHA_256 : null;
        } else if (Ascii.equalsIgnoreCase(buf, nameStart, nameEnd, QOP)) {
            qopOffered = true;
            // qop-options is a quoted, comma-separated list: "auth,auth-int"
            int i = 0;
            while (i < value.length) {
                while (i < value.length && (value[i] == ',' || Ascii.isLws(value[i]))) {
                    i++;
                }
                int s = i;
                while (i < value.length && value[i] != ',' && !Ascii.isLws(value[i])) {
                    i++;
                }
                if (Ascii.equalsIgnoreCase(value, s, i, AUTH)) {
                    qopAuth = true;
                }
            }
        } else if (Ascii.equalsIgnoreCase(buf, nameStart, nameEnd, STALE)) {
            stale = Ascii.equalsIgnoreCase(value, 0, value.length, TRUE);
        }
    }

    private static int skipLws(byte[] buf, int p, int end) {
        while (p < end && Ascii.isLws(buf[p])) {
            p++;
        }
        return p;
    }

    @Override
    public String toString() {
        return (proxy ? "Proxy-" : "") + "Digest realm=" + realmString() + " nonce="
                + (nonce == null ? null : nonceString()) + " algorithm=" + algorithm + " qop="
                + (qopOffered ? (qopAuth ? "auth" : "other") : "none");
    }
}
