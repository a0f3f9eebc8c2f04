package io.sipedge.http.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.sipedge.http.api.Handler;
import io.sipedge.http.auth.TokenService;
import io.sipedge.http.routing.Router;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The provisioning sidecar's HTTP server (Netty): codec, a body limit that answers 413 in the
 * envelope, and the {@link Dispatcher}, which answers one request at a time per connection. Handlers run on a
 * small worker pool, never on the event loop, because Directory writes block on fsync.
 */
public final class HttpServer implements AutoCloseable {
    /** Idle keep-alive connections are closed after this long. */
    static final int IDLE_SECONDS = 60;
    /** Request line and headers: generous for curl and browsers, small enough to bound memory. */
    static final int MAX_INITIAL_LINE = 4096;
    static final int MAX_HEADER_BYTES = 8192;
    /** Requests waiting for a worker; beyond this the API answers 503 at once instead of queueing. */
    static final int WORKER_QUEUE = 256;

    /** Requests one client may have waiting for a worker; past it, 503. */
    static final int WORKER_QUEUE_PER_CLIENT = 32;

    /**
     * @param address       IP literal to bind
     * @param port          0 = ephemeral
     * @param maxBodyBytes  larger request bodies get 413
     * @param workerThreads threads running handlers (Directory writes are serialised anyway)
     * @param clients       the bounds on each client (rate, lockout, connections, slow requests)
     */
    public record Settings(String address, int port, int maxBodyBytes, int workerThreads, ClientLimits clients) {
        /** Without limits on clients: tests of the HTTP side alone. */
        public Settings(String address, int port, int maxBodyBytes, int workerThreads) {
            this(address, port, maxBodyBytes, workerThreads, ClientLimits.NONE);
        }
    }

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final FairPool pool;
    private final Channel channel;

    private HttpServer(EventLoopGroup boss, EventLoopGroup workers, FairPool pool, Channel channel) {
        this.boss = boss;
        this.workers = workers;
        this.pool = pool;
        this.channel = channel;
    }

    /** Binds {@code address:port} (port 0 = ephemeral; {@link #port()} tells the bound one), without metrics. */
    public static HttpServer start(Settings settings, Router<Handler> router, TokenService tokens)
            throws InterruptedException {
        return start(settings, router, tokens, RequestObserver.NONE);
    }

    /** As {@link #start(Settings, Router, TokenService)}, telling {@code observer} about every answer. */
    public static HttpServer start(Settings settings, Router<Handler> router, TokenService tokens,
                                   RequestObserver observer) throws InterruptedException {
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        FairPool pool = new FairPool(settings.workerThreads(), WORKER_QUEUE_PER_CLIENT, WORKER_QUEUE, "http-api");
        ClientLimits limits = settings.clients();
        ClientAddress clients = new ClientAddress(limits.trustedProxies());
        ConnectionLimit connections = new ConnectionLimit(limits.maxConnections(), limits.maxConnectionsPerIp(),
                clients);
        Dispatcher dispatch = new Dispatcher(router, tokens, pool, observer, clients,
                new ClientGuard(limits, java.time.Clock.systemUTC()));
        try {
            Channel ch = new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            c.pipeline().addLast(
                                    connections,
                                    new RequestDeadline(limits.requestTimeout().toMillis()),
                                    new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_BYTES, 8192),
                                    new BodyLimit(settings.maxBodyBytes(), router, observer),
                                    new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS),
                                    dispatch);
                        }
                    })
                    .bind(new InetSocketAddress(settings.address(), settings.port())).sync().channel();
            return new HttpServer(boss, workers, pool, ch);
        } catch (InterruptedException | RuntimeException e) {
            boss.shutdownGracefully();
            workers.shutdownGracefully();
            pool.shutdown(0);
            throw e;
        }
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        // Let running handlers finish their (durable) write; their answers may still go out.
        pool.shutdown(5);
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
