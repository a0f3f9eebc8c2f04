package io.sipedge.http.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sipedge.http.server.RequestObserver;
import io.sipedge.location.BindingListener;
import io.sipedge.location.BindingsByTransport;
import io.sipedge.location.LocationStore;
import io.sipedge.model.Aor;
import io.sipedge.model.Binding;
import io.sipedge.model.Transport;
import io.sipedge.observe.ConnectionEnd;
import io.sipedge.observe.DatagramDrop;
import io.sipedge.observe.EdgeEvents;
import io.sipedge.observe.GuardEvents;
import io.sipedge.observe.KeepaliveEvents;
import io.sipedge.observe.ProxyEvents;
import io.sipedge.observe.ProxyEvents.BranchOutcome;
import io.sipedge.observe.RegisterOutcome;
import io.sipedge.observe.TlsEvents;
import io.sipedge.observe.TransportEvents;
import io.sipedge.observe.WebSocketRefusal;
import io.sipedge.security.Bans;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * Every meter of {@code GET /metrics}, in one Prometheus registry. The SIP meters are registered
 * here, once, and {@link #sipEvents()} only increments them (as Micrometer's own
 * {@code CaffeineStatsCounter} does): one counter per {@link RegisterOutcome}, picked by ordinal,
 * plus one timer. Gauges read counts the stores keep anyway, at scrape time. No label ever holds a
 * user, AOR, IP address, token or raw path.
 */
public final class EdgeMetrics implements AutoCloseable {
    /** What {@link #scrape()} returns: the Prometheus text format 0.0.4. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    /**
     * Buckets of the REGISTER handling-time histogram. A REGISTER costs tens of microseconds when
     * all is well; the upper buckets show queueing behind a slow Directory or a stalled thread.
     * Few on purpose: each one is a word to update per REGISTER and a line per scrape.
     */
    static final Duration[] REGISTER_BUCKETS = {
        Duration.ofNanos(50_000), Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000),
        Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(25), Duration.ofMillis(100),
        Duration.ofMillis(500),
    };

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final SipMeters sip;
    private final HttpMeters http = new HttpMeters();
    private final ConnectionMeters connections;
    private final KeepaliveMeters keepalives;
    private final ProxyMeters proxy;
    private final GuardMeters guard = new GuardMeters();
    private final TlsMeters tls = new TlsMeters();

    /**
     * Registers everything. Call it before SIP starts: it attaches a listener to {@code locations}
     * to count bindings per transport, which must see every binding from the first one.
     */
    public EdgeMetrics(LocationStore locations) {
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new JvmInfoMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);

        BindingsByTransport byTransport = new BindingsByTransport();
        locations.addListener(byTransport);
        for (Transport t : Transport.values()) {
            Gauge.builder("sip.bindings", byTransport, b -> b.count(t))
                    .description("Bindings stored, by the transport they were registered over (lapsed ones count "
                            + "until the reaper removes them, within seconds)")
                    .tag("transport", t.token())
                    .register(registry);
        }
        Gauge.builder("sip.registered.aors", locations, LocationStore::aorCount)
                .description("Addresses of record with at least one stored binding")
                .register(registry);
        locations.addListener(new RemovalMeters());
        sip = new SipMeters();
        connections = new ConnectionMeters();
        keepalives = new KeepaliveMeters();
        proxy = new ProxyMeters();
    }

    /** The SIP side's reporting hook: increments only. */
    public EdgeEvents sipEvents() {
        return sip;
    }

    /** The SIP transport's reporting hook: connections opened, refused and closed, by reason. */
    public TransportEvents transportEvents() {
        return connections;
    }

    /** The edge's own keepalives' reporting hook: probes sent, answered, unanswered, flows given up. */
    public KeepaliveEvents keepaliveEvents() {
        return keepalives;
    }

    /** Gauges of the SIP transport's state: open connections by transport, bytes queued to them. */
    public void watch(TransportEvents.State transport) {
        for (Transport t : Transport.values()) {
            if (t == Transport.UDP) {
                continue;
            }
            Gauge.builder("sip.connections.open", transport, s -> s.openConnections(t))
                    .description("SIP connections open now, by transport")
                    .tag("transport", t.token())
                    .register(registry);
        }
        Gauge.builder("sip.connections.queued.bytes", transport, TransportEvents.State::queuedBytes)
                .description("Bytes written to SIP connections that the peers have not taken yet")
                .register(registry);
    }

    /** The proxy's reporting hook: proxied requests by method and final class, branch outcomes, refusals. */
    public ProxyEvents proxyEvents() {
        return proxy;
    }

    /** Gauges of the proxy's state, read at scrape time. */
    public void watch(IntSupplier activeTransactions, IntSupplier invitesPending) {
        Gauge.builder("sip.proxy.transactions.active", activeTransactions, IntSupplier::getAsInt)
                .description("Proxied requests whose server transaction is in progress (an answered INVITE's "
                        + "stays 32 s to absorb retransmissions)")
                .strongReference(true) // a method reference is held by nothing else: weakly held, it reads NaN
                .register(registry);
        Gauge.builder("sip.proxy.invites.pending", invitesPending, IntSupplier::getAsInt)
                .description("INVITEs forwarded to phones that have no final answer yet: calls being set up")
                .strongReference(true)
                .register(registry);
    }

    /** The SIP guard's reporting hook: messages dropped by reason, failed authentications, bans made. */
    public GuardEvents guardEvents() {
        return guard;
    }

    /** The TLS certificate's reloading: reloads loaded and refused. */
    public TlsEvents tlsEvents() {
        return tls;
    }

    /** The gauge of bans in force, read from the store at scrape time. */
    public void watch(Bans bans, InstantSource clock) {
        Gauge.builder("sip.guard.bans.active", bans, b -> b.count(clock.instant()))
                .description("Bans in force: whole source addresses and users banned from an address")
                .register(registry);
    }

    /** The HTTP server's reporting hook. */
    public RequestObserver httpRequests() {
        return http;
    }

    /** The whole registry in the Prometheus text format ({@link #CONTENT_TYPE}). */
    public byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(32 * 1024);
        try {
            registry.scrape(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }

    /** The guard's counters, one per drop reason and per ban scope, registered once. */
    private final class GuardMeters implements GuardEvents {
        private final Counter[] dropped = new Counter[GuardEvents.Drop.values().length];
        private final Counter failures;
        private final Counter bansOfAddresses;
        private final Counter bansOfUsers;

        GuardMeters() {
            for (GuardEvents.Drop d : GuardEvents.Drop.values()) {
                dropped[d.ordinal()] = Counter.builder("sip.guard.dropped")
                        .description("SIP messages dropped unanswered (or refused 403) by the guard, by reason")
                        .tag("reason", d.label()).register(registry);
            }
            failures = Counter.builder("sip.guard.auth.failures")
                    .description("Failed digest authentications of any request (401 and 407 alike), by any cause")
                    .register(registry);
            bansOfAddresses = Counter.builder("sip.guard.bans").description("Bans made, by scope")
                    .tag("scope", "address").register(registry);
            bansOfUsers = Counter.builder("sip.guard.bans").description("Bans made, by scope")
                    .tag("scope", "user").register(registry);
        }

        @Override
        public void dropped(GuardEvents.Drop reason) {
            dropped[reason.ordinal()].increment();
        }

        @Override
        public void authFailed() {
            failures.increment();
        }

        @Override
        public void banned(boolean wholeAddress) {
            (wholeAddress ? bansOfAddresses : bansOfUsers).increment();
        }
    }

    /** TLS certificate reloads by result; {@code failed} means the old certificate was kept. */
    private final class TlsMeters implements TlsEvents {
        private final Counter ok = Counter.builder("sip.tls.reloads")
                .description("Reloads of the TLS certificate files, by result (failed: the current one was kept)")
                .tag("result", "ok").register(registry);
        private final Counter failed = Counter.builder("sip.tls.reloads")
                .description("Reloads of the TLS certificate files, by result (failed: the current one was kept)")
                .tag("result", "failed").register(registry);

        @Override
        public void tlsReloaded(boolean success) {
            (success ? ok : failed).increment();
        }
    }

    /**
     * Proxied requests by method and final status class, forks per request, branch outcomes, and the
     * requests refused over the transaction cap: arrays indexed by ordinal, filled once.
     */
    private final class ProxyMeters implements ProxyEvents {
        private final Counter[][] answered;
        private final DistributionSummary branches;
        private final Counter[] branchOutcomes;
        private final Counter overCapacity;

        ProxyMeters() {
            ProxyEvents.Method[] methods = ProxyEvents.Method.values();
            answered = new Counter[methods.length][7];
            for (ProxyEvents.Method m : methods) {
                for (int c = 2; c <= 6; c++) {
                    answered[m.ordinal()][c] = Counter.builder("sip.proxy.requests")
                            .description("Proxied requests by method and the class of their final answer upstream")
                            .tag("method", m.label()).tag("status", c + "xx")
                            .register(registry);
                }
            }
            branches = DistributionSummary.builder("sip.proxy.branches")
                    .description("Branches each proxied request was forked to (0: answered by the edge)")
                    .serviceLevelObjectives(0.5, 1, 2, 3, 5, 10) // le=0.5: answered by the edge itself
                    .register(registry);
            BranchOutcome[] outcomes = BranchOutcome.values();
            branchOutcomes = new Counter[outcomes.length];
            for (BranchOutcome o : outcomes) {
                branchOutcomes[o.ordinal()] = Counter.builder("sip.proxy.branch.outcomes")
                        .description("How the branches of proxied requests ended")
                        .tag("outcome", o.label())
                        .register(registry);
            }
            overCapacity = Counter.builder("sip.proxy.refused.capacity")
                    .description("New requests answered 503 because proxy.max-transactions were in progress")
                    .register(registry);
        }

        @Override
        public void requestAnswered(ProxyEvents.Method method, int statusClass, int forks) {
            if (statusClass >= 2 && statusClass <= 6) {
                answered[method.ordinal()][statusClass].increment();
            }
            branches.record(forks);
        }

        @Override
        public void branchEnded(BranchOutcome outcome) {
            branchOutcomes[outcome.ordinal()].increment();
        }

        @Override
        public void refusedOverCapacity() {
            overCapacity.increment();
        }
    }

    /** REGISTER outcomes, auth failures and handling time: arrays indexed by outcome ordinal, filled once. */
    private final class SipMeters implements EdgeEvents {
        private final Counter[] outcomes;
        /** Null where the outcome is not an auth failure. */
        private final Counter[] authFailures;
        private final Timer duration;

        SipMeters() {
            RegisterOutcome[] all = RegisterOutcome.values();
            outcomes = new Counter[all.length];
            authFailures = new Counter[all.length];
            for (RegisterOutcome o : all) {
                outcomes[o.ordinal()] = Counter.builder("sip.register.requests")
                        .description("REGISTER requests answered, by result and reason")
                        .tag("result", o.result().label())
                        .tag("reason", o.reason())
                        .register(registry);
                if (o.isAuthFailure()) {
                    authFailures[o.ordinal()] = Counter.builder("sip.auth.failures")
                            .description("Digest credentials refused, by reason (answered like a first challenge)")
                            .tag("reason", o.reason())
                            .register(registry);
                }
            }
            duration = Timer.builder("sip.register.duration")
                    .description("Time from a REGISTER reaching the handler to its answer going to the transport")
                    .serviceLevelObjectives(REGISTER_BUCKETS)
                    .register(registry);
        }

        @Override
        public void registerHandled(RegisterOutcome outcome, long elapsedNanos) {
            int i = outcome.ordinal();
            outcomes[i].increment();
            Counter auth = authFailures[i];
            if (auth != null) {
                auth.increment();
            }
            duration.record(elapsedNanos, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Connections opened, and refused or closed by reason, and UDP datagrams dropped: counters picked
     * by ordinal, filled once.
     */
    private final class ConnectionMeters implements TransportEvents {
        private final Counter[] opened = new Counter[Transport.values().length];
        private final Counter[][] ended = new Counter[Transport.values().length][ConnectionEnd.values().length];
        private final Counter[][] refused =
                new Counter[Transport.values().length][WebSocketRefusal.values().length];
        private final Counter[] flowsLost = new Counter[Transport.values().length];
        private final Counter[] datagramsDropped = new Counter[DatagramDrop.values().length];

        ConnectionMeters() {
            for (DatagramDrop d : DatagramDrop.values()) {
                datagramsDropped[d.ordinal()] = Counter.builder("sip.udp.datagrams.dropped")
                        .description("UDP datagrams dropped, received or being sent, by reason")
                        .tag("reason", d.label())
                        .register(registry);
            }
            for (Transport t : Transport.values()) {
                if (t == Transport.UDP) {
                    continue;
                }
                opened[t.ordinal()] = Counter.builder("sip.connections.opened")
                        .description("SIP connections accepted, by transport")
                        .tag("transport", t.token())
                        .register(registry);
                for (ConnectionEnd e : ConnectionEnd.values()) {
                    ended[t.ordinal()][e.ordinal()] = Counter.builder("sip.connections.ended")
                            .description("SIP connections refused at accept or closed, by transport and reason")
                            .tag("transport", t.token())
                            .tag("reason", e.label())
                            .register(registry);
                }
                flowsLost[t.ordinal()] = Counter.builder("sip.flows.closed.with.bindings")
                        .description("Connections that closed while bindings used them, by transport")
                        .tag("transport", t.token())
                        .register(registry);
                if (!t.webSocket()) {
                    continue;
                }
                for (WebSocketRefusal r : WebSocketRefusal.values()) {
                    refused[t.ordinal()][r.ordinal()] = Counter.builder("sip.ws.handshakes.refused")
                            .description("WebSocket handshakes refused, by transport and reason")
                            .tag("transport", t.token())
                            .tag("reason", r.label())
                            .register(registry);
                }
            }
        }

        @Override
        public void connectionOpened(Transport transport) {
            opened[transport.ordinal()].increment();
        }

        @Override
        public void connectionEnded(Transport transport, ConnectionEnd why) {
            ended[transport.ordinal()][why.ordinal()].increment();
        }

        @Override
        public void webSocketRefused(Transport transport, WebSocketRefusal why) {
            refused[transport.ordinal()][why.ordinal()].increment();
        }

        @Override
        public void flowClosedWithBindings(Transport transport) {
            flowsLost[transport.ordinal()].increment();
        }

        @Override
        public void datagramDropped(DatagramDrop why) {
            datagramsDropped[why.ordinal()].increment();
        }
    }

    /** Bindings removed, by why: one counter per reason, picked by ordinal. */
    private final class RemovalMeters implements BindingListener {
        private final Counter[] removed = new Counter[Removal.values().length];

        RemovalMeters() {
            for (Removal r : Removal.values()) {
                removed[r.ordinal()] = Counter.builder("sip.bindings.removed")
                        .description("Bindings removed from the location store, by reason")
                        .tag("reason", r.name().toLowerCase(Locale.ROOT))
                        .register(registry);
            }
        }

        @Override
        public void removed(Aor aor, Binding binding, Removal why) {
            removed[why.ordinal()].increment();
        }
    }

    /**
     * The edge's keepalive probes by kind and transport: counters for each transport a kind probes
     * over, filled once; any other pair is never reported and counts nothing.
     */
    private final class KeepaliveMeters implements KeepaliveEvents {
        private final Counter[][] sent = table();
        private final Counter[][] answered = table();
        private final Counter[][] unanswered = table();
        private final Counter[][] failures = table();

        KeepaliveMeters() {
            for (Kind k : Kind.values()) {
                for (Transport t : k.transports()) {
                    sent[k.ordinal()][t.ordinal()] = counter("sip.keepalive.probes.sent",
                            "Keepalive probes the edge sent", k, t);
                    answered[k.ordinal()][t.ordinal()] = counter("sip.keepalive.probes.answered",
                            "Keepalive probes answered (any response)", k, t);
                    unanswered[k.ordinal()][t.ordinal()] = counter("sip.keepalive.probes.unanswered",
                            "Keepalive probes that got no answer in time", k, t);
                    failures[k.ordinal()][t.ordinal()] = counter("sip.keepalive.failures",
                            "Flows given up after too many unanswered probes in a row (their bindings removed)", k, t);
                }
            }
        }

        private static Counter[][] table() {
            return new Counter[Kind.values().length][Transport.values().length];
        }

        private Counter counter(String name, String description, Kind kind, Transport transport) {
            return Counter.builder(name).description(description).tag("kind", kind.label())
                    .tag("transport", transport.token()).register(registry);
        }

        private static void increment(Counter[][] table, Kind kind, Transport transport) {
            Counter c = table[kind.ordinal()][transport.ordinal()];
            if (c != null) {
                c.increment();
            }
        }

        @Override
        public void probeSent(Kind kind, Transport transport) {
            increment(sent, kind, transport);
        }

        @Override
        public void probeAnswered(Kind kind, Transport transport) {
            increment(answered, kind, transport);
        }

        @Override
        public void probeUnanswered(Kind kind, Transport transport) {
            increment(unanswered, kind, transport);
        }

        @Override
        public void failed(Kind kind, Transport transport) {
            increment(failures, kind, transport);
        }
    }

    /**
     * HTTP requests by method, route template and status. The operator API is not a hot path, so
     * timers are looked up per request (in a small map, the label set is bounded: the route table
     * times the status codes the API answers).
     */
    private final class HttpMeters implements RequestObserver {
        private record Key(String method, String route, int status) {
        }

        private final Map<Key, Timer> timers = new ConcurrentHashMap<>();

        @Override
        public void answered(String method, String route, int status, long elapsedNanos) {
            timers.computeIfAbsent(new Key(method, route, status), k -> Timer.builder("http.server.requests")
                    .description("Operator API requests answered, by method, route template and status")
                    .tag("method", k.method())
                    .tag("route", k.route())
                    .tag("status", Integer.toString(k.status()))
                    .register(registry)).record(elapsedNanos, TimeUnit.NANOSECONDS);
        }
    }
}
