package io.sipedge.sip.dispatch;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.stack.SIPTransaction;
import io.sipedge.model.Transport;
import io.sipedge.sip.registrar.RegisterReply;
import io.sipedge.sip.registrar.Registrar;
import io.sipedge.sip.wire.RegisterMessages;
import io.sipedge.sip.wire.Responses;
import java.net.InetAddress;
import java.time.Instant;
import java.time.InstantSource;
import javax.sip.RequestEvent;
import javax.sip.ServerTransaction;
import javax.sip.SipProvider;
import javax.sip.TransactionAlreadyExistsException;
import javax.sip.address.SipURI;
import javax.sip.header.HeaderFactory;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The method table: REGISTER to the registrar, OPTIONS to the edge answered 200 (keepalives and
 * load-balancer probes, never challenged), ACK absorbed, anything else 405 with Allow until the
 * proxy exists.
 */
public final class Dispatcher {
    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
    static final String ALLOW = "REGISTER, OPTIONS";

    private final SipProvider provider;
    private final MessageFactory messages;
    private final HeaderFactory headers;
    private final RegisterMessages registerMessages;
    private final Registrar registrar;
    private final InstantSource clock;

    public Dispatcher(SipProvider provider, MessageFactory messages, HeaderFactory headers,
                      RegisterMessages registerMessages, Registrar registrar, InstantSource clock) {
        this.provider = provider;
        this.messages = messages;
        this.headers = headers;
        this.registerMessages = registerMessages;
        this.registrar = registrar;
        this.clock = clock;
    }

    void dispatch(RequestEvent event) throws Exception {
        Request request = event.getRequest();
        switch (request.getMethod()) {
            case Request.ACK -> {
                // Never answered (RFC 3261 §17.2.1); a stray ACK is dropped.
            }
            case Request.REGISTER -> register(event);
            case Request.OPTIONS -> options(request);
            default -> stateless(request, Response.METHOD_NOT_ALLOWED, true);
        }
    }

    private void register(RequestEvent event) throws Exception {
        Request request = event.getRequest();
        ServerTransaction tx = event.getServerTransaction();
        if (tx == null) {
            try {
                tx = provider.getNewServerTransaction(request);
            } catch (TransactionAlreadyExistsException retransmission) {
                return; // the existing transaction answers it
            }
        }
        Instant now = clock.instant(); // read once per request
        SIPMessage m = (SIPMessage) request;
        InetAddress source = m.getPeerPacketSourceAddress() != null ? m.getPeerPacketSourceAddress()
                : m.getRemoteAddress();
        int sourcePort = m.getPeerPacketSourcePort() > 0 ? m.getPeerPacketSourcePort() : m.getRemotePort();
        Transport transport = Transport.parse(((SIPTransaction) tx).getTransport());
        Response response;
        try {
            RegisterReply reply = registrar.handle(
                    registerMessages.read(request, transport, source.getHostAddress(), sourcePort), now);
            response = registerMessages.write(reply, request);
        } catch (RegisterMessages.UnsupportedUriException e) {
            response = messages.createResponse(Response.UNSUPPORTED_URI_SCHEME, request);
            Responses.tagTo(response);
        }
        tx.sendResponse(response);
        if (log.isDebugEnabled()) {
            log.debug("REGISTER from {}:{} over {}: {}", source.getHostAddress(), sourcePort, transport,
                    response.getStatusCode());
        }
    }

    /** OPTIONS to the edge itself (no user part) is a keepalive or probe: 200, no challenge. */
    private void options(Request request) throws Exception {
        boolean toEdge = !(request.getRequestURI() instanceof SipURI u) || u.getUser() == null;
        if (toEdge) {
            stateless(request, Response.OK, true);
        } else {
            stateless(request, Response.METHOD_NOT_ALLOWED, true);
        }
    }

    private void stateless(Request request, int status, boolean allow) throws Exception {
        Response r = messages.createResponse(status, request);
        Responses.tagTo(r);
        if (allow) {
            r.setHeader(headers.createAllowHeader(ALLOW));
        }
        if (status == Response.OK) {
            r.setHeader(headers.createAcceptHeader("application", "sdp"));
        }
        provider.sendResponse(r);
    }
}
