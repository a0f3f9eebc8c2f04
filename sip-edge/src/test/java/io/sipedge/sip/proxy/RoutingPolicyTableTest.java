package io.sipedge.sip.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.sipedge.directory.DeviceSpec;
import io.sipedge.directory.InMemoryDirectory;
import io.sipedge.model.Aor;
import io.sipedge.model.Binding;
import io.sipedge.model.Device;
import io.sipedge.model.Flow;
import io.sipedge.model.Tenant;
import io.sipedge.model.Transport;
import io.sipedge.sip.auth.AuthOutcome;
import io.sipedge.sip.proxy.RoutingPolicy.Decision;
import io.sipedge.sip.proxy.RoutingPolicy.Facts;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The proxy's routing policy as tables over {@link RoutingPolicy}: who is challenged, who is
 * refused and with what, and where a request goes. No sockets; the socket tests keep one case per
 * rule family.
 */
class RoutingPolicyTableTest {
    static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");
    static final InMemoryDirectory DIRECTORY = new InMemoryDirectory(InstantSource.fixed(NOW));
    static final Tenant A = DIRECTORY.createTenant("A", "a.example", false);
    static final Tenant B = DIRECTORY.createTenant("B", "b.example", false);
    static final Device ALICE = DIRECTORY.createDevice(A.id(), new DeviceSpec("alice", null, "alice-pass1", true));
    static final Device BOB = DIRECTORY.createDevice(A.id(), new DeviceSpec("bob", null, "bob-pass1", true));
    static final Device ALICE_OF_B =
            DIRECTORY.createDevice(B.id(), new DeviceSpec("alice", null, "alice-pass2", true));

    static final AuthOutcome AS_ALICE = new AuthOutcome.Authenticated(ALICE, false);
    static final Decision CHALLENGE = new Decision.Challenge("a.example", false);
    static final Decision NOT_RELAYING = new Decision.Refuse(403, "Not relaying");
    static final Decision LOOK_UP_BOB = new Decision.LookUp(new Aor("bob", "a.example"));

    /** A request from {@code from} (a user of A, or of a domain not served when null) to bob of A. */
    static Facts request(String method, AuthOutcome credentials) {
        return new Facts(method, false, false, A, "alice", A, "bob", false, credentials);
    }

    static Stream<Arguments> decisions() {
        return Stream.of(
                arguments("a local user without credentials is challenged", request("INVITE", AuthOutcome.FRESH),
                        CHALLENGE),
                arguments("a stale nonce is challenged with stale=true", request("INVITE", AuthOutcome.STALE),
                        new Decision.Challenge("a.example", true)),
                arguments("a wrong password is challenged like no credentials",
                        request("INVITE", new AuthOutcome.Rejected(AuthOutcome.Reason.WRONG_PASSWORD)), CHALLENGE),
                arguments("an unknown user is challenged like a wrong password",
                        request("INVITE", new AuthOutcome.Rejected(AuthOutcome.Reason.NO_SUCH_USER)), CHALLENGE),
                arguments("a user banned from its source is dropped", request("INVITE", AuthOutcome.DROPPED),
                        new Decision.Drop()),
                arguments("... or refused 403 where the guard answers bans",
                        request("MESSAGE", AuthOutcome.FORBIDDEN), new Decision.Refuse(403, "Forbidden")),
                arguments("authenticated as another user than From: 403",
                        request("INVITE", new AuthOutcome.Authenticated(BOB, false)),
                        new Decision.Refuse(403, "From is not the authenticated user")),
                arguments("authenticated as the same name in another tenant: 403",
                        request("INVITE", new AuthOutcome.Authenticated(ALICE_OF_B, false)),
                        new Decision.Refuse(403, "From is not the authenticated user")),
                arguments("authenticated, to a user of the same tenant: look up the AOR",
                        request("INVITE", AS_ALICE), LOOK_UP_BOB),
                arguments("authenticated, to a domain not served: no open relay",
                        new Facts("INVITE", false, false, A, "alice", null, "carol", false, AS_ALICE), NOT_RELAYING),
                arguments("authenticated, to a user of another tenant: 403",
                        new Facts("INVITE", false, false, A, "alice", B, "alice", false, AS_ALICE),
                        new Decision.Refuse(403, "Calls to other tenants are not allowed")),
                arguments("an outsider to a local user: 403, before any lookup could tell whether it exists",
                        new Facts("INVITE", false, false, null, "mallory", A, "bob", false, AuthOutcome.FRESH),
                        NOT_RELAYING),
                arguments("an outsider to a user that does not exist: the same 403",
                        new Facts("INVITE", false, false, null, "mallory", A, "nobody", false, AuthOutcome.FRESH),
                        NOT_RELAYING),
                arguments("a trusted peer to a local user: look up the AOR",
                        new Facts("INVITE", false, false, null, "+15551234", A, "bob", true, AuthOutcome.FRESH),
                        LOOK_UP_BOB),
                arguments("a trusted peer to a domain not served: no relay either",
                        new Facts("INVITE", false, false, null, "+15551234", null, "x", true, AuthOutcome.FRESH),
                        NOT_RELAYING),
                arguments("MESSAGE is challenged", request("MESSAGE", AuthOutcome.FRESH), CHALLENGE),
                arguments("SUBSCRIBE is challenged", request("SUBSCRIBE", AuthOutcome.FRESH), CHALLENGE),
                arguments("REFER is challenged", request("REFER", AuthOutcome.FRESH), CHALLENGE),
                arguments("OPTIONS to a user is challenged", request("OPTIONS", AuthOutcome.FRESH), CHALLENGE),
                arguments("INFO is challenged", request("INFO", AuthOutcome.FRESH), CHALLENGE),
                arguments("NOTIFY is challenged", request("NOTIFY", AuthOutcome.FRESH), CHALLENGE),
                arguments("PUBLISH is challenged", request("PUBLISH", AuthOutcome.FRESH), CHALLENGE),
                arguments("MESSAGE authenticated: look up the AOR", request("MESSAGE", AS_ALICE), LOOK_UP_BOB),
                arguments("in a dialog along the edge's route: followed without a challenge",
                        new Facts("BYE", true, true, A, "alice", A, "bob", false, AuthOutcome.FRESH),
                        new Decision.FollowRoute()),
                arguments("in a dialog along the edge's route, from an outsider too",
                        new Facts("BYE", true, true, null, "mallory", null, "bob", false, AuthOutcome.FRESH),
                        new Decision.FollowRoute()),
                arguments("in a dialog the edge never routed: 403",
                        new Facts("BYE", true, false, A, "alice", A, "bob", false, AS_ALICE), NOT_RELAYING),
                arguments("the ACK of a 2xx along the edge's route: followed",
                        new Facts("ACK", true, true, A, "alice", A, "bob", false, AuthOutcome.FRESH),
                        new Decision.FollowRoute()),
                arguments("an ACK that belongs to nothing: dropped, never answered",
                        new Facts("ACK", false, false, A, "alice", A, "bob", false, AuthOutcome.FRESH),
                        new Decision.Drop()),
                arguments("a CANCEL no transaction matched: 481",
                        new Facts("CANCEL", false, false, A, "alice", A, "bob", false, AuthOutcome.FRESH),
                        new Decision.Refuse(481, "Call/Transaction Does Not Exist")),
                arguments("BYE outside a dialog: 481", request("BYE", AS_ALICE),
                        new Decision.Refuse(481, "Call/Transaction Does Not Exist")),
                arguments("an unknown method: 405", request("FOO", AS_ALICE),
                        new Decision.Refuse(405, "Method Not Allowed")),
                arguments("methods are case-sensitive: invite is not INVITE", request("invite", AS_ALICE),
                        new Decision.Refuse(405, "Method Not Allowed")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("decisions")
    void decides(String name, Facts facts, Decision expected) {
        assertEquals(expected, RoutingPolicy.decide(facts));
    }

    static final Binding UDP_Q1 = binding("sip:bob@192.0.2.1:5060", 1.0f, Flow.of(Transport.UDP, "192.0.2.1", 5060));
    static final Binding TCP_Q1 = binding("sip:bob@192.0.2.2:5060;transport=tcp", 1.0f,
            new Flow(Transport.TCP, "192.0.2.2", 40000, 7, "edge-1", true));
    static final Binding TLS_Q05 = binding("sip:bob@192.0.2.3:5061;transport=tls", 0.5f,
            new Flow(Transport.TLS, "192.0.2.3", 40001, 8, "edge-1", true));
    static final Binding CLOSED_Q1 = binding("sip:bob@192.0.2.4:5060;transport=tcp", 1.0f,
            new Flow(Transport.TCP, "192.0.2.4", 40002, 9, "edge-1", false));

    static Stream<Arguments> targets() {
        return Stream.of(
                arguments("no such user: 404", false, List.of(), new Decision.Refuse(404, "Not Found")),
                arguments("a user with no binding: 480", true, List.of(),
                        new Decision.Refuse(480, "Temporarily Unavailable")),
                arguments("only over a closed connection: 480 (the edge never connects out to a phone)", true,
                        List.of(CLOSED_Q1), new Decision.Refuse(480, "Temporarily Unavailable")),
                arguments("one binding: one branch", true, List.of(UDP_Q1), new Decision.Fork(List.of(List.of(UDP_Q1)))),
                arguments("equal q: one parallel group", true, List.of(UDP_Q1, TCP_Q1),
                        new Decision.Fork(List.of(List.of(UDP_Q1, TCP_Q1)))),
                arguments("lower q: a later group", true, List.of(UDP_Q1, TCP_Q1, TLS_Q05),
                        new Decision.Fork(List.of(List.of(UDP_Q1, TCP_Q1), List.of(TLS_Q05)))),
                arguments("a closed binding among open ones is left out", true, List.of(CLOSED_Q1, UDP_Q1, TLS_Q05),
                        new Decision.Fork(List.of(List.of(UDP_Q1), List.of(TLS_Q05)))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void forksToTheReachableBindings(String name, boolean userExists, List<Binding> live, Decision expected) {
        assertEquals(expected, RoutingPolicy.targets(userExists, live));
    }

    private static Binding binding(String contact, float q, Flow flow) {
        return new Binding(contact, flow, NOW.plusSeconds(3600), q, "call-" + contact.hashCode(), 1, null, 0,
                List.of(), "test-phone/1.0", NOW);
    }
}
