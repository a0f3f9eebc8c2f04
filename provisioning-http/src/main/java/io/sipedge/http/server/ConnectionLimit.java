package io.sipedge.http.server;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import io.sipedge.observe.ConnectionEnd;
import io.sipedge.security.ConnectionCaps;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes an HTTP connection past the caps on connections in total and per peer address
 * ({@link ConnectionCaps}, the SIP listeners' too) at once, so no client can hold every descriptor
 * or worker slot. A trusted reverse proxy carries many clients and counts only towards the total.
 */
@ChannelHandler.Sharable
final class ConnectionLimit extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionLimit.class);
    /** The peer a connection was counted for ("" for the total only); absent when it was refused. */
    private static final AttributeKey<String> COUNTED = AttributeKey.valueOf("sipedge.http.counted");

    private final ConnectionCaps<String> caps;
    private final ClientAddress clients;
    private final AtomicInteger refused = new AtomicInteger();

    ConnectionLimit(int maxTotal, int maxPerIp, ClientAddress clients) {
        this.caps = new ConnectionCaps<>(maxTotal, maxPerIp);
        this.clients = clients;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        String peer = Dispatcher.peer(ctx);
        String source = clients.trusted(peer) ? null : peer; // a trusted proxy counts in the total only
        ConnectionEnd cap = caps.admit(source);
        if (cap != null) {
            refuse(ctx, peer, cap == ConnectionEnd.CAP_TOTAL ? "total" : "per address");
            return;
        }
        ctx.channel().attr(COUNTED).set(source == null ? "" : source);
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        String source = ctx.channel().attr(COUNTED).getAndSet(null);
        if (source != null) {
            caps.release(source.isEmpty() ? null : source);
        }
        super.channelInactive(ctx);
    }

    private void refuse(ChannelHandlerContext ctx, String peer, String cap) {
        int n = refused.incrementAndGet();
        if (n == 1 || n % 1000 == 0) { // bounded: a flood of connections is one line per thousand
            log.warn("HTTP connection from {} refused: over the {} cap ({} refused so far)", peer, cap, n);
        }
        ctx.close();
    }
}
