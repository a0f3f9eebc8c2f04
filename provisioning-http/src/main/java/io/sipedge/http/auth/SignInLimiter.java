package io.sipedge.http.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.Locale;

/**
 * Failed sign-ins per user ({@code username@domain}), whatever the source: the per-address
 * {@code ClientGuard} stops one guesser, this stops many addresses guessing one password. After
 * {@link #FAILURES} failures within {@link #WINDOW}, the user is refused for {@link #LOCKOUT}.
 * Unknown usernames count the same as known ones, so a lockout does not reveal that a user exists.
 * The table is bounded (Caffeine) and forgets users idle for longer than the window and lockout.
 */
public final class SignInLimiter {
    /** Failures that lock a user out: a user who mistypes gets a few tries, a guesser very few. */
    public static final int FAILURES = 5;
    public static final Duration WINDOW = Duration.ofMinutes(15);
    public static final Duration LOCKOUT = Duration.ofMinutes(15);
    /** Users tracked at once; past it the least recently seen are forgotten. */
    static final int MAX_USERS = 100_000;

    private static final class Entry {
        final ArrayDeque<Instant> failures = new ArrayDeque<>();
        Instant lockedUntil = Instant.MIN;
    }

    private final InstantSource clock;
    private final Cache<String, Entry> users = Caffeine.newBuilder().maximumSize(MAX_USERS)
            .expireAfterAccess(WINDOW.plus(LOCKOUT)).build();

    public SignInLimiter(InstantSource clock) {
        this.clock = clock;
    }

    /** The table's key: usernames and domains compare case-insensitively here, to be safe. */
    public static String key(String username, String domain) {
        return username.toLowerCase(Locale.ROOT) + "@" + domain.toLowerCase(Locale.ROOT);
    }

    /** How long {@code key} must wait before it may try again, or null to let it try now. */
    public Duration refusal(String key) {
        Entry e = users.getIfPresent(key);
        if (e == null) {
            return null;
        }
        Instant now = clock.instant();
        synchronized (e) {
            return now.isBefore(e.lockedUntil) ? Duration.between(now, e.lockedUntil) : null;
        }
    }

    /** Records a failure; returns the end of the lockout it started, or null when it started none. */
    public Instant failed(String key) {
        Entry e = users.get(key, k -> new Entry());
        Instant now = clock.instant();
        synchronized (e) {
            e.failures.addLast(now);
            while (!e.failures.isEmpty() && !now.isBefore(e.failures.peekFirst().plus(WINDOW))) {
                e.failures.pollFirst();
            }
            if (e.failures.size() >= FAILURES) {
                e.failures.clear();
                e.lockedUntil = now.plus(LOCKOUT);
                return e.lockedUntil;
            }
            return null;
        }
    }

    /**
     * A correct password clears the user's failures: it was the user, who should not be locked out
     * by their own earlier typos. A lockout in force is not lifted (no password is checked then).
     */
    public void succeeded(String key) {
        Entry e = users.getIfPresent(key);
        if (e != null) {
            synchronized (e) {
                e.failures.clear();
            }
        }
    }
}
