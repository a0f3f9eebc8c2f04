package io.sipedge.http.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.sipedge.directory.Directory;
import io.sipedge.location.LocationStore;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The provisioning sidecar's HTTP server (Netty). For now it serves {@code GET /health}; the operator
 * API arrives with its own issue. It reads the same Directory and LocationStore objects as the SIP side.
 */
public final class HttpServer implements AutoCloseable {
    /** Largest request body accepted; the API's JSON documents are small. */
    static final int MAX_BODY_BYTES = 64 * 1024;
    /** Idle keep-alive connections are closed after this long. */
    static final int IDLE_SECONDS = 60;

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel channel;

    private HttpServer(EventLoopGroup boss, EventLoopGroup workers, Channel channel) {
        this.boss = boss;
        this.workers = workers;
        this.channel = channel;
    }

    /** Binds {@code address:port} (port 0 = ephemeral; {@link #port()} tells the bound one). */
    public static HttpServer start(String address, int port, Directory directory, LocationStore locations)
            throws InterruptedException {
        EventLoopGroup boss = new NioEventLoopGroup(1);
        EventLoopGroup workers = new NioEventLoopGroup(2);
        Dispatch dispatch = new Dispatch(directory, locations);
        try {
            Channel ch = new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            c.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_BODY_BYTES),
                                    new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS), dispatch);
                        }
                    })
                    .bind(new InetSocketAddress(address, port)).sync().channel();
            return new HttpServer(boss, workers, ch);
        } catch (InterruptedException | RuntimeException e) {
            boss.shutdownGracefully();
            workers.shutdownGracefully();
            throw e;
        }
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    /** Stateless, so one instance serves every connection. */
    @ChannelHandler.Sharable
    private static final class Dispatch extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final Directory directory;
        private final LocationStore locations;

        Dispatch(Directory directory, LocationStore locations) {
            this.directory = directory;
            this.locations = locations;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            FullHttpResponse res;
            if (!req.decoderResult().isSuccess()) {
                res = json(HttpResponseStatus.BAD_REQUEST, "{\"status\":\"error\",\"message\":\"malformed request\"}");
            } else if ("/health".equals(req.uri())) {
                if (req.method().equals(HttpMethod.GET) || req.method().equals(HttpMethod.HEAD)) {
                    res = json(HttpResponseStatus.OK, "{\"status\":\"ok\",\"tenants\":" + directory.tenants().size()
                            + ",\"devices\":" + directory.deviceCount() + ",\"bindings\":"
                            + locations.bindingCount() + "}");
                } else {
                    res = json(HttpResponseStatus.METHOD_NOT_ALLOWED,
                            "{\"status\":\"error\",\"message\":\"method not allowed\"}");
                    res.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
                }
            } else {
                res = json(HttpResponseStatus.NOT_FOUND, "{\"status\":\"error\",\"message\":\"not found\"}");
            }
            boolean keepAlive = HttpUtil.isKeepAlive(req) && req.decoderResult().isSuccess();
            if (keepAlive) {
                res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
                ctx.writeAndFlush(res);
            } else {
                ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent) {
                ctx.close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        private static FullHttpResponse json(HttpResponseStatus status, String body) {
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
            r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
            return r;
        }
    }
}
