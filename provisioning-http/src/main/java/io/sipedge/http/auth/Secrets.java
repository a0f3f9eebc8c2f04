package io.sipedge.http.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/** Random tokens and constant-time comparison of secrets. */
public final class Secrets {
    /** 256 bits: far beyond guessing, 43 URL-safe characters. */
    public static final int TOKEN_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private Secrets() {
    }

    /** A fresh random value, base64url without padding (safe in headers, URLs and JSON). */
    public static String randomToken() {
        byte[] b = new byte[TOKEN_BYTES];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    public static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Compares the SHA-256 of {@code presented} with an expected hash in constant time: hashing
     * first makes the comparison independent of the secret's length and content.
     */
    public static boolean matches(String presented, byte[] expectedSha256) {
        return presented != null && MessageDigest.isEqual(sha256(presented), expectedSha256);
    }
}
