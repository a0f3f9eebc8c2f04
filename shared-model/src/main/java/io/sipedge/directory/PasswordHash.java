package io.sipedge.directory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * One-way hashes of users' sign-in passwords: Argon2id (RFC 9106) as a PHC string,
 * {@code $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>} (unpadded base64, as the reference
 * implementation writes it). Unlike a device's SIP password, which the edge must hand back to the
 * phone and so seals ({@link PasswordSealer}), a user's password is only ever checked: nothing can
 * turn the stored string back into the password.
 *
 * <p>The parameters are OWASP's first Argon2id choice (Password Storage Cheat Sheet): 19 MiB of
 * memory, 2 passes, 1 lane, a 128-bit random salt and a 256-bit output. About 30 ms on one core,
 * which is the point: sign-in is rare, guessing must be dear.
 */
public final class PasswordHash {
    /** KiB of memory per hash (19 MiB). */
    public static final int MEMORY_KIB = 19 * 1024;
    public static final int ITERATIONS = 2;
    public static final int PARALLELISM = 1;
    private static final int SALT_BYTES = 16;
    private static final int HASH_BYTES = 32;
    /**
     * Bounds on what {@link #verify} accepts from a stored string, so that a damaged or planted
     * record cannot make one check take gigabytes or minutes.
     */
    private static final int MAX_MEMORY_KIB = 256 * 1024;
    private static final int MAX_ITERATIONS = 16;
    private static final int MAX_PARALLELISM = 8;

    private static final Pattern PHC = Pattern.compile(
            "\\$argon2id\\$v=19\\$m=(\\d{1,9}),t=(\\d{1,4}),p=(\\d{1,3})\\$([A-Za-z0-9+/]{11,64})\\$([A-Za-z0-9+/]{22,128})");
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getDecoder();
    private static final SecureRandom RANDOM = new SecureRandom();
    /** A hash of nothing anyone knows, checked against for unknown users so they cost the same time. */
    public static final String DUMMY = hash(Long.toHexString(RANDOM.nextLong()) + Long.toHexString(RANDOM.nextLong()));

    private PasswordHash() {
    }

    /** A fresh hash of {@code password} with a new random salt. */
    public static String hash(String password) {
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        byte[] out = derive(password, salt, MEMORY_KIB, ITERATIONS, PARALLELISM, HASH_BYTES);
        return "$argon2id$v=19$m=" + MEMORY_KIB + ",t=" + ITERATIONS + ",p=" + PARALLELISM + "$"
                + B64.encodeToString(salt) + "$" + B64.encodeToString(out);
    }

    /**
     * True when {@code password} hashes to {@code phc}. The final comparison takes the same time
     * wherever the bytes differ. A malformed or out-of-bounds {@code phc} is false, never an error.
     */
    public static boolean verify(String password, String phc) {
        if (password == null || phc == null) {
            return false;
        }
        Parsed p = parse(phc);
        if (p == null) {
            return false;
        }
        byte[] actual = derive(password, p.salt, p.memory, p.iterations, p.parallelism, p.hash.length);
        return MessageDigest.isEqual(actual, p.hash);
    }

    /** True for a string {@link #verify} can check: the PHC shape of Argon2id v19 within its bounds. */
    public static boolean isWellFormed(String phc) {
        return phc != null && parse(phc) != null;
    }

    /** True when {@code phc} was made with other parameters than today's, so a sign-in may store a new hash. */
    public static boolean needsRehash(String phc) {
        Parsed p = phc == null ? null : parse(phc);
        return p == null || p.memory != MEMORY_KIB || p.iterations != ITERATIONS || p.parallelism != PARALLELISM
                || p.hash.length != HASH_BYTES || p.salt.length != SALT_BYTES;
    }

    private record Parsed(int memory, int iterations, int parallelism, byte[] salt, byte[] hash) {
    }

    private static Parsed parse(String phc) {
        Matcher m = PHC.matcher(phc);
        if (!m.matches()) {
            return null;
        }
        long memory = Long.parseLong(m.group(1));
        int iterations = Integer.parseInt(m.group(2));
        int parallelism = Integer.parseInt(m.group(3));
        if (parallelism < 1 || parallelism > MAX_PARALLELISM || iterations < 1 || iterations > MAX_ITERATIONS
                || memory < 8L * parallelism || memory > MAX_MEMORY_KIB) {
            return null;
        }
        try {
            byte[] salt = B64D.decode(m.group(4));
            byte[] hash = B64D.decode(m.group(5));
            if (salt.length < 8 || hash.length < 16) {
                return null;
            }
            return new Parsed((int) memory, iterations, parallelism, salt, hash);
        } catch (IllegalArgumentException e) {
            return null; // a length base64 cannot have
        }
    }

    private static byte[] derive(String password, byte[] salt, int memory, int iterations, int parallelism,
                                 int length) {
        Argon2Parameters params = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withSalt(salt)
                .withMemoryAsKB(memory)
                .withIterations(iterations)
                .withParallelism(parallelism)
                .build();
        Argon2BytesGenerator gen = new Argon2BytesGenerator();
        gen.init(params);
        byte[] pw = password.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[length];
        try {
            gen.generateBytes(pw, out);
        } finally {
            Arrays.fill(pw, (byte) 0);
        }
        return out;
    }
}
