package io.sipedge.http.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.http.api.Principal;
import io.sipedge.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TokenServiceTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final TokenService tokens = new TokenService(clock, Duration.ofHours(1));

    @Test
    void aTokenWorksUntilItsTtlAndNotASecondLonger() {
        TokenService.Issued t = tokens.issue(Principal.account("acc")).orElseThrow();
        assertEquals(clock.instant().plus(Duration.ofHours(1)), t.expiresAt());
        clock.advance(Duration.ofSeconds(3599));
        assertEquals(Principal.account("acc"), tokens.verify(t.token()).orElseThrow());
        clock.advance(Duration.ofSeconds(1));
        assertTrue(tokens.verify(t.token()).isEmpty());
        assertEquals(0, tokens.liveTokens(), "an expired token is forgotten when seen");
    }

    @Test
    void tokensAreLongRandomAndUrlSafe() {
        String a = tokens.issue(Principal.ADMIN).orElseThrow().token();
        String b = tokens.issue(Principal.ADMIN).orElseThrow().token();
        assertNotEquals(a, b);
        assertTrue(a.matches("[A-Za-z0-9_-]{43}"), a);
        assertFalse(tokens.issue(Principal.ADMIN).orElseThrow().toString().contains(a));
    }

    @Test
    void unknownEmptyAndAbsurdTokensAreRefused() {
        tokens.issue(Principal.ADMIN);
        assertTrue(tokens.verify(null).isEmpty());
        assertTrue(tokens.verify("").isEmpty());
        assertTrue(tokens.verify("x".repeat(10_000)).isEmpty());
        assertTrue(tokens.verify(Secrets.randomToken()).isEmpty());
    }

    @Test
    void revokingAnAccountEndsOnlyItsTokens() {
        String acc = tokens.issue(Principal.account("acc")).orElseThrow().token();
        String other = tokens.issue(Principal.account("other")).orElseThrow().token();
        String admin = tokens.issue(Principal.ADMIN).orElseThrow().token();
        tokens.revokeAccount("acc");
        assertTrue(tokens.verify(acc).isEmpty());
        assertTrue(tokens.verify(other).isPresent());
        assertTrue(tokens.verify(admin).isPresent());
    }

    @Test
    void aPrincipalPastItsQuotaEndsItsOwnOldestTokenAndNoOneElses() {
        String admin = tokens.issue(Principal.ADMIN).orElseThrow().token();
        String other = tokens.issue(Principal.account("other")).orElseThrow().token();
        java.util.List<String> mine = new java.util.ArrayList<>();
        for (int i = 0; i < TokenService.MAX_TOKENS_PER_PRINCIPAL + 5; i++) {
            mine.add(tokens.issue(Principal.account("greedy")).orElseThrow().token());
        }
        for (int i = 0; i < 5; i++) {
            assertTrue(tokens.verify(mine.get(i)).isEmpty(), "token " + i + " was among the oldest");
        }
        assertTrue(tokens.verify(mine.get(5)).isPresent());
        assertTrue(tokens.verify(mine.get(mine.size() - 1)).isPresent());
        assertTrue(tokens.verify(admin).isPresent());
        assertTrue(tokens.verify(other).isPresent());
        assertEquals(TokenService.MAX_TOKENS_PER_PRINCIPAL + 2, tokens.liveTokens());
    }

    @Test
    void secretsCompareByHash() {
        byte[] h = Secrets.sha256("admin-key");
        assertTrue(Secrets.matches("admin-key", h));
        assertFalse(Secrets.matches("admin-kez", h));
        assertFalse(Secrets.matches(null, h));
    }
}
