package io.sipedge.it;

import static io.sipedge.it.RegistrarRulesTest.NO_HTTP;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.it.Softphone.Transport;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The real-client check: two Debian softphones, baresip 1.0 (over UDP) and linphonec 5.1
 * (over TCP), each in its own temporary config directory, register to the edge with digest and
 * call each other through it: each calls the other, and either the caller or the callee hangs up.
 * The callee is told to answer, both report the call established, the BYE ends it on both sides.
 * baresip's SIP trace shows the edge's Record-Route in the dialog, so the BYE went through it too.
 *
 * <p>The tenant has the defaults (MD5 challenges: baresip 1.0's digest code gives up on a 401 or
 * 407 that also carries a SHA-256 challenge). Both clients are required, never skipped: CI
 * installs them.
 */
@Timeout(90)
class RealSoftphoneCallTest {
    private static final String D = "softphones.example.com";
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final AtomicInteger CALLS = new AtomicInteger();
    static EdgeUnderTest edge;

    @BeforeAll
    static void start() throws Exception {
        assertTrue(Softphone.installed("baresip"), "baresip is required (apt-get install baresip-core; .ci/run does)");
        assertTrue(Softphone.installed("linphonec"), "linphonec is required (apt-get install linphone-cli; .ci/run does)");
        edge = EdgeUnderTest.start(NO_HTTP, "sip.tls-port=-1", "sip.ws-port=-1", "sip.wss-port=-1");
    }

    @AfterAll
    static void stop() throws Exception {
        if (edge != null) {
            edge.close();
        }
    }

    private static Softphone phone(String program, String user) throws Exception {
        edge.user(D, user, user + "-secret");
        return program.equals("baresip")
                ? Softphone.baresip(edge, user, D, user + "-secret", Transport.UDP)
                : Softphone.linphonec(edge, user, D, user + "-secret", Transport.TCP);
    }

    @ParameterizedTest(name = "{0} calls {1}, the {2} hangs up")
    @CsvSource({"baresip,linphonec,caller", "baresip,linphonec,callee", "linphonec,baresip,caller",
        "linphonec,baresip,callee"})
    void oneSoftphoneCallsTheOtherThroughTheEdge(String callerProgram, String calleeProgram, String hangsUp)
            throws Exception {
        int n = CALLS.incrementAndGet();
        try (Softphone caller = phone(callerProgram, callerProgram + n);
             Softphone callee = phone(calleeProgram, calleeProgram + n)) {
            try {
                caller.awaitRegistered(edge, WAIT);
                callee.awaitRegistered(edge, WAIT);

                caller.dial(callee.aor());
                callee.awaitIncomingCallFrom(caller.aor(), WAIT);
                callee.answer();
                callee.awaitEstablishedWith(caller.aor(), WAIT);
                caller.awaitEstablishedWith(callee.aor(), WAIT);
                assertEdgeRecordRoutes(caller.program.equals("baresip") ? caller : callee);

                // The BYE goes through the edge (its Record-Route) to the other phone's flow.
                Softphone ender = hangsUp.equals("caller") ? caller : callee;
                Softphone other = ender == caller ? callee : caller;
                ender.hangUp();
                ender.awaitHungUp(other.aor(), WAIT);
                other.awaitHungUpBy(ender.aor(), WAIT);
            } catch (AssertionError e) {
                throw withReports(e, caller, callee);
            } finally {
                // In the test's -output.txt: what each phone printed, its SIP trace for baresip.
                System.out.println("--- " + caller + " console ---\n" + caller.output());
                System.out.println("--- " + callee + " console ---\n" + callee.output());
            }
        }
    }

    /** baresip's trace of the INVITE's 2xx (or the INVITE) has a Record-Route naming the edge's SIP port. */
    private static void assertEdgeRecordRoutes(Softphone baresip) {
        String edgeHop = "@127.0.0.1:" + edge.sipPort() + ";";
        String out = baresip.output();
        assertTrue(out.lines().anyMatch(l -> l.regionMatches(true, 0, "Record-Route:", 0, 13) && l.contains(edgeHop)
                        && l.contains(";lr")),
                "the edge record-routes the call (" + edgeHop + "), so in-dialog requests go through it:\n" + out);
    }

    /** The failure, with the console (and log) of each phone it does not show yet. */
    static AssertionError withReports(AssertionError e, Softphone... phones) {
        StringBuilder sb = new StringBuilder(String.valueOf(e.getMessage()));
        for (Softphone p : phones) {
            if (!sb.toString().contains("--- " + p + " console ---")) {
                sb.append('\n').append(p.report());
            }
        }
        return new AssertionError(sb.toString(), e);
    }
}
