package io.sipedge.model;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/** The HTTP digest algorithms the edge offers (RFC 7616 §3.3, RFC 8760 for SIP). */
public enum DigestAlgorithm {
    MD5("MD5", "MD5"),
    SHA_256("SHA-256", "SHA-256");

    private final String token;
    private final String jcaName;
    /** MessageDigest is not thread-safe, and looking one up per hash shows on the REGISTER path. */
    private final ThreadLocal<MessageDigest> digests;

    DigestAlgorithm(String token, String jcaName) {
        this.token = token;
        this.jcaName = jcaName;
        this.digests = ThreadLocal.withInitial(this::newDigest);
    }

    private MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance(jcaName);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("JDK without " + jcaName, e);
        }
    }

    /** The token used in the {@code algorithm=} parameter. */
    public String token() {
        return token;
    }

    /** Case-insensitive lookup of an {@code algorithm=} token; empty for unsupported ones. */
    public static Optional<DigestAlgorithm> fromToken(String token) {
        for (DigestAlgorithm a : values()) {
            if (a.token.equalsIgnoreCase(token)) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    /** Lower-case hex of H(text). */
    public String hashHex(String text) {
        return HexFormat.of().formatHex(hash(text.getBytes(StandardCharsets.UTF_8)));
    }

    public byte[] hash(byte[] data) {
        return digests.get().digest(data);
    }

    /** HA1 = H(username ":" realm ":" password), RFC 7616 §3.4.2. */
    public String ha1(String username, String realm, String password) {
        return hashHex(username + ":" + realm + ":" + password);
    }
}
