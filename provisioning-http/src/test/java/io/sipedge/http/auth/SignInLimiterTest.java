package io.sipedge.http.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.sipedge.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SignInLimiterTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final SignInLimiter limiter = new SignInLimiter(clock);
    private final String alice = SignInLimiter.key("Alice", "Example.COM");

    @Test
    void fiveFailuresInTheWindowLockTheUserForFifteenMinutes() {
        for (int i = 1; i < SignInLimiter.FAILURES; i++) {
            assertNull(limiter.failed(alice));
            assertNull(limiter.refusal(alice));
        }
        Instant until = limiter.failed(alice);
        assertEquals(clock.instant().plus(SignInLimiter.LOCKOUT), until);
        assertEquals(SignInLimiter.LOCKOUT, limiter.refusal(SignInLimiter.key("alice", "example.com")));
        assertNull(limiter.refusal(SignInLimiter.key("bob", "example.com")), "only that user");
        clock.advance(SignInLimiter.LOCKOUT.minusSeconds(1));
        assertEquals(Duration.ofSeconds(1), limiter.refusal(alice));
        clock.advance(Duration.ofSeconds(1));
        assertNull(limiter.refusal(alice));
    }

    @Test
    void failuresOlderThanTheWindowAreForgotten() {
        for (int i = 1; i < SignInLimiter.FAILURES; i++) {
            limiter.failed(alice);
        }
        clock.advance(SignInLimiter.WINDOW);
        assertNull(limiter.failed(alice));
        assertNull(limiter.refusal(alice));
    }

    @Test
    void aCorrectPasswordClearsEarlierTyposButNotALockout() {
        for (int i = 1; i < SignInLimiter.FAILURES; i++) {
            limiter.failed(alice);
        }
        limiter.succeeded(alice);
        assertNull(limiter.failed(alice));
        for (int i = 1; i < SignInLimiter.FAILURES; i++) {
            limiter.failed(alice);
        }
        assertNotNull(limiter.refusal(alice));
        limiter.succeeded(alice);
        assertNotNull(limiter.refusal(alice));
    }
}
