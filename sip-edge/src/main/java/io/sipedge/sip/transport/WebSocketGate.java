package io.sipedge.sip.transport;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.sipedge.model.Transport;
import io.sipedge.observe.ConnectionEnd;
import io.sipedge.observe.TransportEvents;
import io.sipedge.observe.WebSocketRefusal;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first HTTP request of a WebSocket connection, checked by {@link WebSocketHandshake} before
 * Netty's handshaker answers it. A refused one gets its HTTP answer and the connection closes; an
 * accepted one goes on, and this handler leaves the pipeline.
 */
final class WebSocketGate extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(WebSocketGate.class);

    private final Transport transport;
    private final Set<String> allowedOrigins;
    private final TransportEvents events;

    WebSocketGate(Transport transport, Set<String> allowedOrigins, TransportEvents events) {
        this.transport = transport;
        this.allowedOrigins = allowedOrigins;
        this.events = events;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest req)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        HttpHeaders h = req.headers();
        WebSocketHandshake.Refusal refused = req.decoderResult().isSuccess()
                ? WebSocketHandshake.check(req.method().name(), h.get(HttpHeaderNames.UPGRADE),
                        h.getAll(HttpHeaderNames.HOST), h.getAll(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL),
                        h.get(HttpHeaderNames.ORIGIN), allowedOrigins)
                : new WebSocketHandshake.Refusal(WebSocketRefusal.NOT_WEBSOCKET, 400, "Bad Request");
        if (refused == null) {
            refused = WebSocketHandshake.checkRequest(req.uri(), req.protocolVersion().text(),
                    h.get(HttpHeaderNames.SEC_WEBSOCKET_KEY), h.get(HttpHeaderNames.SEC_WEBSOCKET_VERSION));
        }
        if (refused == null) {
            ctx.pipeline().remove(this);
            ctx.fireChannelRead(req);
            return;
        }
        req.release();
        log.debug("{} {}: WebSocket handshake refused ({})", transport, ctx.channel().remoteAddress(),
                refused.why().label());
        events.webSocketRefused(transport, refused.why());
        StreamConnection connection = ctx.pipeline().get(StreamConnection.class);
        if (connection != null) {
            connection.ending(ConnectionEnd.WS_HANDSHAKE);
        }
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                new HttpResponseStatus(refused.status(), refused.reason()));
        res.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0).set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        if (refused.status() == 426) {
            res.headers().set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET)
                    .set(HttpHeaderNames.SEC_WEBSOCKET_VERSION, "13");
        }
        ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
    }
}
