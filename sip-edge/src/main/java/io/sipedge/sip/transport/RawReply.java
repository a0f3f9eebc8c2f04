package io.sipedge.sip.transport;

import io.sipedge.model.Transport;
import java.io.IOException;
import java.net.InetAddress;

/**
 * Where a message read from its bytes came from, and how to answer it: the fast path's
 * {@link ReplyPath}, for a request no JAIN-SIP message was built for.
 */
public final class RawReply {
    /** Writes response bytes: a UDP socket to an address and port, or a connection (which ignores them). */
    interface Sender {
        void send(byte[] bytes, InetAddress to, int port) throws IOException;
    }

    private final Transport transport;
    private final InetAddress source;
    private final String sourceIp;
    private final int sourcePort;
    private final Sender sender;

    RawReply(Transport transport, InetAddress source, int sourcePort, Sender sender) {
        this.transport = transport;
        this.source = source;
        this.sourceIp = source.getHostAddress();
        this.sourcePort = sourcePort;
        this.sender = sender;
    }

    /** The transport the message arrived on. */
    public Transport transport() {
        return transport;
    }

    public String sourceIp() {
        return sourceIp;
    }

    public int sourcePort() {
        return sourcePort;
    }

    /** Over UDP to the source address at {@code udpPort}; over TCP on the request's connection. */
    public void send(byte[] response, int udpPort) throws IOException {
        sender.send(response, source, udpPort);
    }
}
