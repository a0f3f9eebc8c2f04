package io.sipedge.http.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sipedge.directory.file.FileDirectory;
import io.sipedge.http.api.Api;
import io.sipedge.http.api.ApiContext;
import io.sipedge.http.auth.Secrets;
import io.sipedge.http.auth.TokenService;
import io.sipedge.http.metrics.EdgeMetrics;
import io.sipedge.location.InMemoryLocationStore;
import io.sipedge.testing.MutableClock;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** The HTTP server on an ephemeral loopback port over a real FileDirectory and LocationStore. */
final class TestServer implements AutoCloseable {
    static final String ADMIN_KEY = "admin-key-for-http-tests";
    static final ObjectMapper JSON = new ObjectMapper();

    final MutableClock clock = MutableClock.atNow();
    final FileDirectory directory;
    final InMemoryLocationStore locations = new InMemoryLocationStore();
    final TokenService tokens = new TokenService(clock, Duration.ofHours(1));
    final EdgeMetrics metrics = new EdgeMetrics(locations);
    final HttpServer server;
    /** What /readyz reports for "sip"; a test may flip it. */
    final java.util.concurrent.atomic.AtomicBoolean sipReady = new java.util.concurrent.atomic.AtomicBoolean(true);
    final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    TestServer(Path data, int maxBody) throws InterruptedException {
        directory = FileDirectory.open(data, clock);
        ApiContext ctx = new ApiContext(directory, locations, clock, tokens, Secrets.sha256(ADMIN_KEY), null, null, 0,
                () -> Map.of("sip", sipReady.get()), metrics::scrape);
        server = HttpServer.start(new HttpServer.Settings("127.0.0.1", 0, maxBody, 2), Api.router(ctx), tokens,
                metrics.httpRequests());
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    record Reply(int status, JsonNode body, HttpResponse<String> raw) {
    }

    Reply call(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("X-Auth-Token", token);
        }
        HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body().isEmpty() ? null : JSON.readTree(r.body()), r);
    }

    String adminToken() throws Exception {
        Reply r = call("PUT", "/v2/api_auth", null, "{\"data\":{\"api_key\":\"" + ADMIN_KEY + "\"}}");
        return r.body().get("auth_token").asText();
    }

    @Override
    public void close() {
        server.close();
        metrics.close();
        directory.close();
    }
}
