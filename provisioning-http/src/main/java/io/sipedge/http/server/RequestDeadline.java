package io.sipedge.http.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A request must arrive whole within a bound of its first byte, or its connection is closed: a
 * client that sends a header a byte at a time (slowloris) holds a connection for that long at
 * most, however often it sends. First in the pipeline, one per connection; the dispatcher calls
 * {@link #complete} when the request is whole. Event loop only.
 */
final class RequestDeadline extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(RequestDeadline.class);

    private final long timeoutMs;
    private ScheduledFuture<?> deadline;

    RequestDeadline(long timeoutMs) {
        this.timeoutMs = timeoutMs;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (deadline == null && msg instanceof ByteBuf b && b.isReadable()) {
            deadline = ctx.executor().schedule(() -> {
                log.debug("HTTP request from {} not whole after {} ms: closed", Dispatcher.peer(ctx), timeoutMs);
                ctx.close();
            }, timeoutMs, TimeUnit.MILLISECONDS);
        }
        super.channelRead(ctx, msg);
    }

    /** The request in progress is whole. */
    void complete() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        complete();
        super.channelInactive(ctx);
    }
}
