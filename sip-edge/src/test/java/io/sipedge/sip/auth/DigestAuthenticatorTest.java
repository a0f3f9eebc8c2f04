package io.sipedge.sip.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.sipedge.directory.DeviceSpec;
import io.sipedge.directory.InMemoryDirectory;
import io.sipedge.model.DigestAlgorithm;
import io.sipedge.model.Flow;
import io.sipedge.model.Tenant;
import io.sipedge.model.Transport;
import io.sipedge.observe.GuardEvents;
import io.sipedge.security.Bans;
import io.sipedge.sip.guard.AuthFailures;
import io.sipedge.sip.guard.Guard;
import io.sipedge.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The authenticator with a real guard, no sockets: an unknown user and a wrong password take the
 * same steps (both spend the nonce, both count), and the guard's bans apply per (address, user).
 */
class DigestAuthenticatorTest {
    private static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");
    private static final Flow GUESSER = Flow.of(Transport.UDP, "192.0.2.66", 5060);
    private static final Flow OTHER = Flow.of(Transport.UDP, "192.0.2.77", 5060);

    private final MutableClock clock = new MutableClock(T0);
    private final InMemoryDirectory directory = new InMemoryDirectory(clock);
    private final Tenant tenant = directory.createTenant("T", "example.com", false);
    private final Bans bans = new Bans(100);
    private final Guard guard = new Guard(new Guard.Settings(List.of("198.51.100.0/24"), 0, 1, List.of(),
            new AuthFailures.Settings(20, 10, 100, Duration.ofSeconds(60), Duration.ofHours(1), 1000),
            Duration.ofHours(1), false, 10, 100), bans, clock, GuardEvents.NONE);
    private final NonceService nonces = new NonceService(Duration.ofMinutes(5), 1024);
    private final DigestAuthenticator auth = new DigestAuthenticator(directory, nonces, List.of(DigestAlgorithm.MD5),
            guard);

    {
        directory.createDevice(tenant.id(), new DeviceSpec("alice", null, "alice-secret-1", true));
        directory.createDevice(tenant.id(), new DeviceSpec("bob", null, "bob-secret-1", true));
    }

    @Test
    void anUnknownUserAndAWrongPasswordBothSpendTheNonce() {
        for (String[] attempt : List.of(new String[] {"nobody", "whatever"}, new String[] {"alice", "wrong-guess"})) {
            String nonce = nonces.issue("example.com", T0);
            AuthOutcome refused = verify(GUESSER, attempt[0], attempt[1], nonce, 1);
            assertInstanceOf(AuthOutcome.Rejected.class, refused);
            assertEquals(new AuthOutcome.Rejected(AuthOutcome.Reason.NONCE_REUSED),
                    verify(GUESSER, "alice", "alice-secret-1", nonce, 2), "the nonce after " + attempt[0]);
        }
    }

    @Test
    void twentyFailuresBanTheUserFromThatAddressOnly() {
        for (int i = 0; i < 20; i++) {
            assertInstanceOf(AuthOutcome.Rejected.class, verify(GUESSER, "alice", "guess-" + i, fresh(), 1));
        }
        assertEquals(AuthOutcome.DROPPED, verify(GUESSER, "alice", "alice-secret-1", fresh(), 1),
                "banned: even the right password gets nothing");
        assertEquals(AuthOutcome.DROPPED, auth.verify(List.of(), tenant, "REGISTER", "alice", GUESSER, 0, T0),
                "banned: a first leg without credentials too");
        assertInstanceOf(AuthOutcome.Authenticated.class, verify(GUESSER, "bob", "bob-secret-1", fresh(), 1));
        assertInstanceOf(AuthOutcome.Authenticated.class, verify(OTHER, "alice", "alice-secret-1", fresh(), 1));
        assertEquals(1, bans.active(clock.instant()).size());
        clock.advance(Duration.ofHours(1));
        assertInstanceOf(AuthOutcome.Authenticated.class, verify(GUESSER, "alice", "alice-secret-1", fresh(), 1),
                "the ban has ended");
    }

    @Test
    void unknownUsersCountTowardsABanLikeKnownOnes() {
        for (int i = 0; i < 20; i++) {
            verify(GUESSER, "nobody", "guess-" + i, fresh(), 1);
        }
        assertEquals(AuthOutcome.DROPPED, verify(GUESSER, "nobody", "guess", fresh(), 1));
    }

    @Test
    void theAllowlistIsNeverBanned() {
        Flow loadGenerator = Flow.of(Transport.UDP, "198.51.100.7", 5060);
        for (int i = 0; i < 50; i++) {
            assertInstanceOf(AuthOutcome.Rejected.class, verify(loadGenerator, "alice", "guess-" + i, fresh(), 1));
        }
        assertEquals(List.of(), bans.active(clock.instant()));
    }

    private String fresh() {
        return nonces.issue("example.com", clock.instant());
    }

    private AuthOutcome verify(Flow from, String user, String password, String nonce, int nc) {
        DigestAlgorithm md5 = DigestAlgorithm.MD5;
        String ncHex = String.format("%08x", nc);
        String ha1 = md5.hashHex(user + ":example.com:" + password);
        String response = md5.hashHex(ha1 + ":" + nonce + ":" + ncHex + ":c0ffee:auth:"
                + md5.hashHex("REGISTER:sip:example.com"));
        DigestCredentials c = new DigestCredentials(user, "example.com", nonce, "sip:example.com", response, "MD5",
                "auth", ncHex, "c0ffee");
        return auth.verify(List.of(c), tenant, "REGISTER", user, from,
                nonces.fingerprint("z9hG4bK" + nonce.hashCode() + nc, "call", nc, from.remoteIp(), 5060),
                clock.instant());
    }
}
