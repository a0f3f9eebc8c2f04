package io.sipedge.sip.transport;

import gov.nist.javax.sip.stack.DatagramQueuedMessageDispatch;
import gov.nist.javax.sip.stack.SIPTransactionStack;
import gov.nist.javax.sip.stack.UDPMessageChannel;
import gov.nist.javax.sip.stack.UDPMessageProcessor;
import io.sipedge.model.Transport;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.SocketException;
import java.util.Arrays;
import java.util.LinkedList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RI's UDP reader with the two changes that decide how the edge behaves under load.
 *
 * <p>The RI allocates a {@code MAX_MESSAGE_SIZE} buffer for every datagram and queues it without
 * bound until its congestion auditor (every 2 s) purges old entries. Past the edge's capacity that
 * queue held hundreds of megabytes of mostly empty 8 KB buffers: full GCs back to back, and the
 * throughput collapsed to a fifth of the offered rate. Here the reader receives into one reused
 * buffer and queues an exact-size copy (a REGISTER is about 500 bytes), the queue is bounded, and a
 * worker skips any datagram that waited longer than the age limit: by then the phone has
 * retransmitted (Timer E starts at 500 ms), so answering the old copy is wasted work. When the
 * queue is full the oldest entry is dropped, for the same reason. Datagrams larger than the
 * message size limit are dropped whole instead of being parsed truncated.
 *
 * <p>Everything after the queue (parsing, the valve, transactions) is the RI's own
 * {@link UDPMessageChannel}, so messages take the same path as before.
 */
final class EdgeUdpMessageProcessor extends UDPMessageProcessor {
    private static final Logger log = LoggerFactory.getLogger(EdgeUdpMessageProcessor.class);
    /** Largest UDP payload: the receive buffer never truncates, so oversize is detected, not guessed. */
    private static final int MAX_DATAGRAM = 65_535;

    private final int maxMessageSize;
    private final int workers;
    private final InboundHandler rawHandler;
    private final String stackName;
    private final AgedQueue queue;
    private final LongAdder shedOld = new LongAdder();
    private final LongAdder shedFull = new LongAdder();

    EdgeUdpMessageProcessor(InetAddress address, SIPTransactionStack stack, int port, String stackName,
                            UdpIngress ingress) throws IOException {
        super(address, stack, port);
        this.stackName = stackName;
        this.maxMessageSize = ingress.maxMessageSize();
        this.workers = ingress.workers();
        this.rawHandler = ingress.rawHandler();
        this.queue = new AgedQueue(ingress.queueCapacity(), ingress.maxAgeMs(), shedOld, this::answeredRaw);
        this.messageQueue = queue;
        this.messageChannels = new LinkedList<UDPMessageChannel>(); // stop() may come before run()
    }

    /**
     * How the reader queues datagrams; read from the stack's properties by the factory.
     *
     * @param rawHandler offered each datagram before the RI parses it; null for none
     */
    record UdpIngress(int maxMessageSize, int workers, int queueCapacity, long maxAgeMs, InboundHandler rawHandler) {
    }

    /** On a worker: true when the edge answered the datagram from its bytes (the RI never sees it). */
    private boolean answeredRaw(DatagramQueuedMessageDispatch work) {
        InboundHandler h = rawHandler;
        DatagramPacket p = work.packet;
        // Whole and within sip.max-message-size: the reader dropped the rest before queueing.
        if (h == null || p.getLength() == 0) {
            return false;
        }
        try {
            return h.handleRaw(p.getData(), new RawReply(Transport.UDP, p.getAddress(), p.getPort(), this::sendRaw));
        } catch (Throwable t) { // NOPMD: runs inside the RI worker's take(), which would die of it
            log.warn("UDP datagram from {} dropped: {}", p.getAddress().getHostAddress(), t.toString());
            return true;
        }
    }

    /** From the listening socket, like the RI's replies (so they pass back through the phone's NAT). */
    private void sendRaw(byte[] bytes, InetAddress to, int port) throws IOException {
        sock.send(new DatagramPacket(bytes, bytes.length, to, port));
    }

    @Override
    @SuppressWarnings("unchecked")
    public void run() {
        for (int i = 0; i < workers; i++) {
            // The RI's worker: takes from messageQueue, parses, runs the valve and the stack.
            messageChannels.add(new UDPMessageChannel(getSIPStack(), this, stackName + "-udp-worker-" + i) { });
        }
        byte[] buffer = new byte[MAX_DATAGRAM];
        DatagramPacket in = new DatagramPacket(buffer, buffer.length);
        long lastReport = System.nanoTime();
        while (isRunning) {
            try {
                in.setData(buffer, 0, buffer.length);
                sock.receive(in);
                int length = in.getLength();
                if (length > maxMessageSize) {
                    continue; // dropped whole: a parser would only see a cut-off message
                }
                DatagramPacket copy = new DatagramPacket(Arrays.copyOf(buffer, length), length,
                        in.getAddress(), in.getPort());
                DatagramQueuedMessageDispatch work = new DatagramQueuedMessageDispatch(copy, System.currentTimeMillis());
                while (!queue.offer(work)) {
                    if (queue.poll() != null) {
                        shedFull.increment();
                    }
                }
                if (System.nanoTime() - lastReport > TimeUnit.SECONDS.toNanos(10)) {
                    lastReport = System.nanoTime();
                    reportShedding();
                }
            } catch (SocketException e) {
                if (!isRunning) {
                    return;
                }
                log.warn("UDP receive on port {} failed: {}", getPort(), e.toString());
            } catch (IOException | RuntimeException e) {
                // One bad datagram or a transient socket error never ends the reader.
                log.warn("UDP receive on port {} failed: {}", getPort(), e.toString());
            }
        }
    }

    /** Also wakes the workers: each takes one empty entry, sees the processor stopped and ends. */
    @Override
    public void stop() {
        super.stop();
        queue.clear();
        for (int i = 0; i < workers; i++) {
            queue.offer(new DatagramQueuedMessageDispatch(new DatagramPacket(new byte[0], 0),
                    System.currentTimeMillis()));
        }
    }

    private long reportedOld;
    private long reportedFull;

    private void reportShedding() {
        long old = shedOld.sum();
        long full = shedFull.sum();
        if (old != reportedOld || full != reportedFull) {
            log.warn("UDP overload on port {}: {} datagrams dropped as too old and {} for a full queue "
                    + "in the last 10 s", getPort(), old - reportedOld, full - reportedFull);
            reportedOld = old;
            reportedFull = full;
        }
    }

    /** A bounded queue whose consumers skip entries that waited longer than the age limit. */
    static final class AgedQueue extends LinkedBlockingQueue<DatagramQueuedMessageDispatch> {
        private static final long serialVersionUID = 1L;
        private final long maxAgeMs;
        private final transient LongAdder shed;
        /** The fast path: a datagram it answers is never handed to the RI's worker loop. */
        private final transient Predicate<DatagramQueuedMessageDispatch> answered;

        AgedQueue(int capacity, long maxAgeMs, LongAdder shed, Predicate<DatagramQueuedMessageDispatch> answered) {
            super(capacity);
            this.maxAgeMs = maxAgeMs;
            this.shed = shed;
            this.answered = answered;
        }

        /** Taken by a worker: ripe enough, and not answered by the fast path on the way. */
        private boolean forTheStack(DatagramQueuedMessageDispatch d) {
            if (System.currentTimeMillis() - d.getReceptionTime() > maxAgeMs) {
                shed.increment();
                return false;
            }
            return !answered.test(d);
        }

        @Override
        public DatagramQueuedMessageDispatch take() throws InterruptedException {
            while (true) {
                DatagramQueuedMessageDispatch d = super.take();
                if (forTheStack(d)) {
                    return d;
                }
            }
        }

        @Override
        public DatagramQueuedMessageDispatch poll(long timeout, TimeUnit unit) throws InterruptedException {
            long deadline = System.nanoTime() + unit.toNanos(timeout);
            while (true) {
                DatagramQueuedMessageDispatch d = super.poll(Math.max(0, deadline - System.nanoTime()),
                        TimeUnit.NANOSECONDS);
                if (d == null || forTheStack(d)) {
                    return d;
                }
            }
        }
    }
}
