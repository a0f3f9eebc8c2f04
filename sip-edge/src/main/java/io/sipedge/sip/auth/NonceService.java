package io.sipedge.sip.auth;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Stateless, HMAC-protected, expiring nonces, in the manner of Kamailio's auth module: checking one
 * needs no table and no lock. Layout, base64url: {@code expires(8) || salt(8) || HMAC-SHA256(secret,
 * expires || salt || realm)[0..16]}. The salt makes every challenge's nonce unique, which the replay
 * guard below relies on.
 *
 * <p>Replay guard: the highest nonce-count accepted per nonce, kept until the nonce expires
 * (RFC 7616 §3.4: a server may reject a request whose nc it has seen). Without qop there is no nc,
 * so such a nonce is good for one request. This is the one piece of per-nonce state; it holds an
 * entry per nonce actually used, and {@link #purge(Instant)} drops expired ones.
 */
public final class NonceService {
    private static final int MAC_BYTES = 16;
    private static final int RAW_BYTES = 8 + 8 + MAC_BYTES;
    /** Upper bound of the replay table; past it, new nonces are refused until a purge frees room. */
    private static final int MAX_TRACKED = 2_000_000;

    /** How a nonce checked out. */
    public enum Validity { VALID, STALE, INVALID }

    private final SecretKeySpec key;
    private final Duration ttl;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, long[]> used = new ConcurrentHashMap<>();

    public NonceService(Duration ttl) {
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        this.key = new SecretKeySpec(secret, "HmacSHA256");
        this.ttl = ttl;
    }

    public String issue(String realm, Instant now) {
        long expires = now.plus(ttl).getEpochSecond();
        long salt = random.nextLong();
        ByteBuffer b = ByteBuffer.allocate(RAW_BYTES).putLong(expires).putLong(salt);
        b.put(mac(expires, salt, realm), 0, MAC_BYTES);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
    }

    public Validity check(String nonce, String realm, Instant now) {
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(nonce);
        } catch (IllegalArgumentException e) {
            return Validity.INVALID;
        }
        if (raw.length != RAW_BYTES) {
            return Validity.INVALID;
        }
        ByteBuffer b = ByteBuffer.wrap(raw);
        long expires = b.getLong();
        long salt = b.getLong();
        byte[] expected = mac(expires, salt, realm);
        byte[] got = new byte[MAC_BYTES];
        b.get(got);
        if (!MessageDigest.isEqual(java.util.Arrays.copyOf(expected, MAC_BYTES), got)) {
            return Validity.INVALID;
        }
        return now.getEpochSecond() >= expires ? Validity.STALE : Validity.VALID;
    }

    /**
     * Records that {@code nc} was used with {@code nonce}; false when that count (or a higher one)
     * was accepted before. {@code nc} is the parsed hex nonce-count, or 0 without qop.
     */
    public boolean markUsed(String nonce, long nc) {
        if (used.size() >= MAX_TRACKED && !used.containsKey(nonce)) {
            return false;
        }
        long expires = ByteBuffer.wrap(Base64.getUrlDecoder().decode(nonce)).getLong();
        boolean[] fresh = {false};
        used.compute(nonce, (k, v) -> {
            if (v == null) {
                fresh[0] = true;
                return new long[] {nc, expires};
            }
            if (nc > v[0]) {
                fresh[0] = true;
                return new long[] {nc, v[1]};
            }
            return v;
        });
        return fresh[0];
    }

    /** Drops replay entries of expired nonces. */
    public void purge(Instant now) {
        long t = now.getEpochSecond();
        used.values().removeIf(v -> v[1] <= t);
    }

    int tracked() {
        return used.size();
    }

    private byte[] mac(long expires, long salt, String realm) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(key);
            m.update(ByteBuffer.allocate(16).putLong(expires).putLong(salt).array());
            m.update(realm.getBytes(StandardCharsets.UTF_8));
            return m.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
