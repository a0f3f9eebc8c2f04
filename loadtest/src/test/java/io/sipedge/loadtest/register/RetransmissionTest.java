package io.sipedge.loadtest.register;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.loadtest.responder.Responder;
import io.sipedge.loadtest.responder.ResponderOptions;
import io.sipedge.loadtest.transport.TransportType;
import java.net.InetAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** RFC 3261 §17.1.2 non-INVITE client transactions: Timer E over UDP, Timer F everywhere. */
@Timeout(30)
class RetransmissionTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @Test
    void udpRetransmitsWhenTheFirstCopyOfEachRequestIsLost() throws Exception {
        int n = 5;
        try (Responder responder = Responder.start(ResponderOptions.of(LOOPBACK, 0).withTransports(true, false)
                .withMode(ResponderOptions.Mode.DROP_FIRST_COPY))) {
            RunResult r = RegisterLoad.run(RegisterOptions.builder("127.0.0.1", responder.udpPort(), TransportType.UDP,
                    Users.generate(100, "example.com")).rate(10).durationSeconds(n / 10.0).timeoutSeconds(5).build());
            assertEquals(n, r.succeeded(), r.failures().toString());
            assertEquals(Map.of(), r.failures());
            assertTrue(r.retransmissions() >= 2L * n, "at least one per leg, got " + r.retransmissions());
            assertEquals(2L * n, responder.dropped(), "exactly the first copies were dropped");
            // each leg waited for Timer E (T1 = 500 ms) before its retransmission got answered
            assertTrue(r.leg1().p50Ms() >= 490 && r.leg2().p50Ms() >= 490, r.leg1() + " " + r.leg2());
            assertTrue(r.registration().p50Ms() >= 980, r.registration().toString());
        }
    }

    @Test
    void udpTimesOutAfterTimerFWithRetransmissionsAtT1Doubling() throws Exception {
        int n = 4;
        try (Responder responder = Responder.start(ResponderOptions.of(LOOPBACK, 0).withTransports(true, false)
                .withMode(ResponderOptions.Mode.SILENT))) {
            long t0 = System.nanoTime();
            RunResult r = RegisterLoad.run(RegisterOptions.builder("127.0.0.1", responder.udpPort(), TransportType.UDP,
                    Users.generate(100, "example.com")).rate(10).durationSeconds(n / 10.0).timeoutSeconds(2).build());
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertEquals(0, r.succeeded());
            assertEquals(Map.of("timeout", (long) n), r.failures());
            // Timer E fires at 0.5 s and 1.5 s, then would at 3.5 s, after Timer F (2 s)
            assertEquals(2L * n, r.retransmissions());
            assertEquals(3L * n, responder.requests());
            assertTrue(seconds >= 2 && seconds < 4, "drain waited for Timer F: " + seconds);
        }
    }

    @Test
    void tcpNeverRetransmitsAndTimesOut() throws Exception {
        int n = 3;
        try (Responder responder = Responder.start(ResponderOptions.of(LOOPBACK, 0).withTransports(false, true)
                .withMode(ResponderOptions.Mode.SILENT))) {
            RunResult r = RegisterLoad.run(RegisterOptions.builder("127.0.0.1", responder.tcpPort(), TransportType.TCP,
                    Users.generate(100, "example.com")).rate(10).durationSeconds(n / 10.0).timeoutSeconds(1).build());
            assertEquals(Map.of("timeout", (long) n), r.failures());
            assertEquals(0, r.retransmissions());
            assertEquals(n, responder.requests());
        }
    }
}
