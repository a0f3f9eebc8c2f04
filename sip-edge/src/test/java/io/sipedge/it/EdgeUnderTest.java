package io.sipedge.it;

import io.sipedge.directory.DeviceSpec;
import io.sipedge.directory.Directory;
import io.sipedge.launcher.Edge;
import io.sipedge.launcher.EdgeConfig;
import io.sipedge.location.LocationStore;
import io.sipedge.model.Device;
import io.sipedge.model.Tenant;
import io.sipedge.testing.MutableClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The whole edge, in this JVM, on loopback with every port ephemeral, a fresh data directory and a
 * clock the test moves. Close it when done.
 */
public final class EdgeUnderTest implements AutoCloseable {
    public static final String DOMAIN = "example.com";
    /** The operator API's admin key in every in-process test edge. */
    public static final String ADMIN_KEY = "test-admin-key-for-the-operator-api";

    private final Path dataDir;
    private final MutableClock clock;
    private final Edge edge;

    private EdgeUnderTest(Path dataDir, MutableClock clock, Edge edge) {
        this.dataDir = dataDir;
        this.clock = clock;
        this.edge = edge;
    }

    /** Challenges with both algorithms (the default is MD5 alone), for tests of SHA-256 or of the two. */
    public static final String BOTH_DIGESTS = "registrar.digest-algorithms=MD5,SHA-256";

    /**
     * Starts with defaults plus {@code --set} style overrides, e.g. "registrar.max-contacts=2". The
     * guard's allowlist holds 127.0.0.1, where every test client but the guard's own sends from: the
     * tests' wrong passwords and bursts must not ban each other. Tests of the guard send from other
     * loopback addresses (127.0.0.2 and up), or override the allowlist. The whole API is on
     * {@link #httpPort()} (no admin listener) unless a test sets {@code http.admin-port}.
     */
    public static EdgeUnderTest start(String... sets) throws Exception {
        Path data = Files.createTempDirectory("sip-edge-it");
        List<String> all = new ArrayList<>(List.of("sip.address=127.0.0.1", "sip.port=0", "sip.tls-port=0",
                "sip.ws-port=0", "sip.wss-port=0",
                "http.address=127.0.0.1", "http.port=0", "http.admin-port=-1", "data-dir=" + data,
                "admin-key=" + ADMIN_KEY,
                "security.allowlist=127.0.0.1"));
        all.addAll(List.of(sets));
        EdgeConfig cfg = EdgeConfig.load(null, Map.of(), all);
        MutableClock clock = MutableClock.atNow();
        return new EdgeUnderTest(data, clock, Edge.start(cfg, clock));
    }

    public Tenant tenant(String domain, boolean md5Only) {
        return directory().tenantByDomain(domain).orElseGet(() -> directory().createTenant(domain, domain, md5Only));
    }

    /** Provisions {@code user} with {@code password} in {@code domain} (creating the tenant as needed). */
    public Device user(String domain, String user, String password) {
        return user(domain, user, null, password);
    }

    public Device user(String domain, String user, String authUser, String password) {
        Tenant t = tenant(domain, false);
        return directory().createDevice(t.id(), new DeviceSpec(user, authUser, password, true));
    }

    /** A scrape of this edge's {@code /metrics}, which must answer 200. */
    public io.sipedge.testing.PrometheusText metrics() throws Exception {
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + httpPort() + "/metrics"))
                        .timeout(java.time.Duration.ofSeconds(15)).GET().build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError("GET /metrics: " + r.statusCode() + " " + r.body());
        }
        return io.sipedge.testing.PrometheusText.parse(r.body());
    }

    /** A client of this edge's operator API. */
    public ApiClient api() {
        return new ApiClient(httpPort());
    }

    public Directory directory() {
        return edge.directory();
    }

    public LocationStore locations() {
        return edge.locations();
    }

    public MutableClock clock() {
        return clock;
    }

    /** The SIP transport: sends on a binding's flow. */
    public io.sipedge.sip.transport.Transports transports() {
        return edge.transports();
    }

    public int sipPort() {
        return edge.sipPort();
    }

    public int sipTlsPort() {
        return edge.sipTlsPort();
    }

    public int httpPort() {
        return edge.httpPort();
    }

    /** The admin listener's port, or -1 when the operator API is on {@link #httpPort()}. */
    public int adminPort() {
        return edge.adminPort();
    }

    public Path dataDir() {
        return dataDir;
    }

    @Override
    public void close() throws IOException {
        edge.close();
        try (Stream<Path> s = Files.walk(dataDir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
