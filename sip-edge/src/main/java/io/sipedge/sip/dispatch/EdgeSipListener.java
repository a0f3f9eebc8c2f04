package io.sipedge.sip.dispatch;

import javax.sip.DialogTerminatedEvent;
import javax.sip.IOExceptionEvent;
import javax.sip.RequestEvent;
import javax.sip.ResponseEvent;
import javax.sip.SipListener;
import javax.sip.TimeoutEvent;
import javax.sip.TransactionTerminatedEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The provider's SipListener. Requests are answered by the {@link Dispatcher} before they reach the
 * transaction layer, so nothing arrives here yet; the proxy (later) will receive responses here.
 */
public final class EdgeSipListener implements SipListener {
    private static final Logger log = LoggerFactory.getLogger(EdgeSipListener.class);

    @Override
    public void processRequest(RequestEvent event) {
        log.debug("request {} reached the transaction layer unhandled", event.getRequest().getMethod());
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
