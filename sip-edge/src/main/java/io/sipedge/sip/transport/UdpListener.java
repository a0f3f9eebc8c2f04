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
 * The UDP listening sockets and their readers, two to a socket by default. The sockets are bound to
 * the same address and port ({@code SO_REUSEPORT}: the kernel spreads phones over them by their
 * address and port, and keeps each phone on one). A reader receives a datagram, handles it and
 * sends the answer from its socket, so the answer leaves from the listening port and passes back
 * through the phone's NAT mapping. No queue between threads, so nothing to bound but the kernel's
 * receive buffers, whose overflow the kernel counts.
 *
 * <p>Two to a socket because a reader held up mid-datagram (preempted by another process, on a
 * machine whose cores are all busy) would otherwise hold up every phone the kernel put on its
 * socket: its partner takes the next datagram, as Kamailio's workers, which share one socket, cover
 * for each other. It also gives a single source address and port (an SBC in front of the edge) two
 * readers instead of one. The price is a hand-off per datagram: the JDK lets one thread at a time
 * wait in a socket's receive, so the reader that gets a datagram wakes its partner to wait next.
 * Measured on 2 cores shared with the load generator, UDP at 8 000 registrations/s, two series of
 * six alternating rounds (medians; one reader to a socket, two, Kamailio): p99 0.59, 0.44, 0.45 ms
 * and 0.53, 0.44, 0.41 ms; CPU per registration 33, 40, 42 µs and 26, 36, 33 µs. One reader to a
 * socket ({@code sip.udp-readers-per-socket=1}) spends the least CPU; four did no better on p99
 * than two and cost more.
 *
 * <p>A datagram larger than the message size limit is dropped whole rather than parsed cut off; one
 * that breaks the handler is logged and dropped; a reader never dies of either.
 */
final class UdpListener {
    private static final Logger log = LoggerFactory.getLogger(UdpListener.class);
    /**
     * Asked of the kernel (capped at net.core.rmem_max / wmem_max): 128 KB overflowed at 10 000
     * registrations/s, every drop costing the phone a 500 ms retransmission.
     */
    private static final int SOCKET_BUFFER = 4 << 20;

    private final List<DatagramChannel> channels;
    private final String edge;
    private final int maxMessageSize;
    private final InboundHandler handler;
    private final List<Thread> readers = new ArrayList<>();

    private UdpListener(List<DatagramChannel> channels, String edge, int maxMessageSize, InboundHandler handler) {
        this.channels = channels;
        this.edge = edge;
        this.maxMessageSize = maxMessageSize;
        this.handler = handler;
    }

    /**
     * Binds a socket for every {@code perSocket} of {@code readers} to {@code address} (port 0
     * allowed: the first picks, the others join it) and starts the readers, {@code perSocket} on
     * each socket (fewer on the last when {@code readers} is not a multiple).
     */
    static UdpListener open(InetSocketAddress address, String edge, int maxMessageSize, int readers, int perSocket,
                            InboundHandler handler) throws IOException {
        int sockets = (readers + perSocket - 1) / perSocket;
        List<DatagramChannel> channels = new ArrayList<>(sockets);
        try {
            InetSocketAddress at = address;
            for (int i = 0; i < sockets; i++) {
                DatagramChannel ch = DatagramChannel.open();
                channels.add(ch);
                ch.setOption(StandardSocketOptions.SO_REUSEPORT, sockets > 1);
                ch.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER);
                ch.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER);
                ch.bind(at);
                at = (InetSocketAddress) ch.getLocalAddress();
            }
        } catch (IOException | RuntimeException e) {
            for (DatagramChannel ch : channels) {
                ch.close();
            }
            throw e;
        }
        UdpListener l = new UdpListener(channels, edge, maxMessageSize, handler);
        int port = l.port();
        for (int i = 0; i < readers; i++) {
            DatagramChannel ch = channels.get(i / perSocket);
            Thread t = new Thread(() -> l.read(ch), "sip-udp-" + port + "-" + i);
            t.setDaemon(true);
            l.readers.add(t);
            t.start();
        }
        return l;
    }

    int port() {
        try {
            return ((InetSocketAddress) channels.get(0).getLocalAddress()).getPort();
        } catch (IOException e) {
            return -1; // closed
        }
    }

    private void read(DatagramChannel channel) {
        // One byte more than the limit: a datagram that fills it is over the limit (the kernel cuts
        // longer ones to the buffer silently, so the buffer, not the length, tells).
        ByteBuffer buf = ByteBuffer.allocateDirect(maxMessageSize + 1); // direct: the JDK copies into a heap one
        Reply reply = new Reply(channel);
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
                handler.handle(new Inbound(bytes, flow, from, reply));
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                log.warn("UDP receive on port {} failed: {}", port(), e.toString());
            } catch (Throwable t) { // NOPMD: a reader serves every phone; one datagram must not end it
                log.warn("UDP datagram dropped: {}", t.toString());
            }
        }
    }

    /**
     * A new message to a phone: from the first socket (every socket has the listening port, so the
     * phone's NAT mapping lets it in).
     */
    void send(byte[] bytes, InetSocketAddress to) throws IOException {
        channels.get(0).send(ByteBuffer.wrap(bytes), to);
    }

    /** The answer to a datagram leaves from the socket that received it. */
    private record Reply(DatagramChannel channel) implements Link {
        @Override
        public void send(byte[] bytes, InetSocketAddress to) throws IOException {
            channel.send(ByteBuffer.wrap(bytes), to);
        }

        @Override
        public void closeConnection() {
            // UDP has no connection: the flow is the phone's address and port.
        }
    }

    /** Closes the sockets and waits for the readers to end. */
    void shutdown() {
        for (DatagramChannel ch : channels) {
            try {
                ch.close();
            } catch (IOException e) {
                log.debug("closing UDP: {}", e.toString());
            }
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
