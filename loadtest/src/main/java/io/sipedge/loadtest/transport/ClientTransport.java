package io.sipedge.loadtest.transport;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The generator's side of the wire: sockets to one server, each with one reader thread. Sends may
 * come from any thread. Connection numbers run from 0 to {@link #connections()} - 1.
 */
public sealed interface ClientTransport extends AutoCloseable permits UdpClientTransport, StreamClientTransport {

    /**
     * Opens the sockets (UDP: {@code connections} sockets, each on an ephemeral port; TCP/TLS: {@code connections}
     * connections, TLS handshaken; WS/WSS: the same, then upgraded to WebSocket). {@code
     * localAddress} null means any.
     */
    static ClientTransport open(TransportType type, InetSocketAddress server, InetAddress localAddress,
                                int connections) throws IOException {
        return switch (type) {
            case UDP -> new UdpClientTransport(server, localAddress, connections);
            case TCP, TLS, WS, WSS -> new StreamClientTransport(type, server, localAddress, connections);
        };
    }

    TransportType type();

    int connections();

    /** Local address of a connection, as put into Via and Contact. */
    InetSocketAddress localAddress(int connection);

    /** Starts the reader threads. */
    void start(ResponseHandler handler);

    void send(int connection, byte[] buf, int off, int len) throws IOException;

    @Override
    void close();
}
