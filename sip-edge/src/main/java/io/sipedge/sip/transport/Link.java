package io.sipedge.sip.transport;

import java.io.IOException;
import java.net.InetSocketAddress;

/** The live end of a flow: the UDP listening socket, or one connection. */
interface Link {

    /**
     * Sends {@code bytes}: a UDP socket to {@code to}; a connection on itself ({@code to} is its peer).
     * Never blocks and never opens a connection.
     *
     * @throws IOException when the bytes cannot go: the connection has closed, or was closed now
     *                     because its peer stopped reading
     */
    void send(byte[] bytes, InetSocketAddress to) throws IOException;

    /** Closes a connection (after what is queued on it); nothing for UDP. */
    void closeConnection();
}
