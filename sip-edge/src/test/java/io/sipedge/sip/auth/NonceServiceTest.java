package io.sipedge.sip.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.sipedge.sip.auth.NonceService.Use;
import io.sipedge.sip.auth.NonceService.Validity;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class NonceServiceTest {
    private static final String REALM = "example.com";
    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

    private final NonceService nonces = new NonceService(Duration.ofSeconds(300), 8);

    private NonceService.Nonce fresh() {
        NonceService.Nonce n = nonces.parse(nonces.issue(REALM, T0), REALM);
        assertNotNull(n);
        return n;
    }

    private long fp(String branch, long cseq) {
        return nonces.fingerprint(branch, "call-1", cseq, "192.0.2.1", 5060);
    }

    @Test
    void anIssuedNonceIsValidForItsRealmUntilItExpires() {
        String text = nonces.issue(REALM, T0);
        NonceService.Nonce n = nonces.parse(text, REALM);
        assertEquals(Validity.VALID, nonces.check(n, T0.plusSeconds(299)));
        assertEquals(Validity.STALE, nonces.check(n, T0.plusSeconds(300)));
        assertNull(nonces.parse(text, "other.example.com"), "a nonce is bound to its realm");
    }

    @Test
    void forgedTruncatedOrForeignNoncesAreInvalid() {
        byte[] raw = Base64.getUrlDecoder().decode(nonces.issue(REALM, T0));
        raw[3] ^= 1; // push the expiry: the MAC no longer matches
        assertNull(nonces.parse(Base64.getUrlEncoder().withoutPadding().encodeToString(raw), REALM));
        assertNull(nonces.parse("c2hvcnQ", REALM));
        assertNull(nonces.parse("not base64 !!", REALM));
        String foreign = new NonceService(Duration.ofSeconds(300), 8).issue(REALM, T0);
        assertNull(nonces.parse(foreign, REALM), "another process's secret");
        assertEquals(Validity.INVALID, nonces.check(null, T0));
    }

    @Test
    void aNonceShowsNeitherItsExpiryNorHowManyWereIssued() {
        byte[] a = Base64.getUrlDecoder().decode(nonces.issue(REALM, T0));
        byte[] b = Base64.getUrlDecoder().decode(nonces.issue(REALM, T0));
        assertEquals(32, a.length);
        // In clear, both would start with the same expiry and differ by one in their count.
        assertNotEquals(java.util.Arrays.toString(java.util.Arrays.copyOf(a, 8)),
                java.util.Arrays.toString(java.util.Arrays.copyOf(b, 8)), "the same expiry reads the same");
        long countA = java.nio.ByteBuffer.wrap(a, 8, 8).getLong();
        long countB = java.nio.ByteBuffer.wrap(b, 8, 8).getLong();
        assertNotEquals(1L, countB - countA, "consecutive counts read as such");
        assertEquals(T0.plusSeconds(300).getEpochSecond(), nonces.parse(nonces.issue(REALM, T0), REALM).expires());
    }

    @Test
    void aSpentNonceTakesNoFurtherCountAndSpendingNothingIsHarmless() {
        NonceService.Nonce n = fresh();
        nonces.spend(n, T0);
        assertEquals(Use.REPLAY, nonces.use(n, 1, fp("b1", 2), T0), "the count after a wrong response");
        assertEquals(Use.REPLAY, nonces.use(n, 2, fp("b2", 3), T0), "a higher count: still one guess per nonce");
        nonces.spend(null, T0);
        NonceService.Nonce other = fresh();
        assertEquals(Use.FRESH, nonces.use(other, 1, fp("b3", 4), T0), "another nonce is not spent");
    }

    @Test
    void eachNonceCountIsAcceptedOnceAndOnlyUpwards() {
        NonceService.Nonce n = fresh();
        assertEquals(Use.FRESH, nonces.use(n, 1, fp("b1", 2), T0));
        assertEquals(Use.REPLAY, nonces.use(n, 1, fp("b2", 3), T0), "same nc, another request");
        assertEquals(Use.FRESH, nonces.use(n, 3, fp("b3", 4), T0));
        assertEquals(Use.REPLAY, nonces.use(n, 2, fp("b4", 5), T0), "a lower nc after a higher one");
        assertEquals(Use.REPLAY, nonces.use(n, 3, fp("b1", 2), T0), "the right nc with another request's identity");
    }

    @Test
    void theSameRequestAgainIsARetransmissionOnlyWithinTimerF() {
        NonceService.Nonce n = fresh();
        assertEquals(Use.FRESH, nonces.use(n, 1, fp("b1", 2), T0));
        assertEquals(Use.RETRANSMISSION, nonces.use(n, 1, fp("b1", 2), T0.plusSeconds(4)));
        assertEquals(Use.RETRANSMISSION, nonces.use(n, 1, fp("b1", 2), T0.plusSeconds(32)));
        assertEquals(Use.REPLAY, nonces.use(n, 1, fp("b1", 2), T0.plusSeconds(33)),
                "past 64*T1 no client retransmits: it is a replay");
    }

    @Test
    void withoutQopTheNonceIsSingleUse() {
        NonceService.Nonce n = fresh();
        assertEquals(Use.FRESH, nonces.use(n, 0, fp("b1", 2), T0));
        assertEquals(Use.REPLAY, nonces.use(n, 0, fp("b2", 3), T0));
    }

    @Test
    void aNonceWhoseSlotWasReusedIsForgottenAndAnsweredAsStale() {
        NonceService.Nonce old = fresh();
        assertEquals(Use.FRESH, nonces.use(old, 1, fp("b1", 2), T0));
        for (int i = 0; i < 8; i++) {
            fresh(); // eight newer nonces: the guard (8 slots) no longer remembers the old one
        }
        assertEquals(Use.FORGOTTEN, nonces.use(old, 2, fp("b2", 3), T0));
        assertEquals(Use.FORGOTTEN, nonces.use(old, 1, fp("b1", 2), T0), "not even a replay can be told");
    }

    @Test
    void aReusedSlotStartsEmptyForItsNewNonce() {
        NonceService.Nonce first = fresh();
        assertEquals(Use.FRESH, nonces.use(first, 5, fp("b1", 2), T0));
        for (int i = 0; i < 7; i++) {
            fresh();
        }
        NonceService.Nonce sameSlot = fresh();
        assertEquals(first.index() + 8, sameSlot.index());
        assertEquals(Use.FRESH, nonces.use(sameSlot, 1, fp("b9", 9), T0), "the previous owner's nc 5 is gone");
    }

    @Test
    void fingerprintsDependOnEveryPartAndOnTheProcessKey() {
        long base = nonces.fingerprint("b", "c", 1, "192.0.2.1", 5060);
        assertNotEquals(base, nonces.fingerprint("b2", "c", 1, "192.0.2.1", 5060));
        assertNotEquals(base, nonces.fingerprint("b", "c2", 1, "192.0.2.1", 5060));
        assertNotEquals(base, nonces.fingerprint("b", "c", 2, "192.0.2.1", 5060));
        assertNotEquals(base, nonces.fingerprint("b", "c", 1, "192.0.2.2", 5060));
        assertNotEquals(base, nonces.fingerprint("b", "c", 1, "192.0.2.1", 5061));
        assertNotEquals(base, new NonceService(Duration.ofSeconds(300), 8).fingerprint("b", "c", 1, "192.0.2.1", 5060));
    }
}
