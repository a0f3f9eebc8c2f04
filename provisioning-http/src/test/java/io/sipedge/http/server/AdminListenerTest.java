package io.sipedge.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sipedge.directory.file.FileDirectory;
import io.sipedge.http.api.Api;
import io.sipedge.http.api.ApiContext;
import io.sipedge.http.api.Handler;
import io.sipedge.http.auth.Secrets;
import io.sipedge.http.auth.TokenService;
import io.sipedge.http.metrics.EdgeMetrics;
import io.sipedge.http.routing.Route;
import io.sipedge.http.routing.Router;
import io.sipedge.location.InMemoryLocationStore;
import io.sipedge.testing.MutableClock;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The public and the admin listener as the launcher starts them when {@code http.admin-port} is
 * set: two servers over one route table, the public one with {@link Api#publicRoutes} only, sharing
 * the token service and the stores, each on its own ephemeral loopback port.
 */
class AdminListenerTest {
    private static final String ADMIN_KEY = "admin-key-for-listener-tests";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path data;

    private final MutableClock clock = MutableClock.atNow();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private FileDirectory directory;
    private EdgeMetrics metrics;
    private Router<Handler> all;
    private HttpServer publicServer;
    private HttpServer adminServer;

    @BeforeEach
    void start() throws Exception {
        directory = FileDirectory.open(data, clock);
        InMemoryLocationStore locations = new InMemoryLocationStore();
        metrics = new EdgeMetrics(locations);
        TokenService tokens = new TokenService(clock, Duration.ofHours(1));
        ApiContext ctx = new ApiContext(directory, locations, clock, tokens, Secrets.sha256(ADMIN_KEY), null, null, 0,
                () -> Map.of("sip", true), metrics::scrape);
        all = Api.router(ctx);
        publicServer = HttpServer.start(new HttpServer.Settings("127.0.0.1", 0, 65_536, 2), Api.publicRoutes(all),
                tokens, metrics.httpRequests());
        adminServer = HttpServer.start(new HttpServer.Settings("127.0.0.1", 0, 65_536, 2), all, tokens,
                metrics.httpRequests());
    }

    @AfterEach
    void stop() {
        if (adminServer != null) {
            adminServer.close();
        }
        if (publicServer != null) {
            publicServer.close();
        }
        metrics.close();
        directory.close();
    }

    /**
     * The whole public surface, spelled out: a route added to the table without
     * {@code onPublicListener()} stays on the admin listener, and one that is marked shows up here.
     */
    @Test
    void thePublicListenerServesExactlyWhatPhonesUsersAndLoadBalancersFetch() {
        TreeSet<String> served = new TreeSet<>();
        for (Route<Handler> r : Api.publicRoutes(all).routes()) {
            served.add(r.method() + " " + r.pattern().template());
        }
        assertEquals(new TreeSet<>(List.of(
                "GET /api/auth/callback/microsoft", "POST /api/auth/sign_in/microsoft", "POST /api/auth/token",
                "POST /api/login/by_microsoft",
                "GET /healthz",
                "GET /readyz",
                "POST /api/auth/forget_password", // users' own routes (issue 17): users are on the public side
                "POST /api/auth/reset_password",
                // users sign in (issue 17): users are not operators
                "POST /api/auth/sign_in",
                "POST /api/auth/refresh_token",
                "POST /api/auth/sign_out",
                "GET /api/auth/user",
                "POST /api/login",
                "GET /api/login",
                "POST /api/logout",
                "GET /api/info",
                "GET /api/me/devices", // a signed-in user's own devices (issue 17)
                "POST /api/me/devices/{device}/provisioning_token",
                "GET /api/me/devices/{device}/qrcode",
                "GET /portal", // the users' self-service page and its files (issue 17)
                "GET /portal/{asset}",
                "GET /provisioning",
                "GET /provisioning/me",
                "GET /provisioning/{token}",
                "GET /provisioning/qrcode/{token}",
                "GET /provisioning/auth_token/{auth_token}")), served);
    }

    @Test
    void operatorRoutesAre404OnThePublicListenerEvenWithAValidTokenAndWorkOnTheAdminOne() throws Exception {
        String token = adminToken();
        assertEquals(200, call(adminServer, "GET", "/v2/accounts", token, null).statusCode());

        JsonNode unknown = body(call(publicServer, "GET", "/no/such/path", null, null));
        for (String[] c : new String[][] {
                {"GET", "/v2/accounts"}, {"HEAD", "/v2/accounts"}, {"PUT", "/v2/accounts"},
                {"PUT", "/v2/api_auth"}, {"GET", "/v2/security/bans"}, {"DELETE", "/v2/security/bans/192.0.2.1"},
                {"GET", "/v2/accounts/a1/devices/d1/status"}, {"GET", "/v2/accounts/a1/devices/d1/qrcode"},
                {"GET", "/v2/accounts/a1/users"}, {"PUT", "/v2/accounts/a1/users"}, {"GET", "/v2/accounts/a1/users/u1/devices"},
                {"GET", "/metrics"}, {"GET", "/openapi.json"}}) {
            HttpResponse<String> r = call(publicServer, c[0], c[1], token, c[0].equals("PUT") ? "{\"data\":{}}" : null);
            // Not 401, 403 or 405: the public side answers exactly as for a path that never existed.
            assertEquals(404, r.statusCode(), c[0] + " " + c[1]);
            if (!c[0].equals("HEAD")) {
                JsonNode b = body(r);
                assertEquals(unknown.get("error"), b.get("error"), c[1]);
                assertEquals(unknown.get("message"), b.get("message"), c[1]);
                assertEquals(unknown.get("data"), b.get("data"), c[1]);
                assertEquals("", b.get("auth_token").asText(), "the token is not echoed: " + c[1]);
            }
        }
    }

    @Test
    void metricsAndOpenApiAreOnTheAdminListenerAndHealthOnBoth() throws Exception {
        HttpResponse<String> m = call(adminServer, "GET", "/metrics", null, null);
        assertEquals(200, m.statusCode());
        assertTrue(m.body().contains("# TYPE"), "Prometheus text");
        HttpResponse<String> o = call(adminServer, "GET", "/openapi.json", null, null);
        assertEquals(200, o.statusCode());
        JsonNode doc = JSON.readTree(o.body());
        assertEquals("admin", doc.at("/paths/~1v2~1accounts/get/x-listener").asText());
        assertEquals("public", doc.at("/paths/~1provisioning~1{token}/get/x-listener").asText());
        for (HttpServer s : new HttpServer[] {publicServer, adminServer}) {
            assertEquals(200, call(s, "GET", "/healthz", null, null).statusCode());
            assertEquals(200, call(s, "GET", "/readyz", null, null).statusCode());
        }
    }

    @Test
    void provisioningRoutesAnswerOnThePublicListener() throws Exception {
        // The route is there: its handler answers (here: the x-linphone-provisioning header is missing),
        // not the router's "no such route"...
        JsonNode unknown = body(call(publicServer, "GET", "/no/such/path", null, null));
        JsonNode byToken = body(call(publicServer, "GET", "/provisioning/" + "x".repeat(43), null, null));
        assertNotEquals(unknown.get("message"), byToken.get("message"), byToken.toString());
        // ...and a wrong verb on it is a 405, which only a served route can give.
        assertEquals(405, call(publicServer, "DELETE", "/provisioning/" + "x".repeat(43), null, null).statusCode());
        assertEquals(405, call(publicServer, "POST", "/healthz", null, "{}").statusCode());
    }

    private String adminToken() throws Exception {
        HttpResponse<String> r = call(adminServer, "PUT", "/v2/api_auth", null,
                "{\"data\":{\"api_key\":\"" + ADMIN_KEY + "\"}}");
        assertEquals(201, r.statusCode(), r.body());
        return JSON.readTree(r.body()).get("auth_token").asText();
    }

    private HttpResponse<String> call(HttpServer server, String method, String path, String token, String body)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("X-Auth-Token", token);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode body(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }
}
