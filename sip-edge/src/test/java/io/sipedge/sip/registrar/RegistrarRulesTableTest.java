package io.sipedge.sip.registrar;

import static io.sipedge.sip.registrar.RegisterRequestBuilder.DOMAIN;
import static io.sipedge.sip.registrar.RegisterRequestBuilder.contactWithQ;
import static io.sipedge.sip.registrar.RegisterRequestBuilder.outbound;
import static io.sipedge.sip.registrar.RegisterRequestBuilder.register;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.sipedge.directory.DeviceSpec;
import io.sipedge.directory.InMemoryDirectory;
import io.sipedge.location.BindingChanges.ContactUpdate;
import io.sipedge.location.BindingChanges.OverflowPolicy;
import io.sipedge.location.InMemoryLocationStore;
import io.sipedge.model.Aor;
import io.sipedge.model.Binding;
import io.sipedge.model.Device;
import io.sipedge.model.Flow;
import io.sipedge.model.Tenant;
import io.sipedge.model.Transport;
import io.sipedge.observe.RegisterOutcome;
import io.sipedge.sip.auth.AuthOutcome;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * RFC 3261 §10.3 and RFC 5626 §6 as tables over {@link RegisterRules}, at a fixed {@link #NOW}, with
 * no sockets. A row that needs bindings already stored sets the scene with earlier REGISTERs of
 * alice's, applied to a real {@link InMemoryLocationStore} ten seconds apart, the last one ten
 * seconds before {@code NOW}. The socket tests in {@code io.sipedge.it} keep a case per rule family.
 */
class RegistrarRulesTableTest {
    static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");
    /** The default lies below the maximum, so "the default" and "shortened to the maximum" differ. */
    static final RegistrarPolicy POLICY = new RegistrarPolicy(60, 3600, 1800, 10, OverflowPolicy.EVICT_OLDEST, 120);

    static final InMemoryDirectory DIRECTORY = new InMemoryDirectory(InstantSource.fixed(NOW));
    static final Tenant TENANT = DIRECTORY.createTenant("Example", DOMAIN, false);
    static final Device ALICE = DIRECTORY.createDevice(TENANT.id(), new DeviceSpec("alice", null, "alice-pass1", true));
    static final Device BOB = DIRECTORY.createDevice(TENANT.id(), new DeviceSpec("bob", null, "bob-pass1", true));
    static final Aor ALICE_AOR = new Aor("alice", DOMAIN);

    static final String A = "sip:alice@192.0.2.10:5061";
    static final String B = "sip:alice@192.0.2.10:5062";
    static final String C = "sip:alice@192.0.2.10:5063";
    static final String I1 = "urn:uuid:1";
    static final String I2 = "urn:uuid:2";

    private final RegisterRules rules = new RegisterRules(POLICY);

    static RegisterRequestBuilder alice() {
        return register("alice");
    }

    // ================================================================== before authentication

    static Stream<Arguments> refusedBeforeAuthentication() {
        return Stream.of(
                arguments("a malformed header: 400 before anything else", alice().contact(A).malformed("Contact"),
                        true, 400, "Malformed Contact header", RegisterOutcome.MALFORMED_REQUEST),
                arguments("malformed, for a domain not served here too", alice().requestUri("other.example")
                        .malformed("Expires"), false, 400, "Malformed Expires header",
                        RegisterOutcome.MALFORMED_REQUEST),
                arguments("step 1: a domain not served here: 403, never challenged", alice()
                        .requestUri("other.example").to("alice", "other.example").contact(A), false, 403,
                        "Domain not served here", RegisterOutcome.DOMAIN_NOT_SERVED),
                arguments("a To domain other than the Request-URI's: 403", alice().to("alice", "other.example")
                        .contact(A), true, 403, "To domain differs from the Request-URI",
                        RegisterOutcome.TO_DOMAIN_MISMATCH),
                arguments("a To that is not a SIP URI (no host): 403", alice().to("alice", null).contact(A), true,
                        403, "To domain differs from the Request-URI", RegisterOutcome.TO_DOMAIN_MISMATCH),
                arguments("a To without user: 400", alice().to(null, DOMAIN).contact(A), true, 400,
                        "Invalid To: no user part", RegisterOutcome.NO_TO_USER),
                arguments("a To with an empty user: 400", alice().to("", DOMAIN).contact(A), true, 400,
                        "Invalid To: no user part", RegisterOutcome.NO_TO_USER),
                arguments("the To domain is checked before the To user", alice().to(null, "other.example"), true,
                        403, "To domain differs from the Request-URI", RegisterOutcome.TO_DOMAIN_MISMATCH));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void refusedBeforeAuthentication(String name, RegisterRequestBuilder req, boolean domainServed, int status,
                                     String reason, RegisterOutcome outcome) {
        Optional<Tenant> tenant = domainServed ? Optional.of(TENANT) : Optional.empty();
        RegisterReply reply = rules.refusalBeforeAuth(req.build(), tenant, NOW)
                .orElseThrow(() -> new AssertionError("let through to authentication"));
        assertEquals(status, reply.status(), reply::toString);
        assertEquals(reason, reply.reason());
        assertEquals(outcome, reply.outcome());
        assertTrue(reply.challenges().isEmpty() && reply.bindings().isEmpty(), reply::toString);
        assertEquals(NOW, reply.now());
    }

    static Stream<Arguments> letThroughToAuthentication() {
        return Stream.of(
                arguments("a REGISTER with a contact", alice().contact(A)),
                arguments("a query (no Contact)", alice()),
                arguments("the To domain in another case (RFC 3261 §19.1.4)", alice().to("alice", "EXAMPLE.com")),
                arguments("Contact: * without Expires: judged only once authenticated", alice().star()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void letThroughToAuthentication(String name, RegisterRequestBuilder req) {
        assertEquals(Optional.empty(), rules.refusalBeforeAuth(req.build(), Optional.of(TENANT), NOW));
    }

    // ================================================================== after authentication, through the store

    static Stream<Row> expiry() {
        return Stream.of(
                row("a contact's expires= wins over the Expires header")
                        .when(alice().contact(A, 600).expires(1200)).ok(A + ";expires=600"),
                row("the Expires header applies to a contact without expires=")
                        .when(alice().contact(A).expires(1200)).ok(A + ";expires=1200"),
                row("neither: the default").when(alice().contact(A)).ok(A + ";expires=1800"),
                row("longer than the maximum: shortened to it").when(alice().contact(A, 7200))
                        .ok(A + ";expires=3600"),
                row("the minimum itself is granted").when(alice().contact(A, 60)).ok(A + ";expires=60"),
                row("below the minimum: 423 with Min-Expires").when(alice().contact(A, 59)).tooBrief(60),
                row("an Expires header below the minimum: 423").when(alice().contact(A).expires(30)).tooBrief(60),
                row("one brief contact refuses the whole request").when(alice().contact(A, 600).contact(B, 30))
                        .tooBrief(60),
                row("2^32-1, the largest expires (RFC 3261 §20.19): shortened to the maximum")
                        .when(alice().contact(A, 4_294_967_295L)).ok(A + ";expires=3600"),
                row("past 2^32-1 (delta-seconds is any number of digits): capped, not refused")
                        .when(alice().contact(A, 4_294_967_296L)).ok(A + ";expires=3600"),
                row("the largest value a reader saturates at: capped").when(alice().contact(A, Long.MAX_VALUE))
                        .ok(A + ";expires=3600"),
                row("negative: 400").when(alice().contact(A, -1))
                        .refused(400, "Invalid expires value", RegisterOutcome.BAD_EXPIRES),
                row("expires=0 removes that contact and no other")
                        .given(alice().contact(A), alice().contact(B).cseq(2))
                        .when(alice().contact(A, 0).cseq(3)).ok(B + ";expires=1790"),
                row("Expires: 0 removes the contacts without expires=").given(alice().contact(A))
                        .when(alice().contact(A).expires(0).cseq(2)).ok(),
                row("expires=0 for a contact not bound changes nothing").given(alice().contact(A))
                        .when(alice().contact(B, 0).cseq(2)).ok(A + ";expires=1790"));
    }

    static Stream<Row> quality() {
        return Stream.of(
                row("a q between 0 and 1 is kept").when(alice().contact(contactWithQ(A, 0.5f)))
                        .ok(A + ";q=0.5;expires=1800"),
                row("q=0 and q=1 are the bounds")
                        .when(alice().contact(contactWithQ(A, 0f)).contact(contactWithQ(B, 1f)))
                        .ok(A + ";q=0.0;expires=1800", B + ";expires=1800"),
                row("q above 1: 400").when(alice().contact(contactWithQ(A, 1.5f)))
                        .refused(400, "Invalid q value", RegisterOutcome.BAD_Q),
                row("q below 0: 400").when(alice().contact(contactWithQ(A, -0.1f)))
                        .refused(400, "Invalid q value", RegisterOutcome.BAD_Q),
                row("q not a number: 400").when(alice().contact(contactWithQ(A, Float.NaN)))
                        .refused(400, "Invalid q value", RegisterOutcome.BAD_Q));
    }

    /** RFC 3261 §10.3 step 6. */
    static Stream<Row> star() {
        return Stream.of(
                row("Contact: * with Expires: 0 removes every binding")
                        .given(alice().contact(A), alice().contact(B).cseq(2))
                        .when(alice().star().expires(0).cseq(3)).ok(),
                row("* with another contact: 400").given(alice().contact(A))
                        .when(alice().star().contact(B).expires(0).cseq(2))
                        .refused(400, "Invalid Contact: * with other contacts",
                                RegisterOutcome.STAR_WITH_OTHER_CONTACTS),
                row("* with a non-zero Expires: 400").given(alice().contact(A))
                        .when(alice().star().expires(3600).cseq(2))
                        .refused(400, "Invalid Contact: * needs Expires: 0", RegisterOutcome.STAR_WITH_NONZERO_EXPIRES),
                row("* without Expires: 400").given(alice().contact(A)).when(alice().star().cseq(2))
                        .refused(400, "Invalid Contact: * needs Expires: 0", RegisterOutcome.STAR_WITH_NONZERO_EXPIRES),
                row("* with Expires: 0 and an old CSeq: 400 out of order").given(alice().contact(A).cseq(5))
                        .when(alice().star().expires(0).cseq(4))
                        .refused(400, "Out of order CSeq", RegisterOutcome.OUT_OF_ORDER));
    }

    static Stream<Row> query() {
        return Stream.of(
                row("no Contact: the bindings, with the seconds they have left, unchanged")
                        .given(alice().contact(A), alice().contact(B, 600).cseq(2)).when(alice().cseq(3))
                        .ok(A + ";expires=1780", B + ";expires=590").unchanged(),
                row("no Contact and nothing bound: a 200 listing nothing").when(alice()).ok().unchanged());
    }

    /** RFC 3261 §10.3 step 7: within one Call-ID, CSeq must grow; each binding is checked on its own. */
    static Stream<Row> ordering() {
        return Stream.of(
                row("same Call-ID, lower CSeq: 400").given(alice().contact(A).cseq(5))
                        .when(alice().contact(A, 600).cseq(4))
                        .refused(400, "Out of order CSeq", RegisterOutcome.OUT_OF_ORDER),
                row("same Call-ID, equal CSeq: 400").given(alice().contact(A).cseq(5))
                        .when(alice().contact(A, 600).cseq(5))
                        .refused(400, "Out of order CSeq", RegisterOutcome.OUT_OF_ORDER),
                row("equal CSeq in a retransmission: the 200 again, with the bindings as they are")
                        .given(alice().contact(A).cseq(5)).when(alice().contact(A, 600).cseq(5)).retransmission()
                        .ok(A + ";expires=1790").unchanged(),
                row("same Call-ID, higher CSeq: refreshed").given(alice().contact(A).cseq(5))
                        .when(alice().contact(A, 600).cseq(6)).ok(A + ";expires=600"),
                row("a new Call-ID starts its own CSeq space").given(alice().contact(A).cseq(5))
                        .when(alice().contact(A, 600).callId("call-2@192.0.2.10").cseq(1)).ok(A + ";expires=600"),
                row("a lower CSeq may still add another contact").given(alice().contact(A).cseq(5))
                        .when(alice().contact(B).cseq(4)).ok(A + ";expires=1790", B + ";expires=1800"));
    }

    static Stream<Row> contactLimit() {
        return Stream.of(
                row("evict-oldest: a third contact evicts the least recently registered")
                        .limit(2, OverflowPolicy.EVICT_OLDEST).given(alice().contact(A), alice().contact(B).cseq(2))
                        .when(alice().contact(C).cseq(3)).ok(B + ";expires=1790", C + ";expires=1800"),
                row("evict-oldest: refreshing a bound contact at the limit evicts nothing")
                        .limit(2, OverflowPolicy.EVICT_OLDEST).given(alice().contact(A), alice().contact(B).cseq(2))
                        .when(alice().contact(A).cseq(3)).ok(A + ";expires=1800", B + ";expires=1790"),
                row("reject: a third contact gets 403 naming the limit").limit(2, OverflowPolicy.REJECT)
                        .given(alice().contact(A), alice().contact(B).cseq(2)).when(alice().contact(C).cseq(3))
                        .refused(403, "Too many contacts for this AOR (limit 2)", RegisterOutcome.TOO_MANY_CONTACTS),
                row("reject: refreshing a bound contact at the limit is fine").limit(2, OverflowPolicy.REJECT)
                        .given(alice().contact(A), alice().contact(B).cseq(2)).when(alice().contact(A).cseq(3))
                        .ok(A + ";expires=1800", B + ";expires=1790"),
                row("reject: three new contacts in one request").limit(2, OverflowPolicy.REJECT)
                        .when(alice().contact(A).contact(B).contact(C))
                        .refused(403, "Too many contacts for this AOR (limit 2)", RegisterOutcome.TOO_MANY_CONTACTS));
    }

    /** RFC 3261 §10.3 step 3: this registrar lets a device register its own AOR only. */
    static Stream<Row> whoMayRegister() {
        return Stream.of(
                row("the credentials of another user: 403").given(alice().contact(A))
                        .when(alice().contact(B).cseq(2)).authenticatedAs(BOB)
                        .refused(403, "Credentials do not match the To user", RegisterOutcome.USER_MISMATCH),
                row("the To user differs only in case: 403 (user parts are case-sensitive)")
                        .when(register("Alice").contact(A))
                        .refused(403, "Credentials do not match the To user", RegisterOutcome.USER_MISMATCH));
    }

    /** RFC 5626 §6: with +sip.instance, instance and reg-id identify a binding, not the contact URI. */
    static Stream<Row> instanceAndRegId() {
        return Stream.of(
                row("same instance and reg-id from another contact URI: replaces the binding")
                        .given(alice().contact(outbound(A, I1, 1))).when(alice().contact(outbound(B, I1, 1)).cseq(2))
                        .ok(B + ";+sip.instance=urn:uuid:1;reg-id=1;expires=1800"),
                row("same instance, another reg-id: both kept").given(alice().contact(outbound(A, I1, 1)))
                        .when(alice().contact(outbound(B, I1, 2)).cseq(2))
                        .ok(A + ";+sip.instance=urn:uuid:1;reg-id=1;expires=1790",
                                B + ";+sip.instance=urn:uuid:1;reg-id=2;expires=1800"),
                row("another instance with the same reg-id: both kept").given(alice().contact(outbound(A, I1, 1)))
                        .when(alice().contact(outbound(B, I2, 1)).cseq(2))
                        .ok(A + ";+sip.instance=urn:uuid:1;reg-id=1;expires=1790",
                                B + ";+sip.instance=urn:uuid:2;reg-id=1;expires=1800"),
                row("same instance and reg-id, expires=0, from another contact URI: removed")
                        .given(alice().contact(outbound(A, I1, 1)))
                        .when(alice().contact(outbound(B, I1, 1, 0)).cseq(2)).ok(),
                row("same instance and reg-id with an old CSeq: 400 out of order")
                        .given(alice().contact(outbound(A, I1, 1)).cseq(5))
                        .when(alice().contact(outbound(B, I1, 1)).cseq(4))
                        .refused(400, "Out of order CSeq", RegisterOutcome.OUT_OF_ORDER),
                row("without an instance, the contact URI identifies the binding").given(alice().contact(A))
                        .when(alice().contact(B).cseq(2)).ok(A + ";expires=1790", B + ";expires=1800"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"expiry", "quality", "star", "query", "ordering", "contactLimit", "whoMayRegister",
            "instanceAndRegId"})
    void rule(Row row) {
        InMemoryLocationStore store = new InMemoryLocationStore();
        RegisterRules rowRules = new RegisterRules(row.policy);
        Instant at = NOW.minusSeconds(10L * row.earlier.size());
        for (RegisterRequestBuilder earlier : row.earlier) {
            RegisterReply r = complete(store,
                    rowRules.decide(earlier.build(), TENANT, new AuthOutcome.Authenticated(ALICE, false), at), at);
            assertEquals(200, r.status(), () -> "setting the scene failed: " + r);
            at = at.plusSeconds(10);
        }
        Map<Aor, List<Binding>> before = store.snapshot(NOW);

        RegisterReply reply = complete(store, rowRules.decide(row.request.build(), TENANT, row.auth, NOW), NOW);

        assertEquals(row.status, reply.status(), reply::toString);
        assertEquals(row.reason, reply.reason());
        assertEquals(row.outcome, reply.outcome());
        assertEquals(row.minExpires, reply.minExpires(), "Min-Expires");
        assertEquals(row.listed, listed(reply.bindings()), "the bindings the reply lists");
        assertTrue(reply.challenges().isEmpty(), reply::toString);
        if (reply.status() == 200) {
            // RFC 3261 §10.3 step 8: a 200 lists every binding the AOR has after the request.
            assertEquals(row.listed, listed(store.lookup(ALICE_AOR, NOW)), "the store differs from the 200");
        }
        if (reply.status() != 200 || row.unchanged) {
            assertEquals(before, store.snapshot(NOW), "the request changed the bindings");
        }
    }

    /** A query is a lookup, not an empty update: it neither checks CSeq order nor touches the store. */
    @Test
    void aRegisterWithoutContactIsAQueryOfTheAor() {
        RegisterDecision d = rules.decide(alice().expires(0).build(), TENANT,
                new AuthOutcome.Authenticated(ALICE, false), NOW);
        assertEquals(new RegisterDecision.Query(ALICE_AOR), d);
    }

    @Test
    void aNewBindingKeepsWhatTheEdgeSawOfTheRequest() {
        Flow flow = Flow.of(Transport.TCP, "198.51.100.7", 40123);
        RegisterDecision d = rules.decide(alice().contact(outbound(A, I1, 1)).expires(600).callId("call-9@phone")
                .cseq(7).path("<sip:proxy.example;lr>").from(flow).build(), TENANT,
                new AuthOutcome.Authenticated(ALICE, false), NOW);

        RegisterDecision.Update u = assertInstanceOf(RegisterDecision.Update.class, d);
        assertEquals(ALICE_AOR, u.aor());
        assertFalse(u.retransmission());
        assertFalse(u.changes().removeAll());
        assertEquals("call-9@phone", u.changes().callId());
        assertEquals(7, u.changes().cseq());
        assertEquals(10, u.changes().maxContacts());
        assertEquals(OverflowPolicy.EVICT_OLDEST, u.changes().overflow());
        assertEquals(1, u.changes().updates().size());
        ContactUpdate c = u.changes().updates().get(0);
        assertFalse(c.remove());
        Binding b = c.binding();
        assertEquals(A, b.contact());
        assertEquals(flow, b.flow());
        assertEquals(NOW.plusSeconds(600), b.expiresAt());
        assertEquals(1.0f, b.q());
        assertEquals("call-9@phone", b.callId());
        assertEquals(7, b.cseq());
        assertEquals(I1, b.instanceId());
        assertEquals(1, b.regId());
        assertEquals(List.of("<sip:proxy.example;lr>"), b.path());
        assertEquals("table-test/1.0", b.userAgent());
        assertEquals(NOW, b.registeredAt());
    }

    // ================================================================== helpers

    /** What the Registrar does with a decision, minus authentication: this table has no challenges. */
    static RegisterReply complete(InMemoryLocationStore store, RegisterDecision d, Instant now) {
        if (d instanceof RegisterDecision.Update u) {
            return u.reply(store.apply(u.aor(), u.changes(), now), now);
        }
        if (d instanceof RegisterDecision.Query q) {
            return q.reply(store.lookup(q.aor(), now), now);
        }
        return assertInstanceOf(RegisterDecision.Refuse.class, d).reply();
    }

    /** Bindings as rows list them: the contact, its RFC 5626 identity and q when set, the seconds left at NOW. */
    static List<String> listed(List<Binding> bindings) {
        List<String> out = new ArrayList<>();
        for (Binding b : bindings) {
            StringBuilder s = new StringBuilder(b.contact());
            if (b.instanceId() != null) {
                s.append(";+sip.instance=").append(b.instanceId()).append(";reg-id=").append(b.regId());
            }
            if (b.q() != 1f) {
                s.append(";q=").append(b.q());
            }
            out.add(s.append(";expires=").append(b.secondsLeft(NOW)).toString());
        }
        return out.stream().sorted().toList();
    }

    static Row row(String name) {
        return new Row(name);
    }

    /** One row: earlier REGISTERs that set the scene, the one under test, and what it must get. */
    static final class Row {
        final String name;
        RegistrarPolicy policy = POLICY;
        final List<RegisterRequestBuilder> earlier = new ArrayList<>();
        RegisterRequestBuilder request;
        AuthOutcome auth = new AuthOutcome.Authenticated(ALICE, false);
        int status;
        String reason;
        RegisterOutcome outcome;
        long minExpires;
        List<String> listed = List.of();
        boolean unchanged;

        Row(String name) {
            this.name = name;
        }

        Row given(RegisterRequestBuilder... requests) {
            earlier.addAll(Arrays.asList(requests));
            return this;
        }

        Row when(RegisterRequestBuilder req) {
            request = req;
            return this;
        }

        Row limit(int maxContacts, OverflowPolicy overflow) {
            policy = new RegistrarPolicy(POLICY.minExpires(), POLICY.maxExpires(), POLICY.defaultExpires(),
                    maxContacts, overflow, POLICY.flowTimer());
            return this;
        }

        /** Authentication recognised the request as one it accepted moments ago. */
        Row retransmission() {
            auth = new AuthOutcome.Authenticated(ALICE, true);
            return this;
        }

        Row authenticatedAs(Device device) {
            auth = new AuthOutcome.Authenticated(device, false);
            return this;
        }

        /** 200, listing exactly these bindings. */
        Row ok(String... bindings) {
            return expect(200, "OK", RegisterOutcome.ACCEPTED, 0, Arrays.stream(bindings).sorted().toList());
        }

        Row refused(int code, String phrase, RegisterOutcome why) {
            return expect(code, phrase, why, 0, List.of());
        }

        Row tooBrief(long min) {
            return expect(423, "Interval Too Brief", RegisterOutcome.INTERVAL_TOO_BRIEF, min, List.of());
        }

        /** A 200 that must leave the store exactly as it was. */
        Row unchanged() {
            unchanged = true;
            return this;
        }

        private Row expect(int code, String phrase, RegisterOutcome why, long min, List<String> bindings) {
            status = code;
            reason = phrase;
            outcome = why;
            minExpires = min;
            listed = bindings;
            return this;
        }

        @Override
        public String toString() {
            return name;
        }
    }
}
