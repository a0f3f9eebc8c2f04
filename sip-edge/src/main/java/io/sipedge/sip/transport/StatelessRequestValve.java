package io.sipedge.sip.transport;

import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.stack.MessageChannel;
import gov.nist.javax.sip.stack.SIPMessageValve;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import javax.sip.SipStack;
import javax.sip.message.Response;

/**
 * Plugged in as {@code gov.nist.javax.sip.SIP_MESSAGE_VALVE}: every parsed request reaches the
 * edge's {@link InboundHandler} here, before the RI creates a server transaction for it. REGISTER and
 * OPTIONS are answered statelessly, as Kamailio's registrar does: a transaction per REGISTER cost
 * about 60 % more CPU and tripled p99 (STACK-NOTES), and RFC 3261 lets a registrar answer without
 * one as long as retransmissions are answered consistently (see NonceService). Responses pass
 * through untouched. The stack creates this class by name, so the handler is found through the
 * stack name, like {@link EdgeNetworkLayer}'s TLS context.
 *
 * <p>The handler is the stack's {@link ReliableLanes}: a TCP request arrives here already on its
 * lane and is handled inline, and what the handler declines goes on to the transaction layer; a
 * TLS request is queued onto its lane and counts as consumed; a UDP request is handled on the UDP
 * worker that parsed it.
 */
public final class StatelessRequestValve implements SIPMessageValve {
    private static final Map<String, AtomicReference<InboundHandler>> HANDLERS = new ConcurrentHashMap<>();

    private volatile AtomicReference<InboundHandler> handler = new AtomicReference<>();

    public StatelessRequestValve() {
        // Instantiated by the stack by class name; the handler slot arrives in init.
    }

    /** Creates the handler slot of the stack named {@code stackName}, filled later by the edge. */
    static AtomicReference<InboundHandler> slotFor(String stackName) {
        return HANDLERS.computeIfAbsent(stackName, n -> new AtomicReference<>());
    }

    static void forget(String stackName) {
        HANDLERS.remove(stackName);
    }

    @Override
    public void init(SipStack stack) {
        handler = slotFor(stack.getStackName());
    }

    @Override
    public boolean processRequest(SIPRequest request, MessageChannel channel) {
        InboundHandler h = handler.get();
        if (h == null) {
            return false; // not wired yet (start-up): drop, the client retransmits
        }
        return !h.handle(request, new ReplyPath(channel, request));
    }

    @Override
    public boolean processResponse(Response response, MessageChannel channel) {
        return true;
    }

    @Override
    public void destroy() {
        // Nothing held: the slot is removed when the transport closes.
    }
}
