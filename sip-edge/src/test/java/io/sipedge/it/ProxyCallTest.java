package io.sipedge.it;

import static io.sipedge.it.RegistrarRulesTest.NO_HTTP;
import static io.sipedge.it.TestPhone.isRequest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.it.SipTestClient.SipResponse;
import io.sipedge.it.TestPhone.Via;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Calls between registered phones through the edge's proxy, over real sockets: a basic call on
 * every pair of transports, the caller's digest, in-dialog requests both ways through the edge.
 */
class ProxyCallTest {
    static final String D = "calls.example.com";
    static final String SDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            + "m=audio 4000 RTP/AVP 0\r\n";
    private static final AtomicInteger USERS = new AtomicInteger();
    static EdgeUnderTest edge;

    @BeforeAll
    static void start() throws Exception {
        edge = EdgeUnderTest.start(NO_HTTP);
    }

    @AfterAll
    static void stop() throws Exception {
        edge.close();
    }

    /** A new provisioned user on {@code via}, registered. */
    static TestPhone phone(Via via) throws Exception {
        String user = "u" + USERS.incrementAndGet();
        edge.user(D, user, user + "-secret");
        return new TestPhone(edge, via, user, D, user + "-secret").register();
    }

    @ParameterizedTest(name = "{0} calls {1}")
    @CsvSource({"UDP,UDP", "TCP,TCP", "TLS,TLS", "UDP,TCP", "TCP,UDP", "TLS,UDP", "UDP,TLS", "WS,UDP", "UDP,WS",
        "WSS,TCP"})
    void aCallIsSetUpAndEndedThroughTheEdge(Via callerVia, Via calleeVia) throws Exception {
        try (TestPhone alice = phone(callerVia); TestPhone bob = phone(calleeVia)) {
            TestPhone.Outgoing call = alice.sendAuthenticated("INVITE", bob.aor(), SDP);

            SipResponse invite = bob.awaitRequest("INVITE");
            assertTrue(invite.raw().startsWith("INVITE " + bob.contactUri() + " SIP/2.0"), invite.raw());
            assertTrue(invite.raw().endsWith(SDP), "the SDP passes untouched:\n" + invite.raw());
            assertEquals(2, TestPhone.vias(invite).size(), "the edge's Via on top of the caller's: " + invite.raw());
            assertTrue(invite.first("Via").startsWith("SIP/2.0/" + calleeVia.name() + " "), invite.first("Via"));
            assertEquals(null, invite.first("Proxy-Authorization"), "the edge consumes its own credentials");
            assertEquals("69", invite.first("Max-Forwards"));
            List<String> rr = TestPhone.splitRoutes(invite.all("Record-Route"));
            assertEquals(2, rr.size(), "one Record-Route per side (RFC 5658): " + rr);
            assertTrue(rr.stream().allMatch(r -> r.endsWith(";lr>")), rr.toString());

            bob.send(bob.response(invite, 180, "Ringing", "bobtag"));
            SipResponse ringing = alice.awaitResponse(180, "INVITE");
            assertEquals(1, TestPhone.vias(ringing).size(), "the edge's Via is gone upstream: " + ringing.raw());
            bob.send(bob.response(invite, 200, "OK", "bobtag"));
            SipResponse ok = alice.awaitResponse(200, "INVITE");
            assertEquals("bobtag", TestPhone.tag(ok.first("To")));

            TestPhone.Dialog aliceSide = alice.dialogFromAnswer(call, ok);
            TestPhone.Dialog bobSide = bob.dialogFromRequest(invite, "bobtag");
            alice.send(aliceSide.request("ACK", call.number));
            SipResponse ack = bob.awaitRequest("ACK");
            assertTrue(ack.raw().startsWith("ACK " + bob.contactUri()), ack.raw());
            assertTrue(ack.all("Route").isEmpty(), "the edge pops its own Routes: " + ack.raw());

            // The callee re-INVITEs, then hangs up: both through the edge, on the caller's flow.
            bob.send(bobSide.request("INVITE"));
            SipResponse reinvite = alice.awaitRequest("INVITE");
            assertTrue(reinvite.raw().startsWith("INVITE " + alice.contactUri()), reinvite.raw());
            alice.send(alice.response(reinvite, 200, "OK", null));
            SipResponse reOk = bob.awaitResponse(200, "INVITE");
            bob.send(bobSide.request("ACK", bobSide.localCseq));
            alice.awaitRequest("ACK");
            assertEquals(1, TestPhone.vias(reOk).size());

            bob.send(bobSide.request("BYE"));
            SipResponse bye = alice.awaitRequest("BYE");
            alice.send(alice.response(bye, 200, "OK", null));
            assertEquals(200, bob.awaitFinal("BYE").status());
        }
    }

    @Test
    void theCallerHangsUpThroughTheEdgeToo() throws Exception {
        try (TestPhone alice = phone(Via.UDP); TestPhone bob = phone(Via.TCP)) {
            TestPhone.Outgoing call = alice.sendAuthenticated("INVITE", bob.aor(), SDP);
            SipResponse invite = bob.awaitRequest("INVITE");
            bob.send(bob.response(invite, 200, "OK", "t1"));
            SipResponse ok = alice.awaitResponse(200, "INVITE");
            TestPhone.Dialog d = alice.dialogFromAnswer(call, ok);
            alice.send(d.request("ACK", call.number));
            bob.awaitRequest("ACK");
            alice.send(d.request("BYE"));
            SipResponse bye = bob.awaitRequest("BYE");
            assertTrue(bye.raw().startsWith("BYE " + bob.contactUri()), bye.raw());
            bob.send(bob.response(bye, 200, "OK", null));
            assertEquals(200, alice.awaitFinal("BYE").status());
        }
    }

    /**
     * Most requests are decided and forwarded as read from their bytes; one of a shape the in-place
     * reader leaves to the stack's parser (here a folded header line) is challenged, checked and
     * forwarded just the same.
     */
    @Test
    void aRequestOfAShapeTheReaderLeavesToTheParserIsProxiedTheSame() throws Exception {
        try (TestPhone alice = phone(Via.UDP); TestPhone bob = phone(Via.TCP)) {
            TestPhone.Outgoing call = alice.sendAuthenticated("INVITE", bob.aor(), SDP, "Subject: a folded\r\n line");
            SipResponse invite = bob.awaitRequest("INVITE");
            assertTrue(invite.raw().startsWith("INVITE " + bob.contactUri() + " SIP/2.0"), invite.raw());
            assertEquals(null, invite.first("Proxy-Authorization"), "the edge consumes its own credentials");
            assertEquals(2, TestPhone.splitRoutes(invite.all("Record-Route")).size(), invite.raw());
            bob.send(bob.response(invite, 200, "OK", "t5"));
            SipResponse ok = alice.awaitResponse(200, "INVITE");
            alice.send(alice.dialogFromAnswer(call, ok).request("ACK", call.number));
            bob.awaitRequest("ACK");
        }
    }

    @Test
    void aRouteToTheEdgeItselfIsRemovedBeforeForwarding() throws Exception {
        try (TestPhone alice = phone(Via.TCP); TestPhone bob = phone(Via.UDP)) {
            // A phone with the edge as outbound proxy preloads it (RFC 3261 §8.1.2); §16.4 removes it.
            String outbound = "<sip:127.0.0.1:" + edge.sipPort() + ";transport=tcp;lr>";
            TestPhone.Outgoing call = alice.sendAuthenticated("INVITE", bob.aor(), SDP, "Route: " + outbound);
            SipResponse invite = bob.awaitRequest("INVITE");
            assertTrue(invite.all("Route").isEmpty(), invite.raw());
            bob.send(bob.response(invite, 200, "OK", "t3"));
            SipResponse ok = alice.awaitResponse(200, "INVITE");
            TestPhone.Dialog d = alice.dialogFromAnswer(call, ok);
            List<String> routes = new java.util.ArrayList<>(List.of(outbound));
            routes.addAll(d.routeSet);
            TestPhone.Dialog withOutbound = alice.new Dialog(d.callId, d.localTag, d.remoteTag, d.remoteUri,
                    d.remoteTarget, routes, d.localCseq);
            alice.send(withOutbound.request("ACK", call.number));
            SipResponse ack = bob.awaitRequest("ACK");
            assertTrue(ack.all("Route").isEmpty(), ack.raw());
            alice.send(withOutbound.request("BYE"));
            SipResponse bye = bob.awaitRequest("BYE");
            assertTrue(bye.all("Route").isEmpty(), bye.raw());
            assertTrue(TestPhone.vias(bye).get(1).contains("received=127.0.0.1"), "stamped: " + bye.raw());
            bob.send(bob.response(bye, 200, "OK", null));
            assertEquals(200, alice.awaitFinal("BYE").status());
        }
    }

    @Test
    void aRequestWithAForgedRouteIsRefusedAndReachesNobody() throws Exception {
        try (TestPhone alice = phone(Via.UDP); TestPhone bob = phone(Via.UDP)) {
            TestPhone.Outgoing call = alice.sendAuthenticated("INVITE", bob.aor(), SDP);
            SipResponse invite = bob.awaitRequest("INVITE");
            bob.send(bob.response(invite, 200, "OK", "t2"));
            SipResponse ok = alice.awaitResponse(200, "INVITE");
            TestPhone.Dialog d = alice.dialogFromAnswer(call, ok);
            alice.send(d.request("ACK", call.number));
            bob.awaitRequest("ACK");
            // One character of the second token changed: it names no flow the edge signed.
            String route = d.routeSet.get(1);
            int at = route.indexOf('@');
            char c = route.charAt(at - 1);
            String forged = route.substring(0, at - 1) + (c == 'A' ? 'B' : 'A') + route.substring(at);
            TestPhone.Dialog tampered = alice.new Dialog(d.callId, d.localTag, d.remoteTag, d.remoteUri,
                    d.remoteTarget, List.of(forged), d.localCseq);
            alice.send(tampered.request("BYE"));
            SipResponse refused = alice.awaitFinal("BYE");
            assertEquals(403, refused.status(), refused.raw());
            assertTrue(bob.quiet(300, m -> false), "nothing reached the callee");
        }
    }

    @Test
    void aWrongPasswordIsChallengedAgainLikeAnUnknownUser() throws Exception {
        try (TestPhone alice = phone(Via.UDP); TestPhone bob = phone(Via.UDP)) {
            TestPhone liar = new TestPhone(edge, Via.UDP, alice.user, D, "not-the-password");
            TestPhone ghost = new TestPhone(edge, Via.UDP, "nobody-here", D, "whatever");
            try (liar; ghost) {
                for (TestPhone p : List.of(liar, ghost)) {
                    TestPhone.Outgoing call = p.new Outgoing("INVITE", bob.aor());
                    p.send(call.text(SDP));
                    SipResponse challenge = p.awaitFinal("INVITE");
                    assertEquals(407, challenge.status());
                    p.send(call.ackFor(challenge));
                    p.send(call.text(SDP, p.proxyAuthorization(challenge, "INVITE", bob.aor())));
                    SipResponse again = p.awaitFinal("INVITE");
                    assertEquals(407, again.status(), again.raw());
                    assertEquals(challenge.first("Proxy-Authenticate").replaceAll("nonce=\"[^\"]*\"", ""),
                            again.first("Proxy-Authenticate").replaceAll("nonce=\"[^\"]*\"", ""));
                    p.send(call.ackFor(again));
                }
                assertTrue(bob.quiet(300, m -> false), "nothing reached the callee");
            }
        }
    }

    @Test
    void unknownAndUnreachableUsersAre404And480AfterAuthentication() throws Exception {
        try (TestPhone alice = phone(Via.UDP)) {
            String offline = "offline" + USERS.incrementAndGet();
            edge.user(D, offline, "offline-pw");
            alice.sendAuthenticated("INVITE", "sip:nosuchuser@" + D, SDP);
            assertEquals(404, alice.awaitFinal("INVITE").status());
            alice.sendAuthenticated("INVITE", "sip:" + offline + "@" + D, SDP);
            assertEquals(480, alice.awaitFinal("INVITE").status());
        }
    }

    @Test
    void aMessageReachesEveryContactAndTheFirst2xxAnswers() throws Exception {
        try (TestPhone alice = phone(Via.TCP); TestPhone bob = phone(Via.UDP);
             TestPhone bob2 = new TestPhone(edge, Via.TCP, bob.user, D, bob.password)) {
            bob2.register();
            alice.sendAuthenticated("MESSAGE", bob.aor(), "hello");
            SipResponse m1 = bob.awaitRequest("MESSAGE");
            SipResponse m2 = bob2.awaitRequest("MESSAGE");
            assertTrue(m1.raw().endsWith("hello") && m2.raw().endsWith("hello"));
            assertTrue(m1.all("Record-Route").isEmpty(), "a MESSAGE creates no dialog");
            bob2.send(bob2.response(m2, 200, "OK", "b2"));
            bob.send(bob.response(m1, 200, "OK", "b1"));
            SipResponse ok = alice.awaitFinal("MESSAGE");
            assertEquals(200, ok.status());
            assertTrue(alice.quiet(300, m -> m.status() == 100), "one final response for a non-INVITE");
        }
    }

    @Test
    void noOpenRelay() throws Exception {
        try (TestPhone alice = phone(Via.UDP);
             SipTestClient outsider = new SipTestClient(SipTestClient.Transport.UDP, edge.sipPort())) {
            // A local user calling a domain the edge does not serve: refused after authentication.
            alice.sendAuthenticated("INVITE", "sip:someone@elsewhere.example.net", SDP);
            SipResponse r = alice.awaitFinal("INVITE");
            assertEquals(403, r.status(), r.raw());
            // An outsider to another domain, and to a local user: refused without a challenge.
            for (String target : List.of("sip:someone@elsewhere.example.net", alice.aor())) {
                outsider.sendText("INVITE " + target + " SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:" + outsider.localPort()
                        + ";branch=z9hG4bKout" + target.length() + "\nMax-Forwards: 70\n"
                        + "From: <sip:spam@spammer.example.org>;tag=s\nTo: <" + target + ">\nCall-ID: relay-"
                        + target.length() + "\nCSeq: 1 INVITE\nContent-Length: 0\n\n");
                SipResponse answer = outsider.receive(3000);
                while (answer != null && answer.status() == 100) {
                    answer = outsider.receive(3000);
                }
                assertEquals(403, answer == null ? -1 : answer.status(), answer == null ? "" : answer.raw());
            }
        }
    }

    @Test
    void zeroMaxForwardsIs483AndARequestThatComesBackIs482() throws Exception {
        try (TestPhone alice = phone(Via.UDP); TestPhone bob = phone(Via.UDP)) {
            TestPhone.Outgoing call = alice.new Outgoing("INVITE", bob.aor());
            alice.send(call.text(SDP).replace("Max-Forwards: 70", "Max-Forwards: 0"));
            assertEquals(483, alice.awaitFinal("INVITE").status());

            // Forwarded once, then sent back to the edge unchanged: a loop.
            TestPhone.Outgoing call2 = alice.sendAuthenticated("OPTIONS", bob.aor(), null);
            SipResponse forwarded = bob.awaitRequest("OPTIONS");
            String looped = forwarded.raw().replaceFirst("OPTIONS \\S+ ", "OPTIONS " + bob.aor() + " ")
                    .replaceFirst("(?m)^Via: ", "Via: SIP/2.0/UDP 127.0.0.1:" + bob.localPort()
                            + ";branch=z9hG4bKloop1\r\nVia: ");
            bob.send(looped);
            SipResponse loop = bob.awaitFinal("OPTIONS");
            assertEquals(482, loop.status(), loop.raw());
            bob.send(bob.response(forwarded, 200, "OK", "b"));
            assertEquals(200, alice.awaitFinal("OPTIONS").status());
            assertNotEquals(null, call2.callId);
            assertFalse(isRequest(loop, "OPTIONS"));
        }
    }
}
