package io.sipedge.sip.dispatch;

import gov.nist.javax.sip.header.Via;
import gov.nist.javax.sip.message.SIPRequest;
import io.sipedge.observe.EdgeEvents;
import io.sipedge.observe.RegisterOutcome;
import io.sipedge.sip.registrar.RegisterReply;
import io.sipedge.sip.registrar.Registrar;
import io.sipedge.sip.transport.InboundHandler;
import io.sipedge.sip.transport.RawReply;
import io.sipedge.sip.wire.RawRegister;
import io.sipedge.sip.wire.RawResponses;
import io.sipedge.sip.transport.ReplyPath;
import io.sipedge.sip.wire.RegisterMessages;
import io.sipedge.sip.wire.Responses;
import java.time.Instant;
import java.time.InstantSource;
import javax.sip.address.SipURI;
import javax.sip.header.CallIdHeader;
import javax.sip.header.HeaderFactory;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The method table, answered statelessly before any transaction exists: REGISTER to the registrar,
 * OPTIONS to the edge answered 200 (keepalives and load-balancer probes, never challenged), ACK
 * absorbed, anything else 405 with Allow until the proxy exists.
 *
 * <p>Also the boundary of the stack's threads: nothing thrown while handling a request may reach
 * them (an escaped Error would kill a worker). Failures are logged with the exception class and
 * Call-ID only, never the message, which may carry credentials.
 *
 * <p>Every REGISTER that reaches it is reported once to {@link EdgeEvents}: its outcome and the
 * time from here to the answer being handed to the transport.
 */
public final class Dispatcher implements InboundHandler {
    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
    static final String ALLOW = "REGISTER, OPTIONS";
    private static final int RETRY_AFTER_SECONDS = 5;

    private final MessageFactory messages;
    private final HeaderFactory headers;
    private final RegisterMessages registerMessages;
    private final Registrar registrar;
    private final InstantSource clock;
    private final EdgeEvents events;
    private final boolean fastPath;

    /** @param fastPath answer REGISTERs of the common shape from their bytes ({@link #handleRaw}) */
    public Dispatcher(MessageFactory messages, HeaderFactory headers, RegisterMessages registerMessages,
                      Registrar registrar, InstantSource clock, EdgeEvents events, boolean fastPath) {
        this.messages = messages;
        this.headers = headers;
        this.registerMessages = registerMessages;
        this.registrar = registrar;
        this.clock = clock;
        this.events = events;
        this.fastPath = fastPath;
    }

    @Override
    public boolean handle(SIPRequest request, ReplyPath reply) {
        try {
            switch (request.getMethod()) {
                case Request.ACK -> {
                    // Never answered (RFC 3261 §17.2.1); a stray ACK is dropped.
                }
                case Request.REGISTER -> register(request, reply);
                case Request.OPTIONS -> options(request, reply);
                default -> stateless(request, reply, Response.METHOD_NOT_ALLOWED, true);
            }
        } catch (Throwable t) { // NOPMD: boundary of a stack worker thread
            CallIdHeader id = (CallIdHeader) request.getHeader(CallIdHeader.NAME);
            log.warn("request {} (Call-ID {}) failed: {}", request.getMethod(), id == null ? "-" : id.getCallId(),
                    t.toString());
        }
        return true;
    }

    /** RFC 3261 §21.5.4: 503 with Retry-After; a UA or proxy then tries again later or elsewhere. */
    @Override
    public void overloaded(SIPRequest request, ReplyPath reply) {
        if (Request.ACK.equals(request.getMethod())) {
            return;
        }
        long start = System.nanoTime();
        RegisterOutcome outcome = RegisterOutcome.ERROR;
        try {
            Response r = messages.createResponse(Response.SERVICE_UNAVAILABLE, request);
            Responses.tagTo(r);
            r.setHeader(headers.createRetryAfterHeader(RETRY_AFTER_SECONDS));
            reply.send(r);
            outcome = RegisterOutcome.OVERLOADED;
        } catch (Exception e) { // NOPMD: boundary of a stack reader thread
            log.debug("503 for {} not sent: {}", request.getMethod(), e.toString());
        } finally {
            if (Request.REGISTER.equals(request.getMethod())) {
                events.registerHandled(outcome, System.nanoTime() - start);
            }
        }
    }

    private void register(SIPRequest request, ReplyPath reply) throws Exception {
        long start = System.nanoTime();
        RegisterOutcome reported = RegisterOutcome.ERROR; // until the answer is out
        try {
            Instant now = clock.instant(); // read once per request
            Via via = request.getTopmostVia();
            Response response;
            RegisterOutcome outcome;
            try {
                RegisterReply result = registrar.handle(registerMessages.read(request,
                        via == null ? null : via.getBranch(), reply.transport(), reply.sourceIp(), reply.sourcePort()),
                        now);
                response = registerMessages.write(result, request);
                outcome = result.outcome();
            } catch (RegisterMessages.UnsupportedUriException e) {
                response = messages.createResponse(Response.UNSUPPORTED_URI_SCHEME, request);
                Responses.tagTo(response);
                outcome = RegisterOutcome.UNSUPPORTED_URI;
            }
            reply.send(response);
            reported = outcome;
            if (log.isDebugEnabled()) {
                log.debug("REGISTER from {}:{} over {}: {}", reply.sourceIp(), reply.sourcePort(), reply.transport(),
                        response.getStatusCode());
            }
        } finally {
            events.registerHandled(reported, System.nanoTime() - start); // pre-registered meters only
        }
    }

    /**
     * The fast path: a REGISTER of the common shape is read from its bytes and answered with bytes
     * ({@link RawRegister}, {@link RawResponses}); the same registrar decides. Anything else is left
     * to the stack's parser and {@link #handle}.
     */
    @Override
    public boolean handleRaw(byte[] message, RawReply reply) {
        RawRegister raw = fastPath ? RawRegister.scan(message) : null;
        if (raw == null) {
            return false;
        }
        long start = System.nanoTime();
        try {
            Instant now = clock.instant();
            RegisterReply result = registrar.handle(
                    raw.request(reply.transport(), reply.sourceIp(), reply.sourcePort()), now);
            reply.send(RawResponses.register(result, raw, reply.transport(), reply.sourceIp(), reply.sourcePort()),
                    RawResponses.udpPort(raw, reply.sourcePort()));
            if (log.isDebugEnabled()) {
                log.debug("REGISTER from {}:{} over {}: {}", reply.sourceIp(), reply.sourcePort(), reply.transport(),
                        result.status());
            }
            events.registerHandled(result.outcome(), System.nanoTime() - start);
        } catch (Throwable t) { // NOPMD: boundary of a stack worker thread
            log.warn("request REGISTER (Call-ID {}) failed: {}", raw.callId(), t.toString());
            events.registerHandled(RegisterOutcome.ERROR, System.nanoTime() - start);
        }
        return true;
    }

    /** OPTIONS to the edge itself (no user part) is a keepalive or probe: 200, no challenge. */
    private void options(Request request, ReplyPath reply) throws Exception {
        boolean toEdge = !(request.getRequestURI() instanceof SipURI u) || u.getUser() == null;
        stateless(request, reply, toEdge ? Response.OK : Response.METHOD_NOT_ALLOWED, true);
    }

    private void stateless(Request request, ReplyPath reply, int status, boolean allow) throws Exception {
        Response r = messages.createResponse(status, request);
        Responses.tagTo(r);
        if (allow) {
            r.setHeader(headers.createAllowHeader(ALLOW));
        }
        if (status == Response.OK) {
            r.setHeader(headers.createAcceptHeader("application", "sdp"));
        }
        reply.send(r);
    }
}
