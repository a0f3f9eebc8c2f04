package io.sipedge.sip.dispatch;

import javax.sip.DialogTerminatedEvent;
import javax.sip.IOExceptionEvent;
import javax.sip.RequestEvent;
import javax.sip.ResponseEvent;
import javax.sip.SipListener;
import javax.sip.TimeoutEvent;
import javax.sip.TransactionTerminatedEvent;
import javax.sip.header.CallIdHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one SipListener: the boundary where nothing thrown by request handling may reach the stack's
 * threads (an escaped Error would kill a worker). Logs the exception class and Call-ID only, never
 * the message, which may carry credentials.
 */
public final class EdgeSipListener implements SipListener {
    private static final Logger log = LoggerFactory.getLogger(EdgeSipListener.class);
    /** Set once the stack (which the dispatcher needs) has started; requests before that are dropped. */
    private volatile Dispatcher dispatcher;

    public void attach(Dispatcher dispatcher) {
        this.dispatcher = dispatcher;
    }

    @Override
    public void processRequest(RequestEvent event) {
        Dispatcher d = dispatcher;
        if (d == null) {
            return;
        }
        try {
            d.dispatch(event);
        } catch (Throwable t) { // NOPMD: boundary of a stack worker thread
            CallIdHeader id = (CallIdHeader) event.getRequest().getHeader(CallIdHeader.NAME);
            log.warn("request {} (Call-ID {}) failed: {}", event.getRequest().getMethod(),
                    id == null ? "-" : id.getCallId(), t.toString());
        }
    }

    @Override
    public void processResponse(ResponseEvent event) {
        // The registrar sends no requests; the proxy (later) will.
    }

    @Override
    public void processTimeout(TimeoutEvent event) {
    }

    @Override
    public void processIOException(IOExceptionEvent event) {
        log.debug("I/O error towards {}:{} over {}", event.getHost(), event.getPort(), event.getTransport());
    }

    @Override
    public void processTransactionTerminated(TransactionTerminatedEvent event) {
    }

    @Override
    public void processDialogTerminated(DialogTerminatedEvent event) {
    }
}
