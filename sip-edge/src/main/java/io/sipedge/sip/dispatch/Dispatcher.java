package io.sipedge.sip.dispatch;

import gov.nist.javax.sip.header.Via;
import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import io.sipedge.model.Transport;
import io.sipedge.observe.EdgeEvents;
import io.sipedge.observe.GuardEvents;
import io.sipedge.observe.RegisterOutcome;
import io.sipedge.sip.guard.Guard;
import io.sipedge.sip.keepalive.ResponseSink;
import io.sipedge.sip.keepalive.Stun;
import io.sipedge.sip.proxy.Proxy;
import io.sipedge.sip.registrar.RegisterReply;
import io.sipedge.sip.registrar.RegisterRequest;
import io.sipedge.sip.registrar.Registrar;
import io.sipedge.sip.transport.Inbound;
import io.sipedge.sip.transport.InboundHandler;
import io.sipedge.sip.wire.BadRequests;
import io.sipedge.sip.wire.RawRegister;
import io.sipedge.sip.wire.RawRequest;
import io.sipedge.sip.wire.RawResponse;
import io.sipedge.sip.wire.RegisterMessages;
import io.sipedge.sip.wire.RequestHead;
import io.sipedge.sip.wire.SipParser;
import io.sipedge.sip.wire.SipResponses;
import java.io.IOException;
import java.net.InetAddress;
import java.text.ParseException;
import java.time.InstantSource;
import javax.sip.address.SipURI;
import javax.sip.header.RouteHeader;
import javax.sip.message.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every message the transport reads comes here, with its flow, on the thread that read it: a
 * REGISTER of the common shape from its bytes ({@link RawRegister}), any other message through
 * JAIN-SIP's parser ({@link SipParser}); REGISTER to the registrar (answered statelessly), OPTIONS to
 * the edge itself answered 200 (keepalives and load-balancer probes, never challenged), every other
 * request to the {@link Proxy}. A message that does not parse gets a 400 when it carries what a
 * response needs, and its connection is closed. Every answer the edge makes is written by
 * {@link SipResponses} from the request's {@link RequestHead}. A STUN Binding request on UDP (an
 * RFC 5626 keepalive) is answered by {@link Stun}; a response goes to the proxy's branch it answers,
 * else to the {@link ResponseSink} (qualify), never to the registrar.
 *
 * <p>Also the boundary of the transport's threads: nothing thrown while handling a message may
 * reach them. Failures are logged with the exception class and Call-ID only, never the message,
 * which may carry credentials.
 *
 * <p>Every REGISTER that reaches it is reported once to {@link EdgeEvents}: its outcome and the
 * time from here to the answer being handed to the transport.
 *
 * <p>Before any of that, the {@link Guard} screens each message: one from a banned address, past
 * its source's rate, or from a scanner is dropped unread (and a connection that carried it closed
 * when its address is banned or it is a scanner's).
 */
public final class Dispatcher implements InboundHandler {
    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

    private final Registrar registrar;
    private final InstantSource clock;
    private final EdgeEvents events;
    private final boolean fastPath;
    private final ResponseSink responses;
    private final Proxy proxy;
    private final Guard guard;
    private final String retryAfter;
    /** Set once a graceful stop begins: new out-of-dialog requests get 503 from then on. */
    private volatile boolean draining;

    /**
     * @param fastPath  answer REGISTERs of the common shape from their bytes
     * @param responses where responses to the edge's own requests go (qualify's OPTIONS)
     * @param proxy     every request that is neither a REGISTER nor for the edge itself, and the
     *                  responses of its branches
     * @param guard     screens every message first
     * @param retryAfterSeconds the Retry-After of the 503s while the edge drains
     */
    public Dispatcher(Registrar registrar, InstantSource clock, EdgeEvents events, boolean fastPath,
                      ResponseSink responses, Proxy proxy, Guard guard, int retryAfterSeconds) {
        this.registrar = registrar;
        this.clock = clock;
        this.events = events;
        this.fastPath = fastPath;
        this.responses = responses;
        this.proxy = proxy;
        this.guard = guard;
        this.retryAfter = "Retry-After: " + retryAfterSeconds;
    }

    /**
     * From now on, a request that would start something new (a REGISTER, an INVITE or MESSAGE
     * outside a dialog, an OPTIONS probe) gets 503 with Retry-After, while requests within dialogs,
     * CANCELs, ACKs and responses still go where they belong, so that what is in progress can end.
     */
    public void drain() {
        draining = true;
    }

    @Override
    public boolean handle(Inbound in) {
        GuardEvents.Drop drop = guard.screen(in);
        if (drop != null) {
            if (drop != GuardEvents.Drop.RATE_LIMITED) {
                in.closeConnection(); // nothing more is wanted from it; a flood's connection may slow down and stay
            }
            return false;
        }
        boolean draining = this.draining; // while draining, requests take the parsed path, which tells them apart
        RawRegister raw = fastPath && !draining ? RawRegister.scan(in.bytes()) : null;
        if (raw != null) {
            register(raw.request(in.flow()), raw.head(in.flow()), in);
            return true;
        }
        if (in.bytes().length > 0 && in.bytes()[0] == 'S') {
            RawResponse response = RawResponse.scan(in.bytes());
            try {
                if (response != null && proxy.response(response)) {
                    return true; // a branch's response, relayed as read (others are parsed below)
                }
            } catch (RuntimeException e) { // boundary of a transport thread
                log.warn("response to branch {} failed: {}", response.branch(), e.toString());
                return true;
            }
        }
        if (!draining && Proxy.mayForwardAsRead(in.bytes())) {
            RawRequest request = RawRequest.scan(in.bytes());
            try {
                if (request != null && proxy.request(request, in)) {
                    return true; // decided and forwarded as read
                }
            } catch (RuntimeException e) { // boundary of a transport thread
                log.warn("request {} failed: {}", request.method(), e.toString());
                return true;
            }
        }
        if (in.transport() == Transport.UDP && Stun.isStun(in.bytes())) {
            stun(in);
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
            response((SIPResponse) m);
            return true;
        }
        try {
            RequestHead head = RequestHead.of(request, in.flow());
            String version = request.getRequestLine().getSipVersion();
            if (!"SIP/2.0".equals(version)) {
                reply(in, head, SipResponses.write(505, "Bad version " + version, head)); // RFC 3261 §8.2.2
                return true;
            }
            if (!request.getMethod().equalsIgnoreCase(request.getCSeq().getMethod())) {
                reply(in, head, SipResponses.write(400, "CSeq method does not match the request", head));
                return true;
            }
            if (draining && startsSomething(request)) {
                reply(in, head, SipResponses.write(503, "Service Unavailable", head, retryAfter));
                return true;
            }
            switch (request.getMethod()) {
                case Request.REGISTER -> register(request, head, in);
                case Request.OPTIONS -> {
                    // To the edge itself (no user part, not in a dialog): a keepalive or probe, 200 and
                    // no challenge. To a user: proxied like any request.
                    boolean toEdge = (!(request.getRequestURI() instanceof SipURI u) || u.getUser() == null)
                            && request.getTo().getTag() == null && request.getHeader(RouteHeader.NAME) == null;
                    if (toEdge) {
                        reply(in, head, SipResponses.write(200, "OK", head, SipResponses.ALLOW, "Accept: application/sdp"));
                    } else {
                        proxy.request(request, head, in);
                    }
                }
                default -> proxy.request(request, head, in);
            }
        } catch (Throwable t) { // NOPMD: boundary of a transport thread
            log.warn("request {} (Call-ID {}) failed: {}", request.getMethod(), request.getCallId().getCallId(),
                    t.toString());
        }
        return true;
    }

    /** Outside a dialog and not the end of something in progress (RFC 3261 §12: no To tag). */
    private static boolean startsSomething(SIPRequest request) {
        String method = request.getMethod();
        return request.getTo().getTag() == null && !method.equals(Request.ACK) && !method.equals(Request.CANCEL);
    }

    /** An answer to a branch of the proxy, to one of the edge's own requests (qualify), or to nothing. */
    private void response(SIPResponse r) {
        try {
            if (proxy.response(r)) {
                return;
            }
            Via via = r.getTopmostVia();
            if (via != null && r.getCallId() != null && r.getCSeq() != null) {
                responses.response(via.getBranch(), r.getCallId().getCallId(), r.getCSeq().getMethod(),
                        r.getStatusCode());
            }
        } catch (RuntimeException e) { // boundary of a transport thread
            log.warn("response (Call-ID {}) failed: {}", r.getCallId() == null ? null : r.getCallId().getCallId(),
                    e.toString());
        }
    }

    /** An RFC 5626 §8 keepalive: a STUN Binding request on the SIP port, answered from it. */
    private static void stun(Inbound in) {
        try {
            byte[] answer = Stun.answer(in.bytes(), InetAddress.getByName(in.sourceIp()), in.sourcePort());
            if (answer != null) {
                in.reply(answer, in.sourcePort());
            }
        } catch (IOException | RuntimeException e) { // boundary of a transport thread
            log.debug("STUN answer to {}:{} not sent: {}", in.sourceIp(), in.sourcePort(), e.toString());
        }
    }

    /** A message that does not parse: 400 when it can be answered, and its connection is closed. */
    private static void refuse(Inbound in, ParseException e) {
        byte[] answer = BadRequests.answer(in.bytes(), e.getMessage(), in.sourcePort());
        if (answer != null) {
            try {
                in.reply(answer, in.sourcePort());
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        in.closeConnection(); // where the next message on a stream starts is no longer trusted
    }

    private void register(SIPRequest request, RequestHead head, Inbound in) {
        RegisterRequest req;
        try {
            req = RegisterMessages.read(request, head.branch(), in.flow(), in.bytes());
        } catch (RegisterMessages.UnsupportedUriException e) {
            req = null;
        }
        register(req, head, in);
    }

    /** Asks the registrar, answers, and reports the outcome once; {@code req} null: not a SIP Request-URI. */
    private void register(RegisterRequest req, RequestHead head, Inbound in) {
        long start = System.nanoTime();
        RegisterOutcome reported = RegisterOutcome.ERROR; // until the answer is out
        try {
            RegisterOutcome outcome = RegisterOutcome.UNSUPPORTED_URI;
            byte[] answer;
            if (req == null) {
                answer = SipResponses.write(416, "Unsupported URI Scheme", head);
            } else {
                RegisterReply result = registrar.handle(req, clock.instant());
                answer = result.answered() ? SipResponses.register(result, head) : null;
                outcome = result.outcome();
            }
            if (answer != null) {
                in.reply(answer, head.udpPort());
            }
            reported = outcome;
            if (log.isDebugEnabled()) {
                log.debug("REGISTER from {}:{} over {}: {}", in.sourceIp(), in.sourcePort(), in.transport(),
                        outcome);
            }
        } catch (Throwable t) { // NOPMD: boundary of a transport thread
            log.warn("request REGISTER (Call-ID {}) failed: {}", head.callId(), t.toString());
        } finally {
            events.registerHandled(reported, System.nanoTime() - start); // pre-registered meters only
        }
    }

    private static void reply(Inbound in, RequestHead head, byte[] answer) throws IOException {
        in.reply(answer, head.udpPort());
    }
}
