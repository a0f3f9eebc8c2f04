package io.sipedge.sip.transport;

import io.sipedge.model.Flow;
import io.sipedge.model.Transport;
import io.sipedge.observe.ConnectionEnd;
import io.sipedge.observe.TransportEvents;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open connections by number, so a message for a flow finds its connection; counts them by
 * transport, and tells the metrics and the flow's owner (the location store) when one closes.
 */
final class StreamRegistry {
    private static final Logger log = LoggerFactory.getLogger(StreamRegistry.class);

    private final ConcurrentHashMap<Long, StreamConnection> open = new ConcurrentHashMap<>();
    private final AtomicInteger[] byTransport = new AtomicInteger[Transport.values().length];
    private final TransportEvents events;
    private final Consumer<Flow> flowClosed;

    StreamRegistry(TransportEvents events, Consumer<Flow> flowClosed) {
        this.events = events;
        this.flowClosed = flowClosed;
        for (int i = 0; i < byTransport.length; i++) {
            byTransport[i] = new AtomicInteger();
        }
    }

    void opened(StreamConnection c) {
        Flow f = c.flow();
        open.put(f.connection(), c);
        byTransport[f.transport().ordinal()].incrementAndGet();
        events.connectionOpened(f.transport());
    }

    void closed(StreamConnection c, ConnectionEnd why) {
        Flow f = c.flow();
        if (f == null || !open.remove(f.connection(), c)) {
            return; // never active
        }
        byTransport[f.transport().ordinal()].decrementAndGet();
        events.connectionEnded(f.transport(), why);
        try {
            flowClosed.accept(f);
        } catch (RuntimeException e) {
            log.warn("handling the close of {} connection {} failed: {}", f.transport(), f.connection(), e.toString());
        }
    }

    /** The open connection of that number, or null. */
    StreamConnection get(long connection) {
        return open.get(connection);
    }

    int count(Transport t) {
        return byTransport[t.ordinal()].get();
    }

    long queuedBytes() {
        long sum = 0;
        for (StreamConnection c : open.values()) {
            sum += c.queuedBytes();
        }
        return sum;
    }

    /** Closes every connection (the edge is stopping). */
    void closeAll() {
        for (StreamConnection c : open.values()) {
            c.end(ConnectionEnd.SHUTDOWN);
        }
    }
}
