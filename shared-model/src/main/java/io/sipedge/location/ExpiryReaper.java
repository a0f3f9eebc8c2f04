package io.sipedge.location;

import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs {@link LocationStore#reapExpired} on its own daemon thread, reading time from the injected clock. */
public final class ExpiryReaper implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ExpiryReaper.class);
    private final ScheduledExecutorService timer;

    public ExpiryReaper(LocationStore store, InstantSource clock, Duration period) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "binding-reaper");
            t.setDaemon(true);
            return t;
        });
        long ms = Math.max(10, period.toMillis());
        timer.scheduleWithFixedDelay(() -> {
            try {
                store.reapExpired(clock.instant());
            } catch (RuntimeException e) {
                log.warn("binding reaper: {}", e.toString()); // keep the schedule alive
            }
        }, ms, ms, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
