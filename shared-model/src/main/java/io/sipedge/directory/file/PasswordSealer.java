package io.sipedge.directory.file;

import io.sipedge.directory.DirectoryException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals device passwords with AES-256-GCM under a key kept in its own file ({@code seal.key},
 * owner-only permissions). The records on disk then never hold a clear password, and a copy of the
 * records without the key file reveals nothing usable. Layout: base64url(iv(12) || ciphertext+tag).
 */
final class PasswordSealer {
    private static final int KEY_BYTES = 32;
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKeySpec key;
    private final SecureRandom random = new SecureRandom();

    private PasswordSealer(byte[] key) {
        this.key = new SecretKeySpec(key, "AES");
    }

    /** Loads the key file, creating it (atomically, owner-only) on first use. */
    static PasswordSealer openOrCreate(Path keyFile) {
        try {
            if (!Files.exists(keyFile)) {
                byte[] fresh = new byte[KEY_BYTES];
                new SecureRandom().nextBytes(fresh);
                Durable.writeAtomically(keyFile, Base64.getEncoder().encode(fresh), true);
            }
            byte[] k = Base64.getDecoder().decode(Files.readString(keyFile, StandardCharsets.US_ASCII).strip());
            if (k.length != KEY_BYTES) {
                throw new IOException("expected a " + KEY_BYTES + "-byte key");
            }
            return new PasswordSealer(k);
        } catch (IOException | IllegalArgumentException e) {
            throw new DirectoryException(DirectoryException.Kind.IO,
                    "cannot read the sealing key " + keyFile + ": " + e.getMessage(), List.of(), e);
        }
    }

    String seal(String password) {
        try {
            byte[] iv = new byte[IV_BYTES];
            random.nextBytes(iv);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, iv));
            byte[] ct = c.doFinal(password.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(ByteBuffer.allocate(iv.length + ct.length).put(iv).put(ct).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    String unseal(String sealed) {
        try {
            byte[] all = Base64.getUrlDecoder().decode(sealed);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, all, 0, IV_BYTES));
            return new String(c.doFinal(all, IV_BYTES, all.length - IV_BYTES), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            // Never include the sealed value: the message may reach a log.
            throw new DirectoryException(DirectoryException.Kind.IO,
                    "a sealed password does not open with this data directory's key", List.of(), null);
        }
    }
}
