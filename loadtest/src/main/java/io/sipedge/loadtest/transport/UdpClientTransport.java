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
 * One UDP socket on an ephemeral port, connected to the server: a connected socket skips the
 * address lookup per datagram on both send and receive, and the kernel drops strays for us. The
 * server must answer from the address it was sent to (every SIP server does on loopback).
 */
public final class UdpClientTransport implements ClientTransport {
    private static final int SOCKET_BUFFER = 4 << 20;

    private final DatagramChannel channel;
    private final InetSocketAddress local;
    private Thread reader;
    private volatile boolean closed;
    private boolean reportedBug;

    UdpClientTransport(InetSocketAddress server, InetAddress localAddress) throws IOException {
        channel = DatagramChannel.open();
        try {
            // Large buffers absorb bursts; the kernel caps them at net.core.[rw]mem_max.
            channel.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER);
            channel.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER);
            channel.bind(new InetSocketAddress(localAddress, 0));
            channel.connect(server);
            local = (InetSocketAddress) channel.getLocalAddress();
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    @Override
    public TransportType type() {
        return TransportType.UDP;
    }

    @Override
    public int connections() {
        return 1;
    }

    @Override
    public InetSocketAddress localAddress(int connection) {
        return local;
    }

    @Override
    public void start(ResponseHandler handler) {
        reader = new Thread(() -> readLoop(handler), "loadtest-udp-reader");
        reader.setDaemon(true);
        reader.start();
    }

    private void readLoop(ResponseHandler handler) {
        byte[] array = new byte[65536];
        ByteBuffer buf = ByteBuffer.wrap(array);
        while (!closed) {
            try {
                buf.clear();
                int n = channel.read(buf);
                if (n > 0) {
                    handler.onMessage(0, array, 0, n);
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
        try {
            channel.close();
        } catch (IOException e) {
            // closing anyway
        }
        if (reader != null) {
            try {
                reader.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
