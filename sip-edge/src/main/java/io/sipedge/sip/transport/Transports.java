package io.sipedge.sip.transport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.sipedge.model.Flow;
import io.sipedge.model.Transport;
import io.sipedge.observe.ConnectionEnd;
import io.sipedge.observe.KeepaliveEvents;
import io.sipedge.observe.TransportEvents;
import io.sipedge.security.ConnectionCaps;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge's SIP transport: the UDP, TCP, TLS, WS and WSS listeners, and the one way to send. Every message
 * reaches the {@link InboundHandler} with its {@link Flow} on the thread that read it (a UDP reader,
 * or the connection's Netty event loop); replies go back on that flow ({@link Inbound#reply}), and
 * a new message to a phone goes on the flow its binding keeps ({@link #send}). Nothing here ever
 * connects out.
 *
 * <p>Threads are fixed: {@code workerThreads} UDP readers and {@code eventLoops} event loops for
 * every connection, however many there are. Connections are capped in total and per source address,
 * and every connection is bounded in time and in what it may queue ({@link StreamConnection}).
 */
public final class Transports implements TransportEvents.State, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Transports.class);
    /** Attempts to find a port free for both UDP and TCP when the port is 0. */
    private static final int EPHEMERAL_ATTEMPTS = 20;
    /** How long the accept loops pause when accepting fails (descriptors exhausted). */
    private static final long ACCEPT_BACKOFF_MS = 1000;
    private static final long REPORT_EVERY_MS = 10_000;
    /** Linux's epoll where Netty's native library loads (it ships for x86_64 Linux), else the JDK's selector. */
    private static final boolean EPOLL = Epoll.isAvailable();

    /**
     * @param address               bind address (0.0.0.0 for all)
     * @param port                  UDP and TCP port; 0 picks one free for both
     * @param tlsPort               TLS port; 0 picks a free one, -1 disables TLS
     * @param tls                   the TLS context for a connection opening now (read once per connection,
     *                              so a reloaded certificate serves new handshakes only), or null when
     *                              TLS and WSS are disabled
     * @param maxMessageSize        largest message accepted, bytes
     * @param readTimeoutMs         a stream message must arrive whole within this time of its first byte
     * @param tlsHandshakeTimeoutMs longest TLS handshake
     * @param workerThreads         UDP readers
     * @param udpReadersPerSocket   UDP readers sharing each socket (the last socket may have fewer)
     * @param eventLoops            event loops serving every connection
     * @param maxConnections        connections open at once, all transports together
     * @param maxConnectionsPerIp   connections open at once from one source address
     * @param idleTimeoutMs         a connection that sends no valid request within this time is closed
     * @param sendQueueBytes        bytes a connection may have waiting to be written before it is closed
     * @param writeTimeoutMs        longest time a connection's send queue may stay over its bound
     * @param listenBacklog         connections the kernel queues before they are accepted
     * @param wsPort                SIP over WebSocket port; 0 picks a free one, -1 disables it
     * @param wssPort               SIP over secure WebSocket port (the TLS context's certificate); 0 picks
     *                              a free one, -1 disables it
     * @param wsAllowedOrigins      the Origin values a WebSocket handshake may carry, lower case; empty
     *                              allows any
     * @param wsPingIntervalMs      a WebSocket connection is PINGed this often; 0 never
     * @param wsPingMisses          unanswered PINGs in a row that close a WebSocket connection
     */
    public record Settings(String address, int port, int tlsPort, Supplier<SSLContext> tls, int maxMessageSize,
                           int readTimeoutMs, int tlsHandshakeTimeoutMs, int workerThreads, int udpReadersPerSocket,
                           int eventLoops, int maxConnections,
                           int maxConnectionsPerIp, int idleTimeoutMs, int sendQueueBytes, int writeTimeoutMs,
                           int listenBacklog, int wsPort, int wssPort, Set<String> wsAllowedOrigins,
                           int wsPingIntervalMs, int wsPingMisses) {
        public Settings {
            wsAllowedOrigins = Set.copyOf(wsAllowedOrigins);
        }
    }

    private final String edge;
    private final UdpListener udp;
    private final Channel tcp;
    private final Channel tlsChannel;
    private final Channel wsChannel;
    private final Channel wssChannel;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final StreamRegistry registry;

    private Transports(String edge, UdpListener udp, Channel tcp, Channel tlsChannel, Channel wsChannel,
                       Channel wssChannel, EventLoopGroup boss, EventLoopGroup workers, StreamRegistry registry) {
        this.edge = edge;
        this.udp = udp;
        this.tcp = tcp;
        this.tlsChannel = tlsChannel;
        this.wsChannel = wsChannel;
        this.wssChannel = wssChannel;
        this.boss = boss;
        this.workers = workers;
        this.registry = registry;
    }

    /**
     * Binds every listener and starts serving.
     *
     * @param edge       this edge instance's id, which its flows carry
     * @param flowClosed told of each connection that closes (on its event loop): its bindings lose their flow
     */
    public static Transports start(String edge, Settings s, InboundHandler handler, TransportEvents events,
                                   KeepaliveEvents keepalives, Consumer<Flow> flowClosed) throws IOException {
        if (!EPOLL) {
            log.info("TCP and TLS on the JDK's selector: epoll is unavailable ({})", Epoll.unavailabilityCause().toString());
        }
        IoHandlerFactory io = EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("sip-accept", true), io);
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(s.eventLoops(),
                new DefaultThreadFactory("sip-stream", true), io);
        StreamRegistry registry = new StreamRegistry(events, flowClosed);
        ConnectionCaps<InetAddress> gate = new ConnectionCaps<>(s.maxConnections(), s.maxConnectionsPerIp());
        AtomicLong ids = new AtomicLong();
        InetAddress address = InetAddress.getByName(s.address());
        Channel tcp = null;
        Channel tls = null;
        Channel ws = null;
        Channel wss = null;
        UdpListener udp = null;
        try {
            IOException last = null;
            // TCP first: its bind fails when another process holds the port, which the UDP sockets'
            // SO_REUSEPORT could otherwise share with a second edge of the same user.
            for (int i = 0; i < (s.port() == 0 ? EPHEMERAL_ATTEMPTS : 1) && udp == null; i++) {
                tcp = bind(boss, workers, s, new InetSocketAddress(address, s.port()), Transport.TCP, null, gate, ids,
                        edge, handler, registry, events, keepalives);
                int port = ((InetSocketAddress) tcp.localAddress()).getPort();
                try {
                    udp = UdpListener.open(new InetSocketAddress(address, port), edge, s.maxMessageSize(),
                            s.workerThreads(), s.udpReadersPerSocket(), handler, events);
                } catch (IOException e) {
                    last = e; // that number is taken for UDP: another pair
                    tcp.close().syncUninterruptibly();
                    tcp = null;
                }
            }
            if (udp == null) {
                throw last;
            }
            if (s.tlsPort() >= 0) {
                tls = bind(boss, workers, s, new InetSocketAddress(address, s.tlsPort()), Transport.TLS, s.tls(), gate,
                        ids, edge, handler, registry, events, keepalives);
            }
            if (s.wsPort() >= 0) {
                ws = bind(boss, workers, s, new InetSocketAddress(address, s.wsPort()), Transport.WS, null, gate,
                        ids, edge, handler, registry, events, keepalives);
            }
            if (s.wssPort() >= 0) {
                wss = bind(boss, workers, s, new InetSocketAddress(address, s.wssPort()), Transport.WSS, s.tls(), gate,
                        ids, edge, handler, registry, events, keepalives);
            }
            return new Transports(edge, udp, tcp, tls, ws, wss, boss, workers, registry);
        } catch (IOException | RuntimeException e) {
            if (udp != null) {
                udp.shutdown();
            }
            for (Channel c : new Channel[] {tcp, tls, ws, wss}) {
                if (c != null) {
                    c.close().syncUninterruptibly();
                }
            }
            boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
    }

    private static Channel bind(EventLoopGroup boss, EventLoopGroup workers, Settings s, InetSocketAddress at,
                                Transport transport, Supplier<SSLContext> tls, ConnectionCaps<InetAddress> gate,
                                AtomicLong ids, String edge,
                                InboundHandler handler, StreamRegistry registry, TransportEvents events,
                                KeepaliveEvents keepalives) throws IOException {
        StreamConnection.Context context = new StreamConnection.Context(transport, edge, s.maxMessageSize(),
                s.readTimeoutMs(), s.idleTimeoutMs(), s.writeTimeoutMs(),
                s.readTimeoutMs() + (transport == Transport.WSS ? s.tlsHandshakeTimeoutMs() : 0L),
                s.wsPingIntervalMs(), s.wsPingMisses(), handler, registry, events, keepalives);
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, s.listenBacklog())
                .handler(new AcceptBackoff(transport))
                .childOption(ChannelOption.TCP_NODELAY, true) // a response must not wait for the peer's delayed ACK
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(s.sendQueueBytes() / 2, s.sendQueueBytes()))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        InetAddress ip = ch.remoteAddress().getAddress();
                        ConnectionEnd refused = gate.admit(ip);
                        if (refused != null) {
                            events.connectionEnded(transport, refused);
                            ch.close();
                            return;
                        }
                        ch.closeFuture().addListener(f -> gate.release(ip));
                        // One buffer per turn of the event loop: the answers to what it held are
                        // flushed before the next is read, so a burst a client pipelined is never
                        // mistaken for a peer that stopped reading (16 reads a turn, Netty's
                        // default, queued up to a megabyte of answers before the flush), and
                        // connections take turns fairly.
                        ch.config().setRecvByteBufAllocator(new AdaptiveRecvByteBufAllocator().maxMessagesPerRead(1));
                        if (tls != null) {
                            SSLEngine engine = tls.get().createSSLEngine();
                            TlsPolicy.apply(engine);
                            SslHandler ssl = new SslHandler(engine);
                            ssl.setHandshakeTimeoutMillis(s.tlsHandshakeTimeoutMs());
                            ch.pipeline().addLast(ssl);
                        }
                        if (transport.webSocket()) {
                            addWebSocket(ch, s, transport, events);
                        }
                        ch.pipeline().addLast(new StreamConnection(context, ids.incrementAndGet()));
                    }
                });
        try {
            return b.bind(at).syncUninterruptibly().channel();
        } catch (RuntimeException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("cannot bind " + transport + " on " + at + ": " + e, e);
        }
    }

    /**
     * SIP over WebSocket (RFC 7118): the upgrade request, checked by {@link WebSocketGate} and
     * answered by Netty's handshaker with the {@code sip} sub-protocol, all within the read timeout
     * of the connection's start (plus the TLS handshake's, {@link StreamConnection}); then frames of
     * at most the SIP message size, masked as RFC 6455 requires of clients, fragments joined into
     * one message. A frame that breaks these rules closes the connection (Netty sends the close
     * code); a text message that is not UTF-8 closes it too ({@link StreamConnection}, 1007).
     */
    private static void addWebSocket(SocketChannel ch, Settings s, Transport transport, TransportEvents events) {
        WebSocketServerProtocolConfig config = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath("/")
                .checkStartsWith(true)
                .subprotocols(WebSocketHandshake.SUBPROTOCOL)
                .dropPongFrames(false)
                .decoderConfig(WebSocketDecoderConfig.newBuilder()
                        .maxFramePayloadLength(s.maxMessageSize())
                        .allowExtensions(false)
                        .allowMaskMismatch(false)
                        .closeOnProtocolViolation(true)
                        .withUTF8Validator(false) // StreamConnection checks each whole text message
                        .build())
                .build();
        ch.pipeline().addLast(new HttpServerCodec(4096, 8192, 8192),
                new HttpObjectAggregator(1024),
                new WebSocketGate(transport, s.wsAllowedOrigins(), events),
                new WebSocketServerProtocolHandler(config),
                new WebSocketFrameAggregator(s.maxMessageSize()));
    }

    /**
     * When accepting fails (no descriptor left), pauses the accept loop instead of spinning on the
     * pending connection, and says so once every 10 s rather than for each attempt.
     */
    private static final class AcceptBackoff extends ChannelInboundHandlerAdapter {
        private final Transport transport;
        private long lastReport;
        private long failures;

        AcceptBackoff(Transport transport) {
            this.transport = transport;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failures++;
            long now = System.currentTimeMillis();
            if (now - lastReport >= REPORT_EVERY_MS) {
                log.warn("{}: accepting connections failed {} times ({}); pausing accepts for {} ms at a time",
                        transport, failures, cause.toString(), ACCEPT_BACKOFF_MS);
                lastReport = now;
                failures = 0;
            }
            Channel server = ctx.channel();
            server.config().setAutoRead(false);
            ctx.executor().schedule(() -> server.config().setAutoRead(true), ACCEPT_BACKOFF_MS, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Sends {@code bytes} on {@code flow}: over UDP from the listening socket to the flow's address
     * and port, over a stream on the flow's connection if it is still open. Never a new connection.
     *
     * @throws IOException when the flow's connection has closed, or the flow belongs to another edge
     */
    public void send(Flow flow, byte[] bytes) throws IOException {
        if (!flow.edge().equals(edge)) {
            throw new IOException("the flow is held by another edge instance");
        }
        if (flow.transport() == Transport.UDP) {
            udp.send(bytes, new InetSocketAddress(InetAddress.getByName(flow.remoteIp()), flow.remotePort()));
            return;
        }
        StreamConnection c = registry.get(flow.connection());
        if (c == null) {
            throw new IOException(flow.transport() + " connection " + flow.connection() + " is closed");
        }
        c.send(bytes, null);
    }

    /** This edge instance's id, which its flows carry. */
    public String edge() {
        return edge;
    }

    /** The UDP and TCP port bound. */
    public int port() {
        return udp.port();
    }

    /** The TLS port bound, or -1 when TLS is off. */
    public int tlsPort() {
        return portOf(tlsChannel);
    }

    /** The WebSocket port bound, or -1 when WS is off. */
    public int wsPort() {
        return portOf(wsChannel);
    }

    /** The secure WebSocket port bound, or -1 when WSS is off. */
    public int wssPort() {
        return portOf(wssChannel);
    }

    private static int portOf(Channel c) {
        return c == null ? -1 : ((InetSocketAddress) c.localAddress()).getPort();
    }

    @Override
    public int openConnections(Transport transport) {
        return registry.count(transport);
    }

    @Override
    public long queuedBytes() {
        return registry.queuedBytes();
    }

    @Override
    public void close() {
        for (Channel c : new Channel[] {tcp, tlsChannel, wsChannel, wssChannel}) {
            if (c != null) {
                c.close().syncUninterruptibly();
            }
        }
        registry.closeAll();
        udp.shutdown();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
