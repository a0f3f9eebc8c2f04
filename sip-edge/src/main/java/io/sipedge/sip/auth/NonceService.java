package io.sipedge.sip.auth;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Stateless, HMAC-protected, expiring nonces with a fixed-size replay guard, in the manner of
 * Kamailio's auth module (its nonce id and nc array): checking a nonce needs no table lookup and no
 * lock, and the guard's memory does not grow with the request rate.
 *
 * <p>Layout, base64url: {@code C || HMAC-SHA256(macKey, C || realm)[0..16]} with {@code C =
 * AES(blockKey, expires(8) || index(8))}: the nonce says nothing a client could read (neither its
 * expiry nor how many nonces the edge has issued) and nothing it could change. The index counts
 * issued nonces and names a slot of the guard ({@code index mod slots}), which the issue resets.
 * The slot holds the highest nonce-count accepted with that nonce, when, and a keyed fingerprint
 * of the request that used it. Once {@code slots} newer nonces have been issued the slot belongs
 * to another nonce and the old one is answered as stale: the client retries with a fresh one
 * without asking its user.
 *
 * <p>Retransmissions: REGISTERs are answered statelessly, so a UDP retransmission of an
 * authenticated request reaches the guard again with the same nonce-count. It is recognised by its
 * fingerprint (branch, Call-ID, CSeq, source) within the RFC 3261 transaction lifetime and accepted
 * as what it is; any other reuse of a count is a replay.
 */
public final class NonceService {
    private static final int MAC_BYTES = 16;
    private static final int RAW_BYTES = 8 + 8 + MAC_BYTES;
    /** Default guard size: 2^21 nonces (32 MiB), a few minutes of challenges at 10 000/s. */
    public static final int DEFAULT_SLOTS = 1 << 21;
    /** RFC 3261 Timer F (64*T1): a client stops retransmitting a non-INVITE request after it. */
    static final long RETRANSMISSION_WINDOW_SECONDS = 32;
    private static final long NC_LIMIT = 0xFFFF_FFFFL;

    /** How a nonce checked out. */
    public enum Validity { VALID, STALE, INVALID }

    /** What recording a use of a nonce found. */
    public enum Use {
        /** A count not seen before with this nonce. */
        FRESH,
        /** The same request again (a retransmission), within the transaction lifetime. */
        RETRANSMISSION,
        /** A count already used by another request: refuse. */
        REPLAY,
        /** The nonce's slot has been reused: answer as stale. */
        FORGOTTEN
    }

    /** A parsed, authentic nonce. */
    public record Nonce(long expires, long index) {
    }

    private final SecretKeySpec key;
    private final SecretKeySpec blockKey;
    private final long fingerprintSeed;
    private final Duration ttl;
    private final SecureRandom random = new SecureRandom();
    private final AtomicLong issued = new AtomicLong();
    private final int mask;
    /** Per slot: nc (high 32 bits) and the epoch second of that use (low 32); 0 = unused. */
    private final AtomicLongArray uses;
    /** Per slot: the fingerprint of the request that used the count above. */
    private final long[] fingerprints;
    private final ThreadLocal<Mac> macs;
    private final ThreadLocal<Cipher> encryptors;
    private final ThreadLocal<Cipher> decryptors;

    public NonceService(Duration ttl) {
        this(ttl, DEFAULT_SLOTS);
    }

    /** @param slots size of the replay guard, a power of two */
    public NonceService(Duration ttl, int slots) {
        if (Integer.bitCount(slots) != 1) {
            throw new IllegalArgumentException("slots must be a power of two");
        }
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        this.key = new SecretKeySpec(secret, "HmacSHA256");
        byte[] block = new byte[16];
        random.nextBytes(block);
        this.blockKey = new SecretKeySpec(block, "AES");
        this.fingerprintSeed = random.nextLong();
        this.ttl = ttl;
        this.mask = slots - 1;
        this.uses = new AtomicLongArray(slots);
        this.fingerprints = new long[slots];
        this.macs = ThreadLocal.withInitial(this::newMac);
        this.encryptors = ThreadLocal.withInitial(() -> newCipher(Cipher.ENCRYPT_MODE));
        this.decryptors = ThreadLocal.withInitial(() -> newCipher(Cipher.DECRYPT_MODE));
    }

    public String issue(String realm, Instant now) {
        long expires = now.plus(ttl).getEpochSecond();
        long index = issued.getAndIncrement();
        uses.set(slot(index), 0L);
        byte[] raw = ByteBuffer.allocate(RAW_BYTES).putLong(expires).putLong(index).array();
        crypt(encryptors.get(), raw);
        System.arraycopy(mac(raw, realm), 0, raw, 16, MAC_BYTES);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    }

    /** The nonce if this service issued it for {@code realm}, else null. */
    public Nonce parse(String nonce, String realm) {
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(nonce);
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (raw.length != RAW_BYTES) {
            return null;
        }
        byte[] expected = mac(raw, realm);
        if (!MessageDigest.isEqual(Arrays.copyOf(expected, MAC_BYTES), Arrays.copyOfRange(raw, 16, RAW_BYTES))) {
            return null;
        }
        crypt(decryptors.get(), raw);
        ByteBuffer b = ByteBuffer.wrap(raw);
        return new Nonce(b.getLong(), b.getLong());
    }

    public Validity check(Nonce nonce, Instant now) {
        if (nonce == null) {
            return Validity.INVALID;
        }
        return now.getEpochSecond() >= nonce.expires() ? Validity.STALE : Validity.VALID;
    }

    /** A keyed hash of what identifies one request on the wire, for {@link #use}. */
    public long fingerprint(String branch, String callId, long cseq, String sourceIp, int sourcePort) {
        long h = fingerprintSeed;
        h = mix(h, branch);
        h = mix(h, callId);
        h = mix(h, sourceIp);
        h = h * 0x9E3779B97F4A7C15L + cseq;
        h = h * 0x9E3779B97F4A7C15L + sourcePort;
        return finish(h);
    }

    /**
     * Records that {@code nc} (the parsed hex nonce-count, 0 without qop) was used with {@code nonce}
     * by the request with {@code fingerprint}.
     */
    public Use use(Nonce nonce, long nc, long fingerprint, Instant now) {
        if (issued.get() - nonce.index() > mask || nc > NC_LIMIT) {
            return Use.FORGOTTEN;
        }
        int slot = slot(nonce.index());
        long second = now.getEpochSecond() & 0xFFFF_FFFFL;
        while (true) {
            long current = uses.get(slot);
            long usedNc = current >>> 32;
            if (current == 0L || nc > usedNc) {
                if (uses.compareAndSet(slot, current, (nc << 32) | second)) {
                    fingerprints[slot] = fingerprint;
                    return Use.FRESH;
                }
                continue;
            }
            long usedAt = current & 0xFFFF_FFFFL;
            boolean recent = ((second - usedAt) & 0xFFFF_FFFFL) <= RETRANSMISSION_WINDOW_SECONDS;
            return nc == usedNc && recent && fingerprints[slot] == fingerprint ? Use.RETRANSMISSION : Use.REPLAY;
        }
    }

    /**
     * Spends {@code nonce} whatever count it is used with next: a response computed with it was
     * wrong, and a nonce allows one guess, not one per nonce-count. A null or forgotten nonce has
     * nothing to spend.
     */
    public void spend(Nonce nonce, Instant now) {
        if (nonce == null || issued.get() - nonce.index() > mask) {
            return;
        }
        int slot = slot(nonce.index());
        fingerprints[slot] = 0L;
        uses.set(slot, (NC_LIMIT << 32) | (now.getEpochSecond() & 0xFFFF_FFFFL));
    }

    private int slot(long index) {
        return (int) (index & mask);
    }

    private Mac newMac() {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(key);
            return m;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    private Cipher newCipher(int mode) {
        try {
            Cipher c = Cipher.getInstance("AES/ECB/NoPadding"); // one block: ECB is AES itself
            c.init(mode, blockKey);
            return c;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES unavailable", e);
        }
    }

    /** Encrypts or decrypts the first 16 bytes of {@code raw} in place. */
    private static void crypt(Cipher c, byte[] raw) {
        try {
            c.doFinal(raw, 0, 16, raw, 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES block", e);
        }
    }

    /** The MAC of the encrypted block (the first 16 bytes of {@code raw}) and the realm. */
    private byte[] mac(byte[] raw, String realm) {
        Mac m = macs.get();
        m.update(raw, 0, 16);
        m.update(realm.getBytes(StandardCharsets.UTF_8));
        return m.doFinal();
    }

    private static long mix(long h, String s) {
        if (s == null) {
            return h * 0x9E3779B97F4A7C15L;
        }
        for (int i = 0; i < s.length(); i++) {
            h = (h ^ s.charAt(i)) * 0x100000001B3L;
        }
        return finish(h + s.length());
    }

    /** The murmur3 64-bit finaliser: spreads every input bit over the whole word. */
    private static long finish(long h) {
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB93FE1A85EC3L;
        h ^= h >>> 33;
        return h;
    }
}
