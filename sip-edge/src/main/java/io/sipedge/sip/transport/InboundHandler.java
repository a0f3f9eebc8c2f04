package io.sipedge.sip.transport;

/**
 * What the edge does with each message, called on the thread that read it (a UDP reader or the
 * connection's event loop): read, handle and answer on one thread, as Kamailio's workers do, with
 * no queue and no hand-off between them. It must not block.
 */
@FunctionalInterface
public interface InboundHandler {

    /**
     * @return true when the bytes were a SIP message the edge could read: a connection that carried
     *         one is in use and no longer closed as idle
     */
    boolean handle(Inbound message);
}
