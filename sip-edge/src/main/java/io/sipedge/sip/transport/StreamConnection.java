package io.sipedge.sip.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.ScheduledFuture;
import io.sipedge.model.Flow;
import io.sipedge.model.Transport;
import io.sipedge.observe.ConnectionEnd;
import io.sipedge.observe.KeepaliveEvents;
import io.sipedge.observe.TransportEvents;
import io.sipedge.observe.WebSocketRefusal;
import io.sipedge.sip.transport.StreamFramer.FramingException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One TCP, TLS or WebSocket connection, on its event loop: cuts the byte stream into messages
 * ({@link StreamFramer}; over WebSocket each text or binary message is one SIP message, RFC 7118
 * §5) and hands each to the {@link InboundHandler} right there, answers CRLFCRLF keepalives with
 * CRLF (RFC 5626 §4.4.1), and is the link its flow's messages are sent on (over WebSocket as text
 * frames).
 *
 * <p>Its bounds, each a close counted by reason ({@link ConnectionEnd}):
 * <ul>
 * <li>idle: no valid request within the idle timeout of opening (a TLS connection counts from
 * before its handshake), so a descriptor is never held by a client that never speaks;</li>
 * <li>slow: a message must arrive whole within the read timeout of its first byte; between
 * messages a connection may stay quiet for hours, as phones keep theirs;</li>
 * <li>malformed: a stream that cannot be cut into messages (over the size limit, a Content-Length
 * that is not a number) is closed, as is one whose message got a 400;</li>
 * <li>write stall: writes never block a thread. Netty queues what the kernel cannot take yet; a
 * send that finds more than the send queue's bound waiting, or a queue that stays over it past the
 * write timeout, closes the connection (a client that never reads its responses).</li>
 * <li>keepalive: a WebSocket connection is PINGed every ping interval and closed when its PONGs
 * stop ({@link PingWatch}); a browser's tab can vanish without a close.</li>
 * </ul>
 * Messages to the peer go on this connection only; once it has closed, sending fails and nothing
 * ever connects back.
 */
final class StreamConnection extends ChannelInboundHandlerAdapter implements Link {
    private static final Logger log = LoggerFactory.getLogger(StreamConnection.class);
    private static final byte[] CRLF = "\r\n".getBytes(StandardCharsets.US_ASCII);

    /** What every connection of a listener shares. */
    record Context(Transport transport, String edge, int maxMessageSize, long readTimeoutMs, long idleTimeoutMs,
                   long writeTimeoutMs, long webSocketHandshakeTimeoutMs, long pingIntervalMs, int pingMisses,
                   InboundHandler handler, StreamRegistry registry, TransportEvents events,
                   KeepaliveEvents keepalives) {
    }

    private final Context ctx;
    private final long id;
    private final StreamFramer framer;
    private final PingWatch pings;
    private Channel channel;
    private InetSocketAddress peer;
    private Flow flow;
    private ScheduledFuture<?> idleTimer;
    private ScheduledFuture<?> readTimer;
    private ScheduledFuture<?> writeTimer;
    private ScheduledFuture<?> pingTimer;
    private ScheduledFuture<?> handshakeTimer;
    /** Why the edge closed it; null while open, and when the peer closed it. */
    private volatile ConnectionEnd ending;
    /**
     * True while the event loop hands this read's messages on: answers are then queued and flushed
     * together when the read is done ({@link #channelReadComplete}), one write for what a client
     * pipelined instead of one per answer.
     */
    private boolean reading;
    /**
     * Other connections of this event loop that this read's messages were forwarded to (the proxy's
     * other leg): written at once, flushed with this connection's answers when the read is done.
     */
    private final List<Channel> alsoFlush = new ArrayList<>(2);

    /** The connection whose read this event loop thread is handing on, if any. */
    private static final FastThreadLocal<StreamConnection> READER = new FastThreadLocal<>();

    StreamConnection(Context ctx, long id) {
        this.ctx = ctx;
        this.id = id;
        this.framer = new StreamFramer(ctx.maxMessageSize());
        this.pings = new PingWatch(Math.max(1, ctx.pingMisses()));
    }

    Flow flow() {
        return flow;
    }

    @Override
    public void channelActive(ChannelHandlerContext c) {
        channel = c.channel();
        peer = (InetSocketAddress) channel.remoteAddress();
        flow = new Flow(ctx.transport(), peer.getAddress().getHostAddress(), peer.getPort(), id, ctx.edge(), true);
        ctx.registry().opened(this);
        idleTimer = schedule(ConnectionEnd.IDLE, ctx.idleTimeoutMs());
        if (ctx.transport().webSocket()) {
            // From the first byte, not from when Netty's handshaker starts (after the whole request).
            handshakeTimer = channel.eventLoop().schedule(() -> {
                log.debug("{} {}: WebSocket handshake not done in time, closing", ctx.transport(), peer);
                ctx.events().webSocketRefused(ctx.transport(), WebSocketRefusal.TIMEOUT);
                end(ConnectionEnd.WS_HANDSHAKE);
            }, ctx.webSocketHandshakeTimeoutMs(), TimeUnit.MILLISECONDS);
        }
        c.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext c, Object msg) {
        if (msg instanceof WebSocketFrame frame) {
            webSocketRead(frame);
            return;
        }
        if (!(msg instanceof ByteBuf in)) {
            // an HTTP request Netty's handshaker passed on instead of upgrading
            ReferenceCountUtil.release(msg);
            end(ConnectionEnd.MALFORMED);
            return;
        }
        reading = true;
        READER.set(this);
        try {
            while (in.isReadable() && ending == null) {
                framer.readFrom(in);
                drain();
            }
        } catch (FramingException e) {
            log.debug("{} {}: {}, closing", ctx.transport(), peer, e.getMessage());
            end(ConnectionEnd.MALFORMED);
        } finally {
            in.release();
        }
        if (ending == null && framer.midMessage()) {
            if (readTimer == null) {
                readTimer = schedule(ConnectionEnd.SLOW, ctx.readTimeoutMs());
            }
        } else {
            cancelReadTimer();
        }
    }

    /** Hands every complete message on, answers pings, until more bytes are needed. */
    private void drain() throws FramingException {
        while (ending == null) {
            switch (framer.next()) {
                case MESSAGE -> {
                    cancelReadTimer(); // the next message's time starts with its own first byte
                    if (ctx.handler().handle(new Inbound(framer.message(), flow, peer, this)) && idleTimer != null) {
                        idleTimer.cancel(false);
                        idleTimer = null;
                    }
                }
                case KEEPALIVE -> channel.write(Unpooled.wrappedBuffer(CRLF), channel.voidPromise());
                case NEED_MORE -> {
                    return;
                }
            }
        }
    }

    /**
     * A whole WebSocket message (fragments joined by Netty's aggregator, within the size limit) is
     * one SIP message or a CRLFCRLF keepalive; a PONG answers our PING. Netty answers PINGs and
     * CLOSEs itself.
     */
    private void webSocketRead(WebSocketFrame frame) {
        reading = true;
        READER.set(this);
        try {
            if (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame) {
                ByteBuf content = frame.content();
                if (isKeepalive(content)) {
                    channel.write(new TextWebSocketFrame(Unpooled.wrappedBuffer(CRLF)), channel.voidPromise());
                } else if (content.isReadable() && ending == null) {
                    byte[] bytes = new byte[content.readableBytes()];
                    content.readBytes(bytes);
                    if (frame instanceof TextWebSocketFrame && !isUtf8(bytes)) {
                        // RFC 6455 §8.1: a text message that is not UTF-8 fails the connection
                        ending(ConnectionEnd.MALFORMED);
                        channel.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.INVALID_PAYLOAD_DATA))
                                .addListener(ChannelFutureListener.CLOSE);
                        return;
                    }
                    if (ctx.handler().handle(new Inbound(bytes, flow, peer, this)) && idleTimer != null) {
                        idleTimer.cancel(false);
                        idleTimer = null;
                    }
                }
            } else if (frame instanceof PongWebSocketFrame && pings.awaiting()) {
                pings.pong();
                ctx.keepalives().probeAnswered(KeepaliveEvents.Kind.WS_PING, ctx.transport());
            }
        } finally {
            frame.release();
        }
    }

    /**
     * Whether a text message is UTF-8, checked here on the whole message rather than by Netty's
     * validator, which walked every byte of every frame through its state machine (a tenth of the
     * event loop's Java time over WebSocket): SIP messages are nearly always ASCII, which is UTF-8.
     */
    static boolean isUtf8(byte[] b) {
        for (byte x : b) {
            if (x < 0) {
                try {
                    StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
                    return true;
                } catch (CharacterCodingException e) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean isKeepalive(ByteBuf b) {
        int i = b.readerIndex();
        return b.readableBytes() == 4 && b.getByte(i) == '\r' && b.getByte(i + 1) == '\n'
                && b.getByte(i + 2) == '\r' && b.getByte(i + 3) == '\n';
    }

    /** Every ping interval: a PING, or the close of a peer that stopped answering them. */
    private void ping() {
        if (pings.awaiting()) {
            ctx.keepalives().probeUnanswered(KeepaliveEvents.Kind.WS_PING, ctx.transport());
        }
        if (pings.tick() == PingWatch.Action.CLOSE) {
            log.debug("{} {}: {} PINGs unanswered, closing", ctx.transport(), peer, ctx.pingMisses());
            ctx.keepalives().failed(KeepaliveEvents.Kind.WS_PING, ctx.transport());
            end(ConnectionEnd.KEEPALIVE);
            return;
        }
        channel.writeAndFlush(new PingWebSocketFrame(), channel.voidPromise());
        ctx.keepalives().probeSent(KeepaliveEvents.Kind.WS_PING, ctx.transport());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext c) {
        reading = false;
        READER.remove();
        channel.flush();
        for (Channel other : alsoFlush) {
            other.flush();
        }
        alsoFlush.clear();
        c.fireChannelReadComplete();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext c, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent done && !done.isSuccess()) {
            log.debug("TLS {}: handshake failed: {}", peer, done.cause().toString());
            end(ConnectionEnd.TLS_HANDSHAKE);
        } else if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
            if (handshakeTimer != null) {
                handshakeTimer.cancel(false);
                handshakeTimer = null;
            }
            if (ctx.pingIntervalMs() > 0) {
                pingTimer = channel.eventLoop().scheduleAtFixedRate(this::ping, ctx.pingIntervalMs(),
                        ctx.pingIntervalMs(), TimeUnit.MILLISECONDS);
            }
        }
        c.fireUserEventTriggered(evt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext c) {
        if (!channel.isWritable()) {
            if (writeTimer == null) {
                writeTimer = schedule(ConnectionEnd.WRITE_STALL, ctx.writeTimeoutMs());
            }
        } else if (writeTimer != null) {
            writeTimer.cancel(false);
            writeTimer = null;
        }
        c.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
        log.debug("{} {}: {}", ctx.transport(), peer, cause.toString());
        end(ConnectionEnd.ERROR);
    }

    @Override
    public void channelInactive(ChannelHandlerContext c) {
        for (ScheduledFuture<?> t : new ScheduledFuture<?>[] {idleTimer, readTimer, writeTimer, pingTimer,
                handshakeTimer}) {
            if (t != null) {
                t.cancel(false);
            }
        }
        ctx.registry().closed(this, ending == null ? ConnectionEnd.PEER : ending);
        c.fireChannelInactive();
    }

    @Override
    public void send(byte[] bytes, InetSocketAddress to) throws IOException {
        Channel ch = channel;
        if (ch == null || !ch.isActive()) {
            throw new IOException(ctx.transport() + " connection " + id + " is closed");
        }
        if (!ch.isWritable()) {
            end(ConnectionEnd.WRITE_STALL);
            throw new IOException(ctx.transport() + " connection " + id + " closed: its peer stopped reading");
        }
        Object out = ctx.transport().webSocket() ? new TextWebSocketFrame(Unpooled.wrappedBuffer(bytes))
                : Unpooled.wrappedBuffer(bytes);
        if (!ch.eventLoop().inEventLoop()) {
            ch.writeAndFlush(out, ch.voidPromise());
            return;
        }
        ch.write(out, ch.voidPromise());
        if (reading) {
            return; // flushed when the read is done
        }
        StreamConnection reader = READER.get();
        if (reader != null && reader.reading) {
            if (!reader.alsoFlush.contains(ch)) {
                reader.alsoFlush.add(ch); // one write for all a read forwards to this connection
            }
        } else {
            ch.flush();
        }
    }

    @Override
    public void closeConnection() {
        if (ending == null) {
            ending = ConnectionEnd.MALFORMED;
        }
        Channel ch = channel;
        if (ch != null) {
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Closes now, for {@code why} (the first reason given wins). */
    void end(ConnectionEnd why) {
        ending(why);
        Channel ch = channel;
        if (ch != null) {
            ch.close();
        }
    }

    /** Records why the edge is closing it, when another handler does the closing. */
    void ending(ConnectionEnd why) {
        if (ending == null) {
            ending = why;
        }
    }

    /** Bytes waiting to be written. */
    long queuedBytes() {
        Channel ch = channel;
        if (ch == null || ch.unsafe().outboundBuffer() == null) {
            return 0;
        }
        return ch.unsafe().outboundBuffer().totalPendingWriteBytes();
    }

    private void cancelReadTimer() {
        if (readTimer != null) {
            readTimer.cancel(false);
            readTimer = null;
        }
    }

    /** Closes for {@code why} after {@code ms}, unless cancelled first; the write timer checks again. */
    private ScheduledFuture<?> schedule(ConnectionEnd why, long ms) {
        return channel.eventLoop().schedule(() -> {
            if (why != ConnectionEnd.WRITE_STALL || !channel.isWritable()) {
                log.debug("{} {}: closing ({})", ctx.transport(), peer, why.label());
                end(why);
            }
        }, ms, TimeUnit.MILLISECONDS);
    }
}
