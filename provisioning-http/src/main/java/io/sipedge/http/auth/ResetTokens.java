package io.sipedge.http.auth;

import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Single-use password reset tokens (issue 17). A token is 256 random bits, base64url, handed out
 * once (in the reset mail); only its SHA-256 is kept, with the user and an expiry, so a heap dump
 * or a log of this table gives no usable link. A new token for a user replaces the previous one,
 * and redeeming removes it whether or not it was still valid. Memory only: a restart voids every
 * pending link, which costs a user one more request and nothing else.
 */
public final class ResetTokens {
    /** Far above the resets a tenant asks for within a token's life; bounds what a flood can pin in memory. */
    public static final int MAX_TOKENS = 10_000;

    /** Whose password a token resets. */
    public record Ticket(String tenantId, String userId, Instant expiresAt) {
    }

    private final Duration ttl;
    private final int max;
    /** hash → ticket, oldest first (insertion order: what goes when the table is full). */
    private final LinkedHashMap<String, Ticket> byHash = new LinkedHashMap<>();
    private final Map<String, String> hashByUser = new HashMap<>();

    public ResetTokens(Duration ttl) {
        this(ttl, MAX_TOKENS);
    }

    ResetTokens(Duration ttl, int max) {
        this.ttl = ttl;
        this.max = max;
    }

    public Duration ttl() {
        return ttl;
    }

    /** A fresh token for the user, valid for {@link #ttl()} from {@code now}; the user's previous one stops working. */
    public synchronized String issue(String tenantId, String userId, Instant now) {
        String token = Secrets.randomToken();
        String hash = hash(token);
        String old = hashByUser.put(userId, hash);
        if (old != null) {
            byHash.remove(old);
        }
        if (byHash.size() >= max) {
            evict(now);
        }
        byHash.put(hash, new Ticket(tenantId, userId, now.plus(ttl)));
        return token;
    }

    /** The ticket of a live token, which is spent by this call; empty for an unknown, spent or expired one. */
    public synchronized Optional<Ticket> redeem(String token, Instant now) {
        if (token == null || token.isEmpty() || token.length() > 128) {
            return Optional.empty();
        }
        Ticket t = byHash.remove(hash(token));
        if (t == null) {
            return Optional.empty();
        }
        hashByUser.remove(t.userId());
        return now.isBefore(t.expiresAt()) ? Optional.of(t) : Optional.empty();
    }

    /** Tokens held, expired ones included until they are evicted. */
    public synchronized int size() {
        return byHash.size();
    }

    /** Drops the expired tokens, then the oldest until there is room for one more. */
    private void evict(Instant now) {
        Iterator<Map.Entry<String, Ticket>> it = byHash.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, Ticket> e = it.next();
            if (!now.isBefore(e.getValue().expiresAt())) {
                it.remove();
                hashByUser.remove(e.getValue().userId(), e.getKey());
            }
        }
        it = byHash.entrySet().iterator();
        while (byHash.size() >= max && it.hasNext()) {
            Map.Entry<String, Ticket> e = it.next();
            it.remove();
            hashByUser.remove(e.getValue().userId(), e.getKey());
        }
    }

    /** Lookup is by hash, so comparing the token itself in constant time is not needed. */
    private static String hash(String token) {
        return Base64.getEncoder().encodeToString(Secrets.sha256(token));
    }
}
