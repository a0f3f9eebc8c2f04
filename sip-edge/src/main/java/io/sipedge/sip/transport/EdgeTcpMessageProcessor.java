package io.sipedge.sip.transport;

import gov.nist.javax.sip.parser.MessageParser;
import gov.nist.javax.sip.stack.SIPTransactionStack;
import gov.nist.javax.sip.stack.TCPMessageProcessor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RI's TCP processor (listening socket, channel caches, stop, outbound channels) with its own
 * accept loop, which makes every accepted connection an {@link EdgeTcpMessageChannel}: one thread
 * per connection that only frames bytes, the parsing and handling on the {@link ReliableLanes}.
 *
 * <p>The RI's TCP connections each ran two threads, a socket reader and a parser fed through a
 * {@code Pipeline} one byte per call, with a thread hand-off per read; the parser thread alone
 * spent a quarter of its time reading lines char by char. Here the reader frames whole buffers
 * ({@link StreamFramer}) and the CPU goes to parsing on whichever lane is free.
 *
 * <p>Differences from the RI's loop: an accept failure other than the socket being closed (too
 * many open files, for one) is logged and retried after a pause instead of ending the loop for
 * good; a connection is registered before its thread starts, so a connection that ends at once is
 * never left behind in the cache; {@code gov.nist.javax.sip.MAX_CONNECTIONS} is not applied (the
 * edge does not set it). Outbound connections ({@link #createMessageChannel}) remain the RI's.
 */
final class EdgeTcpMessageProcessor extends TCPMessageProcessor {
    private static final Logger log = LoggerFactory.getLogger(EdgeTcpMessageProcessor.class);
    /** Pause after a failed accept, so a persistent failure does not spin. */
    private static final long ACCEPT_RETRY_MS = 100;

    private final TcpIngress ingress;
    private final String threadPrefix;
    private final AtomicInteger connectionNumbers = new AtomicInteger();

    /**
     * How accepted connections read: the lanes, the stack's message parser (stateless: one for all
     * lanes), the message size limit and the read timeout (0: none).
     */
    record TcpIngress(ReliableLanes lanes, MessageParser parser, int maxMessageSize, int readTimeoutMs) {
    }

    EdgeTcpMessageProcessor(InetAddress address, SIPTransactionStack stack, int port, String stackName,
                            TcpIngress ingress) {
        super(address, stack, port);
        this.ingress = ingress;
        this.threadPrefix = stackName + "-tcp-";
    }

    @Override
    public void run() {
        long lastWarning = 0;
        while (isRunning) {
            Socket socket;
            try {
                socket = sock.accept();
            } catch (IOException e) {
                if (!isRunning || sock.isClosed()) {
                    return;
                }
                if (System.nanoTime() - lastWarning > TimeUnit.SECONDS.toNanos(10)) {
                    lastWarning = System.nanoTime();
                    log.warn("TCP accept on port {} failed: {}", getPort(), e.toString());
                }
                pause();
                continue;
            }
            open(socket);
        }
    }

    /** Starts the connection's reader; a connection that cannot start is closed, never the loop. */
    private void open(Socket socket) {
        EdgeTcpMessageChannel channel = null;
        try {
            channel = new EdgeTcpMessageChannel(socket, getSIPStack(), this, ingress);
            incomingMessageChannels.put(channel.getKey(), channel);
            channel.start(threadPrefix + connectionNumbers.incrementAndGet());
        } catch (IOException | RuntimeException | OutOfMemoryError e) {
            // OutOfMemoryError: "unable to create native thread", the one a connection flood causes.
            log.warn("TCP connection from {} not opened: {}", socket.getRemoteSocketAddress(), e.toString());
            if (channel != null) {
                forget(channel);
            }
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(ACCEPT_RETRY_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Caches an incoming connection for requests the stack sends to its peer (as the RI does on its first request). */
    void cache(EdgeTcpMessageChannel channel) {
        cacheMessageChannel(channel);
    }

    /**
     * Removes a closed connection from both caches, so nothing is ever sent on it again. Only its
     * own entries: the RI's {@code remove} drops the incoming entry by key alone, so a connection
     * ending late would uncache a newer one from the same address and port.
     */
    synchronized void forget(EdgeTcpMessageChannel channel) {
        String key = channel.getKey();
        messageChannels.remove(key, channel);
        incomingMessageChannels.remove(key, channel);
    }

    /** In use while connections are open (the RI counted reader threads in an unsynchronised field). */
    @Override
    public boolean inUse() {
        return !incomingMessageChannels.isEmpty();
    }

    /** Connections open now (tests). */
    int openConnections() {
        return incomingMessageChannels.size();
    }

    /** Connections the stack would reuse to reach a peer (tests). */
    int cachedConnections() {
        return messageChannels.size();
    }
}
