package io.sipedge.directory;

import io.sipedge.model.DigestAlgorithm;
import io.sipedge.model.SipSecret;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals device passwords with AES-256-GCM, so records never hold a clear password and a copy of
 * them without the key reveals nothing usable. Layout: base64url(iv(12) || ciphertext+tag). Where
 * the key lives is the directory's business ({@code FileDirectory} keeps it in its own file).
 */
public final class PasswordSealer {
    /** AES-256. */
    public static final int KEY_BYTES = 32;
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKeySpec key;
    private final SecureRandom random = new SecureRandom();

    private PasswordSealer(byte[] key) {
        if (key.length != KEY_BYTES) {
            throw new IllegalArgumentException("expected a " + KEY_BYTES + "-byte key");
        }
        this.key = new SecretKeySpec(key, "AES");
    }

    public static PasswordSealer withKey(byte[] key) {
        return new PasswordSealer(key);
    }

    /** A sealer whose key lives only as long as it does (what is sealed cannot outlive the process). */
    public static PasswordSealer withRandomKey() {
        byte[] k = new byte[KEY_BYTES];
        new SecureRandom().nextBytes(k);
        return new PasswordSealer(k);
    }

    public String seal(String password) {
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

    /** What a directory keeps of a password: its HA1 per digest algorithm in the realm, and the password sealed. */
    public SipSecret secretFor(String digestUsername, String realm, String password) {
        return new SipSecret(DigestAlgorithm.MD5.ha1(digestUsername, realm, password),
                DigestAlgorithm.SHA_256.ha1(digestUsername, realm, password), seal(password));
    }

    /** @throws DirectoryException of kind IO when {@code sealed} was not sealed with this key */
    public String unseal(String sealed) {
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
