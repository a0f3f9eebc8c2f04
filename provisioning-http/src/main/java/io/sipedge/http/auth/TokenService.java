package io.sipedge.http.auth;

import io.sipedge.http.api.Principal;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Auth tokens for the operator API: random 256-bit values handed out by {@code PUT /v2/api_auth},
 * valid for a fixed time. Only their SHA-256 is kept, in memory: a restart makes every operator
 * authenticate again (keys are durable, tokens are not), and a heap dump holds no usable token.
 *
 * <p>Each principal (the admin, each account) holds at most {@link #MAX_TOKENS_PER_PRINCIPAL} live
 * tokens: a new one past that ends its oldest. A client that authenticates per request without
 * reusing its token so wears out only its own tokens, never the admin's or another account's;
 * and the accounts together hold at most {@link #MAX_LIVE_TOKENS}, which bounds memory.
 */
public final class TokenService {
    /** Live tokens one principal may hold: far more than its integrations need at once. */
    public static final int MAX_TOKENS_PER_PRINCIPAL = 100;
    /** Live tokens of all accounts together. */
    public static final int MAX_LIVE_TOKENS = 100_000;

    private record Entry(Principal principal, Instant expiresAt) {
    }

    /** A token as handed out: the only time its clear value exists on the server. */
    public record Issued(String token, Instant expiresAt) {
        @Override
        public String toString() {
            return "Issued[<redacted>, expiresAt=" + expiresAt + "]";
        }
    }

    private final InstantSource clock;
    private final Duration ttl;
    private final ConcurrentHashMap<String, Entry> byHash = new ConcurrentHashMap<>();
    /** Per principal, the hash and expiry of each of its tokens, oldest first (all share one lifetime). */
    private final ConcurrentHashMap<Principal, ArrayDeque<Held>> issuedTo = new ConcurrentHashMap<>();

    private record Held(String hash, Instant expiresAt) {
    }

    public TokenService(InstantSource clock, Duration ttl) {
        this.clock = clock;
        this.ttl = ttl;
    }

    public Duration ttl() {
        return ttl;
    }

    /**
     * A new token for {@code principal}, ending its oldest when it holds
     * {@link #MAX_TOKENS_PER_PRINCIPAL}; empty only when an account's would pass
     * {@link #MAX_LIVE_TOKENS}.
     */
    public Optional<Issued> issue(Principal principal) {
        Instant now = clock.instant();
        if (!principal.isAdmin() && byHash.size() >= MAX_LIVE_TOKENS) {
            purgeExpired(now);
            if (byHash.size() >= MAX_LIVE_TOKENS) {
                return Optional.empty();
            }
        }
        String token = Secrets.randomToken();
        String hash = key(token);
        Instant expires = now.plus(ttl);
        ArrayDeque<Held> held = issuedTo.computeIfAbsent(principal, p -> new ArrayDeque<>());
        synchronized (held) {
            while (!held.isEmpty() && (!now.isBefore(held.peekFirst().expiresAt())
                    || held.size() >= MAX_TOKENS_PER_PRINCIPAL)) {
                byHash.remove(held.pollFirst().hash()); // expired, or the oldest past the quota
            }
            held.addLast(new Held(hash, expires));
            byHash.put(hash, new Entry(principal, expires));
        }
        return Optional.of(new Issued(token, expires));
    }

    /**
     * Whom a presented token speaks for. The lookup is by the token's SHA-256, so timing reveals
     * at most something about hashes of the caller's own guesses, never about stored tokens.
     */
    public Optional<Principal> verify(String token) {
        if (token == null || token.isEmpty() || token.length() > 256) {
            return Optional.empty();
        }
        String k = key(token);
        Entry e = byHash.get(k);
        if (e == null) {
            return Optional.empty();
        }
        if (!clock.instant().isBefore(e.expiresAt())) {
            byHash.remove(k, e);
            return Optional.empty();
        }
        return Optional.of(e.principal());
    }

    /** Ends every token of an account (its key was rotated or the account deleted). */
    public void revokeAccount(String accountId) {
        byHash.values().removeIf(e -> accountId.equals(e.principal().accountId()));
        issuedTo.remove(Principal.account(accountId));
    }

    public int liveTokens() {
        return byHash.size();
    }

    public void purgeExpired(Instant now) {
        byHash.values().removeIf(e -> !now.isBefore(e.expiresAt()));
    }

    private static String key(String token) {
        return HexFormat.of().formatHex(Secrets.sha256(token));
    }
}
