package io.sipedge.http.server;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts open HTTP connections in total and per peer address and closes one past either cap at
 * once, so no client can hold every descriptor or worker slot. A trusted reverse proxy carries
 * many clients and counts only towards the total.
 */
@ChannelHandler.Sharable
final class ConnectionLimit extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionLimit.class);
    /** The peer a connection was counted for ("" for the total only); absent when it was refused. */
    private static final AttributeKey<String> COUNTED = AttributeKey.valueOf("sipedge.http.counted");

    private final int maxTotal;
    private final int maxPerIp;
    private final ClientAddress clients;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<String, AtomicInteger> perIp = new ConcurrentHashMap<>();
    private final AtomicInteger refused = new AtomicInteger();

    ConnectionLimit(int maxTotal, int maxPerIp, ClientAddress clients) {
        this.maxTotal = maxTotal;
        this.maxPerIp = maxPerIp;
        this.clients = clients;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        String peer = Dispatcher.peer(ctx);
        if (total.incrementAndGet() > maxTotal) {
            total.decrementAndGet();
            refuse(ctx, peer, "total");
            return;
        }
        if (clients.trusted(peer)) {
            ctx.channel().attr(COUNTED).set("");
        } else {
            boolean[] over = new boolean[1];
            perIp.compute(peer, (k, n) -> {
                AtomicInteger c = n == null ? new AtomicInteger() : n;
                if (c.get() >= maxPerIp) {
                    over[0] = true;
                } else {
                    c.incrementAndGet();
                }
                return c.get() == 0 ? null : c;
            });
            if (over[0]) {
                total.decrementAndGet();
                refuse(ctx, peer, "per address");
                return;
            }
            ctx.channel().attr(COUNTED).set(peer);
        }
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        String peer = ctx.channel().attr(COUNTED).getAndSet(null);
        if (peer != null) {
            if (!peer.isEmpty()) {
                perIp.computeIfPresent(peer, (k, c) -> c.decrementAndGet() == 0 ? null : c);
            }
            total.decrementAndGet();
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
