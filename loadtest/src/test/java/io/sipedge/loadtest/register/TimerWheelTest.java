package io.sipedge.loadtest.register;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TimerWheelTest {

    @Test
    void entriesFireAtOrAfterTheirDeadlineAndNotMuchLater() throws Exception {
        Map<Long, Long> firedAt = new ConcurrentHashMap<>();
        CountDownLatch all = new CountDownLatch(4);
        long tick = TimeUnit.MILLISECONDS.toNanos(10);
        try (TimerWheel w = new TimerWheel(tick, TimeUnit.SECONDS.toNanos(2), (e, now) -> {
            firedAt.put(e, now);
            all.countDown();
        }, "test-wheel")) {
            w.start();
            long t0 = System.nanoTime();
            long[] delaysMs = {-5, 30, 250, 1500}; // a deadline already past fires at the next tick
            for (long d : delaysMs) {
                w.schedule(t0 + TimeUnit.MILLISECONDS.toNanos(d), d);
            }
            assertTrue(all.await(5, TimeUnit.SECONDS));
            for (long d : delaysMs) {
                long late = firedAt.get(d) - (t0 + TimeUnit.MILLISECONDS.toNanos(d));
                assertTrue(late >= 0, d + " fired early by " + -late + " ns");
                assertTrue(late < TimeUnit.MILLISECONDS.toNanos(200), d + " fired " + late / 1_000_000 + " ms late");
            }
            assertEquals(4, firedAt.size());
        }
    }
}
