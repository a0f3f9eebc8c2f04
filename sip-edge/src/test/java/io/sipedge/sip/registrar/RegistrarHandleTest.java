package io.sipedge.sip.registrar;

import static io.sipedge.model.DigestAlgorithm.MD5;
import static io.sipedge.model.DigestAlgorithm.SHA_256;
import static io.sipedge.sip.registrar.RegisterRequestBuilder.DOMAIN;
import static io.sipedge.sip.registrar.RegisterRequestBuilder.register;
import static io.sipedge.sip.registrar.RegistrarRulesTableTest.A;
import static io.sipedge.sip.registrar.RegistrarRulesTableTest.B;
import static io.sipedge.sip.registrar.RegistrarRulesTableTest.NOW;
import static io.sipedge.sip.registrar.RegistrarRulesTableTest.POLICY;
import static io.sipedge.sip.registrar.RegistrarRulesTableTest.listed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.directory.DeviceSpec;
import io.sipedge.directory.InMemoryDirectory;
import io.sipedge.location.InMemoryLocationStore;
import io.sipedge.model.Aor;
import io.sipedge.model.Binding;
import io.sipedge.observe.RegisterOutcome;
import io.sipedge.sip.auth.DigestAuthenticator;
import io.sipedge.sip.auth.DigestCredentials;
import io.sipedge.sip.auth.NonceService;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Registrar#handle} as the dispatcher calls it, wired to an in-memory directory and location
 * store and the real digest authenticator, without sockets: that each decision of the rules reaches
 * the right store, nonce service or reply.
 */
class RegistrarHandleTest {
    static final String PW = "alice-pass1";

    private final InMemoryDirectory directory = new InMemoryDirectory(InstantSource.fixed(NOW));
    private final InMemoryLocationStore locations = new InMemoryLocationStore();
    private final NonceService nonces = new NonceService(Duration.ofMinutes(5), 1024);
    private final Registrar registrar = new Registrar(directory, locations,
            new DigestAuthenticator(directory, nonces, List.of(MD5, SHA_256)), POLICY);
    private final Aor alice = new Aor("alice", DOMAIN);
    private int cseq;

    @BeforeEach
    void provision() {
        String tenant = directory.createTenant("Example", DOMAIN, false).id();
        directory.createDevice(tenant, new DeviceSpec("alice", null, PW, true));
        directory.createDevice(tenant, new DeviceSpec("bob", null, "bob-pass1", true));
    }

    @Test
    void aDomainNotServedHereIsRefusedWithoutAChallenge() {
        RegisterReply r = registrar.handle(register("alice").requestUri("other.example").to("alice", "other.example")
                .contact(A).build(), NOW);
        assertEquals(403, r.status());
        assertEquals("Domain not served here", r.reason());
        assertEquals(RegisterOutcome.DOMAIN_NOT_SERVED, r.outcome());
        assertTrue(r.challenges().isEmpty(), r::toString);
    }

    @Test
    void theFirstLegGetsANonceThisEdgeIssuedForTheRealmOncePerAlgorithm() {
        RegisterReply r = registrar.handle(register("alice").contact(A).build(), NOW);
        assertEquals(401, r.status());
        assertEquals(RegisterOutcome.CHALLENGED, r.outcome());
        assertEquals(List.of(MD5, SHA_256), r.challenges().stream().map(RegisterReply.Challenge::algorithm).toList());
        String nonce = r.challenges().get(0).nonce();
        assertEquals(nonce, r.challenges().get(1).nonce());
        assertEquals(NonceService.Validity.VALID, nonces.check(nonces.parse(nonce, DOMAIN), NOW));
        assertTrue(locations.lookup(alice, NOW).isEmpty());
    }

    @Test
    void answeredChallengeIsStoredItsRetransmissionAnsweredAgainAndItsReplayRefused() {
        RegisterRequestBuilder req = register("alice").contact(A);
        RegisterReply ok = withDigest(req, "alice", PW);
        assertEquals(200, ok.status(), ok::toString);
        assertEquals(RegisterOutcome.ACCEPTED, ok.outcome());
        assertEquals(List.of(A + ";expires=1800"), listed(ok.bindings()));
        assertEquals(List.of(A + ";expires=1800"), listed(locations.lookup(alice, NOW)));

        // The same request again (same branch, Call-ID, CSeq and source): a retransmission.
        RegisterReply again = registrar.handle(req.build(), NOW);
        assertEquals(200, again.status(), again::toString);
        assertEquals(RegisterOutcome.ACCEPTED, again.outcome());

        // The same credentials in a new request: a replay.
        List<Binding> stored = locations.lookup(alice, NOW);
        RegisterReply replay = registrar.handle(req.branch("z9hG4bK-replay").cseq(++cseq).build(), NOW);
        assertEquals(401, replay.status(), replay::toString);
        assertEquals(RegisterOutcome.NONCE_REUSED, replay.outcome());
        assertEquals(stored, locations.lookup(alice, NOW), "the replay changed the binding");
    }

    @Test
    void aWrongPasswordGetsAFreshChallengeAndIsCountedAsSuch() {
        RegisterReply r = withDigest(register("alice").contact(A), "alice", "wrong-pass1");
        assertEquals(401, r.status());
        assertEquals("Unauthorized", r.reason());
        assertEquals(RegisterOutcome.WRONG_PASSWORD, r.outcome());
        assertEquals(2, r.challenges().size(), r::toString);
        assertTrue(locations.lookup(alice, NOW).isEmpty());
    }

    @Test
    void theCredentialsOfAnotherUserAreRefusedAfterAuthentication() {
        RegisterReply r = withDigest(register("alice").contact(A), "bob", "bob-pass1");
        assertEquals(403, r.status());
        assertEquals("Credentials do not match the To user", r.reason());
        assertEquals(RegisterOutcome.USER_MISMATCH, r.outcome());
        assertTrue(locations.snapshot(NOW).isEmpty(), "a binding was stored");
    }

    @Test
    void anAuthenticatedQueryListsTheBindingsFromTheStore() {
        assertEquals(200, withDigest(register("alice").contact(A), "alice", PW).status());
        assertEquals(200, withDigest(register("alice").contact(B, 600), "alice", PW).status());
        RegisterReply q = withDigest(register("alice"), "alice", PW);
        assertEquals(200, q.status(), q::toString);
        assertEquals(List.of(A + ";expires=1800", B + ";expires=600"), listed(q.bindings()));
    }

    /**
     * Both legs of a registration, as a client sends them: the request without credentials, then
     * again (next CSeq, new transaction) with an MD5 answer to the challenge it got.
     */
    private RegisterReply withDigest(RegisterRequestBuilder req, String user, String password) {
        RegisterReply challenge = registrar.handle(req.branch("z9hG4bK-" + ++cseq).cseq(cseq).credentials(null)
                .build(), NOW);
        assertEquals(401, challenge.status(), challenge::toString);
        String nonce = challenge.challenges().get(0).nonce();
        return registrar.handle(req.branch("z9hG4bK-" + ++cseq).cseq(cseq).credentials(md5(user, password, nonce))
                .build(), NOW);
    }

    /** RFC 7616 §3.4.1 with qop=auth: response = KD(HA1, nonce:nc:cnonce:qop:HA2). */
    private static DigestCredentials md5(String user, String password, String nonce) {
        String uri = "sip:" + DOMAIN;
        String ha2 = MD5.hashHex("REGISTER:" + uri);
        String response = MD5.hashHex(MD5.ha1(user, DOMAIN, password) + ":" + nonce + ":00000001:c0ffee:auth:"
                + ha2);
        return new DigestCredentials(user, DOMAIN, nonce, uri, response, "MD5", "auth", "00000001", "c0ffee");
    }
}
