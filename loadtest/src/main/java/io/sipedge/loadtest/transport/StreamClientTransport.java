package io.sipedge.loadtest.transport;

import io.sipedge.loadtest.sip.MessageBuilder;
import io.sipedge.loadtest.sip.StreamFramer;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocket;

/**
 * TCP or TLS: {@code connections} sockets with TCP_NODELAY, each with a reader thread framing
 * messages by Content-Length and a writer thread. {@link #send} only appends to the connection's
 * pending bytes; the writer writes whatever has piled up in one call. So messages coalesce under
 * load (one syscall for many), and no sending thread ever blocks on the socket: a reader thread
 * that blocked writing to a server that had stopped reading (because it was blocked writing to us)
 * would deadlock both.
 */
public final class StreamClientTransport implements ClientTransport {
    private static final int MAX_MESSAGE = 65535;
    private static final int CONNECT_TIMEOUT_MS = 5000;
    /** Beyond this much unwritten data (the server is not reading) sends fail. */
    private static final int MAX_PENDING = 16 << 20;

    private final TransportType type;
    private final List<Connection> connections = new ArrayList<>();
    private volatile boolean closed;

    private static final class Connection {
        final Socket socket;
        final InputStream in;
        final OutputStream out;
        final InetSocketAddress local;
        // guarded by this
        private MessageBuilder pending = new MessageBuilder(64 << 10);
        private MessageBuilder writing = new MessageBuilder(64 << 10);
        private boolean writerWaiting;
        private boolean closed;
        private IOException failure;
        Thread reader;
        Thread writer;

        Connection(Socket socket) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
            this.local = (InetSocketAddress) socket.getLocalSocketAddress();
        }
    }

    StreamClientTransport(TransportType type, InetSocketAddress server, InetAddress localAddress,
                          int connections) throws IOException {
        this.type = type;
        try {
            for (int i = 0; i < connections; i++) {
                this.connections.add(new Connection(connect(type, server, localAddress)));
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private static Socket connect(TransportType type, InetSocketAddress server, InetAddress localAddress)
            throws IOException {
        Socket plain = new Socket();
        try {
            plain.setTcpNoDelay(true);
            plain.bind(new InetSocketAddress(localAddress, 0));
            plain.connect(server, CONNECT_TIMEOUT_MS);
            if (type != TransportType.TLS) {
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
            c.reader = new Thread(() -> readLoop(index, c, handler), "loadtest-" + type.uriParameter() + "-reader-" + i);
            c.reader.setDaemon(true);
            c.reader.start();
            c.writer = new Thread(() -> writeLoop(index, c, handler), "loadtest-" + type.uriParameter() + "-writer-" + i);
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
            while (true) {
                MessageBuilder batch;
                synchronized (c) {
                    while (c.pending.length() == 0 && !c.closed) {
                        c.writerWaiting = true;
                        c.wait();
                        c.writerWaiting = false;
                    }
                    if (c.closed) {
                        return;
                    }
                    batch = c.pending;
                    c.pending = c.writing;
                    c.writing = batch;
                }
                c.out.write(batch.array(), 0, batch.length());
                batch.reset();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            synchronized (c) {
                c.failure = e;
            }
            if (!closed) {
                handler.onConnectionLost(index, e);
            }
        }
    }

    /** Queues the message for the connection's writer; fails when the connection failed or is full. */
    @Override
    public void send(int connection, byte[] buf, int off, int len) throws IOException {
        Connection c = connections.get(connection);
        synchronized (c) {
            if (c.failure != null || c.closed) {
                throw new IOException("connection " + connection + " is closed", c.failure);
            }
            if (c.pending.length() + len > MAX_PENDING) {
                throw new SendBufferFullException("connection " + connection + ": " + MAX_PENDING + " bytes unsent");
            }
            c.pending.append(buf, off, len);
            if (c.writerWaiting) {
                c.notify();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Connection c : connections) {
            synchronized (c) {
                c.closed = true;
                c.notifyAll();
            }
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
