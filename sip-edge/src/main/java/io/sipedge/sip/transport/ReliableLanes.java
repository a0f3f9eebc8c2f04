package io.sipedge.sip.transport;

import gov.nist.javax.sip.message.SIPRequest;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.sip.header.CallIdHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spreads requests read from TCP and TLS connections over a few worker lanes. The RI reads and
 * handles each connection on one thread, so everything a load balancer, SBC or SIPp multiplexes
 * over one connection would run on one core. The RI's own remedy (TCP_POST_PARSING_THREAD_POOL_SIZE)
 * is one pool for the whole JVM that every stack start replaces and every stop shuts down.
 *
 * <p>A request's lane is chosen by its Call-ID, so requests of one Call-ID are still handled in the
 * order they arrived (a REGISTER refresh never overtakes the one before it). Each lane's queue is
 * bounded; a request that finds its lane full is answered at once (503) instead of
 * being handled too late to matter ({@link InboundHandler#overloaded}). UDP requests are handled where they are, by the stack's pool.
 */
final class ReliableLanes implements InboundHandler, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReliableLanes.class);

    private final InboundHandler handler;
    private final ThreadPoolExecutor[] lanes;

    ReliableLanes(String name, int lanes, int queuePerLane, InboundHandler handler) {
        this.handler = handler;
        this.lanes = new ThreadPoolExecutor[lanes];
        for (int i = 0; i < lanes; i++) {
            String thread = name + "-lane-" + i;
            this.lanes[i] = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
                    new ArrayBlockingQueue<>(queuePerLane), r -> {
                        Thread t = new Thread(r, thread);
                        t.setDaemon(true);
                        return t;
                    }, new ThreadPoolExecutor.AbortPolicy());
        }
    }

    @Override
    public boolean handle(SIPRequest request, ReplyPath reply) {
        if (!reply.reliable()) {
            return handler.handle(request, reply);
        }
        CallIdHeader id = request.getCallId();
        int h = id == null ? 0 : id.getCallId().hashCode();
        ThreadPoolExecutor lane = lanes[Math.floorMod(h ^ (h >>> 16), lanes.length)];
        try {
            lane.execute(() -> handler.handle(request, reply));
        } catch (RejectedExecutionException full) {
            if (!lane.isShutdown()) {
                handler.overloaded(request, reply);
            }
        }
        return true;
    }

    @Override
    public void overloaded(SIPRequest request, ReplyPath reply) {
        handler.overloaded(request, reply);
    }

    @Override
    public void close() {
        for (ThreadPoolExecutor lane : lanes) {
            lane.shutdownNow();
        }
        for (ThreadPoolExecutor lane : lanes) {
            try {
                if (!lane.awaitTermination(2, TimeUnit.SECONDS)) {
                    log.warn("a TCP/TLS worker lane did not stop within 2 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
