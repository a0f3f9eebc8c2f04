package io.sipedge.sip.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.observe.DatagramDrop;
import io.sipedge.observe.TransportEvents;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The UDP readers on real sockets, with a handler that echoes each datagram back on its flow (or
 * holds the reader when told to): two readers to a socket cover for each other, one does not, every
 * answer leaves from the listening port, a datagram over the limit is dropped and counted, and
 * shutdown lets the port go.
 */
class UdpListenerTest {
    private static final InetAddress LO = InetAddress.getLoopbackAddress();

    /** Echoes each datagram; one that says "hold" keeps its reader until {@code release} opens. */
    private static InboundHandler echo(CountDownLatch held, CountDownLatch release) {
        return in -> {
            String text = new String(in.bytes(), StandardCharsets.US_ASCII);
            if (text.equals("hold")) {
                held.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            try {
                in.reply(in.bytes(), in.sourcePort());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return true;
        };
    }

    /** A listener on a port of its own whose readers echo and are never held. */
    private static UdpListener echoing(int maxMessageSize, int readers, int perSocket, TransportEvents events)
            throws IOException {
        CountDownLatch never = new CountDownLatch(1);
        return UdpListener.open(new InetSocketAddress(LO, 0), "edge-1", maxMessageSize, readers, perSocket,
                echo(never, never), events);
    }

    private static String exchange(DatagramSocket s, int port, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        s.send(new DatagramPacket(b, b.length, LO, port));
        return receive(s, port);
    }

    private static String receive(DatagramSocket s, int port) throws IOException {
        DatagramPacket p = new DatagramPacket(new byte[512], 512);
        s.receive(p);
        assertEquals(port, p.getPort(), "answer's source port");
        return new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII);
    }

    /** Sends "hold" from {@code phone} and waits until a reader has it. */
    private static void holdAReader(DatagramSocket phone, UdpListener udp, CountDownLatch held) throws Exception {
        byte[] hold = "hold".getBytes(StandardCharsets.US_ASCII);
        phone.send(new DatagramPacket(hold, hold.length, LO, udp.port()));
        assertTrue(held.await(3, TimeUnit.SECONDS), "a reader took the held datagram");
    }

    @Test
    void aReaderHeldUpMidDatagramLeavesItsSocketToItsPartner() throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        UdpListener udp = UdpListener.open(new InetSocketAddress(LO, 0), "edge-1", 1024, 2, 2, echo(held, release),
                TransportEvents.NONE);
        try (DatagramSocket phone = new DatagramSocket(0, LO)) {
            phone.setSoTimeout(3000);
            holdAReader(phone, udp, held);
            // The same phone (same source address and port, so the same socket): answered while
            // the first reader is still held.
            assertEquals("next", exchange(phone, udp.port(), "next"));
            release.countDown();
            assertEquals("hold", receive(phone, udp.port()), "the held datagram answered once released");
        } finally {
            release.countDown();
            udp.shutdown();
        }
    }

    @Test
    void withOneReaderToASocketAHeldReaderHoldsUpItsSocket() throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        UdpListener udp = UdpListener.open(new InetSocketAddress(LO, 0), "edge-1", 1024, 2, 1, echo(held, release),
                TransportEvents.NONE);
        try (DatagramSocket phone = new DatagramSocket(0, LO)) {
            phone.setSoTimeout(500);
            holdAReader(phone, udp, held);
            byte[] next = "next".getBytes(StandardCharsets.US_ASCII);
            phone.send(new DatagramPacket(next, next.length, LO, udp.port()));
            assertThrows(SocketTimeoutException.class, () -> receive(phone, udp.port()),
                    "the phone's socket has no other reader");
            release.countDown();
            phone.setSoTimeout(3000);
            assertEquals("hold", receive(phone, udp.port()));
            assertEquals("next", receive(phone, udp.port()));
        } finally {
            release.countDown();
            udp.shutdown();
        }
    }

    @Test
    void everyReaderAnswersFromTheListeningPort() throws Exception {
        UdpListener udp = echoing(1024, 5, 2, TransportEvents.NONE);
        try {
            // 32 source ports spread over the three sockets (SO_REUSEPORT); each answer must leave
            // from the one port the phones sent to.
            for (int i = 0; i < 32; i++) {
                try (DatagramSocket phone = new DatagramSocket(0, LO)) {
                    phone.setSoTimeout(3000);
                    assertEquals("ping-" + i, exchange(phone, udp.port(), "ping-" + i));
                }
            }
        } finally {
            udp.shutdown();
        }
    }

    @Test
    void aDatagramOverTheLimitIsDroppedAndCounted() throws Exception {
        List<DatagramDrop> drops = new CopyOnWriteArrayList<>();
        TransportEvents events = new TransportEvents() {
            @Override
            public void datagramDropped(DatagramDrop why) {
                drops.add(why);
            }
        };
        UdpListener udp = echoing(64, 2, 2, events);
        try (DatagramSocket phone = new DatagramSocket(0, LO)) {
            phone.setSoTimeout(500);
            byte[] big = "x".repeat(65).getBytes(StandardCharsets.US_ASCII);
            phone.send(new DatagramPacket(big, big.length, LO, udp.port()));
            assertThrows(SocketTimeoutException.class, () -> receive(phone, udp.port()), "65 bytes over a 64 limit");
            phone.setSoTimeout(3000);
            assertEquals("x".repeat(64), exchange(phone, udp.port(), "x".repeat(64)), "64 bytes are within it");
            assertEquals(List.of(DatagramDrop.TOO_LARGE), drops);
        } finally {
            udp.shutdown();
        }
    }

    @Test
    void shutdownEndsTheReadersAndReleasesThePort() throws Exception {
        UdpListener udp = echoing(1024, 4, 2, TransportEvents.NONE);
        int port = udp.port();
        udp.shutdown();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            assertFalse(t.getName().startsWith("sip-udp-" + port + "-") && t.isAlive(), t.getName() + " still runs");
        }
        // Without SO_REUSEPORT the port binds only if none of the listener's sockets is left.
        try (DatagramSocket again = new DatagramSocket(new InetSocketAddress(LO, port))) {
            assertEquals(port, again.getLocalPort());
        }
    }

    @Test
    void shutdownClosesEveryReadersSelector() throws Exception {
        int before = openFileDescriptors();
        for (int i = 0; i < 20; i++) {
            echoing(1024, 2, 2, TransportEvents.NONE).shutdown();
        }
        // A selector left open keeps its epoll descriptor and its wake-up pipe: 20 listeners of two
        // readers would leave 80 or more. Allow for other threads of the test JVM.
        int grown = openFileDescriptors() - before;
        assertTrue(grown < 20, grown + " descriptors more after 20 listeners came and went");
    }

    private static int openFileDescriptors() {
        return new java.io.File("/proc/self/fd").list().length;
    }
}
