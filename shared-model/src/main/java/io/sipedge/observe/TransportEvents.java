package io.sipedge.observe;

import io.sipedge.model.Transport;

/**
 * What the SIP transport reports for metrics: connections opened, refused and closed, WebSocket
 * handshakes refused, UDP datagrams dropped, and the state metrics read at scrape time. Calls come
 * from the transport's threads: increment, never block.
 */
public interface TransportEvents {

    /** Reports nothing. */
    TransportEvents NONE = new TransportEvents() {
    };

    /** A connection was accepted. */
    default void connectionOpened(Transport transport) {
    }

    /** A connection was refused at accept or closed, and why. */
    default void connectionEnded(Transport transport, ConnectionEnd why) {
    }

    /** A WebSocket handshake was refused, and why; the connection is then closed. */
    default void webSocketRefused(Transport transport, WebSocketRefusal why) {
    }

    /** A UDP datagram was dropped, and why. */
    default void datagramDropped(DatagramDrop why) {
    }

    /** A connection that carried bindings closed: they were removed or marked unreachable. */
    default void flowClosedWithBindings(Transport transport) {
    }

    /** The transport's state, read at scrape time. */
    interface State {
        /** Connections open now over {@code transport}. */
        int openConnections(Transport transport);

        /** Bytes written to connections and not yet taken by the kernel. */
        long queuedBytes();
    }
}
