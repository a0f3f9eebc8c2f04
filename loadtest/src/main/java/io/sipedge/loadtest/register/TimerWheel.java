package io.sipedge.loadtest.register;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A hashed timer wheel of {@code long} entries, run by one thread. Hundreds of thousands of pending
 * transactions cost one slot in a {@code long[]} each: no objects, no heap ordering. There is no
 * cancel: the expiry callback checks whether the entry is still current and ignores stale ones.
 * The wheel spans more than the longest delay ever scheduled, so an entry fires on its first pass.
 */
final class TimerWheel implements AutoCloseable {
    /** Called on the wheel's thread, at or after the entry's deadline, never before. */
    @FunctionalInterface
    interface Expiry {
        void expired(long entry, long nowNanos);
    }

    private final long tickNanos;
    private final long origin;
    private final int mask;
    private final long[][] slots;
    private final int[] counts;
    private final Expiry expiry;
    private final Thread thread;
    private long processedTick; // guarded by this
    private volatile boolean running = true;

    TimerWheel(long tickNanos, long maxDelayNanos, Expiry expiry, String threadName) {
        this.tickNanos = tickNanos;
        long ticks = maxDelayNanos / tickNanos + 2;
        int size = Integer.highestOneBit((int) Math.min(ticks, 1 << 22)) << 1;
        this.mask = size - 1;
        this.slots = new long[size][];
        this.counts = new int[size];
        this.expiry = expiry;
        this.origin = System.nanoTime();
        this.thread = new Thread(this::run, threadName);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Fires {@code entry} at the first tick at or after {@code deadlineNanos} (System.nanoTime). */
    void schedule(long deadlineNanos, long entry) {
        long tick = Math.floorDiv(deadlineNanos - origin + tickNanos - 1, tickNanos);
        synchronized (this) {
            if (tick <= processedTick) {
                tick = processedTick + 1;
            } else if (tick > processedTick + mask) {
                tick = processedTick + mask; // never happens for delays within maxDelayNanos
            }
            int i = (int) (tick & mask);
            long[] slot = slots[i];
            int n = counts[i];
            if (slot == null) {
                slot = slots[i] = new long[16];
            } else if (n == slot.length) {
                slot = slots[i] = Arrays.copyOf(slot, n * 2);
            }
            slot[n] = entry;
            counts[i] = n + 1;
        }
    }

    private void run() {
        long[] spare = new long[16];
        while (running) {
            long next;
            synchronized (this) {
                next = processedTick + 1;
            }
            long due = origin + next * tickNanos;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
                continue;
            }
            long[] entries;
            int n;
            synchronized (this) {
                int i = (int) (next & mask);
                entries = slots[i];
                n = counts[i];
                slots[i] = spare;
                counts[i] = 0;
                processedTick = next;
            }
            long now = System.nanoTime();
            for (int k = 0; k < n; k++) {
                try {
                    expiry.expired(entries[k], now);
                } catch (RuntimeException e) {
                    e.printStackTrace(); // a bug; keep the timers going
                }
            }
            spare = entries == null ? new long[16] : entries;
        }
    }

    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
