package io.sipedge.loadtest.transport;

import io.sipedge.loadtest.sip.MessageBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.TimeUnit;

/**
 * JIT warm-up for the generator and the responder, before any traffic. Why: a cold JVM handling
 * tens of thousands of messages per second runs interpreted and compiles at the same time, falls
 * behind for a second or two, and over UDP the queue overflows and sets off a retransmission storm
 * that takes seconds to clear, which would make the first find-max step measure the JIT.
 * Callers run their message code; this runs the socket code on private loopback sockets and then
 * waits for the compiler to go quiet.
 */
public final class Warmup {
    private static final int ROUNDS = 20_000;

    private Warmup() {
    }

    /** Datagrams between two private loopback sockets: connected read/write, and receive/send. */
    public static void udp() {
        InetAddress lo = InetAddress.getLoopbackAddress();
        try (DatagramChannel a = DatagramChannel.open(); DatagramChannel b = DatagramChannel.open()) {
            a.bind(new InetSocketAddress(lo, 0));
            b.bind(new InetSocketAddress(lo, 0));
            a.connect(b.getLocalAddress());
            ByteBuffer out = ByteBuffer.wrap(new byte[500]);
            ByteBuffer in = ByteBuffer.wrap(new byte[65536]);
            for (int i = 0; i < ROUNDS; i++) {
                out.clear();
                a.write(out);
                in.clear();
                var from = b.receive(in); // loopback delivery is synchronous: the datagram is there
                out.clear();
                b.send(out, from);
                in.clear();
                a.read(in);
            }
        } catch (IOException e) {
            // no loopback UDP: nothing to warm, the run will say what is wrong
        }
    }

    /** Bytes both ways over a private loopback TCP connection, through the socket streams. */
    public static void tcp() {
        InetAddress lo = InetAddress.getLoopbackAddress();
        try (ServerSocket server = new ServerSocket(0, 1, lo);
             Socket client = new Socket(lo, server.getLocalPort());
             Socket accepted = server.accept()) {
            client.setTcpNoDelay(true);
            accepted.setTcpNoDelay(true);
            OutputStream cout = client.getOutputStream();
            InputStream ain = accepted.getInputStream();
            OutputStream aout = accepted.getOutputStream();
            InputStream cin = client.getInputStream();
            byte[] msg = new byte[500];
            byte[] buf = new byte[65536];
            for (int i = 0; i < ROUNDS; i++) {
                cout.write(msg);
                readFully(ain, buf, msg.length);
                aout.write(msg);
                readFully(cin, buf, msg.length);
            }
        } catch (IOException e) {
            // as above
        }
    }

    /**
     * WebSocket frames in memory: a client's masked frame written and read back in the server role,
     * a server's unmasked one read in the client role (the generator's two hot paths), and a PING.
     */
    public static void webSocketFrames() {
        byte[] sip = new byte[600];
        MessageBuilder out = new MessageBuilder(4096);
        WebSocketFrameDecoder server = new WebSocketFrameDecoder(true, 4096, 65535);
        WebSocketFrameDecoder client = new WebSocketFrameDecoder(false, 4096, 65535);
        long[] sink = new long[1];
        WebSocketFrameDecoder.Listener count = new WebSocketFrameDecoder.Listener() {
            @Override
            public void message(byte[] buf, int off, int len) {
                sink[0] += len;
            }

            @Override
            public void ping(byte[] buf, int off, int len) {
                sink[0]++;
            }

            @Override
            public void close(int code, byte[] buf, int off, int len) {
            }
        };
        try {
            for (int i = 0; i < ROUNDS; i++) {
                out.reset();
                WebSocketFrames.writeMasked(out, WebSocketFrames.TEXT, sip, 0, sip.length, i * 0x9E3779B9);
                server.received(feed(server, out), count);
                out.reset();
                WebSocketFrames.writeUnmasked(out, true, WebSocketFrames.TEXT, sip, 0, sip.length);
                WebSocketFrames.writeUnmasked(out, true, WebSocketFrames.PING, sip, 0, 8);
                client.received(feed(client, out), count);
            }
        } catch (IOException e) {
            throw new IllegalStateException("the warm-up's own frames did not decode", e);
        }
    }

    private static int feed(WebSocketFrameDecoder d, MessageBuilder frames) throws IOException {
        return d.readFrom(new ByteArrayInputStream(frames.array(), 0, frames.length()));
    }

    private static void readFully(InputStream in, byte[] buf, int n) throws IOException {
        int got = 0;
        while (got < n) {
            int r = in.read(buf, got, n - got);
            if (r < 0) {
                throw new IOException("closed");
            }
            got += r;
        }
    }

    /** Waits until the JIT has compiled nothing for 200 ms, at most {@code maxMillis}. */
    public static void awaitQuietCompiler(long maxMillis) {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMillis);
        long last = jit.getTotalCompilationTime();
        int quiet = 0;
        while (quiet < 4 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long now = jit.getTotalCompilationTime();
            quiet = now == last ? quiet + 1 : 0;
            last = now;
        }
    }
}
