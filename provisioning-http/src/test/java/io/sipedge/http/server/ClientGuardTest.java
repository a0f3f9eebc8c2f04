package io.sipedge.http.server;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientGuardTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-05T12:00:00Z"));

    private ClientGuard guard(int rate, int burst, int failures) {
        return new ClientGuard(new ClientLimits(List.of("192.0.2.0/24"), List.of(), rate, burst, failures,
                Duration.ofSeconds(60), Duration.ofSeconds(300), 100, 10, Duration.ofSeconds(10)), clock);
    }

    @Test
    void tenFailuresWithinTheWindowLockOutForTheLockoutTime() {
        ClientGuard g = guard(0, 1, 10);
        for (int i = 0; i < 9; i++) {
            g.failed("198.51.100.7");
        }
        assertNull(g.refusal("198.51.100.7"), "nine are not enough");
        g.failed("198.51.100.7");
        Duration wait = g.refusal("198.51.100.7");
        assertNotNull(wait);
        assertTrue(wait.toSeconds() > 290, wait.toString());
        assertNull(g.refusal("198.51.100.8"), "another client");
        clock.advance(Duration.ofSeconds(301));
        assertNull(g.refusal("198.51.100.7"), "the lockout ended");
    }

    @Test
    void failuresOutsideTheWindowDoNotAddUp() {
        ClientGuard g = guard(0, 1, 10);
        for (int i = 0; i < 9; i++) {
            g.failed("198.51.100.7");
        }
        clock.advance(Duration.ofSeconds(61));
        g.failed("198.51.100.7");
        assertNull(g.refusal("198.51.100.7"));
    }

    @Test
    void aClientPastItsBurstWaits() {
        ClientGuard g = guard(1, 5, 0);
        for (int i = 0; i < 5; i++) {
            assertNull(g.refusal("198.51.100.7"), "request " + i);
        }
        assertNotNull(g.refusal("198.51.100.7"));
        assertNull(g.refusal("198.51.100.9"), "another client has its own bucket");
    }

    @Test
    void theAllowlistIsNeitherLimitedNorLockedOut() {
        ClientGuard g = guard(1, 1, 1);
        for (int i = 0; i < 20; i++) {
            g.failed("192.0.2.10");
            assertNull(g.refusal("192.0.2.10"));
        }
    }
}
