package io.sipedge.launcher;

import io.sipedge.directory.file.Durable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The operator API's admin key. Given by configuration ({@code SIPEDGE_ADMIN_KEY}), or generated on
 * first start and printed once. Only its SHA-256 is stored ({@code admin.key.sha256}), so the data
 * directory never holds a usable key.
 */
final class AdminKey {
    /** 256 random bits, base64url: long enough that guessing is not an attack. */
    private static final int KEY_BYTES = 32;

    private AdminKey() {
    }

    /** Shorter configured keys work but are worth a warning: generated keys have 43 characters. */
    static final int RECOMMENDED_MIN_LENGTH = 16;

    /**
     * Makes sure an admin key exists and returns its SHA-256 (the operator API compares presented
     * keys against it in constant time).
     */
    static byte[] ensure(Path dataDir, String configured) throws IOException {
        Path file = dataDir.resolve("admin.key.sha256");
        if (!configured.isEmpty()) {
            String hex = sha256(configured);
            write(file, hex);
            return HexFormat.of().parseHex(hex);
        }
        if (Files.exists(file)) {
            String hex = Files.readString(file, StandardCharsets.US_ASCII).strip();
            try {
                byte[] hash = HexFormat.of().parseHex(hex);
                if (hash.length == 32) {
                    return hash;
                }
            } catch (IllegalArgumentException e) {
                // fall through
            }
            throw new IOException(file + " does not hold a SHA-256; delete it to generate a new admin key");
        }
        byte[] b = new byte[KEY_BYTES];
        new SecureRandom().nextBytes(b);
        String key = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        write(file, sha256(key));
        // Printed once, to the console only (not the log), because it is never stored in clear.
        System.out.println("sip-edge: generated the admin API key (shown only this once): " + key);
        return HexFormat.of().parseHex(sha256(key));
    }

    private static void write(Path file, String hex) throws IOException {
        Durable.writeAtomically(file, (hex + "\n").getBytes(StandardCharsets.US_ASCII), true);
    }

    static String sha256(String key) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
