package io.sipedge.sip.transport;

import io.sipedge.model.Flow;
import io.sipedge.model.Transport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The UDP listening socket and its readers. Each reader receives a datagram, handles it and sends
 * the answer from this same socket, so the answer passes back through the phone's NAT mapping, and
 * every reader shares the one socket, as Kamailio's UDP workers do: no queue between threads, so
 * nothing to bound but the kernel's receive buffer, whose overflow the kernel counts.
 *
 * <p>A datagram larger than the message size limit is dropped whole rather than parsed cut off; one
 * that breaks the handler is logged and dropped; a reader never dies of either.
 */
final class UdpListener implements Link {
    private static final Logger log = LoggerFactory.getLogger(UdpListener.class);
    /**
     * Asked of the kernel (capped at net.core.rmem_max / wmem_max): 128 KB overflowed at 10 000
     * registrations/s, every drop costing the phone a 500 ms retransmission.
     */
    private static final int SOCKET_BUFFER = 4 << 20;

    private final DatagramChannel channel;
    private final String edge;
    private final int maxMessageSize;
    private final InboundHandler handler;
    private final List<Thread> readers = new ArrayList<>();

    private UdpListener(DatagramChannel channel, String edge, int maxMessageSize, InboundHandler handler) {
        this.channel = channel;
        this.edge = edge;
        this.maxMessageSize = maxMessageSize;
        this.handler = handler;
    }

    /** Binds {@code address} (port 0 allowed) and starts {@code readers} reader threads. */
    static UdpListener open(InetSocketAddress address, String edge, int maxMessageSize, int readers,
                            InboundHandler handler) throws IOException {
        DatagramChannel ch = DatagramChannel.open();
        try {
            ch.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER);
            ch.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER);
            ch.bind(address);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        UdpListener l = new UdpListener(ch, edge, maxMessageSize, handler);
        int port = l.port();
        for (int i = 0; i < readers; i++) {
            Thread t = new Thread(l::read, "sip-udp-" + port + "-" + i);
            t.setDaemon(true);
            l.readers.add(t);
            t.start();
        }
        return l;
    }

    int port() {
        try {
            return ((InetSocketAddress) channel.getLocalAddress()).getPort();
        } catch (IOException e) {
            return -1; // closed
        }
    }

    private void read() {
        // One byte more than the limit: a datagram that fills it is over the limit (the kernel cuts
        // longer ones to the buffer silently, so the buffer, not the length, tells).
        ByteBuffer buf = ByteBuffer.allocate(maxMessageSize + 1);
        while (channel.isOpen()) {
            try {
                buf.clear();
                InetSocketAddress from = (InetSocketAddress) channel.receive(buf);
                if (buf.position() > maxMessageSize) {
                    continue;
                }
                byte[] bytes = new byte[buf.position()];
                buf.flip();
                buf.get(bytes);
                Flow flow = new Flow(Transport.UDP, from.getAddress().getHostAddress(), from.getPort(), 0, edge, true);
                handler.handle(new Inbound(bytes, flow, from, this));
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                log.warn("UDP receive on port {} failed: {}", port(), e.toString());
            } catch (Throwable t) { // NOPMD: a reader serves every phone; one datagram must not end it
                log.warn("UDP datagram dropped: {}", t.toString());
            }
        }
    }

    @Override
    public void send(byte[] bytes, InetSocketAddress to) throws IOException {
        channel.send(ByteBuffer.wrap(bytes), to);
    }

    @Override
    public void closeConnection() {
        // UDP has no connection: the flow is the phone's address and port.
    }

    /** Closes the socket and waits for the readers to end. */
    void shutdown() {
        try {
            channel.close();
        } catch (IOException e) {
            log.debug("closing UDP: {}", e.toString());
        }
        for (Thread t : readers) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
