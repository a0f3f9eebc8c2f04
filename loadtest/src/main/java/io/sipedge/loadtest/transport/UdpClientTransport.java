package io.sipedge.loadtest.transport;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;

/**
 * UDP sockets on ephemeral ports, each connected to the server: a connected socket skips the
 * address lookup per datagram on both send and receive, and the kernel drops strays for us. The
 * server must answer from the address it was sent to (every SIP server does on loopback). Several
 * sockets are phones behind several NAT mappings: a server that spreads its work by source address
 * and port (SO_REUSEPORT) sees what a fleet gives it, where one socket looks like one SBC.
 */
public final class UdpClientTransport implements ClientTransport {
    private static final int SOCKET_BUFFER = 4 << 20;

    private final DatagramChannel[] channels;
    private final InetSocketAddress[] locals;
    private final Thread[] readers;
    private volatile boolean closed;
    private volatile boolean reportedBug;

    UdpClientTransport(InetSocketAddress server, InetAddress localAddress, int sockets) throws IOException {
        channels = new DatagramChannel[sockets];
        locals = new InetSocketAddress[sockets];
        readers = new Thread[sockets];
        try {
            for (int i = 0; i < sockets; i++) {
                DatagramChannel channel = DatagramChannel.open();
                channels[i] = channel;
                // Large buffers absorb bursts; the kernel caps them at net.core.[rw]mem_max.
                channel.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER);
                channel.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER);
                channel.bind(new InetSocketAddress(localAddress, 0));
                channel.connect(server);
                locals[i] = (InetSocketAddress) channel.getLocalAddress();
            }
        } catch (IOException | RuntimeException e) {
            closeChannels();
            throw e;
        }
    }

    @Override
    public TransportType type() {
        return TransportType.UDP;
    }

    @Override
    public int connections() {
        return channels.length;
    }

    @Override
    public InetSocketAddress localAddress(int connection) {
        return locals[connection];
    }

    @Override
    public void start(ResponseHandler handler) {
        for (int i = 0; i < channels.length; i++) {
            int socket = i;
            readers[i] = new Thread(() -> readLoop(handler, socket), "loadtest-udp-reader-" + i);
            readers[i].setDaemon(true);
            readers[i].start();
        }
    }

    private void readLoop(ResponseHandler handler, int socket) {
        DatagramChannel channel = channels[socket];
        byte[] array = new byte[65536];
        ByteBuffer buf = ByteBuffer.wrap(array);
        while (!closed) {
            try {
                buf.clear();
                int n = channel.read(buf);
                if (n > 0) {
                    handler.onMessage(socket, array, 0, n);
                }
            } catch (PortUnreachableException e) {
                // ICMP from a server that is not (yet) listening: the transactions will time out
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            } catch (RuntimeException e) {
                if (!reportedBug) {
                    reportedBug = true; // a bug in handling one datagram must not stop the reader
                    e.printStackTrace();
                }
            }
        }
    }

    @Override
    public void send(int connection, byte[] buf, int off, int len) throws IOException {
        DatagramChannel channel = channels[connection];
        try {
            channel.write(ByteBuffer.wrap(buf, off, len));
        } catch (PortUnreachableException e) {
            // a pending ICMP error from an earlier datagram; this one may well have gone out
            channel.write(ByteBuffer.wrap(buf, off, len));
        }
    }

    @Override
    public void close() {
        closed = true;
        closeChannels();
        for (Thread reader : readers) {
            if (reader == null) {
                continue;
            }
            try {
                reader.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void closeChannels() {
        for (DatagramChannel channel : channels) {
            if (channel == null) {
                continue;
            }
            try {
                channel.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
