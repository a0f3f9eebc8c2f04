package io.sipedge.sip.registrar;

import static io.sipedge.sip.registrar.RegisterRequestBuilder.outbound;
import static io.sipedge.sip.registrar.RegistrarRulesTableTest.A;
import static io.sipedge.sip.registrar.RegistrarRulesTableTest.ALICE;
import static io.sipedge.sip.registrar.RegistrarRulesTableTest.B;
import static io.sipedge.sip.registrar.RegistrarRulesTableTest.I1;
import static io.sipedge.sip.registrar.RegistrarRulesTableTest.NOW;
import static io.sipedge.sip.registrar.RegistrarRulesTableTest.POLICY;
import static io.sipedge.sip.registrar.RegistrarRulesTableTest.TENANT;
import static io.sipedge.sip.registrar.RegistrarRulesTableTest.alice;
import static io.sipedge.sip.registrar.RegistrarRulesTableTest.complete;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.sipedge.location.InMemoryLocationStore;
import io.sipedge.model.Flow;
import io.sipedge.model.Transport;
import io.sipedge.sip.auth.AuthOutcome;
import io.sipedge.sip.registrar.RegisterReply.Outbound;
import io.sipedge.sip.registrar.RegisterRequest.ContactSpec;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * RFC 5626 §6 and §5.4 as a table: when the answer to a REGISTER carries {@code Require: outbound}
 * and {@code Flow-Timer}, and when it does not. Each row goes through {@link RegisterRules#decide}
 * and the store, as the registrar does, so a refusal or a query shows what its answer says too.
 */
class RegistrarOutboundTableTest {
    private static final Flow UDP = Flow.of(Transport.UDP, "192.0.2.10", 5060);
    private static final Flow TCP = Flow.of(Transport.TCP, "192.0.2.10", 40001);
    private static final Flow TLS = Flow.of(Transport.TLS, "192.0.2.10", 40002);
    private static final Outbound NONE = Outbound.NONE;
    private static final Outbound REQUIRE = new Outbound(true, 0);
    private static final Outbound WITH_TIMER = new Outbound(true, 120);
    private static final ContactSpec OB = outbound(A, I1, 1);
    private static final AuthOutcome OK = new AuthOutcome.Authenticated(ALICE, false);

    static Stream<Arguments> rows() {
        return Stream.of(
                arguments("TCP, Supported: outbound, instance and reg-id: Require and Flow-Timer",
                        alice().supportsOutbound().contact(OB).from(TCP), null, OK, 200, WITH_TIMER),
                arguments("TLS likewise", alice().supportsOutbound().contact(OB).from(TLS), null, OK, 200,
                        WITH_TIMER),
                arguments("a Flow-Timer of 0 configured: Require alone",
                        alice().supportsOutbound().contact(OB).from(TCP), 0, OK, 200, REQUIRE),
                arguments("UDP: Require (§6 says MUST for every transport), no Flow-Timer (keepalives are STUN)",
                        alice().supportsOutbound().contact(OB).from(UDP), null, OK, 200, REQUIRE),
                arguments("no Supported: outbound: neither, though the binding is an outbound one",
                        alice().contact(OB).from(TCP), null, OK, 200, NONE),
                arguments("an instance without reg-id (a GRUU registration, not outbound): neither",
                        alice().supportsOutbound().contact(new ContactSpec(A, null, null, I1, 0)).from(TCP), null,
                        OK, 200, NONE),
                arguments("a reg-id without instance is ignored (§6): neither",
                        alice().supportsOutbound().contact(new ContactSpec(A, null, null, null, 1)).from(TCP), null,
                        OK, 200, NONE),
                arguments("a plain contact: neither", alice().supportsOutbound().contact(A).from(TCP), null, OK, 200,
                        NONE),
                arguments("a plain and an outbound contact: both headers",
                        alice().supportsOutbound().contact(B).contact(OB).from(TCP), null, OK, 200, WITH_TIMER),
                arguments("removing an outbound binding: Require, but no flow left to keep alive",
                        alice().supportsOutbound().contact(outbound(A, I1, 1, 0)).from(TCP), null, OK, 200,
                        REQUIRE),
                arguments("relayed by a proxy without Path: outbound not applied (§6): neither",
                        alice().supportsOutbound().contact(OB).notFirstHop().from(TCP), null, OK, 200, NONE),
                arguments("relayed by a proxy whose Path has no ob: neither",
                        alice().supportsOutbound().contact(OB).notFirstHop().path("<sip:p.example.com;lr>")
                                .from(TCP), null, OK, 200, NONE),
                arguments("relayed by an edge proxy with an ob Path: Require; the flow is the proxy's, no Flow-Timer",
                        alice().supportsOutbound().contact(OB).notFirstHop()
                                .path("<sip:Vskz/S8p4@ep1.example.com;lr;ob>").from(TCP), null, OK, 200, REQUIRE),
                arguments("a query (no Contact): neither", alice().supportsOutbound().from(TCP), null, OK, 200, NONE),
                arguments("Contact: * removes everything: neither",
                        alice().supportsOutbound().star().expires(0).from(TCP), null, OK, 200, NONE),
                arguments("a refusal (423): neither",
                        alice().supportsOutbound().contact(outbound(A, I1, 1, 30)).from(TCP), null, OK, 423, NONE),
                arguments("a challenge: neither", alice().supportsOutbound().contact(OB).from(TCP), null,
                        AuthOutcome.FRESH, 401, NONE),
                arguments("a retransmission of an accepted request: what the original got",
                        alice().supportsOutbound().contact(OB).from(TCP), null,
                        new AuthOutcome.Authenticated(ALICE, true), 200, WITH_TIMER));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void outboundInTheAnswer(String name, RegisterRequestBuilder req, Integer flowTimer, AuthOutcome auth,
                             int status, Outbound expected) {
        RegistrarPolicy policy = flowTimer == null ? POLICY : new RegistrarPolicy(POLICY.minExpires(),
                POLICY.maxExpires(), POLICY.defaultExpires(), POLICY.maxContacts(), POLICY.overflow(), flowTimer);
        RegisterRules rules = new RegisterRules(policy);
        InMemoryLocationStore store = new InMemoryLocationStore();
        RegisterRequest request = req.build();
        RegisterReply reply;
        if (auth instanceof AuthOutcome.Challenge) {
            RegisterDecision.Challenge c = (RegisterDecision.Challenge) rules.decide(request, TENANT, auth, NOW);
            reply = c.reply("nonce", List.of(), NOW);
        } else {
            if (auth instanceof AuthOutcome.Authenticated a && a.retransmission()) {
                complete(store, rules.decide(request, TENANT, OK, NOW), NOW); // the original
            }
            reply = complete(store, rules.decide(request, TENANT, auth, NOW), NOW);
        }
        assertEquals(status, reply.status(), reply::toString);
        assertEquals(expected, reply.outbound());
    }

    static Stream<Arguments> paths() {
        return Stream.of(
                arguments(List.of(), false),
                arguments(List.of("<sip:ep1.example.com;lr;ob>"), true),
                arguments(List.of("<sip:ep1.example.com;OB;lr>"), true),
                arguments(List.of("\"Edge\" <sip:tok;ob=1@ep1.example.com;lr;ob=>"), true),
                arguments(List.of("<sip:tok;ob@ep1.example.com;lr>"), false), // ';ob' in the user part
                arguments(List.of("<sip:ep1.example.com;lr;obx>"), false),
                arguments(List.of("<sip:ep1.example.com;lr?ob>"), false), // a URI header, not a parameter
                arguments(List.of("<sip:ep1.example.com;lr>", "<sip:ep2.example.com;lr;ob>"), false), // not first
                arguments(List.of("sip:ep1.example.com;lr;ob"), false)); // not a name-addr
    }

    @ParameterizedTest
    @MethodSource("paths")
    void theFirstPathVouchesForTheFlowWithOb(List<String> path, boolean ob) {
        assertEquals(ob, RegisterRules.firstPathHasOb(path), path::toString);
    }
}
