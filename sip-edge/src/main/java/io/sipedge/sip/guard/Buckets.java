package io.sipedge.sip.guard;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.time.InstantSource;
import java.util.function.Function;

/**
 * Token buckets (bucket4j, lock-free) per key, in a bounded table (Caffeine): a key not seen for
 * the time its bucket takes to fill again is forgotten, which changes nothing, since a new bucket
 * starts full. Past {@code maxKeys} the least recently used are forgotten first. Time is the
 * injected clock's. The table's upkeep runs on the calling thread, a little at a time: handed to
 * a pool, it woke a thread for every few hundred reads, which cost more CPU than the reads.
 */
final class Buckets<K> {
    private final Cache<K, Bucket> buckets;
    private final Function<K, Bucket> create;

    /**
     * @param tokens tokens added every {@code period}, evenly
     * @param burst  the bucket's size: what a quiet key may spend at once
     */
    Buckets(long tokens, Duration period, long burst, int maxKeys, InstantSource clock) {
        TimeMeter meter = meter(clock);
        Duration full = period.multipliedBy(burst).dividedBy(tokens).plusSeconds(1);
        this.buckets = Caffeine.newBuilder().executor(Runnable::run).maximumSize(maxKeys).expireAfterAccess(full)
                .build();
        this.create = k -> single(tokens, period, burst, meter);
    }

    /** Takes a token of {@code key}'s bucket; false when it is empty. */
    boolean take(K key) {
        return buckets.get(key, create).tryConsume(1);
    }

    /** One bucket, not keyed. */
    static Bucket single(long tokens, Duration period, long burst, InstantSource clock) {
        return single(tokens, period, burst, meter(clock));
    }

    private static Bucket single(long tokens, Duration period, long burst, TimeMeter meter) {
        return Bucket.builder().addLimit(l -> l.capacity(burst).refillGreedy(tokens, period))
                .withCustomTimePrecision(meter).build();
    }

    private static TimeMeter meter(InstantSource clock) {
        return new TimeMeter() {
            @Override
            public long currentTimeNanos() {
                return clock.millis() * 1_000_000L; // milliseconds are precise enough, and allocate nothing
            }

            @Override
            public boolean isWallClockBased() {
                return true;
            }
        };
    }
}
