package io.sipedge.loadtest.transport;

import io.sipedge.loadtest.sip.StreamFramer;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocket;

/**
 * TCP or TLS: {@code connections} sockets with TCP_NODELAY, each with a reader thread framing
 * messages by Content-Length and a writer thread. {@link #send} only appends to the connection's
 * {@link Outbox}; the writer writes whatever has piled up in one call.
 */
public final class StreamClientTransport implements ClientTransport {
    private static final int MAX_MESSAGE = 65535;
    private static final int CONNECT_TIMEOUT_MS = 5000;

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
        this.type = type;
        try {
            for (int i = 0; i < connections; i++) {
                this.connections.add(new Connection(i, connect(type, server, localAddress)));
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
        StreamFramer framer = new StreamFramer(65536, MAX_MESSAGE);
        StreamFramer.Sink sink = (buf, off, len) -> handler.onMessage(index, buf, off, len);
        try {
            while (true) {
                int n = framer.readFrom(c.in);
                if (n < 0) {
                    throw new EOFException("connection closed by the server");
                }
                framer.received(n, sink);
            }
        } catch (IOException e) {
            if (!closed) {
                handler.onConnectionLost(index, e);
            }
        } catch (RuntimeException e) {
            if (!closed) {
                handler.onConnectionLost(index, new IOException("reader failed", e));
            }
        }
    }

    private void writeLoop(int index, Connection c, ResponseHandler handler) {
        try {
            c.outbox.writeLoop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            if (!closed) {
                handler.onConnectionLost(index, e);
            }
        }
    }

    /** Queues the message for the connection's writer; fails when the connection failed or is full. */
    @Override
    public void send(int connection, byte[] buf, int off, int len) throws IOException {
        connections.get(connection).outbox.append(buf, off, len);
    }

    @Override
    public void close() {
        closed = true;
        for (Connection c : connections) {
            c.outbox.close();
            try {
                c.socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        for (Connection c : connections) {
            for (Thread t : new Thread[] {c.reader, c.writer}) {
                if (t != null) {
                    try {
                        t.join(1000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }
    }
}
