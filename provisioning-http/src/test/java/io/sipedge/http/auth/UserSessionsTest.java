package io.sipedge.http.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.http.auth.UserSessions.Refresh;
import io.sipedge.http.auth.UserSessions.SignedIn;
import io.sipedge.http.auth.UserSessions.Tokens;
import io.sipedge.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class UserSessionsTest {
    private static final SignedIn ALICE = new SignedIn("t1", "u1");
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final UserSessions sessions = new UserSessions(clock);

    @Test
    void tokensAre256RandomBitsInBase64urlAndRedactedInToString() {
        Tokens t = sessions.signIn(ALICE).orElseThrow();
        assertTrue(t.accessToken().matches("[A-Za-z0-9_-]{43}"), t.accessToken());
        assertTrue(t.refreshToken().matches("[A-Za-z0-9_-]{43}"));
        assertNotEquals(t.accessToken(), t.refreshToken());
        assertFalse(t.toString().contains(t.accessToken()));
        assertFalse(t.toString().contains(t.refreshToken()));
        assertEquals(Duration.ofMinutes(15), t.expiresIn());
    }

    @Test
    void theAccessTokenLivesFifteenMinutesAndTheRefreshTokenIsNoAccessToken() {
        Tokens t = sessions.signIn(ALICE).orElseThrow();
        assertEquals(ALICE, sessions.verify(t.accessToken()).orElseThrow());
        assertTrue(sessions.verify(t.refreshToken()).isEmpty());
        clock.advance(UserSessions.DEFAULT_ACCESS_TTL.minusSeconds(1));
        assertTrue(sessions.verify(t.accessToken()).isPresent());
        clock.advance(Duration.ofSeconds(1));
        assertTrue(sessions.verify(t.accessToken()).isEmpty());
    }

    @Test
    void refreshRotatesBothTokensAndTheOldOnesStopWorking() {
        Tokens t = sessions.signIn(ALICE).orElseThrow();
        clock.advance(Duration.ofMinutes(20));
        Refresh.Rotated r = (Refresh.Rotated) sessions.refresh(t.refreshToken());
        assertEquals(ALICE, r.who());
        assertEquals(ALICE, sessions.verify(r.tokens().accessToken()).orElseThrow());
        assertTrue(sessions.verify(t.accessToken()).isEmpty());
        assertEquals(1, sessions.liveSessions());
    }

    @Test
    void reusingASpentRefreshTokenEndsTheWholeSession() {
        Tokens t = sessions.signIn(ALICE).orElseThrow();
        Tokens next = ((Refresh.Rotated) sessions.refresh(t.refreshToken())).tokens();
        assertEquals(new Refresh.Reused(ALICE), sessions.refresh(t.refreshToken()));
        assertTrue(sessions.verify(next.accessToken()).isEmpty(), "the thief's or the user's: both end");
        assertEquals(Refresh.REFUSED, sessions.refresh(next.refreshToken()));
        assertEquals(Refresh.REFUSED, sessions.refresh(t.refreshToken()), "reported once, then just unknown");
        assertEquals(0, sessions.liveSessions());
    }

    @Test
    void theRefreshTokenExpiresAfterThirtyDays() {
        Tokens t = sessions.signIn(ALICE).orElseThrow();
        clock.advance(UserSessions.DEFAULT_REFRESH_TTL);
        assertEquals(Refresh.REFUSED, sessions.refresh(t.refreshToken()));
        assertEquals(0, sessions.liveSessions());
    }

    @Test
    void signOutEndsAccessAndRefresh() {
        Tokens t = sessions.signIn(ALICE).orElseThrow();
        assertTrue(sessions.signOut(t.accessToken()));
        assertTrue(sessions.verify(t.accessToken()).isEmpty());
        assertEquals(Refresh.REFUSED, sessions.refresh(t.refreshToken()));
        assertFalse(sessions.signOut(t.accessToken()));
        assertFalse(sessions.signOut(null));
    }

    @Test
    void aUserHoldsAtMostTwentySessionsAndANewOneEndsTheOldest() {
        Tokens first = sessions.signIn(ALICE).orElseThrow();
        for (int i = 1; i < UserSessions.MAX_SESSIONS_PER_USER; i++) {
            sessions.signIn(ALICE).orElseThrow();
        }
        assertTrue(sessions.verify(first.accessToken()).isPresent());
        Tokens last = sessions.signIn(ALICE).orElseThrow();
        assertTrue(sessions.verify(first.accessToken()).isEmpty());
        assertTrue(sessions.verify(last.accessToken()).isPresent());
        assertEquals(UserSessions.MAX_SESSIONS_PER_USER, sessions.liveSessions());
        Tokens bob = sessions.signIn(new SignedIn("t1", "u2")).orElseThrow();
        assertTrue(sessions.verify(bob.accessToken()).isPresent(), "another user's quota is their own");
    }

    @Test
    void aCookieSessionHasNoRefreshAndLastsEightHours() {
        String cookie = sessions.signInCookie(ALICE).orElseThrow();
        assertEquals(ALICE, sessions.verify(cookie).orElseThrow());
        clock.advance(UserSessions.COOKIE_TTL);
        assertTrue(sessions.verify(cookie).isEmpty());
    }

    @Test
    void endUserEndsEverySessionOfThatUserOnly() {
        Tokens a = sessions.signIn(ALICE).orElseThrow();
        String c = sessions.signInCookie(ALICE).orElseThrow();
        Tokens b = sessions.signIn(new SignedIn("t1", "u2")).orElseThrow();
        sessions.endUser("u1");
        assertTrue(sessions.verify(a.accessToken()).isEmpty());
        assertTrue(sessions.verify(c).isEmpty());
        assertTrue(sessions.verify(b.accessToken()).isPresent());
        assertEquals(1, sessions.liveSessions());
    }

    @Test
    void garbageIsRefusedWithoutAnswerDetail() {
        assertTrue(sessions.verify("").isEmpty());
        assertTrue(sessions.verify("x".repeat(10_000)).isEmpty());
        assertEquals(Refresh.REFUSED, sessions.refresh(null));
        assertEquals(Refresh.REFUSED, sessions.refresh("nope"));
    }
}
