package io.sipedge.testing;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;

/** A clock tests move by hand, so expiry is tested without sleeping. Thread-safe. */
public final class MutableClock implements InstantSource {
    private final AtomicReference<Instant> now;

    public MutableClock(Instant start) {
        this.now = new AtomicReference<>(start);
    }

    /** Starts at the real current time, truncated to seconds (SIP expiry has second granularity). */
    public static MutableClock atNow() {
        return new MutableClock(Instant.ofEpochSecond(Instant.now().getEpochSecond()));
    }

    @Override
    public Instant instant() {
        return now.get();
    }

    public Instant advance(Duration d) {
        return now.updateAndGet(t -> t.plus(d));
    }
}
