package io.sipedge.loadtest.register;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.loadtest.responder.Responder;
import io.sipedge.loadtest.responder.ResponderOptions;
import io.sipedge.loadtest.transport.TransportType;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class FindMaxTest {

    @Test
    void findsTheRateAResponderLimitedTo500PerSecondSustains() throws Exception {
        // TCP so that dropped requests become failures instead of being retransmitted
        try (Responder responder = Responder.start(ResponderOptions.of(InetAddress.getLoopbackAddress(), 0)
                .withTransports(false, true).withMaxRegistrationsPerSecond(500))) {
            RegisterOptions o = RegisterOptions.builder("127.0.0.1", responder.tcpPort(), TransportType.TCP,
                    Users.generate(5000, "example.com")).timeoutSeconds(1).build();
            FindMaxResult f = RegisterLoad.findMax(o, new FindMaxOptions(200, 200, 1000, 1, 0), null);
            assertEquals(400, f.maxSustained());
            List<FindMaxResult.Step> steps = f.steps();
            assertEquals(3, steps.size(), "stops after the first failing step");
            assertTrue(steps.get(0).passed() && steps.get(1).passed());
            assertNull(steps.get(1).failReason());
            FindMaxResult.Step last = steps.get(2);
            assertFalse(last.passed());
            assertEquals(600, last.result().targetRate());
            assertTrue(last.result().failures("timeout") > 0, last.result().failures().toString());
            assertTrue(last.failReason().startsWith("failures "), last.failReason());
            assertEquals(last.failReason(), f.stopReason());
        }
    }

    @Test
    void udpOverloadFailsTheStepEvenThoughRetransmissionsSucceedInTheDrain() throws Exception {
        try (Responder responder = Responder.start(ResponderOptions.of(InetAddress.getLoopbackAddress(), 0)
                .withTransports(true, false).withMaxRegistrationsPerSecond(500))) {
            RegisterOptions o = RegisterOptions.builder("127.0.0.1", responder.udpPort(), TransportType.UDP,
                    Users.generate(5000, "example.com")).timeoutSeconds(5).build();
            FindMaxResult f = RegisterLoad.findMax(o, new FindMaxOptions(300, 300, 900, 1, 0), null);
            assertEquals(300, f.maxSustained());
            RunResult overloaded = f.steps().get(1).result();
            assertEquals(Map.of(), overloaded.failures(), "every registration got through in the end");
            assertTrue(overloaded.retransmissions() > 0);
            assertTrue(overloaded.achievedRate() >= 0.95 * 600);
            assertTrue(f.steps().get(1).failReason().startsWith("only "), f.steps().get(1).failReason());
        }
    }

    @Test
    void stepVerdicts() {
        LatencySummary l = new LatencySummary(0, 0, 0, 0, 0);
        assertNull(RegisterLoad.failReason(new RunResult(100, 10, 1000, 999, Map.of("timeout", 0L), 0, 0, l, l, l, 99.9, 99, 0, 0, -1)));
        assertTrue(RegisterLoad.failReason(new RunResult(100, 10, 1000, 999, Map.of("timeout", 1L), 0, 0, l, l, l, 99.9, 99, 0, 0, -1))
                .startsWith("failures 1 of 1000"), "0.1 % of attempted fails");
        assertTrue(RegisterLoad.failReason(new RunResult(100, 10, 1000, 940, Map.of(), 60, 0, l, l, l, 94, 94, 0, 0, -1))
                .startsWith("achieved 94.0/s < 95% of target 100/s"));
        assertNull(RegisterLoad.failReason(new RunResult(100, 10, 950, 950, Map.of(), 50, 0, l, l, l, 95, 95, 0, 0, -1)));
        assertTrue(RegisterLoad.failReason(new RunResult(100, 10, 1000, 1000, Map.of(), 0, 5000, l, l, l, 100, 60, 0, 0, -1))
                .startsWith("only 60.0/s completed within the step"), "late successes in the drain do not count");
    }
}
