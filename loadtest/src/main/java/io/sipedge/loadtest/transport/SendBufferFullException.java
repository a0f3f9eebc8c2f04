package io.sipedge.loadtest.transport;

import java.io.IOException;

/**
 * A TCP, TLS, WS or WSS send refused because too much is still unwritten: the server is not keeping
 * up reading.
 */
public final class SendBufferFullException extends IOException {
    private static final long serialVersionUID = 1L;

    public SendBufferFullException(String message) {
        super(message);
    }
}
