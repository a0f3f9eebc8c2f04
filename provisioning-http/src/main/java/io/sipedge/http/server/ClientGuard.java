package io.sipedge.http.server;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.sipedge.observe.SecurityEvent;
import io.sipedge.security.AddressRanges;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;

/**
 * Per client address: a token bucket (bucket4j) for requests that carry or check a credential,
 * and a lockout after repeated failed credentials (a 401, or a 404 for a secret in a path). A
 * success does not undo failures: a guesser could otherwise slip a valid request between guesses.
 * State per client lives in a bounded table (Caffeine) and is forgotten when idle.
 */
final class ClientGuard {
    static final int MAX_CLIENTS = 100_000;

    private final ClientLimits limits;
    private final AddressRanges allowlist;
    private final InstantSource clock;
    private final Cache<String, Client> clients;

    /** One client's bucket and failures. */
    private final class Client {
        final Bucket bucket = limits.ratePerSecond() > 0 ? Bucket.builder()
                .addLimit(l -> l.capacity(limits.burst()).refillGreedy(limits.ratePerSecond(), Duration.ofSeconds(1)))
                .build() : null;
        final ArrayDeque<Instant> failures = new ArrayDeque<>();
        Instant lockedUntil = Instant.MIN;
    }

    ClientGuard(ClientLimits limits, InstantSource clock) {
        this.limits = limits;
        this.allowlist = AddressRanges.parse(limits.allowlist());
        this.clock = clock;
        Duration idle = limits.lockout().compareTo(limits.failureWindow()) > 0 ? limits.lockout()
                : limits.failureWindow();
        this.clients = Caffeine.newBuilder().maximumSize(MAX_CLIENTS).expireAfterAccess(idle.plusMinutes(1)).build();
    }

    private boolean limited(String ip) {
        return (limits.ratePerSecond() > 0 || limits.failuresBeforeLockout() > 0) && !allowlist.contains(ip);
    }

    /** How long {@code ip} must wait before this request is served, or null to serve it now. */
    Duration refusal(String ip) {
        if (!limited(ip)) {
            return null;
        }
        Client c = clients.get(ip, k -> new Client());
        Instant now = clock.instant();
        synchronized (c) {
            if (now.isBefore(c.lockedUntil)) {
                return Duration.between(now, c.lockedUntil);
            }
        }
        if (c.bucket != null) {
            ConsumptionProbe probe = c.bucket.tryConsumeAndReturnRemaining(1);
            if (!probe.isConsumed()) {
                return Duration.ofNanos(Math.max(probe.getNanosToWaitForRefill(), 1));
            }
        }
        return null;
    }

    /** A failed credential from {@code ip}: past the threshold within the window, it is locked out. */
    void failed(String ip) {
        if (!limited(ip) || limits.failuresBeforeLockout() <= 0) {
            return;
        }
        Client c = clients.get(ip, k -> new Client());
        Instant now = clock.instant();
        synchronized (c) {
            c.failures.addLast(now);
            while (!c.failures.isEmpty() && !now.isBefore(c.failures.peekFirst().plus(limits.failureWindow()))) {
                c.failures.pollFirst();
            }
            if (c.failures.size() >= limits.failuresBeforeLockout()) {
                c.lockedUntil = now.plus(limits.lockout());
                c.failures.clear();
                SecurityEvent.of("http-lockout").field("ip", ip).field("failures", limits.failuresBeforeLockout())
                        .field("until", c.lockedUntil).warn();
            }
        }
    }
}
