package io.sipedge.sip.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import gov.nist.javax.sip.stack.DatagramQueuedMessageDispatch;
import io.sipedge.sip.transport.EdgeUdpMessageProcessor.AgedQueue;
import java.net.DatagramPacket;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

class AgedQueueTest {
    private static DatagramQueuedMessageDispatch receivedAt(long millis) {
        return new DatagramQueuedMessageDispatch(new DatagramPacket(new byte[1], 1), millis);
    }

    @Test
    void workersSkipDatagramsOlderThanTheLimitAndCountThem() throws Exception {
        LongAdder shed = new LongAdder();
        AgedQueue q = new AgedQueue(8, 500, shed, d -> false);
        long now = System.currentTimeMillis();
        q.offer(receivedAt(now - 5_000));
        q.offer(receivedAt(now - 501));
        DatagramQueuedMessageDispatch fresh = receivedAt(now);
        q.offer(fresh);
        assertSame(fresh, q.take());
        assertEquals(2, shed.sum());

        q.offer(receivedAt(now - 5_000));
        assertNull(q.poll(50, TimeUnit.MILLISECONDS), "only a stale entry: nothing to hand out");
        assertEquals(3, shed.sum());
    }

    @Test
    void theQueueIsBounded() {
        AgedQueue q = new AgedQueue(2, 500, new LongAdder(), d -> false);
        long now = System.currentTimeMillis();
        q.offer(receivedAt(now));
        q.offer(receivedAt(now));
        assertEquals(false, q.offer(receivedAt(now)));
    }
}
