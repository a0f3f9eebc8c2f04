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

    /**
     * Offered every UDP datagram and TCP message before the stack parses it (on the thread that
     * would parse it: a UDP worker or the message's lane).
     *
     * @return true when answered from the bytes alone; false lets the stack parse it and
     *         {@link #handle} it as usual
     */
    default boolean handleRaw(byte[] message, RawReply reply) {
        return false;
    }
}
