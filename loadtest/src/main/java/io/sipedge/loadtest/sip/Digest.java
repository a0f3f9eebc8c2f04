package io.sipedge.loadtest.sip;

import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Digest computations (RFC 2617 / RFC 7616, RFC 3261 §22.4) over bytes, with one MessageDigest per
 * algorithm per thread: instances are not thread-safe and {@code getInstance} per call is costly.
 * Hex values are lower-case ASCII bytes, the form they take inside the hashed text.
 */
public final class Digest {
    private static final ThreadLocal<Digest> PER_THREAD = ThreadLocal.withInitial(Digest::new);
    private static final byte COLON = ':';

    private final MessageDigest md5 = newDigest(DigestAlgorithm.MD5);
    private final MessageDigest sha256 = newDigest(DigestAlgorithm.SHA_256);
    private final byte[] hash = new byte[32];

    private Digest() {
    }

    /** The calling thread's instance. */
    public static Digest get() {
        return PER_THREAD.get();
    }

    private static MessageDigest newDigest(DigestAlgorithm alg) {
        try {
            return MessageDigest.getInstance(alg.jcaName());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("JDK without " + alg.jcaName(), e);
        }
    }

    private MessageDigest md(DigestAlgorithm alg) {
        MessageDigest md = alg == DigestAlgorithm.MD5 ? md5 : sha256;
        md.reset();
        return md;
    }

    private int finish(MessageDigest md, DigestAlgorithm alg, byte[] out, int pos) {
        try {
            md.digest(hash, 0, alg.hashBytes());
        } catch (DigestException e) {
            throw new IllegalStateException(e);
        }
        return Ascii.writeHex(hash, alg.hashBytes(), out, pos);
    }

    /** HA1 = H(username:realm:password), as hex bytes. */
    public byte[] ha1(DigestAlgorithm alg, byte[] username, byte[] realm, byte[] password) {
        MessageDigest md = md(alg);
        md.update(username);
        md.update(COLON);
        md.update(realm);
        md.update(COLON);
        md.update(password);
        byte[] out = new byte[alg.hexLength()];
        finish(md, alg, out, 0);
        return out;
    }

    /** HA2 = H(method:digest-uri) for qop=auth or none, as hex bytes. */
    public byte[] ha2(DigestAlgorithm alg, byte[] method, byte[] uri) {
        MessageDigest md = md(alg);
        md.update(method);
        md.update(COLON);
        md.update(uri);
        byte[] out = new byte[alg.hexLength()];
        finish(md, alg, out, 0);
        return out;
    }

    /**
     * request-digest into {@code out} at {@code pos}: with {@code qop} (RFC 2617 §3.2.2.1)
     * KD(HA1, nonce:nc:cnonce:qop:HA2), without it (RFC 2069) H(HA1:nonce:HA2).
     * {@code cnonce} is cnonce[cnonceOff, cnonceOff+cnonceLen). Returns the new position.
     */
    public int response(DigestAlgorithm alg, byte[] ha1, byte[] nonce, byte[] nc,
                        byte[] cnonce, int cnonceOff, int cnonceLen, byte[] qop, byte[] ha2, byte[] out, int pos) {
        MessageDigest md = md(alg);
        md.update(ha1);
        md.update(COLON);
        md.update(nonce);
        md.update(COLON);
        if (qop != null) {
            md.update(nc);
            md.update(COLON);
            md.update(cnonce, cnonceOff, cnonceLen);
            md.update(COLON);
            md.update(qop);
            md.update(COLON);
        }
        md.update(ha2);
        return finish(md, alg, out, pos);
    }

    /** The whole computation from clear text, for tests and rare paths; {@code qop} null = RFC 2069. */
    public static String response(DigestAlgorithm alg, String username, String realm, String password,
                                  String method, String uri, String nonce, String nc, String cnonce, String qop) {
        Digest d = get();
        byte[] ha1 = d.ha1(alg, utf8(username), utf8(realm), utf8(password));
        byte[] ha2 = d.ha2(alg, utf8(method), utf8(uri));
        byte[] c = cnonce == null ? new byte[0] : utf8(cnonce);
        byte[] out = new byte[alg.hexLength()];
        d.response(alg, ha1, utf8(nonce), nc == null ? null : utf8(nc), c, 0, c.length,
                qop == null ? null : utf8(qop), ha2, out, 0);
        return new String(out, StandardCharsets.US_ASCII);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
