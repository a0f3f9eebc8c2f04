package io.sipedge.sip.guard;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Counts failed authentications per source address and per (address, user), and says when one
 * should be banned. A pure rule over the times it is given (milliseconds); table-tested.
 *
 * <ul>
 *   <li>A user is banned from an address when {@code perUser} of its authentications from there
 *       failed within {@code window}. A success resets it.
 *   <li>The whole address is banned when more than {@code usersPerAddress} distinct users started
 *       failing from it within the window (password spraying), or {@code perAddress} failures of
 *       any users fell within it; unless a user authenticated from the address within
 *       {@code trustAfterSuccess} (an office NAT: its phones keep registering, and a guesser
 *       among them is stopped by the per-user rule alone).
 * </ul>
 * Unknown users and wrong passwords count alike. Memory is bounded: at most {@code maxSources}
 * addresses (the least recently seen go first) and {@link #MAX_USERS_PER_SOURCE} users each.
 */
public final class AuthFailures {
    static final int MAX_USERS_PER_SOURCE = 1024;
    private static final long NEVER = Long.MIN_VALUE;

    /** What a failure leads to. */
    public enum Verdict { NONE, BAN_USER, BAN_ADDRESS_USERS, BAN_ADDRESS_TOTAL }

    /**
     * @param perUser           failures of one user from one address, within the window, that ban it there
     * @param usersPerAddress   distinct users failing from one address within the window past which it is banned
     * @param perAddress        failures from one address within the window that ban it
     * @param window            the window
     * @param trustAfterSuccess how long a success from an address keeps it from being banned whole
     * @param maxSources        addresses tracked at once
     */
    public record Settings(int perUser, int usersPerAddress, int perAddress, Duration window,
                           Duration trustAfterSuccess, int maxSources) {
    }

    private final Settings settings;
    private final long windowMs;
    private final long trustMs;
    private final Cache<String, Source> sources;

    public AuthFailures(Settings settings) {
        this.settings = settings;
        this.windowMs = settings.window().toMillis();
        this.trustMs = settings.trustAfterSuccess().toMillis();
        this.sources = Caffeine.newBuilder().executor(Runnable::run).maximumSize(settings.maxSources())
                .expireAfterAccess(settings.window().compareTo(settings.trustAfterSuccess()) > 0 ? settings.window()
                        : settings.trustAfterSuccess())
                .build();
    }

    /** A failed authentication of {@code user} in {@code realm} from {@code address} at {@code nowMs}. */
    public Verdict failed(String address, String user, String realm, long nowMs) {
        return failed(address, user + '@' + realm, nowMs);
    }

    private Verdict failed(String address, String user, long nowMs) {
        Source s = sources.get(address, k -> new Source());
        synchronized (s) {
            Times mine = s.users.get(user);
            if (mine == null) {
                mine = new Times(settings.perUser());
                s.users.put(user, mine);
            }
            boolean newlyFailing = !mine.anyWithin(nowMs, windowMs);
            mine.add(nowMs);
            s.failing = true;
            if (s.total == null) {
                s.total = new Times(settings.perAddress());
                s.spread = new Times(settings.usersPerAddress() + 1);
            }
            s.total.add(nowMs);
            if (newlyFailing) {
                s.spread.add(nowMs);
            }
            boolean trusted = s.lastSuccess != NEVER && nowMs - s.lastSuccess < trustMs;
            if (!trusted && s.spread.fullWithin(nowMs, windowMs)) {
                s.reset();
                return Verdict.BAN_ADDRESS_USERS;
            }
            if (!trusted && s.total.fullWithin(nowMs, windowMs)) {
                s.reset();
                return Verdict.BAN_ADDRESS_TOTAL;
            }
            if (mine.fullWithin(nowMs, windowMs)) {
                s.users.remove(user); // counted afresh once the ban ends
                return Verdict.BAN_USER;
            }
            return Verdict.NONE;
        }
    }

    /** A successful authentication: the user's failures from the address are forgotten, the address trusted. */
    public void succeeded(String address, String user, String realm, long nowMs) {
        Source s = sources.getIfPresent(address);
        if (s == null) {
            s = sources.get(address, k -> new Source());
        }
        if (s.lastSuccess == NEVER || nowMs - s.lastSuccess >= 1000) { // to the second: spares writes
            s.lastSuccess = nowMs;
        }
        if (s.failing) {
            synchronized (s) {
                s.users.remove(user + '@' + realm);
                s.failing = !s.users.isEmpty();
            }
        }
    }

    /** One source address: its users' failures, its total, its spread, its last success. */
    private static final class Source {
        /** Least recently failing first, so the bound drops the oldest. */
        final Map<String, Times> users = new LinkedHashMap<>(8, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Times> eldest) {
                return size() > MAX_USERS_PER_SOURCE;
            }
        };
        /** Failures of every user. */
        Times total;
        /** When each user started failing (its first failure in a window). */
        Times spread;
        volatile long lastSuccess = NEVER;
        volatile boolean failing;

        void reset() {
            users.clear();
            total = null;
            spread = null;
            failing = false;
        }
    }

    /** The last {@code n} times of an event, oldest overwritten. */
    private static final class Times {
        private final long[] at;
        private int next;
        private int count;

        Times(int n) {
            at = new long[n];
        }

        void add(long t) {
            at[next] = t;
            next = (next + 1) % at.length;
            count = Math.min(count + 1, at.length);
        }

        /** All {@code n} slots hold times within {@code window} before {@code now}. */
        boolean fullWithin(long now, long window) {
            return count == at.length && now - at[next] < window; // at[next]: the oldest
        }

        boolean anyWithin(long now, long window) {
            return count > 0 && now - at[(next - 1 + at.length) % at.length] < window;
        }
    }
}
