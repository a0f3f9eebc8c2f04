package io.sipedge.security;

import io.sipedge.observe.ConnectionEnd;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts open connections in total and per source, and refuses one past either cap, so no single
 * client (or scanner) can hold every descriptor the edge has: the SIP listeners' and the HTTP
 * server's. Lock-free on the accept path: one counter and one per-source entry, removed when its
 * last connection closes. A null source (a trusted proxy carrying many clients) counts in the total
 * only.
 *
 * @param <K> what a source is (an address)
 */
public final class ConnectionCaps<K> {
    private final int maxTotal;
    private final int maxPerSource;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<K, AtomicInteger> perSource = new ConcurrentHashMap<>();

    public ConnectionCaps(int maxTotal, int maxPerSource) {
        this.maxTotal = maxTotal;
        this.maxPerSource = maxPerSource;
    }

    /** Counts a new connection from {@code source}, or refuses it: the cap it would pass, or null when admitted. */
    public ConnectionEnd admit(K source) {
        if (total.incrementAndGet() > maxTotal) {
            total.decrementAndGet();
            return ConnectionEnd.CAP_TOTAL;
        }
        if (source == null) {
            return null;
        }
        boolean[] over = new boolean[1];
        perSource.compute(source, (k, n) -> {
            AtomicInteger c = n == null ? new AtomicInteger() : n;
            if (c.get() >= maxPerSource) {
                over[0] = true;
            } else {
                c.incrementAndGet();
            }
            return c.get() == 0 ? null : c;
        });
        if (over[0]) {
            total.decrementAndGet();
            return ConnectionEnd.CAP_PER_IP;
        }
        return null;
    }

    /** An admitted connection from {@code source} (null as it was admitted) has closed. */
    public void release(K source) {
        if (source != null) {
            perSource.computeIfPresent(source, (k, c) -> c.decrementAndGet() == 0 ? null : c);
        }
        total.decrementAndGet();
    }

    /** Connections admitted and not yet closed. */
    public int open() {
        return total.get();
    }
}
