package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sip.address.SipURI;
import javax.sip.message.Response;
import org.cafesip.sipunit.Credential;
import org.cafesip.sipunit.SipCall;
import org.cafesip.sipunit.SipPhone;
import org.cafesip.sipunit.SipStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A call with a third-party user agent through the edge: a SIPUnit phone (on JAIN-SIP's stack,
 * with its own transactions and dialogs) registers, is called by a test phone, rings, answers,
 * and hangs up through the edge.
 */
class SipUnitCallTest {
    private static final String D = "sipunit-calls.example.com";
    private static final long TIMEOUT_MS = 5000;
    static EdgeUnderTest edge;

    private final List<SipStack> stacks = new ArrayList<>();
    private final List<SipPhone> phones = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        edge = EdgeUnderTest.start(RegistrarRulesTest.NO_HTTP);
        edge.tenant(D, true); // SIPUnit 2.0.0 answers MD5 only (see SipUnitRegistrationTest)
        edge.user(D, "alice", "alice-secret");
        edge.user(D, "bob", "bob-secret");
    }

    @AfterAll
    static void stop() throws Exception {
        edge.close();
    }

    @AfterEach
    void dispose() {
        phones.forEach(SipPhone::dispose);
        stacks.forEach(SipStack::dispose);
    }

    private SipPhone registered(String user, String transport) throws Exception {
        SipStack stack = SipUnitRegistrationTest.startStack(transport, edge.sipPort());
        stacks.add(stack);
        SipPhone phone = stack.createSipPhone("127.0.0.1", transport, edge.sipPort(), "sip:" + user + "@" + D);
        phones.add(phone);
        phone.addUpdateCredential(new Credential(D, user, user + "-secret"));
        SipURI registrar = stack.getAddressFactory().createSipURI(null, D);
        assertTrue(phone.register(registrar, user, user + "-secret", null, 3600, TIMEOUT_MS), phone.format());
        return phone;
    }

    /**
     * The SIPUnit phone is the callee: it gets the INVITE on the flow it registered, answers, and
     * hangs up with a BYE its stack routes by the edge's two Record-Routes. (As a caller, SIPUnit
     * 2.0.0 re-sends the INVITE after the 407 with the 407's To tag: a request inside a dialog
     * the edge never recorded, which the edge refuses as Kamailio's default script does.)
     */
    @ParameterizedTest(name = "a {0} phone calls a SIPUnit phone on {1}")
    @CsvSource({"UDP,udp", "TCP,udp", "UDP,tcp"})
    void aSipUnitPhoneAnswersACallAndHangsUpThroughTheEdge(TestPhone.Via callerVia, String calleeTransport)
            throws Exception {
        SipPhone bob = registered("bob", calleeTransport);
        SipCall callee = bob.createSipCall();
        assertTrue(callee.listenForIncomingCall(), callee.format());
        try (TestPhone alice = new TestPhone(edge, callerVia, "alice", D, "alice-secret").register()) {
            TestPhone.Outgoing call = alice.sendAuthenticated("INVITE", "sip:bob@" + D, ProxyCallTest.SDP);
            assertTrue(callee.waitForIncomingCall(TIMEOUT_MS), callee.format());
            assertTrue(callee.sendIncomingCallResponse(Response.RINGING, "Ringing", 600), callee.format());
            assertEquals(180, alice.awaitResponse(180, "INVITE").status());
            assertTrue(callee.sendIncomingCallResponse(Response.OK, "OK", 600), callee.format());
            SipTestClient.SipResponse ok = alice.awaitResponse(200, "INVITE");
            TestPhone.Dialog dialog = alice.dialogFromAnswer(call, ok);
            alice.send(dialog.request("ACK", call.number));
            assertTrue(callee.waitForAck(TIMEOUT_MS), callee.format());

            // SIPUnit's disconnect waits for the BYE's answer, which the caller gives meanwhile.
            CompletableFuture<Boolean> hungUp = CompletableFuture.supplyAsync(callee::disconnect);
            SipTestClient.SipResponse bye = alice.awaitRequest("BYE");
            assertEquals(TestPhone.tag(ok.first("To")), TestPhone.tag(bye.first("From")), "the callee's dialog");
            alice.send(alice.response(bye, 200, "OK", null));
            assertTrue(hungUp.get(TIMEOUT_MS, TimeUnit.MILLISECONDS), callee.format());
        }
    }
}
