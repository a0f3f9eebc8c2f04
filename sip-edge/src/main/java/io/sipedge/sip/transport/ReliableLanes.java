package io.sipedge.sip.transport;

import gov.nist.javax.sip.message.SIPRequest;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import javax.sip.header.CallIdHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spreads the work of TCP and TLS connections over a few worker lanes, so everything a load
 * balancer, SBC or SIPp multiplexes over one connection does not run on one core.
 *
 * <p>Work is placed on a lane by its Call-ID, so requests of one Call-ID are still handled in the
 * order they arrived (a REGISTER refresh never overtakes the one before it). Two kinds of work:
 * <ul>
 * <li>TCP ({@link EdgeTcpMessageChannel}): the connection's reader only frames; it queues each
 * message's bytes with {@link #offer}, and the lane parses them and runs the RI's channel
 * processing, whose valve calls {@link #handle} right here, on the lane: the handler runs inline,
 * and what it does not consume goes on to the transaction layer.</li>
 * <li>TLS (the RI's reader and parser threads): {@link #handle} queues the handler call and tells
 * the stack the request was consumed, as before.</li>
 * </ul>
 * UDP requests are handled where they are, by the UDP workers.
 *
 * <p>Each lane's queue is bounded; work that finds its lane full is answered at once (503 with
 * Retry-After, {@link InboundHandler#overloaded}) instead of being handled too late to matter, and a
 * warning every 10 s says how many were refused. The RI's own remedy
 * (TCP_POST_PARSING_THREAD_POOL_SIZE) is one pool for the whole JVM that every stack start replaces
 * and every stop shuts down. The stack creates the message processors by class name, so they find
 * the lanes of their stack through {@link #of(String)}.
 */
final class ReliableLanes implements InboundHandler, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReliableLanes.class);
    private static final Map<String, ReliableLanes> BY_STACK = new ConcurrentHashMap<>();
    private static final long REPORT_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final String stackName;
    private final Lane[] lanes;
    private volatile InboundHandler handler;
    private final LongAdder refused = new LongAdder();
    private final AtomicLong lastReport = new AtomicLong(System.nanoTime());
    private long reported;

    private ReliableLanes(String stackName, int lanes, int queuePerLane) {
        this.stackName = stackName;
        this.lanes = new Lane[lanes];
        for (int i = 0; i < lanes; i++) {
            this.lanes[i] = new Lane(stackName + "-lane-" + i, queuePerLane);
        }
    }

    /** Starts the lanes of the stack named {@code stackName}; they wait for {@link #handleWith}. */
    static ReliableLanes open(String stackName, int lanes, int queuePerLane) {
        ReliableLanes l = new ReliableLanes(stackName, lanes, queuePerLane);
        if (BY_STACK.putIfAbsent(stackName, l) != null) {
            throw new IllegalStateException("lanes of " + stackName + " exist already");
        }
        for (Lane lane : l.lanes) {
            lane.start();
        }
        return l;
    }

    /** The lanes of the stack named {@code stackName}, or null. */
    static ReliableLanes of(String stackName) {
        return BY_STACK.get(stackName);
    }

    void handleWith(InboundHandler h) {
        handler = h;
    }

    /** True on a lane thread: work found here is already off the connection's reader. */
    static boolean onLane() {
        return Thread.currentThread() instanceof Lane;
    }

    /**
     * Queues {@code work} on the lane for {@code callIdHash} (equal Call-IDs, equal hash, same lane).
     *
     * @return false when that lane is full or stopped: the caller sheds the work
     */
    boolean offer(int callIdHash, Runnable work) {
        return lanes[Math.floorMod(callIdHash ^ (callIdHash >>> 16), lanes.length)].queue.offer(work);
    }

    @Override
    public boolean handle(SIPRequest request, ReplyPath reply) {
        InboundHandler h = handler;
        if (h == null) {
            return true; // not wired yet (start-up): drop, the client retries
        }
        if (!reply.reliable() || onLane()) {
            return h.handle(request, reply);
        }
        CallIdHeader id = request.getCallId();
        if (!offer(id == null ? 0 : id.getCallId().hashCode(), () -> h.handle(request, reply))) {
            overloaded(request, reply);
        }
        return true;
    }

    /** The handler's fast path, where the message is (a UDP worker, or the lane of a TCP message). */
    @Override
    public boolean handleRaw(byte[] message, RawReply reply) {
        InboundHandler h = handler;
        return h != null && h.handleRaw(message, reply);
    }

    /** Answers a request no lane has room for, and counts it for the periodic warning. */
    @Override
    public void overloaded(SIPRequest request, ReplyPath reply) {
        refused.increment();
        InboundHandler h = handler;
        if (h != null) {
            h.overloaded(request, reply);
        }
        long last = lastReport.get();
        long now = System.nanoTime();
        if (now - last > REPORT_EVERY_NANOS && lastReport.compareAndSet(last, now)) {
            report();
        }
    }

    private synchronized void report() {
        long total = refused.sum();
        if (total != reported) {
            log.warn("TCP/TLS overload: {} requests refused with 503 for a full worker lane in the last 10 s",
                    total - reported);
            reported = total;
        }
    }

    /** Requests refused for a full lane so far. */
    long refusedCount() {
        return refused.sum();
    }

    @Override
    public void close() {
        BY_STACK.remove(stackName, this);
        for (Lane lane : lanes) {
            lane.shutdown();
        }
        for (Lane lane : lanes) {
            try {
                lane.join(2000);
                if (lane.isAlive()) {
                    log.warn("TCP/TLS worker lane {} did not stop within 2 s", lane.getName());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** One worker thread and its bounded queue. */
    private static final class Lane extends Thread {
        final ArrayBlockingQueue<Runnable> queue;
        private volatile boolean running = true;

        Lane(String name, int capacity) {
            super(name);
            setDaemon(true);
            queue = new ArrayBlockingQueue<>(capacity);
        }

        @Override
        public void run() {
            while (running) {
                Runnable work;
                try {
                    work = queue.take();
                } catch (InterruptedException e) {
                    continue; // shutdown() clears running first
                }
                try {
                    work.run();
                } catch (Throwable t) { // NOPMD: one failed message must not stop the lane
                    // The class only: RI exception messages may quote the whole message, credentials included.
                    log.warn("work on {} failed: {}", getName(), t.getClass().getName());
                }
            }
        }

        void shutdown() {
            running = false;
            queue.clear();
            interrupt();
        }
    }
}
