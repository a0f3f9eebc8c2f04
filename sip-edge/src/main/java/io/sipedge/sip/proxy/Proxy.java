package io.sipedge.sip.proxy;

import gov.nist.javax.sip.address.AddressFactoryImpl;
import gov.nist.javax.sip.header.HeaderFactoryImpl;
import gov.nist.javax.sip.header.To;
import gov.nist.javax.sip.header.Via;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import io.sipedge.directory.Directory;
import io.sipedge.location.LocationStore;
import io.sipedge.model.Aor;
import io.sipedge.model.Binding;
import io.sipedge.model.Flow;
import io.sipedge.model.Tenant;
import io.sipedge.model.Transport;
import io.sipedge.observe.ProxyEvents;
import io.sipedge.security.AddressRanges;
import io.sipedge.sip.auth.AuthOutcome;
import io.sipedge.sip.auth.DigestAuthenticator;
import io.sipedge.sip.auth.DigestCredentials;
import io.sipedge.sip.guard.Guard;
import io.sipedge.sip.registrar.RegisterReply;
import io.sipedge.sip.transport.Inbound;
import io.sipedge.sip.transport.Transports;
import io.sipedge.sip.wire.RawRequest;
import io.sipedge.sip.wire.RawResponse;
import io.sipedge.sip.wire.RequestHead;
import io.sipedge.sip.wire.SipParser;
import io.sipedge.sip.wire.SipResponses;
import io.sipedge.sip.wire.SipUriParts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.ListIterator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import javax.sip.SipException;
import javax.sip.address.SipURI;
import javax.sip.address.URI;
import javax.sip.header.Header;
import javax.sip.header.MaxForwardsHeader;
import javax.sip.header.ProxyAuthorizationHeader;
import javax.sip.header.RouteHeader;
import javax.sip.message.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stateful proxy between the edge's registered phones (RFC 3261 §16-17): every request that is
 * not a REGISTER and not addressed to the edge itself comes here with its flow. The rules are pure
 * ({@link RoutingPolicy}, {@link ResponseContext}, {@link ServerTransaction},
 * {@link ClientTransaction}); this class carries out what they decide: it edits and sends messages,
 * keeps the transaction tables and runs the timers.
 *
 * <p>Requests to a phone go over the flow it registered on, and requests in a dialog over the flow
 * the edge wrote, signed, into its Record-Route ({@link FlowToken}): never over a new connection.
 * State is bounded: at most {@link Settings#maxTransactions} proxied requests at once (503 beyond),
 * and every entry leaves the tables when its transaction ends, by the RFC's timers at the latest.
 */
public final class Proxy implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Proxy.class);
    /** Requests that create a dialog the edge must stay in (Record-Route). */
    private static final Set<String> DIALOG_CREATING = Set.of(Request.INVITE, Request.SUBSCRIBE, Request.REFER);
    private static final int RETRY_AFTER_SECONDS = 5;
    private static final HeaderFactoryImpl HEADERS = new HeaderFactoryImpl();
    private static final AddressFactoryImpl ADDRESSES = new AddressFactoryImpl();
    /** The hash part of branches of requests not checked for loops (forwarded without a parse). */
    private static final String STATELESS = "0000000000000000";
    private static final List<byte[]> PARSED_ONLY = List.of("CANCEL ".getBytes(StandardCharsets.US_ASCII),
            "REGISTER ".getBytes(StandardCharsets.US_ASCII));
    /** The edge's Via parameter of an INVITE branch: the flow its 2xx goes back on, signed. */
    private static final String UPSTREAM = "ft";

    /**
     * @param maxTransactions       proxied requests in progress at once; past it, 503 with Retry-After
     * @param ringingTimeoutSeconds Timer C: how long a branch may go without a final response
     * @param lingerSeconds         how long an answered transaction stays to absorb retransmissions
     * @param trustedPeers          CIDR ranges whose requests reach local users without a local From
     * @param host                  the host the edge's Via and Record-Route name (the one phones register at)
     */
    public record Settings(int maxTransactions, int ringingTimeoutSeconds, int lingerSeconds, List<String> trustedPeers,
                           String host) {
        public Settings {
            if (maxTransactions < 1 || ringingTimeoutSeconds < 1 || lingerSeconds < 1) {
                throw new IllegalArgumentException("maxTransactions, ringingTimeoutSeconds and lingerSeconds must be positive");
            }
            trustedPeers = List.copyOf(trustedPeers);
        }
    }

    private final Directory directory;
    private final LocationStore locations;
    private final DigestAuthenticator auth;
    private final InstantSource clock;
    private final ProxyEvents events;
    private final Settings settings;
    private final AddressRanges trusted;
    private final TransactionTimers timers;
    private final FlowToken tokens = FlowToken.withRandomKey();
    private final ViaBranch branchIds = new ViaBranch(new SecureRandom());
    private final HashedWheelTimer wheel;
    private final ConcurrentHashMap<String, Proxied> servers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Proxied.Leg> clients = new ConcurrentHashMap<>();
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger invitesPending = new AtomicInteger();
    private volatile Transports network;

    public Proxy(Directory directory, LocationStore locations, DigestAuthenticator auth, InstantSource clock,
                 ProxyEvents events, Settings settings) {
        this(directory, locations, auth, clock, events, settings, new TransactionTimers(TransactionTimers.DEFAULT.t1(),
                TransactionTimers.DEFAULT.t2(), TransactionTimers.DEFAULT.t4(), settings.ringingTimeoutSeconds() * 1000L,
                settings.lingerSeconds() * 1000L));
    }

    Proxy(Directory directory, LocationStore locations, DigestAuthenticator auth, InstantSource clock,
          ProxyEvents events, Settings settings, TransactionTimers timers) {
        this.directory = directory;
        this.locations = locations;
        this.auth = auth;
        this.clock = clock;
        this.events = events;
        this.settings = settings;
        this.trusted = AddressRanges.parse(settings.trustedPeers());
        this.timers = timers;
        // One thread for every transaction's timers; 10 ms ticks are finer than any SIP timer needs.
        this.wheel = new HashedWheelTimer(r -> {
            Thread t = new Thread(r, "sip-proxy-timers");
            t.setDaemon(true);
            return t;
        }, 10, TimeUnit.MILLISECONDS, 512);
    }

    /** Starts sending through {@code network} (the transports need the dispatcher, which needs the proxy). */
    public void start(Transports network) {
        this.network = network;
        wheel.start();
    }

    /** Proxied requests in progress (server transactions in the table). */
    public int activeTransactions() {
        return active.get();
    }

    /** INVITEs forwarded that have no final answer yet: calls being set up. */
    public int invitesPending() {
        return invitesPending.get();
    }

    @Override
    public void close() {
        wheel.stop();
    }

    // ---- requests from upstream -------------------------------------------------------------

    /**
     * A request for the proxy, parsed, its top Via stamped ({@code head}), as it arrived on
     * {@code in}. Never throws for what the request says; I/O failures answering it are swallowed
     * here (the flow is gone).
     */
    public void request(SIPRequest req, RequestHead head, Inbound in) throws IOException {
        String method = req.getMethod();
        if (method.equals(Request.CANCEL)) {
            cancel(head, in);
            return;
        }
        String key = serverKey(head, method.equals(Request.ACK) ? Request.INVITE : method);
        if (method.equals(Request.ACK)) {
            ack(req, head, in, key);
            return;
        }
        if (req.getTo().getTag() == null && req.getFrom().getAddress().getURI() instanceof SipURI from
                && senderBanned(from.getUser(), from.getHost(), in)) {
            return;
        }
        MaxForwardsHeader mf = (MaxForwardsHeader) req.getHeader(MaxForwardsHeader.NAME);
        admit(key, method.equals(Request.INVITE), mf == null ? -1 : mf.getMaxForwards(), fingerprint(req),
                viaBranches(req), () -> head, in, (hash, server) -> new Proxied(key, req, head, in, hash, server));
    }

    /**
     * A request out of a dialog, or a copy of one in progress: a copy goes to its server
     * transaction; a new one is refused 483 (no hops left), 482 (it has been here before) or 503
     * (over {@link Settings#maxTransactions}), or starts a server transaction {@code create} makes.
     */
    private void admit(String key, boolean invite, int maxForwards, ViaBranch.Fingerprint fingerprint,
                       List<String> viaBranches, Supplier<RequestHead> head, Inbound in,
                       BiFunction<String, ServerTransaction, Proxied> create)
            throws IOException {
        Proxied known = servers.get(key);
        if (known != null) {
            synchronized (known) {
                serverActions(known, known.server.request(), null);
            }
            return;
        }
        if (maxForwards == 0) {
            RequestHead h = head.get();
            in.reply(SipResponses.write(483, "Too Many Hops", h), h.udpPort());
            return;
        }
        String hash = ViaBranch.hash(fingerprint);
        if (ViaBranch.looped(hash, viaBranches)) {
            RequestHead h = head.get();
            in.reply(SipResponses.write(482, "Loop Detected", h), h.udpPort());
            return;
        }
        if (active.incrementAndGet() > settings.maxTransactions()) {
            active.decrementAndGet();
            events.refusedOverCapacity();
            RequestHead h = head.get();
            in.reply(SipResponses.write(503, "Service Unavailable", h, "Retry-After: " + RETRY_AFTER_SECONDS),
                    h.udpPort());
            return;
        }
        Proxied p = create.apply(hash, new ServerTransaction(invite, in.transport() != Transport.UDP, timers));
        Proxied raced = servers.putIfAbsent(key, p);
        if (raced != null) { // a retransmission read by another thread at the same moment
            active.decrementAndGet();
            p = raced;
        }
        synchronized (p) {
            serverActions(p, p.server.request(), null);
        }
    }

    /**
     * False for a message that {@link #request(RawRequest, Inbound)} never takes, from its first
     * bytes: a response, and the requests the parsed path always decides (CANCEL, REGISTER).
     */
    public static boolean mayForwardAsRead(byte[] message) {
        if (message.length < 8 || message[0] < 'A' || message[0] > 'Z' || message[0] == 'S') {
            return false;
        }
        for (byte[] parsed : PARSED_ONLY) {
            if (Arrays.equals(message, 0, parsed.length, parsed, 0, parsed.length)) {
                return false;
            }
        }
        return true;
    }

    /**
     * A request read in place ({@link RawRequest}) that the proxy takes without the stack's parser:
     * an ACK (of a non-2xx the edge sent, absorbed; of a 2xx, forwarded statelessly along the
     * dialog's route), any other request in a dialog the edge recorded, and a request out of a
     * dialog whose URIs and credentials are of the plain shape the reader takes. False when the
     * parsed path must decide: a route that is not the edge's, a request to the edge itself, a
     * request in a dialog the edge must answer itself (483, 503), a shape not foreseen. Loop
     * detection in a dialog is left to Max-Forwards: such a request follows a recorded route, and
     * each pass through the edge pops its entries.
     */
    public boolean request(RawRequest r, Inbound in) {
        String method = r.method();
        String branch = r.branch();
        if (branch == null || !branch.startsWith(ViaBranch.COOKIE) || method.equals(Request.CANCEL)
                || method.equals(Request.REGISTER)) {
            return false;
        }
        if (method.equals(Request.ACK)) {
            Proxied p = servers.get(branch + ' ' + Request.INVITE);
            if (p != null) {
                synchronized (p) {
                    if (!p.succeeded) {
                        serverActions(p, p.server.ack(), null);
                        return true;
                    }
                }
            }
        }
        if (r.toTag() == null) {
            // An ACK that belongs to nothing here is dropped.
            return method.equals(Request.ACK) || initial(r, in);
        }
        int pops = 0;
        Flow to = null;
        for (SipUriParts u; pops < r.routeCount() && (u = r.routeUri(pops)) != null; pops++) {
            if (!namesEdge(u.user(), u.host(), u.port())) {
                Flow f = routeFlow(u.user());
                if (f == null) {
                    break;
                }
                to = f;
            }
        }
        if (to == null) {
            return false; // not (or not only) the edge's recorded route: the parsed path decides
        }
        if (method.equals(Request.ACK)) {
            if (r.maxForwards() != 0) {
                try {
                    network.send(to, r.forward(via(to.transport(), branchIds.next(STATELESS)), pops, in.flow(),
                            this::servedRealm));
                } catch (IOException e) {
                    log.debug("ACK on {} {}:{} not sent: {}", to.transport(), to.remoteIp(), to.remotePort(),
                            e.toString());
                }
            }
            return true;
        }
        String key = branch + ' ' + method;
        Proxied known = servers.get(key);
        if (known != null) {
            synchronized (known) {
                serverActions(known, known.server.request(), null);
            }
            return true;
        }
        if (r.maxForwards() == 0) {
            return false;
        }
        if (active.incrementAndGet() > settings.maxTransactions()) {
            active.decrementAndGet();
            return false;
        }
        Proxied p = new Proxied(key, r, in, STATELESS, new ServerTransaction(method.equals(Request.INVITE),
                in.transport() != Transport.UDP, timers));
        p.pops = pops;
        Proxied raced = servers.putIfAbsent(key, p);
        if (raced != null) {
            active.decrementAndGet();
            p = raced;
        }
        Flow target = to;
        synchronized (p) {
            if (p.wire == r) {
                p.targets = List.of(new Proxied.Target(target, null, List.of()));
            }
            serverActions(p, p.server.request(), null);
        }
        return true;
    }

    /**
     * A request out of a dialog read in place: admitted like a parsed one when its Request-URI names
     * a user, its From and Route URIs and its credentials are of the plain shape, and every Route
     * names the edge itself (a phone's outbound proxy); else false, and the parsed path decides.
     */
    private boolean initial(RawRequest r, Inbound in) {
        SipUriParts target = SipUriParts.parse(r.requestUri());
        String from = SipUriParts.addrSpec(r.from());
        if (target == null || target.user() == null || from == null || SipUriParts.parse(from) == null
                || r.proxyRequire() || r.credentials() == null) {
            return false; // the edge itself (OPTIONS), other schemes, extensions: the parsed path
        }
        List<String> routes = new ArrayList<>(r.routeCount());
        for (int i = 0; i < r.routeCount(); i++) {
            SipUriParts u = r.routeUri(i);
            if (u == null || !namesEdge(u.user(), u.host(), u.port())) {
                return false;
            }
            routes.add(r.route(i));
        }
        SipUriParts sender = SipUriParts.parse(from);
        if (senderBanned(sender.user(), sender.host(), in)) {
            return true;
        }
        String method = r.method();
        String key = r.branch() + ' ' + method;
        ViaBranch.Fingerprint fingerprint = new ViaBranch.Fingerprint(r.requestUri(), r.fromTag(), null, r.callId(),
                r.cseq(), routes, List.of(), r.credentialsKept(this::servedRealm));
        try {
            admit(key, method.equals(Request.INVITE), r.maxForwards(), fingerprint, r.viaBranches(),
                    () -> r.head(in.flow()), in, (hash, server) -> new Proxied(key, r, in, hash, server));
        } catch (IOException e) {
            log.debug("answer to {} from {}:{} not sent: {}", method, in.sourceIp(), in.sourcePort(), e.toString());
        }
        return true;
    }

    /**
     * True when the sender's user is banned from the request's source address and the guard drops
     * such requests: dropped here, before a server transaction could send 100 Trying.
     */
    private boolean senderBanned(String user, String host, Inbound in) {
        Guard guard = auth.guard();
        if (user == null || host == null || !guard.holdsBans() || guard.refusesBlockedWith403()) {
            return false;
        }
        Tenant tenant = directory.tenantByDomain(host).orElse(null);
        return tenant != null && guard.blocked(in.flow(), user, tenant.domain());
    }

    /**
     * A 2xx to an INVITE whose branch has ended (it lingered {@link Settings#lingerSeconds}): the
     * callee retransmits it until the caller's ACK comes, so it goes upstream statelessly (RFC 3261
     * §16.7 step 5 forwards every 2xx), on the flow the edge wrote, signed, into its Via.
     */
    private boolean relayLate2xx(String upstream, BranchResponse r) {
        Flow to = routeFlow(upstream);
        if (to == null) {
            return false;
        }
        try {
            network.send(to, r.upstream());
        } catch (IOException e) {
            log.debug("late 2xx to {} {}:{} not sent: {}", to.transport(), to.remoteIp(), to.remotePort(),
                    e.toString());
        }
        return true;
    }

    /** The flow a Route's user part names if it is one of the edge's flow tokens, else null. */
    private Flow routeFlow(String user) {
        return user == null ? null : tokens.decode(user, network.edge()).orElse(null);
    }

    /**
     * The caller's CANCEL (RFC 3261 §16.10): 200 at once, then each pending branch is cancelled, each
     * only after it has answered provisionally. For no request in progress: 481.
     */
    private void cancel(RequestHead head, Inbound in) throws IOException {
        Proxied p = servers.get(serverKey(head, Request.INVITE));
        if (p == null) {
            in.reply(SipResponses.write(481, "Call/Transaction Does Not Exist", head), head.udpPort());
            return;
        }
        in.reply(SipResponses.write(200, "OK", head), head.udpPort());
        synchronized (p) {
            if (p.context != null && !p.server.finalSent()) {
                contextActions(p, p.context.cancel(), null);
            }
        }
    }

    /**
     * An ACK: of a non-2xx final the edge sent (the same branch), absorbed by that transaction;
     * of a 2xx, forwarded statelessly along the dialog's route like any request in a dialog.
     */
    private void ack(SIPRequest req, RequestHead head, Inbound in, String key) {
        Proxied p = servers.get(key);
        if (p != null) {
            synchronized (p) {
                if (!p.succeeded) {
                    serverActions(p, p.server.ack(), null);
                    return;
                }
            }
        }
        RoutingPolicy.Decision d = RoutingPolicy.decide(facts(req, in, false));
        if (!(d instanceof RoutingPolicy.Decision.FollowRoute)) {
            return; // an ACK that belongs to nothing here is dropped (RFC 3261 §16.4 is silent; so is the edge)
        }
        try {
            SIPRequest fwd = (SIPRequest) req.clone();
            Flow to = popOwnRoutes(fwd);
            consumeCredentials(fwd);
            MaxForwardsHeader mf = (MaxForwardsHeader) fwd.getHeader(MaxForwardsHeader.NAME);
            if (mf != null && mf.getMaxForwards() <= 0) {
                return;
            }
            decrementMaxForwards(fwd);
            String id = branchIds.next(ViaBranch.hash(fingerprint(req)));
            fwd.addFirst(HEADERS.createHeader("Via", via(to.transport(), id)));
            network.send(to, fwd.encodeAsBytes(to.transport().name()));
        } catch (IOException | ParseException | SipException | RuntimeException e) {
            log.debug("ACK (Call-ID {}) not forwarded: {}", head.callId(), e.toString());
        }
    }

    // ---- the server transaction's actions -------------------------------------------------------

    /** Carries out a server transaction's actions; {@code response} is the bytes of a Send that is not a 100. */
    private void serverActions(Proxied p, List<ServerTransaction.Action> actions, byte[] response) {
        for (ServerTransaction.Action a : actions) {
            if (a instanceof ServerTransaction.Action.Route) {
                route(p);
            } else if (a instanceof ServerTransaction.Action.Send s) {
                byte[] bytes = s.code() == 100 && response == null ? SipResponses.trying(p.head()) : response;
                p.lastResponse = bytes;
                sendUp(p, bytes);
            } else if (a instanceof ServerTransaction.Action.Resend) {
                if (p.lastResponse != null) {
                    sendUp(p, p.lastResponse);
                }
            } else if (a instanceof ServerTransaction.Action.Schedule s) {
                if (s.millis() == 0) { // a reliable transport's Timer I or J: the transaction ends now
                    serverActions(p, p.server.timer(s.timer()), null);
                    continue;
                }
                p.timers.add(schedule(s.millis(), () -> {
                    synchronized (p) {
                        serverActions(p, p.server.timer(s.timer()), null);
                    }
                }));
            } else if (a instanceof ServerTransaction.Action.Terminated) {
                cancelTimers(p.timers);
                release(p);
            }
        }
    }

    private void sendUp(Proxied p, byte[] bytes) {
        try {
            p.in.reply(bytes, p.udpPort);
        } catch (IOException e) {
            log.debug("response to {}:{} not sent: {}", p.in.sourceIp(), p.in.sourcePort(), e.toString());
            serverActions(p, p.server.transportError(), null);
        }
    }

    /** Sends a final or provisional answer upstream through the server transaction. */
    private void answer(Proxied p, int code, byte[] bytes) {
        if (code >= 200 && !p.answered) {
            p.answered = true;
            if (p.method == ProxyEvents.Method.INVITE && p.context != null) {
                invitesPending.decrementAndGet();
            }
            events.requestAnswered(p.method, code / 100, p.branches.length);
            if (log.isDebugEnabled() && (p.request != null || p.wire != null)) { // out of a dialog
                log.debug("{} from {} to {}: {} after {} ms", p.methodName,
                        p.request != null ? user(p.request.getFrom().getAddress().getURI())
                                : user(SipUriParts.addrSpec(p.wire.from())),
                        p.request != null ? user(p.request.getRequestURI()) : user(p.wire.requestUri()),
                        code, (System.nanoTime() - p.startNanos) / 1_000_000);
            }
            releaseModel(p);
        }
        if (code >= 200 && code < 300) {
            p.succeeded = true;
        }
        if (code >= 200 && code < 300 && p.method == ProxyEvents.Method.INVITE && p.server.terminated()) {
            sendUp(p, bytes); // another branch's 2xx after the transaction ended (at once over a connection)
            return;
        }
        serverActions(p, p.server.respond(code), bytes);
        if (code >= 200 && !p.released) {
            // Answered: what stays is the way back (later 2xx of other branches, or the last response
            // again for a retransmitted request); an INVITE's 2xx is never resent by the edge.
            p.answeredTrim(p.succeeded && p.method == ProxyEvents.Method.INVITE);
        }
    }

    private void answer(Proxied p, int code, String reason, String... headers) {
        answer(p, code, SipResponses.write(code, reason, p.head(), headers));
    }

    /**
     * What only routing and forking need, dropped once answered and no branch may still need a
     * CANCEL or an ACK built: answered transactions linger, and thousands of them at once must
     * cost little more than their last response.
     */
    private static void releaseModel(Proxied p) {
        if (p.answered && (p.context == null || p.context.finished())) {
            p.request = null;
            p.base = null;
            p.wire = null;
        }
    }

    /** The server transaction ended: out of the table; branches still pending are cancelled. */
    private void release(Proxied p) {
        if (p.released) {
            return;
        }
        p.released = true;
        if (servers.remove(p.key, p)) {
            active.decrementAndGet();
        }
        if (p.context != null && !p.context.answered()) {
            contextActions(p, p.context.cancel(), null); // the caller is gone: stop ringing its callees
        }
    }

    // ---- routing ---------------------------------------------------------------------------------

    private void route(Proxied p) {
        if (p.readInPlace && !p.targets.isEmpty()) { // in a dialog, along the edge's route: where to is known
            fork(p, null, p.targets, List.of(1));
            p.wire = null; // sent: the branch keeps its own bytes
            return;
        }
        RoutingPolicy.Facts f = p.request != null ? facts(p.request, p.in, true) : facts(p.wire, p.in);
        RoutingPolicy.Decision d = RoutingPolicy.decide(f);
        if (d instanceof RoutingPolicy.Decision.Challenge c) {
            Tenant tenant = f.fromTenant();
            Instant now = clock.instant();
            String nonce = auth.nonces().issue(c.realm(), now);
            List<RegisterReply.Challenge> challenges = auth.offeredTo(tenant, p.in.transport()).stream()
                    .map(alg -> new RegisterReply.Challenge(c.realm(), nonce, alg, c.stale())).toList();
            answer(p, 407, SipResponses.proxyChallenge(p.head(), challenges));
        } else if (d instanceof RoutingPolicy.Decision.Drop
                || d == RoutingPolicy.NOT_RELAYING && f.fromTenant() == null && f.targetTenant() == null
                && !auth.guard().answersUnknownDomain(p.in.flow())) {
            release(p); // no answer: a banned user, or a domain not served past the rate such are answered at
        } else if (d instanceof RoutingPolicy.Decision.Refuse r) {
            if (r.code() == 405) {
                answer(p, r.code(), r.reason(), SipResponses.ALLOW);
            } else {
                answer(p, r.code(), r.reason());
            }
        } else if (d instanceof RoutingPolicy.Decision.FollowRoute) {
            followRoute(p);
        } else if (d instanceof RoutingPolicy.Decision.LookUp l) {
            lookUp(p, l.aor(), f);
        } else {
            answer(p, 500, "Server Internal Error");
        }
    }

    private RoutingPolicy.Facts facts(SIPRequest req, Inbound in, boolean authenticate) {
        URI fromUri = req.getFrom().getAddress().getURI();
        Tenant fromTenant = fromUri instanceof SipURI s ? directory.tenantByDomain(s.getHost()).orElse(null) : null;
        URI target = req.getRequestURI();
        Tenant targetTenant = target instanceof SipURI s ? directory.tenantByDomain(s.getHost()).orElse(null) : null;
        boolean inDialog = req.getTo().getTag() != null;
        AuthOutcome credentials = AuthOutcome.FRESH;
        if (authenticate && fromTenant != null && !inDialog) {
            credentials = authenticate(credentials(req), fromTenant, user(fromUri), req.getMethod(),
                    req.getTopmostVia().getBranch(), req.getCallId().getCallId(), req.getCSeq().getSeqNumber(), in);
        }
        return new RoutingPolicy.Facts(req.getMethod(), inDialog, ownRoute(req) != null, fromTenant, user(fromUri),
                targetTenant, user(target), trusted.contains(in.sourceIp()), credentials);
    }

    /** The same for a request out of a dialog read in place ({@link #initial}: its URIs are plain, its Routes the edge's). */
    private RoutingPolicy.Facts facts(RawRequest r, Inbound in) {
        SipUriParts from = SipUriParts.parse(SipUriParts.addrSpec(r.from()));
        SipUriParts target = SipUriParts.parse(r.requestUri());
        Tenant fromTenant = directory.tenantByDomain(from.host()).orElse(null);
        Tenant targetTenant = directory.tenantByDomain(target.host()).orElse(null);
        String fromUser = from.user() == null ? "" : from.user();
        AuthOutcome credentials = fromTenant == null ? AuthOutcome.FRESH : authenticate(r.credentials(), fromTenant,
                fromUser, r.method(), r.branch(), r.callId(), r.cseq(), in);
        return new RoutingPolicy.Facts(r.method(), false, false, fromTenant, fromUser, targetTenant, target.user(),
                trusted.contains(in.sourceIp()), credentials);
    }

    /**
     * Checks a request's credentials for {@code tenant}'s realm (a refusal goes to the security log,
     * through the guard, never the secret).
     */
    private AuthOutcome authenticate(List<DigestCredentials> creds, Tenant tenant, String fromUser, String method,
                                     String branch, String callId, long cseq, Inbound in) {
        long fingerprint = creds.isEmpty() ? 0
                : auth.nonces().fingerprint(branch, callId, cseq, in.sourceIp(), in.sourcePort());
        return auth.verify(creds, tenant, method, fromUser, in.flow(), fingerprint, clock.instant());
    }

    private void lookUp(Proxied p, Aor aor, RoutingPolicy.Facts f) {
        boolean exists = directory.deviceByUsername(f.targetTenant().id(), aor.user()).isPresent();
        RoutingPolicy.Decision d = RoutingPolicy.targets(exists, exists ? locations.lookup(aor, clock.instant())
                : List.of());
        if (d instanceof RoutingPolicy.Decision.Refuse r) {
            answer(p, r.code(), r.reason());
            return;
        }
        List<List<Binding>> groups = ((RoutingPolicy.Decision.Fork) d).groups();
        List<Proxied.Target> targets = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>(groups.size());
        for (List<Binding> group : groups) {
            sizes.add(group.size());
            for (Binding b : group) {
                targets.add(new Proxied.Target(b.flow(), b.contact(), b.path()));
            }
        }
        try {
            if (p.request == null) {
                p.pops = p.wire.routeCount(); // every Route names the edge (initial took it so)
                fork(p, null, targets, sizes);
                return;
            }
            p.wire = RawRequest.scan(p.in.bytes());
            if (p.wire != null) {
                p.pops = leadingEdgeRoutes(p.request);
                fork(p, null, targets, sizes);
            } else {
                fork(p, baseOf(p.request), targets, sizes);
            }
        } catch (ParseException | RuntimeException e) {
            log.warn("{} (Call-ID {}) not forwarded: {}", p.methodName, p.callId(), e.toString());
            answer(p, 500, "Server Internal Error");
        }
    }

    /** In a dialog: pop the edge's Route entries and send on the flow the last one names (loose routing). */
    private void followRoute(Proxied p) {
        try {
            SIPRequest base = (SIPRequest) p.request.clone();
            Flow to = popOwnRoutes(base);
            consumeCredentials(base);
            decrementMaxForwards(base);
            fork(p, base, List.of(new Proxied.Target(to, null, List.of())), List.of(1));
        } catch (ParseException | RuntimeException e) {
            log.warn("{} (Call-ID {}) not forwarded: {}", p.methodName, p.callId(), e.toString());
            answer(p, 500, "Server Internal Error");
        }
    }

    private void fork(Proxied p, SIPRequest base, List<Proxied.Target> targets, List<Integer> sizes) {
        p.base = base;
        p.targets = List.copyOf(targets);
        p.branches = new Proxied.Branch[targets.size()];
        p.finals = new BranchResponse[targets.size()];
        p.context = new ResponseContext(p.method == ProxyEvents.Method.INVITE, sizes);
        if (p.method == ProxyEvents.Method.INVITE) {
            invitesPending.incrementAndGet();
        }
        contextActions(p, p.context.start(), null);
    }

    // ---- the response context's actions ---------------------------------------------------------

    /** Carries out the response context's actions; {@code current} is the response that caused them. */
    private void contextActions(Proxied p, List<ResponseContext.Action> actions, BranchResponse current) {
        for (ResponseContext.Action a : actions) {
            if (a instanceof ResponseContext.Action.Start s) {
                startBranch(p, s.branch());
            } else if (a instanceof ResponseContext.Action.Cancel c) {
                cancelBranch(p.branches[c.branch()]);
            } else if (a instanceof ResponseContext.Action.Relay r) {
                answer(p, r.code(), current.upstream());
            } else if (a instanceof ResponseContext.Action.Answer ans) {
                if (ans.branch() == ResponseContext.GENERATED) {
                    answer(p, ans.code(), reason(ans.code()));
                } else {
                    byte[] bytes;
                    try {
                        bytes = withChallenges(p, ans);
                    } catch (ParseException | RuntimeException e) {
                        log.debug("final response of {} (Call-ID {}) unreadable: {}", p.methodName, p.callId(),
                                e.toString());
                        bytes = SipResponses.write(500, reason(500), p.head());
                    }
                    answer(p, ans.code(), bytes);
                }
                p.finals = null;
            }
        }
    }

    private void startBranch(Proxied p, int index) {
        Proxied.Target t = p.targets.get(index);
        Proxied.Branch b;
        byte[] bytes;
        String id = branchIds.next(p.hash);
        String via = via(t.flow().transport(), id);
        try {
            if (p.method == ProxyEvents.Method.INVITE) {
                via += ';' + UPSTREAM + '=' + tokens.encode(replyFlow(p));
            }
            b = new Proxied.Branch(p, index, t.flow(), via);
            if (p.wire != null) { // spliced from the bytes as received: no copy of the parsed model
                List<String> lines = new ArrayList<>(2 + t.routes().size());
                if (DIALOG_CREATING.contains(p.methodName)) {
                    lines.add("Record-Route: " + recordRoute(t.flow()));
                    lines.add("Record-Route: " + recordRoute(p.in.flow()));
                }
                for (String route : t.routes()) {
                    lines.add("Route: " + route);
                }
                bytes = p.wire.forward(t.requestUri(), via, lines, p.pops, p.in.flow(), this::servedRealm);
            } else {
                bytes = branchRequest(p, b).encodeAsBytes(t.flow().transport().name());
            }
        } catch (ParseException | SipException | RuntimeException e) {
            log.warn("branch to {} of {} (Call-ID {}) not built: {}", t.requestUri(), p.methodName,
                    p.callId(), e.toString());
            contextActions(p, p.context.flowFailed(index), null);
            return;
        }
        p.branches[index] = b;
        startLeg(p, b, id, bytes);
    }

    /**
     * The stack's model of what branch {@code b} sends, built when first needed (to write it, or a
     * CANCEL or ACK from it): the request as every branch forwards it, with the branch's
     * Request-URI, Path, Record-Routes and Via.
     */
    private SIPRequest branchRequest(Proxied p, Proxied.Branch b) throws ParseException, SipException {
        if (b.request != null) {
            return b.request;
        }
        if (p.request == null) { // read in place: the branch's own bytes are its model
            b.request = (SIPRequest) SipParser.parse(b.leg.bytes);
            return b.request;
        }
        if (p.base == null) {
            p.base = baseOf(p.request);
        }
        Proxied.Target t = p.targets.get(b.index);
        SIPRequest fwd = (SIPRequest) p.base.clone();
        if (t.requestUri() != null) {
            fwd.setRequestURI(ADDRESSES.createURI(t.requestUri()));
        }
        for (int i = t.routes().size() - 1; i >= 0; i--) {
            fwd.addFirst(HEADERS.createHeader(RouteHeader.NAME, t.routes().get(i)));
        }
        if (DIALOG_CREATING.contains(fwd.getMethod())) {
            // RFC 5658 double Record-Route: the entry nearer the caller names the caller's flow, the
            // top one the callee's; each side's requests come back on its own transport and leave on
            // the flow the last entry popped names.
            fwd.addFirst(HEADERS.createHeader("Record-Route", recordRoute(p.in.flow())));
            fwd.addFirst(HEADERS.createHeader("Record-Route", recordRoute(t.flow())));
        }
        fwd.addFirst(HEADERS.createHeader("Via", b.via));
        b.request = fwd;
        return fwd;
    }

    /** The request as every branch of an initial request forwards it: the edge's Routes and credentials out. */
    private SIPRequest baseOf(SIPRequest request) throws ParseException {
        SIPRequest base = (SIPRequest) request.clone();
        popEdgeRoutes(base);
        consumeCredentials(base);
        decrementMaxForwards(base);
        return base;
    }

    private void startLeg(Proxied p, Proxied.Branch b, String id, byte[] bytes) {
        b.leg = new Proxied.Leg(b, id + ' ' + p.methodName, bytes,
                new ClientTransaction(p.method == ProxyEvents.Method.INVITE, b.flow.transport() != Transport.UDP,
                        timers), false);
        clients.put(b.leg.key, b.leg);
        clientActions(b.leg, b.leg.transaction.start(nowMillis()), null);
    }

    /** CANCEL on a branch (RFC 3261 §9.1): the same Request-URI, Via, Route, Call-ID, From, To, CSeq number. */
    private void cancelBranch(Proxied.Branch b) {
        if (b == null || b.cancel != null || b.ended) {
            return;
        }
        byte[] bytes;
        String id;
        try {
            SIPRequest request = branchRequest(b.owner, b);
            bytes = request.createCancelRequest().encodeAsBytes(b.flow.transport().name());
            id = request.getTopmostVia().getBranch();
        } catch (ParseException | SipException | RuntimeException e) {
            log.debug("CANCEL (Call-ID {}) not built: {}", b.owner.callId(), e.toString());
            return;
        }
        b.cancel = new Proxied.Leg(b, id + " CANCEL", bytes,
                new ClientTransaction(false, b.flow.transport() != Transport.UDP, timers), true);
        clients.put(b.cancel.key, b.cancel);
        clientActions(b.cancel, b.cancel.transaction.start(nowMillis()), null);
        clientActions(b.leg, b.leg.transaction.cancelled(), null);
    }

    // ---- responses from downstream --------------------------------------------------------------

    /**
     * A response, parsed, that may belong to one of the proxy's branches. False when it does not
     * (the caller hands it to the edge's other clients, e.g. qualify).
     */
    public boolean response(SIPResponse r) {
        Via top = r.getTopmostVia();
        return r.getCSeq() != null && top != null && response(top.getBranch(), r.getCSeq().getMethod(),
                top.getParameter(UPSTREAM), new BranchResponse(r));
    }

    /** The same for a response read in place ({@link RawResponse}): most are relayed without a parse. */
    public boolean response(RawResponse r) {
        return response(r.branch(), r.cseqMethod(), r.topViaParameter(UPSTREAM), new BranchResponse(r));
    }

    /**
     * @param upstream the flow token the edge wrote into its Via of an INVITE branch, or null
     */
    private boolean response(String branch, String cseqMethod, String upstream, BranchResponse r) {
        if (branch == null || !branch.startsWith(ViaBranch.COOKIE)) {
            return false;
        }
        Proxied.Leg leg = clients.get(branch + ' ' + cseqMethod);
        if (leg == null) {
            return upstream != null && r.status() >= 200 && r.status() < 300 && cseqMethod.equals(Request.INVITE)
                    && relayLate2xx(upstream, r);
        }
        Proxied p = leg.branch.owner;
        synchronized (p) {
            clientActions(leg, leg.transaction.response(r.status(), nowMillis()), r);
        }
        return true;
    }

    private void clientActions(Proxied.Leg leg, List<ClientTransaction.Action> actions, BranchResponse r) {
        Proxied.Branch b = leg.branch;
        Proxied p = b.owner;
        for (ClientTransaction.Action a : actions) {
            if (a instanceof ClientTransaction.Action.Send) {
                if (leg.bytes == null) {
                    continue;
                }
                try {
                    network.send(b.flow, leg.bytes);
                } catch (IOException e) {
                    log.debug("{} on {} {}:{} not sent: {}", leg.isCancel ? "CANCEL" : p.methodName,
                            b.flow.transport(), b.flow.remoteIp(), b.flow.remotePort(), e.toString());
                    clientActions(leg, leg.transaction.transportError(), null);
                    return;
                }
            } else if (a instanceof ClientTransaction.Action.SendAck) {
                sendAck(b, r);
            } else if (a instanceof ClientTransaction.Action.Schedule s) {
                if (s.millis() == 0) { // a reliable transport's Timer D or K: the transaction ends now
                    clientActions(leg, leg.transaction.timer(s.timer(), nowMillis()), null);
                    continue;
                }
                leg.timers.add(schedule(s.millis(), () -> {
                    synchronized (p) {
                        clientActions(leg, leg.transaction.timer(s.timer(), nowMillis()), null);
                    }
                }));
            } else if (leg.isCancel) {
                if (a instanceof ClientTransaction.Action.Terminated) {
                    cancelTimers(leg.timers);
                    clients.remove(leg.key, leg);
                }
                // A CANCEL's own answer changes nothing: the INVITE's final response ends the branch.
            } else if (a instanceof ClientTransaction.Action.Deliver d) {
                delivered(p, b, d.code(), r);
            } else if (a instanceof ClientTransaction.Action.TimedOut) {
                events.branchEnded(ProxyEvents.BranchOutcome.TIMEOUT);
                contextActions(p, p.context.timeout(b.index), null);
            } else if (a instanceof ClientTransaction.Action.FlowFailed) {
                events.branchEnded(ProxyEvents.BranchOutcome.FLOW_FAILED);
                contextActions(p, p.context.flowFailed(b.index), null);
            } else if (a instanceof ClientTransaction.Action.Terminated) {
                cancelTimers(leg.timers);
                clients.remove(leg.key, leg);
            }
        }
    }

    /**
     * Cancels a transaction's pending timers. A timer that fires in a state where it no longer
     * applies does nothing, but until then it holds the whole proxied request: Timer C alone would
     * keep every call's state for three minutes.
     */
    private static void cancelTimers(List<Timeout> timers) {
        for (Timeout t : timers) {
            t.cancel();
        }
        timers.clear();
    }

    private void delivered(Proxied p, Proxied.Branch b, int code, BranchResponse r) {
        if (code < 200) {
            contextActions(p, p.context.provisional(b.index, code), r);
            return;
        }
        if (!b.ended) {
            b.ended = true;
            cancelTimers(b.leg.timers); // A, B, C, CANCELLED: the final came (D, K or M follow)
            b.leg.bytes = null;
            b.request = null; // its ACK, if it needed one, is built: the branch sends nothing new
            releaseModel(p);
            if (code >= 300 && p.finals != null) {
                p.finals[b.index] = r;
            }
            events.branchEnded(code < 300 ? ProxyEvents.BranchOutcome.SUCCESS
                    : code == 487 ? ProxyEvents.BranchOutcome.CANCELLED : ProxyEvents.BranchOutcome.REFUSED);
        }
        contextActions(p, p.context.response(b.index, code), r);
    }

    /** The ACK of a branch's non-2xx final (RFC 3261 §17.1.1.3): hop by hop, never upstream. */
    private void sendAck(Proxied.Branch b, BranchResponse r) {
        try {
            if (b.ack == null) {
                b.ack = branchRequest(b.owner, b).createAckRequest((To) r.parsed().getTo())
                        .encodeAsBytes(b.flow.transport().name());
            }
            network.send(b.flow, b.ack);
        } catch (IOException | ParseException | SipException | RuntimeException e) {
            log.debug("ACK on {} {}:{} not sent: {}", b.flow.transport(), b.flow.remoteIp(), b.flow.remotePort(),
                    e.toString());
        }
    }

    /**
     * The chosen final's bytes upstream, carrying the 401/407 challenges of the other branches too
     * (§16.7 step 7).
     */
    private static byte[] withChallenges(Proxied p, ResponseContext.Action.Answer ans) throws ParseException {
        BranchResponse chosen = p.finals[ans.branch()];
        for (int other : ans.challengesFrom()) {
            if (other == ans.branch()) {
                continue;
            }
            for (String name : List.of("WWW-Authenticate", "Proxy-Authenticate")) {
                ListIterator<?> it = p.finals[other].parsed().getHeaders(name);
                while (it != null && it.hasNext()) {
                    chosen.edited().addHeader((Header) ((Header) it.next()).clone());
                }
            }
        }
        return chosen.upstream();
    }

    // ---- message editing -------------------------------------------------------------------------

    /**
     * The flow named by the topmost Route that does not just name the edge (a phone's outbound
     * proxy setting), if it is one of the edge's own Record-Routes; else null.
     */
    private Flow ownRoute(SIPRequest req) {
        ListIterator<?> it = req.getHeaders(RouteHeader.NAME);
        while (it != null && it.hasNext()) {
            URI uri = ((RouteHeader) it.next()).getAddress().getURI();
            if (namesEdge(uri)) {
                continue;
            }
            return uri instanceof SipURI u && u.getUser() != null ? routeFlow(u.getUser()) : null;
        }
        return null;
    }

    /**
     * Removes the edge's Route entries from the top of {@code req} (RFC 3261 §16.4) and returns the
     * flow the last recorded one names: the far side of the dialog as the edge recorded it.
     */
    private Flow popOwnRoutes(SIPRequest req) {
        Flow to = null;
        popEdgeRoutes(req);
        for (Flow f = ownRoute(req); f != null; f = ownRoute(req)) {
            to = f;
            req.removeFirst(RouteHeader.NAME);
            popEdgeRoutes(req);
        }
        if (to == null) {
            throw new IllegalStateException("no Route of the edge's"); // the policy checked for one
        }
        return to;
    }

    /** How many Route entries at the top name the edge itself. */
    private int leadingEdgeRoutes(SIPRequest req) {
        int n = 0;
        ListIterator<?> it = req.getHeaders(RouteHeader.NAME);
        while (it != null && it.hasNext() && namesEdge(((RouteHeader) it.next()).getAddress().getURI())) {
            n++;
        }
        return n;
    }

    /** Removes Route entries at the top that name the edge itself (a preloaded outbound proxy). */
    private void popEdgeRoutes(SIPRequest req) {
        for (RouteHeader top = (RouteHeader) req.getHeader(RouteHeader.NAME);
             top != null && namesEdge(top.getAddress().getURI());
             top = (RouteHeader) req.getHeader(RouteHeader.NAME)) {
            req.removeFirst(RouteHeader.NAME);
        }
    }

    /**
     * True for a URI without a user part that names the edge: its advertised host or a tenant's
     * domain, with no port or one of the edge's ports. Phones set up with the edge as outbound proxy
     * put it first in the Route of every request (RFC 3261 §8.1.2).
     */
    private boolean namesEdge(URI uri) {
        return uri instanceof SipURI u && namesEdge(u.getUser(), u.getHost(), u.getPort());
    }

    private boolean namesEdge(String user, String host, int port) {
        if (user != null || !host.equalsIgnoreCase(settings.host()) && directory.tenantByDomain(host).isEmpty()) {
            return false;
        }
        Transports n = network;
        return port <= 0 || port == n.port() || port == n.tlsPort() || port == n.wsPort() || port == n.wssPort();
    }

    private static void decrementMaxForwards(SIPRequest req) throws ParseException {
        MaxForwardsHeader mf = (MaxForwardsHeader) req.getHeader(MaxForwardsHeader.NAME);
        if (mf == null) {
            try {
                req.addHeader(HEADERS.createMaxForwardsHeader(69));
            } catch (javax.sip.InvalidArgumentException e) {
                throw new IllegalStateException(e);
            }
            return;
        }
        try {
            mf.setMaxForwards(mf.getMaxForwards() - 1);
        } catch (javax.sip.InvalidArgumentException e) {
            throw new ParseException("Max-Forwards: " + e.getMessage(), 0);
        }
    }

    /**
     * Removes credentials for a realm the edge serves: they were for the edge (checked, or sent again
     * along a dialog), never for the next hop; others go on (RFC 3261 §22.3).
     */
    private void consumeCredentials(SIPRequest req) {
        List<Header> keep = new ArrayList<>();
        ListIterator<?> it = req.getHeaders(ProxyAuthorizationHeader.NAME);
        boolean any = false;
        while (it != null && it.hasNext()) {
            ProxyAuthorizationHeader h = (ProxyAuthorizationHeader) it.next();
            any = true;
            if (!servedRealm(h.getRealm())) {
                keep.add(h);
            }
        }
        if (any) {
            req.removeHeader(ProxyAuthorizationHeader.NAME);
            for (Header h : keep) {
                req.addHeader(h);
            }
        }
    }

    private boolean servedRealm(String realm) {
        return realm != null && directory.tenantByDomain(realm).isPresent();
    }

    private static List<DigestCredentials> credentials(SIPRequest req) {
        List<DigestCredentials> out = new ArrayList<>(1);
        ListIterator<?> it = req.getHeaders(ProxyAuthorizationHeader.NAME);
        while (it != null && it.hasNext()) {
            ProxyAuthorizationHeader a = (ProxyAuthorizationHeader) it.next();
            if ("Digest".equalsIgnoreCase(a.getScheme())) {
                out.add(new DigestCredentials(a.getParameter("username"), a.getParameter("realm"),
                        a.getParameter("nonce"), a.getParameter("uri"), a.getParameter("response"),
                        a.getParameter("algorithm"), a.getParameter("qop"), a.getParameter("nc"),
                        a.getParameter("cnonce")));
            }
        }
        return out;
    }

    /** Where the answers to {@code p} go: its flow, and over UDP the port {@link Proxied#udpPort} says. */
    private static Flow replyFlow(Proxied p) {
        Flow f = p.in.flow();
        return f.transport() == Transport.UDP && f.remotePort() != p.udpPort
                ? new Flow(f.transport(), f.remoteIp(), p.udpPort, f.connection(), f.edge(), true) : f;
    }

    private String via(Transport transport, String branch) {
        return "SIP/2.0/" + transport.name() + ' ' + settings.host() + ':' + port(transport) + ";branch=" + branch;
    }

    /** The edge's Record-Route for one side of a dialog: that side's flow, signed, and its transport. */
    private String recordRoute(Flow flow) {
        Transport t = flow.transport();
        String transport = t == Transport.UDP ? "" : ";transport=" + (t.webSocket() ? "ws" : t.token());
        return "<sip:" + tokens.encode(flow) + '@' + settings.host() + ':' + port(t) + transport + ";lr>";
    }

    private int port(Transport t) {
        Transports n = network;
        return switch (t) {
            case UDP, TCP -> n.port();
            case TLS -> n.tlsPort();
            case WS -> n.wsPort();
            case WSS -> n.wssPort();
        };
    }

    /**
     * The request's loop-detection fingerprint. Credentials for a realm the edge serves are left out:
     * the edge consumes them when it forwards, so a request that comes back has lost them.
     */
    private ViaBranch.Fingerprint fingerprint(SIPRequest req) {
        List<String> credentials = new ArrayList<>(1);
        ListIterator<?> it = req.getHeaders(ProxyAuthorizationHeader.NAME);
        while (it != null && it.hasNext()) {
            ProxyAuthorizationHeader h = (ProxyAuthorizationHeader) it.next();
            if (h.getRealm() == null || directory.tenantByDomain(h.getRealm()).isEmpty()) {
                credentials.add(((gov.nist.javax.sip.header.SIPHeader) h).getHeaderValue());
            }
        }
        return new ViaBranch.Fingerprint(req.getRequestURI().toString(), req.getFrom().getTag(), req.getTo().getTag(),
                req.getCallId().getCallId(), req.getCSeq().getSeqNumber(), values(req, RouteHeader.NAME),
                values(req, "Proxy-Require"), credentials);
    }

    private static List<String> values(SIPRequest req, String name) {
        ListIterator<?> it = req.getHeaders(name);
        if (it == null || !it.hasNext()) {
            return List.of();
        }
        List<String> out = new ArrayList<>(2);
        while (it.hasNext()) {
            out.add(((gov.nist.javax.sip.header.SIPHeader) it.next()).getHeaderValue());
        }
        return out;
    }

    private static List<String> viaBranches(SIPRequest req) {
        List<String> out = new ArrayList<>(4);
        for (Object v : req.getViaHeaders()) {
            out.add(((Via) v).getBranch());
        }
        return out;
    }

    /**
     * What identifies a server transaction (RFC 3261 §17.2.3): the top Via's branch and the method
     * (an ACK's is its INVITE's). A branch without the magic cookie (RFC 2543) falls back to the
     * request's identifiers.
     */
    private static String serverKey(RequestHead head, String method) {
        String branch = head.branch();
        if (branch != null && branch.startsWith(ViaBranch.COOKIE)) {
            return branch + ' ' + method;
        }
        return head.callId() + ' ' + head.fromTag() + ' ' + head.cseq().split(" ")[0] + ' ' + method;
    }

    private static String user(URI uri) {
        return uri instanceof SipURI s && s.getUser() != null ? s.getUser() : "";
    }

    /** The same for a URI read in place. */
    private static String user(String uri) {
        SipUriParts u = uri == null ? null : SipUriParts.parse(uri);
        return u == null || u.user() == null ? "" : u.user();
    }

    private static String reason(int code) {
        return switch (code) {
            case 408 -> "Request Timeout";
            case 480 -> "Temporarily Unavailable";
            case 487 -> "Request Terminated";
            case 500 -> "Server Internal Error";
            default -> "Error";
        };
    }

    private Timeout schedule(long millis, Runnable task) {
        return wheel.newTimeout((Timeout t) -> {
            try {
                task.run();
            } catch (RuntimeException e) { // NOPMD: the timer thread serves every transaction
                log.warn("proxy timer failed: {}", e.toString());
            }
        }, millis, TimeUnit.MILLISECONDS);
    }

    private static long nowMillis() {
        return System.nanoTime() / 1_000_000;
    }

}
