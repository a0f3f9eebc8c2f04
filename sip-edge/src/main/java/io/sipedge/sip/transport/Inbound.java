package io.sipedge.sip.transport;

import io.sipedge.model.Flow;
import io.sipedge.model.Transport;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * One message as it arrived: its exact bytes and its {@link Flow}, with the way back. Replies to a
 * request go on its flow and never open a connection (RFC 3261 §18.2.2 would let a server connect
 * back; an edge facing NATed phones must not).
 */
public final class Inbound {
    private final byte[] bytes;
    private final Flow flow;
    private final InetSocketAddress source;
    private final Link link;

    Inbound(byte[] bytes, Flow flow, InetSocketAddress source, Link link) {
        this.bytes = bytes;
        this.flow = flow;
        this.source = source;
        this.link = link;
    }

    private static final byte[] NONE = new byte[0];

    /** The same way back without the message's bytes: what a transaction keeps to answer later. */
    public Inbound withoutBytes() {
        return bytes.length == 0 ? this : new Inbound(NONE, flow, source, link);
    }

    /** The message, byte for byte. */
    public byte[] bytes() {
        return bytes;
    }

    public Flow flow() {
        return flow;
    }

    /** The transport it arrived on (not what its Via claims). */
    public Transport transport() {
        return flow.transport();
    }

    /** The address it came from. */
    public InetSocketAddress source() {
        return source;
    }

    public String sourceIp() {
        return flow.remoteIp();
    }

    public int sourcePort() {
        return flow.remotePort();
    }

    /**
     * Answers on the message's flow: on its connection, or over UDP from the listening socket to its
     * source address at {@code udpPort} (RFC 3261 §18.2.2 with RFC 3581: the source port when the
     * Via asked for {@code rport}, else the sent-by port). A sent-by name is never looked up.
     */
    public void reply(byte[] response, int udpPort) throws IOException {
        link.send(response, udpPort == source.getPort() || flow.onConnection() ? source
                : new InetSocketAddress(source.getAddress(), udpPort));
    }

    /** Closes the message's connection once what is queued on it is written; nothing over UDP. */
    public void closeConnection() {
        link.closeConnection();
    }
}
