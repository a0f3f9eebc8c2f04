package io.sipedge.http.auth;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Signed-in users' sessions (issue 17): each holds an access token and, for bearer sessions, a
 * refresh token. Tokens are random 256-bit values ({@link Secrets#randomToken}); only their SHA-256
 * is kept, and they are looked up by it, so timing reveals at most something about hashes of a
 * caller's own guesses, never about stored tokens (the same argument as {@link TokenService}).
 *
 * <p>Why not {@link TokenService}: operator tokens are one value per grant and key a
 * {@code Principal}; a user session is a pair whose refresh half rotates and whose reuse must end
 * the whole session (RFC 9700 §4.14.2), which TokenService has no notion of. The two share
 * {@link Secrets} and the same bounds idea: at most {@link #MAX_SESSIONS_PER_USER} per user (a new
 * one ends the oldest) and {@link #MAX_SESSIONS} in all.
 *
 * <p>Held in memory: a restart signs every user out. One lock guards the tables: sign-ins are
 * rare and each already costs an Argon2id hash, so the lock is never the bottleneck.
 */
public final class UserSessions {
    /** Access token lifetime ({@code api.user-token-ttl}): short, as a copied one cannot be called back. */
    public static final Duration DEFAULT_ACCESS_TTL = Duration.ofMinutes(15);
    /** Refresh token lifetime ({@code api.user-refresh-ttl}); each refresh hands out a new one. */
    public static final Duration DEFAULT_REFRESH_TTL = Duration.ofDays(30);
    /** The legacy {@code /api/login} cookie: a working day, no refresh. */
    public static final Duration COOKIE_TTL = Duration.ofHours(8);
    /** Sessions one user may hold: browsers and phones, with room to spare. */
    public static final int MAX_SESSIONS_PER_USER = 20;
    /** Sessions of all users together: bounds memory. */
    public static final int MAX_SESSIONS = 100_000;
    /** Spent refresh tokens remembered to detect reuse; the oldest are forgotten first. */
    static final int MAX_SPENT = 200_000;

    /** Who a session belongs to. */
    public record SignedIn(String tenantId, String userId) {
    }

    /** Tokens as handed out: the only time their clear values exist on the server. */
    public record Tokens(String accessToken, String refreshToken, Duration expiresIn) {
        @Override
        public String toString() {
            return "Tokens[<redacted>, expiresIn=" + expiresIn + "]";
        }
    }

    private static final class Session {
        final SignedIn who;
        String accessHash;
        Instant accessExpires;
        String refreshHash; // null: a cookie session
        Instant refreshExpires;
        boolean ended;

        Session(SignedIn who) {
            this.who = who;
        }

        Instant lastUse() {
            return refreshHash == null ? accessExpires : refreshExpires;
        }
    }

    private record Spent(Session session, Instant until) {
    }

    private final InstantSource clock;
    private final Duration accessTtl;
    private final Duration refreshTtl;
    private final Map<String, Session> byAccess = new HashMap<>();
    private final Map<String, Session> byRefresh = new HashMap<>();
    private final Map<String, ArrayDeque<Session>> byUser = new HashMap<>();
    private final LinkedHashMap<String, Spent> spent = new LinkedHashMap<>(16, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Spent> eldest) {
            return size() > MAX_SPENT;
        }
    };
    private int live;

    public UserSessions(InstantSource clock) {
        this(clock, DEFAULT_ACCESS_TTL, DEFAULT_REFRESH_TTL);
    }

    public UserSessions(InstantSource clock, Duration accessTtl, Duration refreshTtl) {
        this.clock = clock;
        this.accessTtl = accessTtl;
        this.refreshTtl = refreshTtl;
    }

    public Duration accessTtl() {
        return accessTtl;
    }

    public Duration refreshTtl() {
        return refreshTtl;
    }

    /** A bearer session (access and refresh token); empty when {@link #MAX_SESSIONS} are live. */
    public synchronized Optional<Tokens> signIn(SignedIn who) {
        Instant now = clock.instant();
        Session s = open(who, now);
        if (s == null) {
            return Optional.empty();
        }
        return Optional.of(issuePair(s, now));
    }

    /** A cookie session: one token, {@link #COOKIE_TTL}, no refresh. */
    public synchronized Optional<String> signInCookie(SignedIn who) {
        Instant now = clock.instant();
        Session s = open(who, now);
        if (s == null) {
            return Optional.empty();
        }
        String access = Secrets.randomToken();
        s.accessHash = key(access);
        s.accessExpires = now.plus(COOKIE_TTL);
        byAccess.put(s.accessHash, s);
        return Optional.of(access);
    }

    /** Whose live access token this is. */
    public synchronized Optional<SignedIn> verify(String accessToken) {
        if (!plausible(accessToken)) {
            return Optional.empty();
        }
        Session s = byAccess.get(key(accessToken));
        if (s == null || !clock.instant().isBefore(s.accessExpires)) {
            return Optional.empty();
        }
        return Optional.of(s.who);
    }

    /**
     * New tokens for a live refresh token, which is spent by this call (rotation). A spent one
     * presented again means it was copied: the session it belonged to ends, the thief's and the
     * user's tokens alike (RFC 9700 §4.14.2). Empty for anything but a live refresh token.
     */
    public synchronized Refresh refresh(String refreshToken) {
        if (!plausible(refreshToken)) {
            return Refresh.REFUSED;
        }
        String k = key(refreshToken);
        Instant now = clock.instant();
        Session s = byRefresh.get(k);
        if (s == null) {
            Spent reused = spent.remove(k);
            if (reused != null && now.isBefore(reused.until()) && !reused.session().ended) {
                end(reused.session());
                return new Refresh.Reused(reused.session().who);
            }
            return Refresh.REFUSED;
        }
        if (!now.isBefore(s.refreshExpires)) {
            end(s);
            return Refresh.REFUSED;
        }
        spent.put(k, new Spent(s, s.refreshExpires));
        return new Refresh.Rotated(s.who, issuePair(s, now));
    }

    /** What presenting a refresh token came to (STYLE 3.3: an outcome, not a null or a flag). */
    public sealed interface Refresh {
        /** New tokens; the presented one is spent. */
        record Rotated(SignedIn who, Tokens tokens) implements Refresh {
        }

        /** A spent token came back: it was copied, and the session it belonged to has ended. */
        record Reused(SignedIn who) implements Refresh {
        }

        /** Unknown, expired, or a session already ended. */
        record Refused() implements Refresh {
        }

        Refresh REFUSED = new Refused();
    }

    /** Ends the session of a live access token (both its tokens); false when there was none. */
    public synchronized boolean signOut(String accessToken) {
        if (!plausible(accessToken)) {
            return false;
        }
        Session s = byAccess.get(key(accessToken));
        if (s == null) {
            return false;
        }
        end(s);
        return true;
    }

    /** Ends every session of a user (disabled, deleted, or found so on a later request). */
    public synchronized void endUser(String userId) {
        ArrayDeque<Session> q = byUser.get(userId);
        if (q != null) {
            for (Session s : q.toArray(new Session[0])) {
                end(s);
            }
        }
    }

    public synchronized int liveSessions() {
        return live;
    }

    private Session open(SignedIn who, Instant now) {
        ArrayDeque<Session> q = byUser.computeIfAbsent(who.userId(), u -> new ArrayDeque<>());
        q.removeIf(old -> {
            if (!now.isBefore(old.lastUse())) {
                drop(old);
                return true;
            }
            return false;
        });
        while (q.size() >= MAX_SESSIONS_PER_USER) {
            end(q.peekFirst());
        }
        if (live >= MAX_SESSIONS) {
            purgeExpired(now);
            if (live >= MAX_SESSIONS) {
                if (q.isEmpty()) {
                    byUser.remove(who.userId());
                }
                return null;
            }
        }
        Session s = new Session(who);
        byUser.computeIfAbsent(who.userId(), u -> new ArrayDeque<>()).addLast(s);
        live++;
        return s;
    }

    private Tokens issuePair(Session s, Instant now) {
        if (s.accessHash != null) {
            byAccess.remove(s.accessHash);
        }
        if (s.refreshHash != null) {
            byRefresh.remove(s.refreshHash);
        }
        String access = Secrets.randomToken();
        String refresh = Secrets.randomToken();
        s.accessHash = key(access);
        s.accessExpires = now.plus(accessTtl);
        s.refreshHash = key(refresh);
        s.refreshExpires = now.plus(refreshTtl);
        byAccess.put(s.accessHash, s);
        byRefresh.put(s.refreshHash, s);
        return new Tokens(access, refresh, accessTtl);
    }

    private void end(Session s) {
        ArrayDeque<Session> q = byUser.get(s.who.userId());
        if (q != null) {
            q.remove(s);
            if (q.isEmpty()) {
                byUser.remove(s.who.userId());
            }
        }
        drop(s);
    }

    /** Forgets a session's tokens; the caller takes it out of its user's queue. */
    private void drop(Session s) {
        if (s.ended) {
            return;
        }
        s.ended = true;
        live--;
        if (s.accessHash != null) {
            byAccess.remove(s.accessHash);
        }
        if (s.refreshHash != null) {
            byRefresh.remove(s.refreshHash);
        }
    }

    private void purgeExpired(Instant now) {
        byUser.values().removeIf(q -> {
            q.removeIf(s -> {
                if (!now.isBefore(s.lastUse())) {
                    drop(s);
                    return true;
                }
                return false;
            });
            return q.isEmpty();
        });
    }

    /** A token this store could have issued: anything else is refused before hashing. */
    private static boolean plausible(String token) {
        return token != null && !token.isEmpty() && token.length() <= 256;
    }

    private static String key(String token) {
        return HexFormat.of().formatHex(Secrets.sha256(token));
    }
}
