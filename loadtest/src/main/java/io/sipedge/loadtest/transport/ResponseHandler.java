package io.sipedge.loadtest.transport;

import java.io.IOException;

/** What a client transport's reader threads deliver. */
public interface ResponseHandler {
    /** One received SIP message; the bytes are only valid during the call (the buffer is reused). */
    void onMessage(int connection, byte[] buf, int off, int len);

    /** A TCP, TLS, WS or WSS connection failed or was closed by the peer; it is not reopened. */
    void onConnectionLost(int connection, IOException cause);
}
