package io.sipedge.launcher;

import io.sipedge.location.LocationStore;
import io.sipedge.model.Flow;
import io.sipedge.observe.TransportEvents;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets a closed connection's bindings go ({@link LocationStore#closeFlow}) on a thread of its own,
 * not on the event loop that saw the connection close. A phone's connection carries one AOR, but an
 * SBC's, a load balancer's or a load generator's carries thousands: the store takes 80-150 ms to
 * release 100 000 (more with its listeners), and every other connection of that event loop would
 * wait that long.
 *
 * <p>Bounded: at most {@code capacity} closes wait (the connection cap, up to a million: a linked
 * queue, so nothing of that size is allocated up front); past that the closing thread does the
 * work itself, so a close is never dropped. Order does not matter:
 * a close only touches bindings still on that connection, and a phone that registered again on a
 * new connection has already moved its binding off it.
 */
final class FlowCloser implements Consumer<Flow>, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FlowCloser.class);

    private final LocationStore locations;
    private final TransportEvents events;
    private final ThreadPoolExecutor thread;

    FlowCloser(LocationStore locations, TransportEvents events, int capacity) {
        this.locations = locations;
        this.events = events;
        this.thread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(capacity),
                r -> {
                    Thread t = new Thread(r, "flow-closer");
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.CallerRunsPolicy());
    }

    @Override
    public void accept(Flow flow) {
        thread.execute(() -> close(flow));
    }

    private void close(Flow flow) {
        try {
            if (locations.closeFlow(flow.connection()) > 0) {
                events.flowClosedWithBindings(flow.transport());
            }
        } catch (RuntimeException e) { // keep the thread for the next close
            log.warn("bindings of closed connection {} not released: {}", flow.connection(), e.toString());
        }
    }

    /** Finishes the closes already waiting (up to 2 s), then stops. */
    @Override
    public void close() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(2, TimeUnit.SECONDS)) {
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            thread.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
