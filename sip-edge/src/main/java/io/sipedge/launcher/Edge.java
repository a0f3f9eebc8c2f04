package io.sipedge.launcher;

import io.sipedge.directory.Directory;
import io.sipedge.directory.file.FileDirectory;
import io.sipedge.http.api.Api;
import io.sipedge.http.api.ApiContext;
import io.sipedge.http.api.Handler;
import io.sipedge.http.api.PasswordResets;
import io.sipedge.http.api.ProvisioningSettings;
import io.sipedge.http.auth.TokenService;
import io.sipedge.http.auth.UserSessions;
import io.sipedge.http.metrics.EdgeMetrics;
import io.sipedge.http.routing.Router;
import io.sipedge.http.server.HttpServer;
import io.sipedge.location.ExpiryReaper;
import io.sipedge.location.InMemoryLocationStore;
import io.sipedge.location.LocationStore;
import io.sipedge.location.file.BindingJournal;
import io.sipedge.model.Aor;
import io.sipedge.observe.EdgeEvents;
import io.sipedge.observe.GuardEvents;
import io.sipedge.observe.ProxyEvents;
import io.sipedge.observe.KeepaliveEvents;
import io.sipedge.observe.TlsEvents;
import io.sipedge.observe.TransportEvents;
import io.sipedge.security.Bans;
import io.sipedge.sip.auth.DigestAuthenticator;
import io.sipedge.sip.auth.NonceService;
import io.sipedge.sip.dispatch.Dispatcher;
import io.sipedge.sip.guard.Guard;
import io.sipedge.sip.keepalive.Qualifier;
import io.sipedge.sip.keepalive.ResponseSink;
import io.sipedge.sip.proxy.Proxy;
import io.sipedge.sip.registrar.Registrar;
import io.sipedge.sip.registrar.RegistrarPolicy;
import io.sipedge.sip.transport.ReloadingTls;
import io.sipedge.sip.transport.TlsMaterial;
import io.sipedge.sip.transport.Transports;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: config → stores → SIP stack and HTTP sidecar in one process. Both sides get
 * the same Directory and LocationStore objects and meet nowhere else.
 */
public final class Edge implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Edge.class);
    /** The subdirectory of the data directory that holds the bindings. */
    static final String BINDINGS = "bindings";

    private final FileDirectory directory;
    private final InMemoryLocationStore locations;
    private final BindingJournal journal;
    private final ExpiryReaper reaper;
    /** The configured certificate files, followed for changes; null with the self-signed default or no TLS. */
    private final ReloadingTls tlsFiles;
    private final FlowCloser flowCloser;
    private final Qualifier qualifier;
    private final Proxy proxy;
    private final Transports sip;
    private final HttpServer http;
    /** The operator API's own listener, or null when it shares {@link #http}. */
    private final HttpServer admin;
    private final EdgeMetrics metrics;
    private final Dispatcher dispatcher;
    private final EdgeConfig.Lifecycle lifecycle;
    /** False from the start of shutdown: /readyz then says not ready while the edge drains and closes. */
    private final AtomicBoolean serving;

    private Edge(FileDirectory directory, InMemoryLocationStore locations, BindingJournal journal, ExpiryReaper reaper,
                 ReloadingTls tlsFiles, FlowCloser flowCloser, Qualifier qualifier, Proxy proxy, Transports sip,
                 HttpServer http, HttpServer admin, EdgeMetrics metrics, Dispatcher dispatcher,
                 EdgeConfig.Lifecycle lifecycle, AtomicBoolean serving) {
        this.directory = directory;
        this.locations = locations;
        this.journal = journal;
        this.dispatcher = dispatcher;
        this.lifecycle = lifecycle;
        this.reaper = reaper;
        this.tlsFiles = tlsFiles;
        this.flowCloser = flowCloser;
        this.qualifier = qualifier;
        this.proxy = proxy;
        this.sip = sip;
        this.http = http;
        this.admin = admin;
        this.metrics = metrics;
        this.serving = serving;
    }

    /** Starts everything; on failure, closes what was started and rethrows. */
    public static Edge start(EdgeConfig cfg, InstantSource clock) throws Exception {
        Path data = cfg.dataDir();
        Files.createDirectories(data);
        // The lock first: a start that is refused must not write anything into the data directory.
        FileDirectory directory = FileDirectory.open(data, clock);
        InMemoryLocationStore locations = new InMemoryLocationStore();
        BindingJournal journal = null;
        ExpiryReaper reaper = null;
        ReloadingTls tlsFiles = null;
        FlowCloser flowCloser = null;
        Qualifier qualifier = null;
        Proxy proxy = null;
        Transports sip = null;
        HttpServer http = null;
        HttpServer admin = null;
        EdgeMetrics metrics = null;
        try {
            byte[] adminKeyHash = AdminKey.ensure(data, cfg.adminKey());
            if (!cfg.adminKey().isEmpty() && cfg.adminKey().length() < AdminKey.RECOMMENDED_MIN_LENGTH) {
                log.warn("admin-key is shorter than {} characters: anyone who guesses it owns the operator API",
                        AdminKey.RECOMMENDED_MIN_LENGTH);
            }
            directory.addListener(new BindingCleanup(locations, clock));
            // Lookups already ignore lapsed bindings; the reaper frees them and tells listeners (metrics,
            // status). Every 5 s: each pass walks every AOR, which at a million AORs is not free.
            reaper = new ExpiryReaper(locations, clock, Duration.ofSeconds(5));
            NonceService nonces = new NonceService(Duration.ofSeconds(cfg.nonceTtl()));
            // Metrics exist to be scraped over HTTP; without it there is nothing to count for. Before SIP
            // starts: the per-transport binding counts must see every binding from the first.
            if (cfg.httpPort() >= 0) {
                metrics = new EdgeMetrics(locations);
            }

            Supplier<SSLContext> tls = null;
            if (cfg.sipTlsPort() >= 0 || cfg.webSockets().tlsPort() >= 0) { // WSS serves the TLS certificate
                if (cfg.tlsKeystore().isEmpty() && cfg.tlsCertificate().isEmpty()) {
                    SSLContext selfSigned = TlsMaterial.selfSigned(data).context();
                    tls = () -> selfSigned;
                } else {
                    tlsFiles = followConfiguredTls(cfg, clock,
                            metrics == null ? TlsEvents.NONE : metrics.tlsEvents());
                    tls = tlsFiles;
                }
            }
            Bans bans = new Bans(cfg.security().maxBans());
            Guard guard = new Guard(cfg.security(), bans, clock,
                    metrics == null ? GuardEvents.NONE : metrics.guardEvents());
            DigestAuthenticator authenticator = new DigestAuthenticator(directory, nonces, cfg.digestAlgorithms(),
                    guard);
            Registrar registrar = new Registrar(directory, locations, authenticator,
                    new RegistrarPolicy(cfg.minExpires(), cfg.maxExpires(), cfg.defaultExpires(), cfg.maxContacts(),
                            cfg.maxContactsPolicy(), cfg.keepalive().flowTimerSeconds(), cfg.expiresSpread()));
            EdgeConfig.Keepalive keepalive = cfg.keepalive();
            KeepaliveEvents keepaliveEvents = metrics == null ? KeepaliveEvents.NONE : metrics.keepaliveEvents();
            if (keepalive.qualifyIntervalSeconds() > 0) {
                // Following the store before SIP starts, like the metrics: it must see every binding.
                qualifier = Qualifier.watch(locations, new Qualifier.Settings(keepalive.qualifyIntervalSeconds(),
                        keepalive.qualifyMisses(), Qualifier.MAX_PROBES_PER_TICK), clock, keepaliveEvents);
            }
            proxy = new Proxy(directory, locations, authenticator, clock,
                    metrics == null ? ProxyEvents.NONE : metrics.proxyEvents(),
                    new Proxy.Settings(cfg.proxy().maxTransactions(), cfg.proxy().ringingTimeoutSeconds(),
                            cfg.proxy().lingerSeconds(), cfg.proxy().trustedPeers(), advertisedHost(cfg)));
            Dispatcher dispatcher = new Dispatcher(registrar, clock,
                    metrics == null ? EdgeEvents.NONE : metrics.sipEvents(), cfg.registerFastPath(),
                    qualifier == null ? ResponseSink.NONE : qualifier, proxy, guard,
                    cfg.lifecycle().retryAfterSeconds());
            // The edge's id before its flows exist: restored UDP bindings are reached by this instance.
            String edgeId = UUID.randomUUID().toString();
            EdgeConfig.Lifecycle lifecycle = cfg.lifecycle();
            if (lifecycle.persistBindings()) {
                // Before any listener opens, after every listener of the store (metrics, qualify) is on.
                journal = BindingJournal.open(bindingsDir(data), locations, clock,
                        Duration.ofMillis(lifecycle.persistIntervalMs()), edgeId, aor -> provisioned(directory, aor));
                BindingJournal.Restored r = journal.restored();
                log.info("bindings restored: {} of {} AORs in {} ms ({} expired, {} gone with their connection, "
                                + "{} of devices no longer enabled, {} torn records skipped)", r.bindings(), r.aors(),
                        r.took().toMillis(), r.expired(), r.droppedWithFlow(), r.unprovisioned(), r.tornRecords());
            }
            EdgeConfig.Connections conn = cfg.connections();
            TransportEvents transportEvents = metrics == null ? TransportEvents.NONE : metrics.transportEvents();
            flowCloser = new FlowCloser(locations, transportEvents, conn.max());
            sip = Transports.start(edgeId, new Transports.Settings(cfg.sipAddress(), cfg.sipPort(), cfg.sipTlsPort(), tls,
                    cfg.maxMessageSize(), cfg.readTimeoutMs(), cfg.tlsHandshakeTimeoutMs(), cfg.sipWorkers(),
                    cfg.udpReadersPerSocket(),
                    conn.eventLoops(), conn.max(), conn.maxPerIp(), conn.idleTimeoutMs(), conn.sendQueueBytes(), conn.writeTimeoutMs(),
                    conn.listenBacklog(), cfg.webSockets().port(), cfg.webSockets().tlsPort(),
                    cfg.webSockets().allowedOrigins(), cfg.webSockets().pingIntervalSeconds() * 1000,
                    cfg.webSockets().pingMisses()), dispatcher,
                    transportEvents, keepaliveEvents, flowCloser);
            proxy.start(sip);
            if (metrics != null) {
                metrics.watch(sip);
                metrics.watch(proxy::activeTransactions, proxy::invitesPending);
                metrics.watch(bans, clock);
            }
            if (qualifier != null) {
                qualifier.start(sip::send, sentBy(advertisedHost(cfg), sip.port()));
            }
            AtomicBoolean serving = new AtomicBoolean(true);
            if (cfg.httpPort() >= 0) {
                Transports sipRef = sip;
                TokenService tokens = new TokenService(clock, Duration.ofSeconds(cfg.apiTokenTtl()));
                String stun = cfg.apiStun();
                int colon = stun.lastIndexOf(':');
                HttpServer[] bound = new HttpServer[1];
                ProvisioningSettings prov = new ProvisioningSettings(cfg.provisioningPublicUrl(),
                        advertisedHost(cfg), cfg.provisioningSipPort() > 0 ? cfg.provisioningSipPort() : sip.port(),
                        sip.tlsPort() <= 0 ? -1
                                : cfg.provisioningSipTlsPort() > 0 ? cfg.provisioningSipTlsPort() : sip.tlsPort(),
                        Duration.ofSeconds(cfg.provisioningTokenTtl()), Duration.ofSeconds(cfg.provisioningAuthTokenTtl()),
                        cfg.digestAlgorithms(), () -> bound[0] == null ? cfg.httpPort() : bound[0].port());
                ApiContext api = new ApiContext(directory, locations, clock, tokens, adminKeyHash,
                        cfg.apiSipProxy().isEmpty() ? null : cfg.apiSipProxy(),
                        stun.isEmpty() ? null : stun.substring(0, colon),
                        stun.isEmpty() ? 0 : Integer.parseInt(stun.substring(colon + 1)),
                        () -> readiness(cfg, sipRef, serving), metrics::scrape, prov, bans,
                        new UserSessions(clock, Duration.ofSeconds(cfg.apiUserTokenTtl()),
                                Duration.ofSeconds(cfg.apiUserRefreshTtl())));
                // With an admin listener, the public one serves only what phones and their users fetch;
                // each listener has its own connection caps and client guard, and both share the
                // tokens and the stores (README, "A separate admin listener").
                EdgeConfig.PasswordReset reset = cfg.passwordReset();
                PasswordResets resets = new PasswordResets(reset.callbackUrls(), Duration.ofSeconds(reset.tokenTtl()),
                        cfg.mail().enabled() ? new SmtpMailer(cfg.mail()) : null);
                Router<Handler> all = Api.router(api, resets);
                boolean split = cfg.httpAdminPort() >= 0;
                http = HttpServer.start(new HttpServer.Settings(cfg.httpAddress(), cfg.httpPort(),
                        cfg.httpMaxBodySize(), cfg.httpWorkerThreads(), cfg.httpClients()),
                        split ? Api.publicRoutes(all) : all, tokens, metrics.httpRequests());
                bound[0] = http;
                if (split) {
                    admin = HttpServer.start(new HttpServer.Settings(cfg.httpAdminAddress(), cfg.httpAdminPort(),
                            cfg.httpMaxBodySize(), cfg.httpWorkerThreads(), cfg.httpClients()), all, tokens,
                            metrics.httpRequests());
                }
                log.info("provisioning links start with {}", prov.baseUrl());
            }
            Edge edge = new Edge(directory, locations, journal, reaper, tlsFiles, flowCloser, qualifier, proxy, sip, http,
                    admin, metrics, dispatcher, lifecycle, serving);
            // Tests parse this line (ChildEdge): the admin listener is appended only when there is one.
            log.info("sip-edge listening: SIP udp+tcp {}:{}, tls {}, ws {}, wss {}, http {}{}; data in {}",
                    cfg.sipAddress(), sip.port(), listening(cfg.sipAddress(), sip.tlsPort()),
                    listening(cfg.sipAddress(), sip.wsPort()), listening(cfg.sipAddress(), sip.wssPort()),
                    http != null ? cfg.httpAddress() + ":" + http.port() : "off",
                    admin != null ? ", admin " + cfg.httpAdminAddress() + ":" + admin.port() : "",
                    data.toAbsolutePath());
            return edge;
        } catch (Exception | Error e) {
            closeAll(http, admin, qualifier, sip, tlsFiles, proxy, flowCloser, journal, reaper, metrics, directory);
            throw e;
        }
    }

    private static String listening(String address, int port) {
        return port > 0 ? address + ":" + port : "off";
    }

    /**
     * The host phones are told to register at: the configured one, else the SIP address, else (a
     * wildcard) this machine's first non-loopback IPv4 address, else loopback.
     */
    static String advertisedHost(EdgeConfig cfg) {
        if (!cfg.provisioningSipHost().isEmpty()) {
            return cfg.provisioningSipHost();
        }
        String a = cfg.sipAddress();
        if (!a.equals("0.0.0.0") && !a.equals("::") && !a.equals("[::]")) {
            return a;
        }
        try {
            for (java.net.NetworkInterface ni : java.util.Collections.list(
                    java.net.NetworkInterface.getNetworkInterfaces())) {
                if (!ni.isUp() || ni.isLoopback()) {
                    continue;
                }
                for (java.net.InetAddress ia : java.util.Collections.list(ni.getInetAddresses())) {
                    if (ia instanceof java.net.Inet4Address && !ia.isLoopbackAddress() && !ia.isLinkLocalAddress()) {
                        return ia.getHostAddress();
                    }
                }
            }
        } catch (java.net.SocketException e) {
            log.debug("listing interfaces: {}", e.toString());
        }
        return "127.0.0.1";
    }

    /** A Via sent-by: an IPv6 literal in brackets (RFC 3261 §25.1). */
    static String sentBy(String host, int port) {
        return (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }

    /**
     * Ready while not draining, with every configured SIP listener bound. The stores (directory and
     * bindings) are loaded before anything listens, so a listener that answers found them loaded.
     */
    private static Map<String, Boolean> readiness(EdgeConfig cfg, Transports sip, AtomicBoolean serving) {
        Map<String, Boolean> m = new LinkedHashMap<>();
        m.put("serving", serving.get());
        m.put("stores", true);
        m.put("sip", sip.port() > 0);
        if (cfg.sipTlsPort() >= 0) {
            m.put("tls", sip.tlsPort() > 0);
        }
        if (cfg.webSockets().port() >= 0) {
            m.put("ws", sip.wsPort() > 0);
        }
        if (cfg.webSockets().tlsPort() >= 0) {
            m.put("wss", sip.wssPort() > 0);
        }
        return m;
    }

    static Path bindingsDir(Path dataDir) {
        return dataDir.resolve(BINDINGS);
    }

    /** An AOR whose device is still there and enabled: only its bindings are restored. */
    private static boolean provisioned(Directory directory, Aor aor) {
        return directory.tenantByDomain(aor.domain())
                .flatMap(t -> directory.deviceByUsername(t.id(), aor.user()))
                .map(d -> d.enabled())
                .orElse(false);
    }

    /**
     * The configured keystore or PEM pair, loaded now (a failure stops the start, naming the key at
     * fault) and then reloaded when the files change or on SIGHUP.
     */
    private static ReloadingTls followConfiguredTls(EdgeConfig cfg, InstantSource clock, TlsEvents events) {
        List<Path> files;
        Supplier<TlsMaterial.Loaded> loader;
        if (!cfg.tlsKeystore().isEmpty()) {
            Path keystore = Path.of(cfg.tlsKeystore());
            String password = cfg.tlsKeystorePassword();
            files = List.of(keystore);
            loader = () -> TlsMaterial.load(keystore, password.toCharArray());
        } else {
            Path certificate = Path.of(cfg.tlsCertificate());
            Path key = Path.of(cfg.tlsPrivateKey());
            files = List.of(certificate, key);
            loader = () -> TlsMaterial.pem(certificate, key);
        }
        try {
            return ReloadingTls.start(loader, files, Duration.ofSeconds(cfg.tlsReloadSeconds()), true, clock, events);
        } catch (TlsMaterial.TlsException e) {
            Path at = e.file();
            String key = !cfg.tlsKeystore().isEmpty() ? EdgeConfig.TLS_KEYSTORE.key()
                    : at != null && at.equals(Path.of(cfg.tlsCertificate())) ? EdgeConfig.TLS_CERTIFICATE.key()
                    : EdgeConfig.TLS_PRIVATE_KEY.key();
            throw new ConfigException(key, e.getMessage());
        }
    }

    public Directory directory() {
        return directory;
    }

    public LocationStore locations() {
        return locations;
    }

    /** The SIP transport: its flows are how the edge reaches a registered phone. */
    public Transports transports() {
        return sip;
    }

    /** The UDP and TCP port bound. */
    public int sipPort() {
        return sip.port();
    }

    /** The TLS port bound, or -1. */
    public int sipTlsPort() {
        return sip.tlsPort();
    }

    /** The (public) HTTP port bound, or -1. */
    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    /**
     * The start of a graceful stop (SIGTERM): /readyz says 503 at once, new out-of-dialog requests
     * get 503 with Retry-After, and the proxy's transactions in progress get up to the drain time
     * to finish. {@link #close} follows.
     *
     * @return how many transactions were still in progress when the drain ended
     */
    public int drain() {
        serving.set(false);
        dispatcher.drain();
        long deadline = System.nanoTime() + Duration.ofSeconds(lifecycle.drainSeconds()).toNanos();
        log.info("draining: new requests get 503 for up to {} s while {} transaction(s) finish",
                lifecycle.drainSeconds(), proxy.activeTransactions());
        while (proxy.activeTransactions() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return proxy.activeTransactions();
    }

    /** True until a drain or close begins. */
    public boolean serving() {
        return serving.get();
    }

    /** The bindings journal, or null when bindings are not persisted. */
    public BindingJournal journal() {
        return journal;
    }

    /** The admin listener's port bound, or -1 when the operator API is on {@link #httpPort()}. */
    public int adminPort() {
        return admin == null ? -1 : admin.port();
    }

    @Override
    public void close() {
        serving.set(false);
        closeAll(http, admin, qualifier, sip, tlsFiles, proxy, flowCloser, journal, reaper, metrics, directory);
    }

    /**
     * Shutdown order: front doors first (qualify sends through SIP, so it stops before it), then
     * timers and metrics, then the durable store. Nulls were never started.
     */
    private static void closeAll(HttpServer http, HttpServer admin, Qualifier qualifier, Transports sip,
                                 ReloadingTls tlsFiles, Proxy proxy, FlowCloser flowCloser, BindingJournal journal,
                                 ExpiryReaper reaper, EdgeMetrics metrics, FileDirectory directory) {
        if (http != null) {
            http.close();
        }
        if (admin != null) {
            admin.close();
        }
        if (qualifier != null) {
            qualifier.close();
        }
        if (sip != null) {
            sip.close();
        }
        if (tlsFiles != null) {
            tlsFiles.close();
        }
        if (proxy != null) {
            proxy.close(); // its timers send through SIP: no further message goes out once it is closed
        }
        if (flowCloser != null) {
            flowCloser.close(); // after the transport: the closes of its last connections still run
        }
        if (journal != null) {
            journal.close(); // once nothing changes the store any more: the files hold every binding
        }
        if (reaper != null) {
            reaper.close();
        }
        if (metrics != null) {
            metrics.close();
        }
        directory.close();
    }
}
