package io.sipedge.sip.transport;

import gov.nist.javax.sip.header.Via;
import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.stack.MessageChannel;
import io.sipedge.model.Transport;
import java.io.IOException;
import java.net.InetAddress;
import javax.sip.message.Response;

/**
 * Where a request came from and how to answer it without a server transaction: RFC 3261 §18.2.2
 * with RFC 3581. Over TCP and TLS the response goes back on the connection the request came in on;
 * over UDP to the {@code received} address (the source, which the stack stamps into the Via) and the
 * {@code rport} (the source port) or else the sent-by port.
 */
public final class ReplyPath {
    private final MessageChannel channel;
    private final Transport transport;
    private final InetAddress source;
    private final int sourcePort;

    ReplyPath(MessageChannel channel, SIPMessage request) {
        this.channel = channel;
        this.transport = Transport.parse(channel.getTransport());
        InetAddress a = request.getPeerPacketSourceAddress();
        this.source = a != null ? a : request.getRemoteAddress();
        int p = request.getPeerPacketSourcePort();
        this.sourcePort = p > 0 ? p : request.getRemotePort();
    }

    /** True for TCP and TLS: the response goes back on the request's connection. */
    public boolean reliable() {
        return channel.isReliable();
    }

    /** The transport the request arrived on (not what its Via claims). */
    public Transport transport() {
        return transport;
    }

    public String sourceIp() {
        return source.getHostAddress();
    }

    public int sourcePort() {
        return sourcePort;
    }

    public void send(Response response) throws IOException {
        SIPMessage m = (SIPMessage) response;
        if (channel.isReliable()) {
            channel.sendMessage(m);
            return;
        }
        Via via = m.getTopmostVia();
        int port = via == null ? -1 : via.getRPort();
        if (port <= 0) {
            port = via == null ? -1 : via.getPort();
        }
        if (port <= 0) {
            port = sourcePort; // no sent-by port: where it came from (5060 in practice)
        }
        // The stack adds "received" whenever the sent-by host is not the source address, so the
        // source is the right host in every case, and a sent-by name is never looked up.
        channel.sendMessage(m, source, port);
    }
}
