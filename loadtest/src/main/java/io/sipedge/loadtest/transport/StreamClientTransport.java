package io.sipedge.loadtest.transport;

import io.sipedge.loadtest.sip.StreamFramer;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;

/**
 * TCP, TLS, and SIP over WebSocket (RFC 7118) on either: {@code connections} sockets with
 * TCP_NODELAY, each with a reader thread and a writer thread. {@link #send} only appends to the
 * connection's {@link Outbox}; the writer writes whatever has piled up in one call.
 *
 * <p>TCP and TLS frame messages by Content-Length. WS and WSS upgrade each connection with the
 * opening handshake before it is used; each SIP message goes out as one masked text frame, and
 * each text or binary message that comes back is one SIP message for the handler. The reader
 * answers a PING with a PONG and a CLOSE with a CLOSE, after which the connection counts as lost,
 * as when TCP closes; closing the transport sends a CLOSE (1000) on every connection first.
 */
public final class StreamClientTransport implements ClientTransport {
    private static final int MAX_MESSAGE = 65535;
    private static final int CONNECT_TIMEOUT_MS = 5000;
    private static final int HANDSHAKE_TIMEOUT_MS = 5000;
    private static final long CLOSE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final byte[] NORMAL_CLOSURE = closeBody(WebSocketFrames.NORMAL_CLOSURE);
    private static final byte[] PROTOCOL_ERROR = closeBody(WebSocketFrames.PROTOCOL_ERROR);

    private final TransportType type;
    private final List<Connection> connections = new ArrayList<>();
    private volatile boolean closed;

    private static final class Connection {
        final Socket socket;
        final InputStream in;
        final Outbox outbox;
        final InetSocketAddress local;
        Thread reader;
        Thread writer;

        Connection(int index, Socket socket) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.outbox = new Outbox(index, socket.getOutputStream());
            this.local = (InetSocketAddress) socket.getLocalSocketAddress();
        }
    }

    StreamClientTransport(TransportType type, InetSocketAddress server, InetAddress localAddress,
                          int connections) throws IOException {
        if (!type.reliable()) {
            throw new IllegalArgumentException(type + " is not a stream transport");
        }
        this.type = type;
        SecureRandom keys = type.webSocket() ? new SecureRandom() : null;
        try {
            for (int i = 0; i < connections; i++) {
                Socket s = connect(type, server, localAddress);
                try {
                    if (keys != null) {
                        s.setSoTimeout(HANDSHAKE_TIMEOUT_MS);
                        WebSocketHandshake.perform(s.getInputStream(), s.getOutputStream(), server,
                                WebSocketHandshake.newKey(keys));
                        s.setSoTimeout(0);
                    }
                    this.connections.add(new Connection(i, s));
                } catch (IOException | RuntimeException e) {
                    s.close();
                    throw e;
                }
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** A connected socket with TCP_NODELAY, TLS handshaken for TLS and WSS. */
    static Socket connect(TransportType type, InetSocketAddress server, InetAddress localAddress)
            throws IOException {
        Socket plain = new Socket();
        try {
            plain.setTcpNoDelay(true);
            plain.bind(new InetSocketAddress(localAddress, 0));
            plain.connect(server, CONNECT_TIMEOUT_MS);
            if (!type.secure()) {
                return plain;
            }
            SSLSocket tls = (SSLSocket) TrustAllTls.context().getSocketFactory()
                    .createSocket(plain, server.getHostString(), server.getPort(), true);
            tls.setUseClientMode(true);
            tls.setEnabledProtocols(TrustAllTls.protocols(tls.getSupportedProtocols()));
            tls.startHandshake();
            return tls;
        } catch (IOException | RuntimeException e) {
            plain.close();
            throw e;
        }
    }

    private static byte[] closeBody(int code) {
        return new byte[] {(byte) (code >>> 8), (byte) code};
    }

    @Override
    public TransportType type() {
        return type;
    }

    @Override
    public int connections() {
        return connections.size();
    }

    @Override
    public InetSocketAddress localAddress(int connection) {
        return connections.get(connection).local;
    }

    @Override
    public void start(ResponseHandler handler) {
        for (int i = 0; i < connections.size(); i++) {
            int index = i;
            Connection c = connections.get(i);
            c.reader = new Thread(() -> readLoop(index, c, handler), "loadtest-" + type.lowerName() + "-reader-" + i);
            c.reader.setDaemon(true);
            c.reader.start();
            c.writer = new Thread(() -> writeLoop(index, c, handler), "loadtest-" + type.lowerName() + "-writer-" + i);
            c.writer.setDaemon(true);
            c.writer.start();
        }
    }

    private void readLoop(int index, Connection c, ResponseHandler handler) {
        try {
            if (type.webSocket()) {
                readFrames(index, c, handler);
            } else {
                readStream(index, c, handler);
            }
        } catch (WebSocketFrameDecoder.ProtocolException e) {
            failConnection(c);
            lost(handler, index, e);
        } catch (IOException e) {
            lost(handler, index, e);
        } catch (RuntimeException e) {
            lost(handler, index, new IOException("reader failed", e));
        }
    }

    /** TCP and TLS: messages cut from the byte stream by Content-Length. */
    private static void readStream(int index, Connection c, ResponseHandler handler) throws IOException {
        StreamFramer framer = new StreamFramer(65536, MAX_MESSAGE);
        StreamFramer.Sink sink = (buf, off, len) -> handler.onMessage(index, buf, off, len);
        while (true) {
            int n = framer.readFrom(c.in);
            if (n < 0) {
                throw new EOFException("connection closed by the server");
            }
            framer.received(n, sink);
        }
    }

    /** WS and WSS: one SIP message per WebSocket message; PINGs and CLOSEs answered. */
    private static void readFrames(int index, Connection c, ResponseHandler handler) throws IOException {
        WebSocketFrameDecoder decoder = new WebSocketFrameDecoder(false, 65536, MAX_MESSAGE);
        WebSocketFrameDecoder.Listener listener = new WebSocketFrameDecoder.Listener() {
            @Override
            public void message(byte[] buf, int off, int len) {
                handler.onMessage(index, buf, off, len);
            }

            @Override
            public void ping(byte[] buf, int off, int len) throws IOException {
                c.outbox.appendFrame(WebSocketFrames.PONG, buf, off, len);
            }

            @Override
            public void close(int code, byte[] buf, int off, int len) throws IOException {
                // RFC 6455 §5.5.1: answer with a CLOSE, echoing the status; then the server closes TCP.
                byte[] echo = code < 0 ? new byte[0] : closeBody(code);
                c.outbox.appendFrame(WebSocketFrames.CLOSE, echo, 0, echo.length);
                c.outbox.closeWhenWritten();
                throw new EOFException("the server closed the WebSocket" + (code < 0 ? "" : " (" + code
                        + (len > 0 ? " " + new String(buf, off, len, StandardCharsets.UTF_8) : "") + ")"));
            }
        };
        while (true) {
            int n = decoder.readFrom(c.in);
            if (n < 0) {
                throw new EOFException("connection closed by the server");
            }
            decoder.received(n, listener);
        }
    }

    /** RFC 6455 §7.1.7: a peer that broke the protocol gets a CLOSE 1002 before the connection goes. */
    private static void failConnection(Connection c) {
        try {
            c.outbox.appendFrame(WebSocketFrames.CLOSE, PROTOCOL_ERROR, 0, PROTOCOL_ERROR.length);
        } catch (IOException e) {
            // the connection is already gone
        }
        c.outbox.closeWhenWritten();
    }

    private void lost(ResponseHandler handler, int index, IOException e) {
        if (!closed) {
            handler.onConnectionLost(index, e);
        }
    }

    private void writeLoop(int index, Connection c, ResponseHandler handler) {
        try {
            c.outbox.writeLoop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            lost(handler, index, e);
        }
    }

    /**
     * Queues the message for the connection's writer (over WebSocket as one masked text frame);
     * fails when the connection failed, closed or is full.
     */
    @Override
    public void send(int connection, byte[] buf, int off, int len) throws IOException {
        Outbox out = connections.get(connection).outbox;
        if (type.webSocket()) {
            out.appendFrame(WebSocketFrames.TEXT, buf, off, len);
        } else {
            out.append(buf, off, len);
        }
    }

    /**
     * Closes every connection. Over WebSocket a CLOSE (1000) goes first, and the writers get up to a
     * second in all to write it; the server's CLOSE is not awaited: a load tool has nothing left to
     * read.
     */
    @Override
    public void close() {
        closed = true;
        boolean interrupted = false;
        if (type.webSocket()) {
            for (Connection c : connections) {
                try {
                    c.outbox.appendFrame(WebSocketFrames.CLOSE, NORMAL_CLOSURE, 0, NORMAL_CLOSURE.length);
                } catch (IOException e) {
                    // failed or already closing: nothing to say goodbye on
                }
                c.outbox.closeWhenWritten();
            }
            long deadline = System.nanoTime() + CLOSE_WAIT_NANOS;
            for (Connection c : connections) {
                interrupted |= !join(c.writer, deadline);
            }
        }
        for (Connection c : connections) {
            c.outbox.close();
            try {
                c.socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        for (Connection c : connections) {
            long deadline = System.nanoTime() + CLOSE_WAIT_NANOS;
            interrupted |= !join(c.reader, deadline) || !join(c.writer, deadline);
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Joins {@code t} (if started) until {@code deadline}; false when interrupted (the flag is cleared). */
    private static boolean join(Thread t, long deadline) {
        long left = deadline - System.nanoTime();
        if (t == null || left <= 0) {
            return true;
        }
        try {
            TimeUnit.NANOSECONDS.timedJoin(t, left);
            return true;
        } catch (InterruptedException e) {
            return false;
        }
    }
}
