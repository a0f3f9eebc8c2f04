package io.sipedge.sip.transport;

import gov.nist.javax.sip.message.SIPRequest;

/**
 * What the edge does with a request, called before any transaction exists: on a UDP worker, or on
 * the TCP/TLS lane of its Call-ID ({@link ReliableLanes}).
 */
public interface InboundHandler {

    /**
     * @return true when the request was dealt with here (answered statelessly or absorbed); false
     *         hands it on to the stack's transaction layer and SipListener
     */
    boolean handle(SIPRequest request, ReplyPath reply);

    /**
     * Answers a request the edge has no capacity for now (a 503 with Retry-After), on the thread
     * that found its lane full (a TCP connection's reader, or the RI's TLS parser thread).
     */
    void overloaded(SIPRequest request, ReplyPath reply);
}
