package io.sipedge.sip.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.sip.proxy.ViaBranch.Fingerprint;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ViaBranchTest {
    static final Fingerprint INVITE = new Fingerprint("sip:bob@a.example", "ft1", null, "call-1@192.0.2.1", 1,
            List.of(), List.of(), List.of("Digest username=\"alice\""));

    private final ViaBranch branches = new ViaBranch(new SecureRandom());

    @Test
    void aBranchStartsWithTheMagicCookieAndCarriesTheHash() {
        String hash = ViaBranch.hash(INVITE);
        String branch = branches.next(hash);
        assertTrue(branch.startsWith("z9hG4bK" + hash + "."), branch);
        assertEquals(16, hash.length());
    }

    @Test
    void everyBranchIsUniqueEvenForOneRequest() {
        String hash = ViaBranch.hash(INVITE);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            assertTrue(seen.add(branches.next(hash)));
        }
        assertNotEquals(branches.next(hash), new ViaBranch(new SecureRandom()).next(hash), "another process");
    }

    @Test
    void theSameRequestComingBackHasLooped() {
        String branch = branches.next(ViaBranch.hash(INVITE));
        assertTrue(ViaBranch.looped(ViaBranch.hash(INVITE), List.of("z9hG4bKother", branch)));
    }

    @Test
    void aRequestWhoseRequestUriChangedIsASpiralNotALoop() {
        String branch = branches.next(ViaBranch.hash(INVITE));
        Fingerprint retargeted = new Fingerprint("sip:bob@192.0.2.9:5060", "ft1", null, "call-1@192.0.2.1", 1,
                List.of(), List.of(), List.of("Digest username=\"alice\""));
        assertFalse(ViaBranch.looped(ViaBranch.hash(retargeted), List.of(branch)));
    }

    @Test
    void everyFieldOfTheFingerprintCounts() {
        String h = ViaBranch.hash(INVITE);
        List<Fingerprint> changed = List.of(
                new Fingerprint("sip:carol@a.example", "ft1", null, "call-1@192.0.2.1", 1, List.of(), List.of(),
                        INVITE.proxyAuthorization()),
                new Fingerprint(INVITE.requestUri(), "ft2", null, INVITE.callId(), 1, List.of(), List.of(),
                        INVITE.proxyAuthorization()),
                new Fingerprint(INVITE.requestUri(), "ft1", "tt", INVITE.callId(), 1, List.of(), List.of(),
                        INVITE.proxyAuthorization()),
                new Fingerprint(INVITE.requestUri(), "ft1", null, "call-2", 1, List.of(), List.of(),
                        INVITE.proxyAuthorization()),
                new Fingerprint(INVITE.requestUri(), "ft1", null, INVITE.callId(), 2, List.of(), List.of(),
                        INVITE.proxyAuthorization()),
                new Fingerprint(INVITE.requestUri(), "ft1", null, INVITE.callId(), 1, List.of("<sip:x;lr>"),
                        List.of(), INVITE.proxyAuthorization()),
                new Fingerprint(INVITE.requestUri(), "ft1", null, INVITE.callId(), 1, List.of(), List.of("foo"),
                        INVITE.proxyAuthorization()),
                new Fingerprint(INVITE.requestUri(), "ft1", null, INVITE.callId(), 1, List.of(), List.of(),
                        List.of()));
        for (Fingerprint f : changed) {
            assertNotEquals(h, ViaBranch.hash(f), f.toString());
        }
    }

    @Test
    void fieldsDoNotRunIntoEachOther() {
        Fingerprint a = new Fingerprint("sip:a", "bc", null, "d", 1, List.of(), List.of(), List.of());
        Fingerprint b = new Fingerprint("sip:ab", "c", null, "d", 1, List.of(), List.of(), List.of());
        assertNotEquals(ViaBranch.hash(a), ViaBranch.hash(b));
    }

    @Test
    void aBranchOfAnotherElementIsNoLoop() {
        assertFalse(ViaBranch.looped(ViaBranch.hash(INVITE), List.of("z9hG4bK776asdhds", "")));
    }
}
