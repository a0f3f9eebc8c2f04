package io.sipedge.http.auth;

import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Short-lived, single-use secrets handed to a browser and redeemed once: the {@code state} of a
 * Microsoft sign-in in flight, the one-time code it ends with (issue 17). A secret is 256 random
 * bits, base64url; only its SHA-256 is kept (lookup by hash, so no comparison of the secret itself
 * leaks timing). Redeeming removes it whether or not it was still valid, so a replay finds nothing.
 *
 * <p>Bounded: when full, expired entries go first; if none has, {@link #issue} refuses rather than
 * evicting a live one, so a flood of new sign-ins cannot cancel the ones users are in the middle of.
 *
 * @param <T> what a secret stands for
 */
public final class SingleUse<T> {
    private record Entry<T>(T value, Instant expiresAt) {
    }

    private final Duration ttl;
    private final int max;
    /** SHA-256 (base64) → entry, oldest first. */
    private final LinkedHashMap<String, Entry<T>> byHash = new LinkedHashMap<>();

    public SingleUse(Duration ttl, int max) {
        if (ttl.isNegative() || ttl.isZero() || max < 1) {
            throw new IllegalArgumentException("ttl and max must be positive");
        }
        this.ttl = ttl;
        this.max = max;
    }

    public Duration ttl() {
        return ttl;
    }

    /** A fresh secret for {@code value}, valid for {@link #ttl()} from {@code now}; empty when the table is full. */
    public synchronized Optional<String> issue(T value, Instant now) {
        if (byHash.size() >= max) {
            dropExpired(now);
            if (byHash.size() >= max) {
                return Optional.empty();
            }
        }
        String secret = Secrets.randomToken();
        byHash.put(key(secret), new Entry<>(value, now.plus(ttl)));
        return Optional.of(secret);
    }

    /** What a live secret stands for, spent by this call; empty for an unknown, spent or expired one. */
    public synchronized Optional<T> redeem(String secret, Instant now) {
        if (secret == null || secret.isEmpty() || secret.length() > 128) {
            return Optional.empty();
        }
        Entry<T> e = byHash.remove(key(secret));
        return e != null && now.isBefore(e.expiresAt()) ? Optional.of(e.value()) : Optional.empty();
    }

    /** Entries held, expired ones included until they are dropped. */
    public synchronized int size() {
        return byHash.size();
    }

    private void dropExpired(Instant now) {
        Iterator<Map.Entry<String, Entry<T>>> it = byHash.entrySet().iterator();
        while (it.hasNext()) {
            if (!now.isBefore(it.next().getValue().expiresAt())) {
                it.remove();
            }
        }
    }

    private static String key(String secret) {
        return Base64.getEncoder().encodeToString(Secrets.sha256(secret));
    }
}
