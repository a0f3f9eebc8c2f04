package io.sipedge.sip.registrar;

import static io.sipedge.model.DigestAlgorithm.MD5;
import static io.sipedge.model.DigestAlgorithm.SHA_256;
import static io.sipedge.sip.registrar.RegisterRequestBuilder.DOMAIN;
import static io.sipedge.sip.registrar.RegisterRequestBuilder.contactWithQ;
import static io.sipedge.sip.registrar.RegisterRequestBuilder.register;
import static io.sipedge.sip.registrar.RegistrarRulesTableTest.A;
import static io.sipedge.sip.registrar.RegistrarRulesTableTest.B;
import static io.sipedge.sip.registrar.RegistrarRulesTableTest.DIRECTORY;
import static io.sipedge.sip.registrar.RegistrarRulesTableTest.NOW;
import static io.sipedge.sip.registrar.RegistrarRulesTableTest.POLICY;
import static io.sipedge.sip.registrar.RegistrarRulesTableTest.TENANT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.sipedge.model.DigestAlgorithm;
import io.sipedge.model.Tenant;
import io.sipedge.observe.RegisterOutcome;
import io.sipedge.sip.auth.AuthOutcome;
import io.sipedge.sip.auth.AuthOutcome.Reason;
import io.sipedge.sip.auth.DigestAuthenticator;
import io.sipedge.sip.auth.NonceService;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * How {@link RegisterRules} answers each authentication outcome short of success, at a fixed time
 * and without sockets: always a 401 with a fresh challenge per offered algorithm; {@code stale} only
 * for a right password on an old nonce; a refusal identical on the wire to a first challenge (an
 * unknown user must look like a wrong password) and told apart only by its metrics outcome.
 */
class RegistrarAuthTableTest {
    static final String NONCE = "nonce-under-test";

    private final RegisterRules rules = new RegisterRules(POLICY);

    /** Every outcome but success, with the stale flag and the metrics outcome it must give. */
    static Stream<Arguments> challenges() {
        return Stream.of(
                arguments(AuthOutcome.FRESH, false, RegisterOutcome.CHALLENGED),
                arguments(AuthOutcome.STALE, true, RegisterOutcome.CHALLENGED_STALE),
                arguments(rejected(Reason.NO_SUCH_USER), false, RegisterOutcome.NO_SUCH_USER),
                arguments(rejected(Reason.WRONG_PASSWORD), false, RegisterOutcome.WRONG_PASSWORD),
                arguments(rejected(Reason.DEVICE_DISABLED), false, RegisterOutcome.DEVICE_DISABLED),
                arguments(rejected(Reason.NONCE_REUSED), false, RegisterOutcome.NONCE_REUSED),
                arguments(rejected(Reason.NONCE_INVALID), false, RegisterOutcome.NONCE_INVALID),
                arguments(rejected(Reason.MALFORMED), false, RegisterOutcome.MALFORMED_CREDENTIALS),
                arguments(rejected(Reason.ALGORITHM_NOT_OFFERED), false, RegisterOutcome.ALGORITHM_NOT_OFFERED));
    }

    @ParameterizedTest(name = "{0}: 401, stale={1}, counted as {2}")
    @MethodSource("challenges")
    void everyOutcomeShortOfSuccessIsA401WithAChallengePerAlgorithm(AuthOutcome auth, boolean stale,
                                                                    RegisterOutcome outcome) {
        RegisterReply reply = challenge(auth, List.of(MD5, SHA_256));
        assertEquals(401, reply.status());
        assertEquals("Unauthorized", reply.reason());
        assertEquals(outcome, reply.outcome());
        assertEquals(List.of(new RegisterReply.Challenge(DOMAIN, NONCE, MD5, stale),
                new RegisterReply.Challenge(DOMAIN, NONCE, SHA_256, stale)), reply.challenges());
        assertTrue(reply.bindings().isEmpty(), reply::toString);
        assertEquals(0, reply.minExpires());
    }

    @ParameterizedTest
    @EnumSource(Reason.class)
    void aRefusalLooksLikeTheFirstChallengeOnTheWireButNotInMetrics(Reason reason) {
        RegisterReply first = challenge(AuthOutcome.FRESH, List.of(MD5, SHA_256));
        RegisterReply refused = challenge(rejected(reason), List.of(MD5, SHA_256));
        assertEquals(onTheWire(first), onTheWire(refused));
        assertNotEquals(first.outcome(), refused.outcome());
        assertTrue(refused.outcome().isAuthFailure(), refused.outcome()::toString);
    }

    @Test
    void everyRefusalReasonHasARowAndAnOutcomeOfItsOwn() {
        Set<Reason> inTable = challenges().map(a -> a.get()[0]).filter(AuthOutcome.Rejected.class::isInstance)
                .map(a -> ((AuthOutcome.Rejected) a).reason()).collect(Collectors.toSet());
        assertEquals(EnumSet.allOf(Reason.class), inTable);
        Set<RegisterOutcome> outcomes = Arrays.stream(Reason.values()).map(RegisterRules::refusal)
                .collect(Collectors.toSet());
        assertEquals(Reason.values().length, outcomes.size(), "two refusal reasons share a metrics outcome");
    }

    @Test
    void aRequireTheRegistrarDoesNotSupportIs420NamingTheTagsBeforeAnyChallenge() {
        RegisterReply r = rules.refusalBeforeAuth(register("alice").contact(A).requires("foo", "bar").build(),
                java.util.Optional.of(TENANT), NOW).orElseThrow();
        assertEquals(List.of(420, "Bad Extension", RegisterOutcome.BAD_EXTENSION, List.of("foo", "bar")),
                List.of(r.status(), r.reason(), r.outcome(), r.unsupported()));
        assertTrue(r.challenges().isEmpty());
    }

    @Test
    void aUserBannedFromItsSourceGetsNoAnswerOrA403() {
        RegisterRequest req = register("alice").contact(A).build();
        RegisterReply dropped = assertInstanceOf(RegisterDecision.Refuse.class,
                rules.decide(req, TENANT, AuthOutcome.DROPPED, NOW)).reply();
        assertEquals(false, dropped.answered());
        assertEquals(RegisterOutcome.BLOCKED, dropped.outcome());
        RegisterReply forbidden = assertInstanceOf(RegisterDecision.Refuse.class,
                rules.decide(req, TENANT, AuthOutcome.FORBIDDEN, NOW)).reply();
        assertEquals(List.of(403, "Forbidden", RegisterOutcome.BLOCKED),
                List.of(forbidden.status(), forbidden.reason(), forbidden.outcome()));
        assertTrue(forbidden.challenges().isEmpty(), "no challenge: nothing to guess with");
    }

    /** Steps 3-4 come first: nothing about a request is judged, or revealed, before its sender is known. */
    static Stream<Arguments> challengedBeforeJudged() {
        return Stream.of(
                arguments("Contact: * with Expires: 3600", register("alice").star().expires(3600)),
                arguments("Contact: * with another contact", register("alice").star().contact(A).expires(0)),
                arguments("an expires below the minimum", register("alice").contact(A, 30)),
                arguments("an expires above 2^32-1", register("alice").contact(A, 4_294_967_296L)),
                arguments("a q above 1", register("alice").contact(contactWithQ(A, 2f))),
                arguments("a user the credentials may not register for", register("bob").contact(B)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void challengedBeforeJudged(String name, RegisterRequestBuilder req) {
        RegisterDecision d = rules.decide(req.build(), TENANT, AuthOutcome.FRESH, NOW);
        assertEquals(new RegisterDecision.Challenge(DOMAIN, false, RegisterOutcome.CHALLENGED), d);
    }

    /**
     * The configured order is the header order; an MD5-only tenant is offered MD5 alone, a
     * SHA-256-only tenant SHA-256 alone, whatever the edge offers.
     */
    static Stream<Arguments> offeredAlgorithms() {
        return Stream.of(
                arguments(List.of(MD5), "", List.of(MD5)),
                arguments(List.of(MD5, SHA_256), "", List.of(MD5, SHA_256)),
                arguments(List.of(SHA_256, MD5), "", List.of(SHA_256, MD5)),
                arguments(List.of(SHA_256), "", List.of(SHA_256)),
                arguments(List.of(MD5, SHA_256), "md5", List.of(MD5)),
                arguments(List.of(SHA_256, MD5), "md5", List.of(MD5)),
                arguments(List.of(MD5), "sha256", List.of(SHA_256)),
                arguments(List.of(MD5, SHA_256), "sha256", List.of(SHA_256)));
    }

    @ParameterizedTest(name = "configured {0}, tenant only {1}: {2}")
    @MethodSource
    void offeredAlgorithms(List<DigestAlgorithm> configured, String only, List<DigestAlgorithm> expected) {
        Tenant tenant = TENANT.updated(TENANT.name(), only.equals("md5"), only.equals("sha256"), TENANT.updatedAt());
        DigestAuthenticator auth = new DigestAuthenticator(DIRECTORY, new NonceService(Duration.ofMinutes(5), 16),
                configured);
        RegisterReply reply = challenge(AuthOutcome.STALE, auth.offeredTo(tenant));
        assertEquals(expected, reply.challenges().stream().map(RegisterReply.Challenge::algorithm).toList());
        assertTrue(reply.challenges().stream().allMatch(c -> c.stale() && NONCE.equals(c.nonce())),
                reply::toString);
    }

    private RegisterReply challenge(AuthOutcome auth, List<DigestAlgorithm> offered) {
        RegisterDecision d = rules.decide(register("alice").contact(A).build(), TENANT, auth, NOW);
        return assertInstanceOf(RegisterDecision.Challenge.class, d).reply(NONCE, offered, NOW);
    }

    private static AuthOutcome rejected(Reason reason) {
        return new AuthOutcome.Rejected(reason);
    }

    /** Everything a client sees of the reply; the outcome is for metrics only. */
    private static List<Object> onTheWire(RegisterReply r) {
        return List.of(r.status(), r.reason(), r.bindings(), r.challenges(), r.minExpires(), r.now());
    }
}
