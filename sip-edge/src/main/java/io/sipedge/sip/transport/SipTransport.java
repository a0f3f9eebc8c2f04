package io.sipedge.sip.transport;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ConcurrentModificationException;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.sip.ListeningPoint;
import javax.sip.SipFactory;
import javax.sip.SipListener;
import javax.sip.SipProvider;
import javax.sip.SipStack;
import javax.sip.address.AddressFactory;
import javax.sip.header.HeaderFactory;
import javax.sip.message.MessageFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JAIN-SIP stack with its UDP, TCP and TLS listening points, configured for an edge: no
 * automatic dialogs, a fixed worker pool with a re-entrant listener, bounded message size, read and
 * TLS handshake timeouts, our parser guard, network layer and loggers, and requests handed to an
 * {@link InboundHandler} before the transaction layer ({@link StatelessRequestValve}). The only class
 * that knows the stack's property names.
 */
public final class SipTransport implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SipTransport.class);
    private static final AtomicInteger STACKS = new AtomicInteger();
    /** Attempts to find a free ephemeral port pair when a port is configured as 0. */
    private static final int EPHEMERAL_ATTEMPTS = 20;
    /**
     * Requests waiting per TCP/TLS lane before new ones are refused with 503: about 0.5 s of work at
     * 16 000 registrations/s on one connection. TCP clients do not retransmit, so the queue must ride
     * out a 100-150 ms young GC at full rate; 2048 answered bursts of 503s at 16 000/s.
     */
    static final int LANE_QUEUE = 8192;
    private static final int UDP_SOCKET_BUFFER = 4 << 20;
    /** Datagrams waiting for a UDP worker; at 20 000 registrations/s (40 000 datagrams) about 100 ms. */
    private static final int UDP_QUEUE_CAPACITY = 4096;

    /**
     * @param address               bind address (0.0.0.0 for all)
     * @param port                  UDP and TCP port; 0 picks a free one
     * @param tlsPort               TLS port; 0 picks a free one, -1 disables TLS
     * @param tls                   the TLS context, or null when TLS is disabled
     * @param maxMessageSize        largest message accepted, bytes (the RI's floor is 4096)
     * @param readTimeoutMs         longest time one TCP/TLS message may take to arrive before the connection is dropped
     * @param tlsHandshakeTimeoutMs longest TLS handshake
     * @param workerThreads         threads that parse and handle UDP messages; lanes that parse TCP and handle TCP and TLS ones
     * @param congestionTimeoutMs   queued UDP messages older than this are dropped rather than handled late
     */
    public record Settings(String address, int port, int tlsPort, SSLContext tls, int maxMessageSize,
                           int readTimeoutMs, int tlsHandshakeTimeoutMs, int workerThreads,
                           int congestionTimeoutMs) {
    }

    private final SipStack stack;
    private final SipProvider provider;
    private final SipFactory factory;
    private final int port;
    private final int tlsPort;
    private final String stackName;

    private final AtomicReference<InboundHandler> handler;
    private final ReliableLanes lanes;

    private SipTransport(SipStack stack, SipProvider provider, SipFactory factory, int port, int tlsPort,
                         String stackName, AtomicReference<InboundHandler> handler, ReliableLanes lanes) {
        this.handler = handler;
        this.lanes = lanes;
        this.stack = stack;
        this.provider = provider;
        this.factory = factory;
        this.port = port;
        this.tlsPort = tlsPort;
        this.stackName = stackName;
    }

    /** Starts the stack and its listening points; with port 0, retries until a free port is bound. */
    public static SipTransport start(Settings s, SipListener listener) throws Exception {
        Exception last = null;
        int attempts = s.port() == 0 || s.tlsPort() == 0 ? EPHEMERAL_ATTEMPTS : 1;
        for (int i = 0; i < attempts; i++) {
            // JAIN-SIP refuses port 0 and would report 0 anyway, so a free port is chosen here.
            int port = s.port() == 0 ? freeUdpAndTcpPort(s.address()) : s.port();
            int tlsPort = s.tlsPort() == 0 ? freeTcpPort(s.address()) : s.tlsPort();
            try {
                return open(s, port, tlsPort, listener);
            } catch (Exception e) {
                last = e;
                log.debug("binding {}/{} failed: {}", port, tlsPort, e.toString());
            }
        }
        throw last;
    }

    private static SipTransport open(Settings s, int port, int tlsPort, SipListener listener) throws Exception {
        String name = "sip-edge-" + STACKS.incrementAndGet();
        Properties p = new Properties();
        p.setProperty("javax.sip.STACK_NAME", name);
        p.setProperty("javax.sip.AUTOMATIC_DIALOG_SUPPORT", "off");
        // Without a pool the RI starts a thread per datagram and fails a third of them at load.
        p.setProperty("gov.nist.javax.sip.THREAD_POOL_SIZE", Integer.toString(s.workerThreads()));
        p.setProperty("gov.nist.javax.sip.REENTRANT_LISTENER", "true");
        p.setProperty("gov.nist.javax.sip.MAX_MESSAGE_SIZE", Integer.toString(s.maxMessageSize()));
        // The RI sets the UDP socket buffers itself (128 KB by default), after the network layer made
        // the socket. 128 KB overflowed at 10 000 registrations/s, every drop costing a 500 ms
        // retransmission. The kernel caps the size at net.core.rmem_max / wmem_max.
        p.setProperty("gov.nist.javax.sip.RECEIVE_UDP_BUFFER_SIZE", Integer.toString(UDP_SOCKET_BUFFER));
        p.setProperty("gov.nist.javax.sip.SEND_UDP_BUFFER_SIZE", Integer.toString(UDP_SOCKET_BUFFER));
        // UDP ingress is ours (EdgeUdpMessageProcessor): bounded, exact-size, aged queue. The RI's
        // auditor is off because it watched the RI's unbounded queue only every 2 s.
        p.setProperty("gov.nist.javax.sip.MESSAGE_PROCESSOR_FACTORY", EdgeMessageProcessorFactory.class.getName());
        p.setProperty("gov.nist.javax.sip.CONGESTION_CONTROL_TIMEOUT", "0");
        // TCP ingress is ours too (EdgeTcpMessageProcessor): one reader thread per connection frames
        // the bytes and the lanes parse; it reads READ_TIMEOUT and MAX_MESSAGE_SIZE below.
        p.setProperty(EdgeMessageProcessorFactory.UDP_MAX_AGE_MS, Integer.toString(s.congestionTimeoutMs()));
        p.setProperty(EdgeMessageProcessorFactory.UDP_QUEUE_CAPACITY, Integer.toString(UDP_QUEUE_CAPACITY));
        p.setProperty("gov.nist.javax.sip.READ_TIMEOUT", Integer.toString(s.readTimeoutMs()));
        p.setProperty("gov.nist.javax.sip.SSL_HANDSHAKE_TIMEOUT", Integer.toString(s.tlsHandshakeTimeoutMs()));
        p.setProperty("gov.nist.javax.sip.MESSAGE_PARSER_FACTORY", HardenedParserFactory.class.getName());
        p.setProperty("gov.nist.javax.sip.STACK_LOGGER", Slf4jStackLogger.class.getName());
        p.setProperty("gov.nist.javax.sip.SERVER_LOGGER", QuietServerLogger.class.getName());
        p.setProperty("gov.nist.javax.sip.LOG_MESSAGE_CONTENT", "false");
        p.setProperty("gov.nist.javax.sip.NETWORK_LAYER", EdgeNetworkLayer.class.getName());
        p.setProperty("gov.nist.javax.sip.SIP_MESSAGE_VALVE", StatelessRequestValve.class.getName());
        AtomicReference<InboundHandler> handler = StatelessRequestValve.slotFor(name);
        // The RI's default client-auth mode demands a certificate from every client; phones have none.
        p.setProperty("gov.nist.javax.sip.TLS_CLIENT_AUTH_TYPE", "Disabled");
        p.setProperty("gov.nist.javax.sip.TLS_CLIENT_PROTOCOLS", TlsPolicy.joined(TlsPolicy.PROTOCOLS));
        if (s.tls() != null) {
            p.setProperty("gov.nist.javax.sip.ENABLED_CIPHER_SUITES",
                    TlsPolicy.joined(TlsPolicy.cipherSuites(s.tls())));
            EdgeNetworkLayer.register(name, s.tls());
        }
        // Before the stack: its TCP processor, created with the listening point, queues onto them.
        ReliableLanes lanes = ReliableLanes.open(name, s.workerThreads(), LANE_QUEUE);
        SipStack stack = null;
        SipFactory factory = SipFactory.getInstance();
        try {
            factory.setPathName("gov.nist");
            stack = factory.createSipStack(p);
            ListeningPoint udp = stack.createListeningPoint(s.address(), port, ListeningPoint.UDP);
            ListeningPoint tcp = stack.createListeningPoint(s.address(), port, ListeningPoint.TCP);
            SipProvider provider = stack.createSipProvider(udp);
            provider.addListeningPoint(tcp);
            if (tlsPort > 0) {
                ListeningPoint tls = stack.createListeningPoint(s.address(), tlsPort, ListeningPoint.TLS);
                provider.addListeningPoint(tls);
            }
            provider.addSipListener(listener);
            stack.start();
            return new SipTransport(stack, provider, factory, port, tlsPort, name, handler, lanes);
        } catch (Exception e) {
            if (stack != null) {
                stack.stop();
            }
            lanes.close();
            EdgeNetworkLayer.unregister(name);
            StatelessRequestValve.forget(name);
            throw e;
        }
    }

    private static int freeUdpAndTcpPort(String address) throws IOException {
        InetAddress a = InetAddress.getByName(address);
        for (int i = 0; i < EPHEMERAL_ATTEMPTS; i++) {
            try (ServerSocket tcp = new ServerSocket()) {
                tcp.setReuseAddress(false);
                tcp.bind(new InetSocketAddress(a, 0));
                int candidate = tcp.getLocalPort();
                try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(a, candidate))) {
                    return udp.getLocalPort();
                } catch (IOException taken) {
                    // UDP side of this number is in use; try another
                }
            }
        }
        throw new IOException("no free UDP+TCP port on " + address);
    }

    private static int freeTcpPort(String address) throws IOException {
        try (ServerSocket tcp = new ServerSocket(0, 1, InetAddress.getByName(address))) {
            return tcp.getLocalPort();
        }
    }

    public SipProvider provider() {
        return provider;
    }

    /**
     * Routes every request to {@code h} before the transaction layer, TCP and TLS ones on the worker
     * lanes; until then requests are dropped.
     */
    public void handleRequestsWith(InboundHandler h) {
        lanes.handleWith(h);
        handler.set(lanes);
    }

    public MessageFactory messageFactory() throws javax.sip.PeerUnavailableException {
        return factory.createMessageFactory();
    }

    public HeaderFactory headerFactory() throws javax.sip.PeerUnavailableException {
        return factory.createHeaderFactory();
    }

    public AddressFactory addressFactory() throws javax.sip.PeerUnavailableException {
        return factory.createAddressFactory();
    }

    /** The UDP and TCP port actually bound. */
    public int port() {
        return port;
    }

    /** The TLS port actually bound, or -1 when TLS is disabled. */
    public int tlsPort() {
        return tlsPort;
    }

    @Override
    public void close() {
        // The RI's UDP processor fills its channel list on its own thread after start(); a stop()
        // that overlaps it throws ConcurrentModificationException. Stopping again finishes the job.
        for (int attempt = 1; ; attempt++) {
            try {
                stack.stop();
                break;
            } catch (ConcurrentModificationException e) {
                if (attempt == 5) {
                    log.warn("the SIP stack did not stop cleanly: {}", e.toString());
                    break;
                }
                try {
                    Thread.sleep(20L * attempt);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        lanes.close();
        EdgeNetworkLayer.unregister(stackName);
        StatelessRequestValve.forget(stackName);
    }
}
