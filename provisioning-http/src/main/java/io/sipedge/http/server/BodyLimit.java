package io.sipedge.http.server;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.sipedge.http.api.ApiException;
import io.sipedge.http.routing.RouteMatch;
import io.sipedge.http.routing.Router;

/**
 * Netty's aggregator with the over-limit answer in the API's envelope: 413 with
 * {@code status:"error"} instead of Netty's empty 413 or its 417 to {@code Expect: 100-continue}.
 * The connection is closed after a 413; when the body is still arriving it is read and dropped
 * first (up to {@link #DRAIN_FACTOR} times the limit), because closing a socket with unread input
 * sends a reset that can destroy the 413 before the client reads it.
 *
 * <p>Its 413s never reach the {@link Dispatcher}, so they are counted here, under the route the
 * request would have had, with no duration (the body was not waited for).
 */
final class BodyLimit extends HttpObjectAggregator {
    static final int DRAIN_FACTOR = 16;

    private final int maxBodyBytes;
    private final Router<?> router;
    private final RequestObserver observer;
    private boolean draining;
    private long drained;

    BodyLimit(int maxBodyBytes, Router<?> router, RequestObserver observer) {
        super(maxBodyBytes);
        this.maxBodyBytes = maxBodyBytes;
        this.router = router;
        this.observer = observer;
    }

    /** Counts a 413 like the Dispatcher counts its answers: verb label, route template or unmatched. */
    private void count(HttpMessage oversized) {
        if (!(oversized instanceof HttpRequest r)) {
            return;
        }
        String method = r.method().name();
        String route = router.match(method, new QueryStringDecoder(r.uri()).rawPath()) instanceof RouteMatch.Found<?> f
                ? f.route().pattern().template() : RequestObserver.UNMATCHED;
        observer.answered(Dispatcher.methodLabel(method), route, 413, 0);
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        FullHttpResponse res = Dispatcher.errorResponse(tooLarge(), Dispatcher.newRequestId());
        res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        Dispatcher.accessLog(ctx, oversized instanceof HttpRequest r
                ? r.method().name() + " " + r.uri().split("\\?", 2)[0] : "-", res, null, System.nanoTime());
        count(oversized);
        if (oversized instanceof FullHttpMessage) {
            ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
        } else {
            draining = true;
            ctx.writeAndFlush(res);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        boolean last = draining && msg instanceof LastHttpContent;
        if (draining && msg instanceof HttpContent c) {
            drained += c.content().readableBytes();
        }
        super.channelRead(ctx, msg); // the aggregator releases content it is dropping
        if (draining && (last || drained > (long) DRAIN_FACTOR * maxBodyBytes)) {
            draining = false;
            ctx.close();
        }
    }

    @Override
    protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
        if (HttpUtil.getContentLength(start, -1L) > maxContentLength) {
            FullHttpResponse res = Dispatcher.errorResponse(tooLarge(), Dispatcher.newRequestId());
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            count(start);
            return res;
        }
        return super.newContinueResponse(start, maxContentLength, pipeline);
    }

    /** After a 413 to {@code Expect: 100-continue} the body is never sent: close, as the answer says. */
    @Override
    protected boolean closeAfterContinueResponse(Object msg) {
        return msg instanceof HttpResponse r && r.status().code() == 413 || super.closeAfterContinueResponse(msg);
    }

    private ApiException tooLarge() {
        return new ApiException(413, "request body larger than " + maxBodyBytes + " bytes", null);
    }
}
