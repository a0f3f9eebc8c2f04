package io.sipedge.it;

import static io.sipedge.it.ProxyCallTest.SDP;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sipedge.it.SipTestClient.SipResponse;
import io.sipedge.it.TestPhone.Via;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The proxy's transaction cap: past it a new request gets 503 with Retry-After, counted in the metrics. */
class ProxyCapacityTest {
    private static final String D = "capacity.example.com";
    private static final int CAP = 3;
    static EdgeUnderTest edge;

    @BeforeAll
    static void start() throws Exception {
        edge = EdgeUnderTest.start("proxy.max-transactions=" + CAP);
        for (String u : new String[] {"alice", "bob", "carol", "dave", "erin"}) {
            edge.user(D, u, u + "-secret");
        }
    }

    @AfterAll
    static void stop() throws Exception {
        edge.close();
    }

    private static TestPhone phone(String user, Via via) throws Exception {
        return new TestPhone(edge, via, user, D, user + "-secret").register();
    }

    @Test
    void pastTheTransactionCapNewRequestsGet503WithRetryAfter() throws Exception {
        // TCP callers: a challenge's transaction ends with its ACK, so only the ringing calls stay.
        try (TestPhone alice = phone("alice", Via.TCP); TestPhone carol = phone("carol", Via.TCP);
             TestPhone dave = phone("dave", Via.TCP); TestPhone bob = phone("bob", Via.UDP);
             TestPhone erin = phone("erin", Via.TCP)) {
            List<SipResponse> ringing = new ArrayList<>();
            for (TestPhone caller : List.of(alice, carol, dave)) {
                TestPhone.Outgoing call = caller.sendAuthenticated("INVITE", bob.aor(), SDP);
                ringing.add(bob.await(m -> TestPhone.isRequest(m, "INVITE") && call.callId.equals(m.first("Call-ID")),
                        5000, "the INVITE of " + caller.user)); // each call rings, unanswered
                // The challenge's transaction ends at the next timer tick after its ACK.
                long deadline = System.nanoTime() + 2_000_000_000L;
                while (edge.metrics().value("sip_proxy_transactions_active") > ringing.size()
                        && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
            }
            assertEquals(CAP, edge.metrics().value("sip_proxy_transactions_active"));
            assertEquals(CAP, edge.metrics().value("sip_proxy_invites_pending"));

            erin.send(erin.new Outgoing("INVITE", bob.aor()).text(SDP));
            SipResponse full = erin.awaitFinal("INVITE");
            assertEquals(503, full.status(), full.raw());
            assertEquals("5", full.first("Retry-After"));
            assertEquals(1.0, edge.metrics().value("sip_proxy_refused_capacity_total"));

            // The calls end (busy): their transactions leave the table and new requests pass again.
            for (SipResponse invite : ringing) {
                bob.send(bob.response(invite, 486, "Busy Here", "b"));
            }
            for (TestPhone caller : List.of(alice, carol, dave)) {
                assertEquals(486, caller.awaitFinal("INVITE").status());
            }
            assertEquals(0, edge.metrics().value("sip_proxy_invites_pending"));
        }
    }
}
