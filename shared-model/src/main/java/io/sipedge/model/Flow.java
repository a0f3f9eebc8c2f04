package io.sipedge.model;

import static java.util.Objects.requireNonNull;

/**
 * How the edge reaches a phone (RFC 5626 §3): the transport, the address and port the phone's
 * request came from as the edge saw them (after any NAT), and for TCP, TLS and WebSocket the very
 * connection it came on. A binding keeps the flow it registered on, and requests to the phone go
 * back on it: over UDP from the listening socket to that address and port, over a stream on that
 * connection and never on a new one.
 *
 * @param transport  the transport the request arrived on
 * @param remoteIp   its source address
 * @param remotePort its source port
 * @param connection the connection's number in the edge that holds it; 0 for UDP
 * @param edge       the edge instance holding the connection (a shared location store routes through it)
 * @param open       false once the connection has closed: the phone is unreachable until it registers again
 */
public record Flow(Transport transport, String remoteIp, int remotePort, long connection, String edge, boolean open) {
    public Flow {
        requireNonNull(transport, "transport");
        requireNonNull(remoteIp, "remoteIp");
        requireNonNull(edge, "edge");
    }

    /** A flow with no connection of its own (UDP, or a binding restored without its connection). */
    public static Flow of(Transport transport, String remoteIp, int remotePort) {
        return new Flow(transport, remoteIp, remotePort, 0, "", true);
    }

    /** True when the flow is a connection: it ends when the connection closes. */
    public boolean onConnection() {
        return connection != 0;
    }

    /** The same flow after its connection closed. */
    public Flow closed() {
        return open ? new Flow(transport, remoteIp, remotePort, connection, edge, false) : this;
    }
}
