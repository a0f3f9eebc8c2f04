package io.sipedge.sip.transport;

import io.sipedge.observe.ConnectionEnd;
import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts open connections in total and per source address, and refuses one past either cap, so no
 * single client (or scanner) can hold every descriptor the edge has. Lock-free on the accept path:
 * one counter and one per-address entry, removed when its last connection closes.
 */
final class ConnectionGate {
    private final int maxTotal;
    private final int maxPerIp;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, AtomicInteger> perIp = new ConcurrentHashMap<>();

    ConnectionGate(int maxTotal, int maxPerIp) {
        this.maxTotal = maxTotal;
        this.maxPerIp = maxPerIp;
    }

    /** Counts a new connection from {@code ip}, or refuses it: the cap it would pass, or null when admitted. */
    ConnectionEnd admit(InetAddress ip) {
        if (total.incrementAndGet() > maxTotal) {
            total.decrementAndGet();
            return ConnectionEnd.CAP_TOTAL;
        }
        boolean[] over = new boolean[1];
        perIp.compute(ip, (k, n) -> {
            AtomicInteger c = n == null ? new AtomicInteger() : n;
            if (c.get() >= maxPerIp) {
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

    /** An admitted connection from {@code ip} has closed. */
    void release(InetAddress ip) {
        perIp.computeIfPresent(ip, (k, c) -> c.decrementAndGet() == 0 ? null : c);
        total.decrementAndGet();
    }

    /** Connections admitted and not yet closed. */
    int open() {
        return total.get();
    }
}
