package io.sipedge.sip.dispatch;

import gov.nist.javax.sip.header.Via;
import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import io.sipedge.observe.EdgeEvents;
import io.sipedge.observe.RegisterOutcome;
import io.sipedge.sip.registrar.RegisterReply;
import io.sipedge.sip.registrar.Registrar;
import io.sipedge.sip.transport.Inbound;
import io.sipedge.sip.transport.InboundHandler;
import io.sipedge.sip.wire.BadRequests;
import io.sipedge.sip.wire.RawRegister;
import io.sipedge.sip.wire.RawResponses;
import io.sipedge.sip.wire.RegisterMessages;
import io.sipedge.sip.wire.Responses;
import io.sipedge.sip.wire.SipParser;
import io.sipedge.sip.wire.ViaStamp;
import java.io.IOException;
import java.text.ParseException;
import java.time.Instant;
import java.time.InstantSource;
import javax.sip.address.SipURI;
import javax.sip.header.HeaderFactory;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every message the transport reads comes here, with its flow, on the thread that read it, and is
 * answered statelessly: a REGISTER of the common shape from its bytes ({@link RawRegister}), any
 * other message through JAIN-SIP's parser ({@link SipParser}); REGISTER to the registrar, OPTIONS to
 * the edge answered 200 (keepalives and load-balancer probes, never challenged), ACK absorbed,
 * anything else 405 with Allow until the proxy exists. A message that does not parse gets a 400 when
 * it carries what a response needs, and its connection is closed.
 *
 * <p>Also the boundary of the transport's threads: nothing thrown while handling a message may
 * reach them. Failures are logged with the exception class and Call-ID only, never the message,
 * which may carry credentials.
 *
 * <p>Every REGISTER that reaches it is reported once to {@link EdgeEvents}: its outcome and the
 * time from here to the answer being handed to the transport.
 */
public final class Dispatcher implements InboundHandler {
    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
    static final String ALLOW = "REGISTER, OPTIONS";

    private final MessageFactory messages;
    private final HeaderFactory headers;
    private final RegisterMessages registerMessages;
    private final Registrar registrar;
    private final InstantSource clock;
    private final EdgeEvents events;
    private final boolean fastPath;

    /** @param fastPath answer REGISTERs of the common shape from their bytes */
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
    public boolean handle(Inbound in) {
        RawRegister raw = fastPath ? RawRegister.scan(in.bytes()) : null;
        if (raw != null) {
            registerRaw(raw, in);
            return true;
        }
        SIPMessage m;
        try {
            m = SipParser.parse(in.bytes());
        } catch (ParseException e) {
            refuse(in, e);
            return false;
        }
        if (!(m instanceof SIPRequest request)) {
            return true; // a response: the edge sends no requests yet
        }
        try {
            ViaStamp.stamp(request.getTopmostVia(), in.transport(), in.sourceIp(), in.sourcePort());
            String version = request.getRequestLine().getSipVersion();
            if (!"SIP/2.0".equals(version)) {
                // RFC 3261 §8.2.2 / §21.5.20
                stateless(request, in, Response.VERSION_NOT_SUPPORTED, "Bad version " + version, false);
                return true;
            }
            if (!request.getMethod().equalsIgnoreCase(request.getCSeq().getMethod())) {
                stateless(request, in, Response.BAD_REQUEST, "CSeq method does not match the request", false);
                return true;
            }
            switch (request.getMethod()) {
                case Request.ACK -> {
                    // Never answered (RFC 3261 §17.2.1); a stray ACK is dropped.
                }
                case Request.REGISTER -> register(request, in);
                case Request.OPTIONS -> options(request, in);
                default -> stateless(request, in, Response.METHOD_NOT_ALLOWED, null, true);
            }
        } catch (Throwable t) { // NOPMD: boundary of a transport thread
            log.warn("request {} (Call-ID {}) failed: {}", request.getMethod(), request.getCallId().getCallId(),
                    t.toString());
        }
        return true;
    }

    /** A message that does not parse: 400 when it can be answered, and its connection is closed. */
    private static void refuse(Inbound in, ParseException e) {
        byte[] answer = BadRequests.answer(in.bytes(), e.getMessage());
        if (answer != null) {
            try {
                in.reply(answer, in.sourcePort());
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        in.closeConnection(); // where the next message on a stream starts is no longer trusted
    }

    private void register(SIPRequest request, Inbound in) throws Exception {
        long start = System.nanoTime();
        RegisterOutcome reported = RegisterOutcome.ERROR; // until the answer is out
        try {
            Instant now = clock.instant(); // read once per request
            Via via = request.getTopmostVia();
            Response response;
            RegisterOutcome outcome;
            try {
                RegisterReply result = registrar.handle(registerMessages.read(request, via.getBranch(), in.flow()), now);
                response = registerMessages.write(result, request);
                outcome = result.outcome();
            } catch (RegisterMessages.UnsupportedUriException e) {
                response = messages.createResponse(Response.UNSUPPORTED_URI_SCHEME, request);
                Responses.tagTo(response);
                outcome = RegisterOutcome.UNSUPPORTED_URI;
            }
            send(response, in);
            reported = outcome;
            if (log.isDebugEnabled()) {
                log.debug("REGISTER from {}:{} over {}: {}", in.sourceIp(), in.sourcePort(), in.transport(),
                        response.getStatusCode());
            }
        } finally {
            events.registerHandled(reported, System.nanoTime() - start); // pre-registered meters only
        }
    }

    /**
     * The fast path: a REGISTER of the common shape is read from its bytes and answered with bytes
     * ({@link RawRegister}, {@link RawResponses}); the same registrar decides.
     */
    private void registerRaw(RawRegister raw, Inbound in) {
        long start = System.nanoTime();
        try {
            Instant now = clock.instant();
            RegisterReply result = registrar.handle(raw.request(in.flow()), now);
            in.reply(RawResponses.register(result, raw, in.transport(), in.sourceIp(), in.sourcePort()),
                    RawResponses.udpPort(raw, in.sourcePort()));
            if (log.isDebugEnabled()) {
                log.debug("REGISTER from {}:{} over {}: {}", in.sourceIp(), in.sourcePort(), in.transport(),
                        result.status());
            }
            events.registerHandled(result.outcome(), System.nanoTime() - start);
        } catch (Throwable t) { // NOPMD: boundary of a transport thread
            log.warn("request REGISTER (Call-ID {}) failed: {}", raw.callId(), t.toString());
            events.registerHandled(RegisterOutcome.ERROR, System.nanoTime() - start);
        }
    }

    /** OPTIONS to the edge itself (no user part) is a keepalive or probe: 200, no challenge. */
    private void options(Request request, Inbound in) throws Exception {
        boolean toEdge = !(request.getRequestURI() instanceof SipURI u) || u.getUser() == null;
        stateless(request, in, toEdge ? Response.OK : Response.METHOD_NOT_ALLOWED, null, true);
    }

    private void stateless(Request request, Inbound in, int status, String reason, boolean allow) throws Exception {
        Response r = messages.createResponse(status, request);
        if (reason != null) {
            r.setReasonPhrase(reason);
        }
        Responses.tagTo(r);
        if (allow) {
            r.setHeader(headers.createAllowHeader(ALLOW));
        }
        if (status == Response.OK) {
            r.setHeader(headers.createAcceptHeader("application", "sdp"));
        }
        send(r, in);
    }

    /** On the request's flow; over UDP to the port its Via asks for ({@link ViaStamp#udpPort}). */
    private static void send(Response response, Inbound in) throws IOException {
        SIPResponse r = (SIPResponse) response;
        Via via = r.getTopmostVia();
        int port = via == null ? in.sourcePort()
                : ViaStamp.udpPort(via.hasParameter(Via.RPORT), via.getPort(), in.sourcePort());
        in.reply(r.encodeAsBytes(in.transport().token().toUpperCase(java.util.Locale.ROOT)), port);
    }
}
