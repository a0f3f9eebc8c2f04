package io.sipedge.http.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.model.rules.Violation;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Password reset tokens and the callback allowlist, without a server. */
class ResetTokensTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void aTokenIs256RandomBitsWorksOnceAndNotAfterItsTtl() {
        ResetTokens t = new ResetTokens(Duration.ofMinutes(30));
        String a = t.issue("acc", "alice", T0);
        assertTrue(a.matches("[A-Za-z0-9_-]{43}"), "32 bytes, base64url without padding: " + a);
        assertEquals("alice", t.redeem(a, T0.plusSeconds(60)).orElseThrow().userId());
        assertTrue(t.redeem(a, T0.plusSeconds(61)).isEmpty(), "spent");

        String b = t.issue("acc", "bob", T0);
        assertTrue(t.redeem(b, T0.plus(Duration.ofMinutes(30))).isEmpty(), "expired at exactly its TTL");
        assertTrue(t.redeem(b, T0).isEmpty(), "an expired token is removed when tried");
        assertTrue(t.redeem("", T0).isEmpty());
        assertTrue(t.redeem(null, T0).isEmpty());
        assertTrue(t.redeem("x".repeat(10_000), T0).isEmpty());
    }

    @Test
    void aNewTokenReplacesTheUsersOldOneAndTheTableStaysBounded() {
        ResetTokens t = new ResetTokens(Duration.ofMinutes(30), 3);
        String first = t.issue("acc", "alice", T0);
        String second = t.issue("acc", "alice", T0);
        assertEquals(1, t.size());
        assertTrue(t.redeem(first, T0).isEmpty());
        String c = t.issue("acc", "carol", T0);
        String d = t.issue("acc", "dave", T0);
        t.issue("acc", "erin", T0); // full: the oldest (alice's) goes
        assertEquals(3, t.size());
        assertTrue(t.redeem(second, T0).isEmpty());
        assertTrue(t.redeem(c, T0).isPresent());
        assertTrue(t.redeem(d, T0).isPresent());
    }

    @Test
    void callbacksMatchExactlyExceptALoopbackLiteralsPort() {
        CallbackUrls c = CallbackUrls.of(List.of("https://portal.example.com/reset?app=1", "http://127.0.0.1/cb",
                "http://[::1]/cb", "http://localhost/cb"));
        for (String ok : List.of("https://portal.example.com/reset?app=1", "HTTPS://Portal.Example.com/reset?app=1",
                "http://127.0.0.1:50123/cb", "http://[::1]:8080/cb", "http://localhost/cb")) {
            assertEquals(Optional.empty(), c.check("callback_url", ok), ok);
        }
        for (String no : List.of("https://portal.example.com/reset", "https://portal.example.com/reset?app=2",
                "https://portal.example.com:8443/reset?app=1", "http://127.0.0.1:50123/other",
                "http://localhost:50123/cb", "https://127.0.0.1/cb", "https://evil.example/reset?app=1")) {
            assertEquals("allowlist", c.check("callback_url", no).map(Violation::rule).orElse("allowed"), no);
        }
        for (String bad : List.of("/reset", "ftp://portal.example.com/reset", "javascript:alert(1)",
                "https://u:p@portal.example.com/reset?app=1", "https://portal.example.com/reset?app=1#x", "")) {
            assertEquals("url", c.check("callback_url", bad).map(Violation::rule).orElse("allowed"), bad);
        }
        assertEquals("allowlist", CallbackUrls.of(List.of()).check("callback_url", "https://a.example/")
                .map(Violation::rule).orElseThrow(), "an empty list allows nothing");
    }
}
