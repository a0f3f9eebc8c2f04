package io.sipedge.sip.transport;

import io.sipedge.model.Flow;
import io.sipedge.model.Transport;
import io.sipedge.observe.DatagramDrop;
import io.sipedge.observe.TransportEvents;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
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
 * buffers, whose overflow the kernel counts (and a full send buffer, which metrics count).
 *
 * <p>Two to a socket because a reader held up mid-datagram (preempted by another process, on a
 * machine whose cores are all busy) would otherwise hold up every phone the kernel put on its
 * socket: its partner takes the next datagram, as Kamailio's workers, which share one socket, cover
 * for each other. It also gives a single source address and port (an SBC in front of the edge) two
 * readers instead of one.
 *
 * <p>Why each reader waits in a selector of its own on a non-blocking socket: the JDK lets one
 * thread at a time wait in a blocking socket's receive, so with blocking sockets the reader that got
 * a datagram had to wake its partner to wait next, and a burst's second datagram waited for that
 * hand-off. In selectors the kernel wakes the idle readers as the datagram arrives, and the reader
 * that does not get it goes back to wait. Measured on 2 cores shared with the load generator, UDP
 * at 8 000 registrations/s, six alternating rounds (medians; blocking pairs, selectors, Kamailio):
 * p99 0.50, 0.39, 0.37 ms (the REGISTER-to-401 leg 0.25, 0.16, 0.13), CPU per registration
 * 28.6, 28.4, 29.5 µs. One reader to a socket ({@code sip.udp-readers-per-socket=1}) is for an
 * operator who prefers no reader ever woken for nothing.
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
    private final TransportEvents events;
    private final List<Thread> readers = new ArrayList<>();
    private final List<Selector> selectors = new ArrayList<>();

    private UdpListener(List<DatagramChannel> channels, String edge, int maxMessageSize, InboundHandler handler,
                        TransportEvents events) {
        this.channels = channels;
        this.edge = edge;
        this.maxMessageSize = maxMessageSize;
        this.handler = handler;
        this.events = events;
    }

    /**
     * Binds a socket for every {@code perSocket} of {@code readers} to {@code address} (port 0
     * allowed: the first picks, the others join it) and starts the readers, {@code perSocket} on
     * each socket (fewer on the last when {@code readers} is not a multiple).
     */
    static UdpListener open(InetSocketAddress address, String edge, int maxMessageSize, int readers, int perSocket,
                            InboundHandler handler, TransportEvents events) throws IOException {
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
                ch.configureBlocking(false);
                at = (InetSocketAddress) ch.getLocalAddress();
            }
        } catch (IOException | RuntimeException e) {
            for (DatagramChannel ch : channels) {
                ch.close();
            }
            throw e;
        }
        UdpListener l = new UdpListener(channels, edge, maxMessageSize, handler, events);
        try {
            for (int i = 0; i < readers; i++) {
                Selector selector = Selector.open();
                l.selectors.add(selector);
                channels.get(i / perSocket).register(selector, SelectionKey.OP_READ);
            }
        } catch (IOException | RuntimeException e) {
            l.shutdown();
            throw e;
        }
        int port = l.port();
        for (int i = 0; i < readers; i++) {
            DatagramChannel ch = channels.get(i / perSocket);
            Selector selector = l.selectors.get(i);
            Thread t = new Thread(() -> l.read(ch, selector), "sip-udp-" + port + "-" + i);
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

    private void read(DatagramChannel channel, Selector selector) {
        // One byte more than the limit: a datagram that fills it is over the limit (the kernel cuts
        // longer ones to the buffer silently, so the buffer, not the length, tells).
        ByteBuffer buf = ByteBuffer.allocateDirect(maxMessageSize + 1); // direct: the JDK copies into a heap one
        Reply reply = new Reply(channel, events);
        while (channel.isOpen()) {
            try {
                buf.clear();
                InetSocketAddress from = (InetSocketAddress) channel.receive(buf);
                if (from == null) {
                    // None queued (or another reader took it): wait for the next, then try again.
                    selector.select();
                    selector.selectedKeys().clear();
                    continue;
                }
                if (buf.position() > maxMessageSize) {
                    events.datagramDropped(DatagramDrop.TOO_LARGE);
                    continue;
                }
                byte[] bytes = new byte[buf.position()];
                buf.flip();
                buf.get(bytes);
                Flow flow = new Flow(Transport.UDP, from.getAddress().getHostAddress(), from.getPort(), 0, edge, true);
                handler.handle(new Inbound(bytes, flow, from, reply));
            } catch (ClosedChannelException | ClosedSelectorException e) {
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
        send(channels.get(0), bytes, to, events);
    }

    /**
     * Sends without waiting: a socket whose send buffer is full drops the datagram (counted), as the
     * network would drop it, and the phone retransmits; a reader never waits on a socket's room.
     */
    private static void send(DatagramChannel channel, byte[] bytes, InetSocketAddress to, TransportEvents events)
            throws IOException {
        if (channel.send(ByteBuffer.wrap(bytes), to) == 0) {
            events.datagramDropped(DatagramDrop.SEND_BUFFER_FULL);
        }
    }

    /** The answer to a datagram leaves from the socket that received it. */
    private record Reply(DatagramChannel channel, TransportEvents events) implements Link {
        @Override
        public void send(byte[] bytes, InetSocketAddress to) throws IOException {
            UdpListener.send(channel, bytes, to, events);
        }

        @Override
        public void closeConnection() {
            // UDP has no connection: the flow is the phone's address and port.
        }
    }

    /**
     * Closes the sockets and waits for the readers to end. A closed channel does not wake a selector
     * waiting on it, so each reader's selector is woken; its socket is released once every selector
     * it was registered with is closed.
     */
    void shutdown() {
        for (DatagramChannel ch : channels) {
            try {
                ch.close();
            } catch (IOException e) {
                log.debug("closing UDP: {}", e.toString());
            }
        }
        for (Selector s : selectors) {
            s.wakeup();
        }
        for (Thread t : readers) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Selector s : selectors) {
            try {
                s.close();
            } catch (IOException e) {
                log.debug("closing a UDP selector: {}", e.toString());
            }
        }
    }
}
