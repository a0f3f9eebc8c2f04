package io.sipedge.it;

import static io.sipedge.it.ProxyCallTest.SDP;
import static io.sipedge.it.RegistrarRulesTest.NO_HTTP;
import static io.sipedge.it.TestPhone.isRequest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.it.SipTestClient.SipResponse;
import io.sipedge.it.TestPhone.Via;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Forking, cancelling and the final answer (RFC 3261 §16.7-16.10) over real sockets: a user on two
 * phones, one answers and the other is cancelled, both answer, the caller cancels before and after
 * the callee rings, busy, ringing too long, and q groups tried one after the other.
 */
class ProxyForkTest {
    private static final String D = "forks.example.com";
    private static final int RINGING_TIMEOUT_S = 2;
    private static final int LINGER_S = 1;
    private static final AtomicInteger USERS = new AtomicInteger();
    static EdgeUnderTest edge;

    @BeforeAll
    static void start() throws Exception {
        edge = EdgeUnderTest.start(NO_HTTP, "proxy.ringing-timeout-seconds=" + RINGING_TIMEOUT_S,
                "proxy.linger-seconds=" + LINGER_S);
    }

    @AfterAll
    static void stop() throws Exception {
        edge.close();
    }

    private static String newUser() {
        String user = "f" + USERS.incrementAndGet();
        edge.user(D, user, user + "-secret");
        return user;
    }

    private static TestPhone phone(String user, Via via, String contactParams) throws Exception {
        TestPhone p = new TestPhone(edge, via, user, D, user + "-secret");
        p.contactParams = contactParams;
        return p.register();
    }

    private static boolean notFinal(SipResponse m) {
        return m.status() > 0 && m.status() < 200;
    }

    @Test
    void oneOfTwoPhonesAnswersAndTheOtherIsCancelled() throws Exception {
        String bob = newUser();
        try (TestPhone alice = phone(newUser(), Via.UDP, ""); TestPhone desk = phone(bob, Via.UDP, "");
             TestPhone mobile = phone(bob, Via.TCP, "")) {
            alice.sendAuthenticated("INVITE", desk.aor(), SDP);
            SipResponse toDesk = desk.awaitRequest("INVITE");
            SipResponse toMobile = mobile.awaitRequest("INVITE");
            assertNotEquals(TestPhone.vias(toDesk).get(0), TestPhone.vias(toMobile).get(0), "a branch each");
            desk.send(desk.response(toDesk, 180, "Ringing", "desk"));
            mobile.send(mobile.response(toMobile, 180, "Ringing", "mobile"));
            desk.send(desk.response(toDesk, 200, "OK", "desk"));
            SipResponse ok = alice.awaitResponse(200, "INVITE");
            assertEquals("desk", TestPhone.tag(ok.first("To")));

            SipResponse cancel = mobile.awaitRequest("CANCEL");
            assertEquals(TestPhone.vias(toMobile).get(0), TestPhone.vias(cancel).get(0), "the CANCEL's Via is its INVITE's");
            mobile.send(mobile.response(cancel, 200, "OK", "mobile"));
            mobile.send(mobile.response(toMobile, 487, "Request Terminated", "mobile"));
            SipResponse ack = mobile.awaitRequest("ACK");
            assertEquals(TestPhone.vias(toMobile).get(0), TestPhone.vias(ack).get(0), "the edge ACKs the 487 hop by hop");
            assertTrue(alice.quiet(500, m -> m.status() == 100 || m.status() == 180),
                    "the caller sees no 487: a 2xx already answered");
            assertTrue(desk.quiet(200, m -> false), "the answering phone gets no CANCEL");
        }
    }

    @Test
    void whenBothPhonesAnswerBoth200sReachTheCaller() throws Exception {
        String bob = newUser();
        try (TestPhone alice = phone(newUser(), Via.TCP, ""); TestPhone desk = phone(bob, Via.UDP, "");
             TestPhone mobile = phone(bob, Via.UDP, "")) {
            alice.sendAuthenticated("INVITE", desk.aor(), SDP);
            SipResponse toDesk = desk.awaitRequest("INVITE");
            SipResponse toMobile = mobile.awaitRequest("INVITE");
            desk.send(desk.response(toDesk, 200, "OK", "desk"));
            mobile.send(mobile.response(toMobile, 200, "OK", "mobile"));
            SipResponse first = alice.awaitResponse(200, "INVITE");
            SipResponse second = alice.awaitResponse(200, "INVITE");
            assertNotEquals(TestPhone.tag(first.first("To")), TestPhone.tag(second.first("To")),
                    "two dialogs (RFC 3261 §16.7 step 5)");
        }
    }

    @Test
    void aCancelBeforeTheCalleeRingsWaitsForItsProvisional() throws Exception {
        try (TestPhone alice = phone(newUser(), Via.UDP, ""); TestPhone bob = phone(newUser(), Via.UDP, "")) {
            TestPhone.Outgoing call = alice.sendAuthenticated("INVITE", bob.aor(), SDP);
            SipResponse invite = bob.awaitRequest("INVITE");
            alice.send(call.cancel());
            assertEquals(200, alice.awaitFinal("CANCEL").status());
            assertTrue(bob.quiet(400, m -> false), "no CANCEL before the branch answered provisionally (§9.1)");
            bob.send(bob.response(invite, 180, "Ringing", "b"));
            SipResponse cancel = bob.awaitRequest("CANCEL");
            bob.send(bob.response(cancel, 200, "OK", "b"));
            bob.send(bob.response(invite, 487, "Request Terminated", "b"));
            SipResponse terminated = alice.awaitFinal("INVITE");
            assertEquals(487, terminated.status(), terminated.raw());
            alice.send(call.ackFor(terminated));
            bob.awaitRequest("ACK");
        }
    }

    @Test
    void aCancelAfterTheAnswerChangesNothing() throws Exception {
        try (TestPhone alice = phone(newUser(), Via.UDP, ""); TestPhone bob = phone(newUser(), Via.TCP, "")) {
            TestPhone.Outgoing call = alice.sendAuthenticated("INVITE", bob.aor(), SDP);
            SipResponse invite = bob.awaitRequest("INVITE");
            bob.send(bob.response(invite, 180, "Ringing", "b"));
            alice.awaitResponse(180, "INVITE");
            bob.send(bob.response(invite, 200, "OK", "b"));
            alice.awaitResponse(200, "INVITE");
            alice.send(call.cancel());
            int status = alice.awaitFinal("CANCEL").status();
            assertTrue(status == 200 || status == 481, "answered without error: " + status);
            assertTrue(bob.quiet(300, m -> false), "the answered branch gets no CANCEL");
        }
    }

    @Test
    void busyIsRelayedAndAckedHopByHop() throws Exception {
        try (TestPhone alice = phone(newUser(), Via.TCP, ""); TestPhone bob = phone(newUser(), Via.UDP, "")) {
            TestPhone.Outgoing call = alice.sendAuthenticated("INVITE", bob.aor(), SDP);
            SipResponse invite = bob.awaitRequest("INVITE");
            bob.send(bob.response(invite, 486, "Busy Here", "b"));
            bob.awaitRequest("ACK");
            SipResponse busy = alice.awaitFinal("INVITE");
            assertEquals(486, busy.status());
            assertEquals("b", TestPhone.tag(busy.first("To")));
            alice.send(call.ackFor(busy));
            assertTrue(bob.quiet(300, m -> false), "the caller's ACK of a non-2xx stays with the edge");
        }
    }

    @Test
    void aPhoneThatRingsTooLongIsCancelledAndTheCallerGets408() throws Exception {
        try (TestPhone alice = phone(newUser(), Via.UDP, ""); TestPhone bob = phone(newUser(), Via.TCP, "")) {
            alice.sendAuthenticated("INVITE", bob.aor(), SDP);
            SipResponse invite = bob.awaitRequest("INVITE");
            bob.send(bob.response(invite, 180, "Ringing", "b"));
            SipResponse cancel = bob.await(m -> isRequest(m, "CANCEL"), (RINGING_TIMEOUT_S + 3) * 1000, "CANCEL");
            SipResponse timeout = alice.await(m -> m.status() >= 200, 3000, "a final response");
            assertEquals(408, timeout.status(), timeout.raw());
            bob.send(bob.response(cancel, 200, "OK", "b"));
            bob.send(bob.response(invite, 487, "Request Terminated", "b"));
            assertTrue(alice.quiet(300, ProxyForkTest::notFinal), "one final response only");
        }
    }

    @Test
    void a2xxRetransmittedAfterTheTransactionEndedStillReachesTheCaller() throws Exception {
        try (TestPhone alice = phone(newUser(), Via.TCP, ""); TestPhone bob = phone(newUser(), Via.UDP, "")) {
            alice.sendAuthenticated("INVITE", bob.aor(), SDP);
            SipResponse invite = bob.awaitRequest("INVITE");
            String ok = bob.response(invite, 200, "OK", "late");
            bob.send(ok);
            alice.awaitResponse(200, "INVITE");
            Thread.sleep(LINGER_S * 1000L + 500); // the edge's transactions are gone
            bob.send(ok); // the callee has not seen the ACK yet, and sends its 200 again
            SipResponse again = alice.awaitResponse(200, "INVITE");
            assertEquals("late", TestPhone.tag(again.first("To")));
            assertEquals(1, TestPhone.vias(again).size(), again.raw());
        }
    }

    @Test
    void qGroupsAreTriedOneAfterTheOther() throws Exception {
        String bob = newUser();
        try (TestPhone alice = phone(newUser(), Via.UDP, ""); TestPhone first = phone(bob, Via.UDP, ";q=1.0");
             TestPhone second = phone(bob, Via.UDP, ";q=0.5")) {
            alice.sendAuthenticated("INVITE", first.aor(), SDP);
            SipResponse invite = first.awaitRequest("INVITE");
            assertTrue(second.quiet(300, m -> false), "the lower q waits for the higher one");
            first.send(first.response(invite, 486, "Busy Here", "one"));
            SipResponse next = second.awaitRequest("INVITE");
            second.send(second.response(next, 200, "OK", "two"));
            assertEquals("two", TestPhone.tag(alice.awaitResponse(200, "INVITE").first("To")));
        }
    }
}
