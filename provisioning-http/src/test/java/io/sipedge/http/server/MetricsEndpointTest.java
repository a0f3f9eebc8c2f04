package io.sipedge.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.http.metrics.EdgeMetrics;
import io.sipedge.testing.PrometheusText;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** GET /metrics over a real socket: no token, Prometheus text, HTTP requests by route template and status. */
@Timeout(60)
class MetricsEndpointTest {
    @TempDir
    static Path data;
    static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        s = new TestServer(data, 4096);
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return s.client.send(HttpRequest.newBuilder(s.uri(path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static PrometheusText scrape() throws Exception {
        HttpResponse<String> r = get("/metrics");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(EdgeMetrics.CONTENT_TYPE, r.headers().firstValue("content-type").orElse(""));
        return PrometheusText.parse(r.body());
    }

    private static double requests(PrometheusText p, String method, String route, int status) {
        return p.valueOrZero("http_server_requests_seconds_count", "method", method, "route", route,
                "status", Integer.toString(status));
    }

    @Test
    void requestsAreCountedByRouteTemplateAndStatusNeverByPath() throws Exception {
        String admin = s.adminToken();
        PrometheusText before = scrape();
        TestServer.Reply created = s.call("PUT", "/v2/accounts", admin,
                "{\"data\":{\"name\":\"Metrics\",\"realm\":\"metrics.example\"}}");
        assertEquals(201, created.status(), created.raw().body());
        String id = created.body().get("data").get("id").asText();
        assertEquals(200, s.call("GET", "/v2/accounts/" + id, admin, null).status());
        assertEquals(200, s.call("GET", "/v2/accounts/" + id, admin, null).status());
        assertEquals(404, s.call("GET", "/v2/accounts/no-such-account-4711", admin, null).status());
        assertEquals(404, s.call("GET", "/v2/no-such-route-4712", admin, null).status());
        assertEquals(405, s.call("DELETE", "/healthz", null, null).status());
        assertEquals(401, s.call("GET", "/v2/accounts", "not-a-token-4713", null).status());

        PrometheusText after = scrape();
        String account = "/v2/accounts/{account}";
        assertEquals(1, requests(after, "PUT", "/v2/accounts", 201) - requests(before, "PUT", "/v2/accounts", 201));
        assertEquals(2, requests(after, "GET", account, 200) - requests(before, "GET", account, 200));
        assertEquals(1, requests(after, "GET", account, 404) - requests(before, "GET", account, 404));
        assertEquals(1, requests(after, "GET", "unmatched", 404) - requests(before, "GET", "unmatched", 404));
        assertEquals(1, requests(after, "DELETE", "unmatched", 405) - requests(before, "DELETE", "unmatched", 405));
        assertEquals(1, requests(after, "GET", "/v2/accounts", 401) - requests(before, "GET", "/v2/accounts", 401));
        assertEquals(1, requests(after, "GET", "/metrics", 200) - requests(before, "GET", "/metrics", 200),
                "the scrape before, counted once answered (a scrape does not count itself)");
        for (String secret : new String[] {id, "no-such-account-4711", "no-such-route-4712", "not-a-token-4713",
                admin, TestServer.ADMIN_KEY, "metrics.example"}) {
            assertFalse(after.text().contains(secret), "the scrape must not contain " + secret);
        }
    }

    @Test
    void aBodyOverTheLimitIsCountedUnderItsRouteAsA413() throws Exception {
        PrometheusText before = scrape();
        String big = "{\"data\":{\"name\":\"" + "x".repeat(10_000) + "\"}}";
        assertEquals(413, s.call("PUT", "/v2/accounts", null, big).status()); // refused on its Content-Length
        try (Socket sock = new Socket("127.0.0.1", s.server.port())) {               // refused while it arrives
            sock.setSoTimeout(5000);
            OutputStream out = sock.getOutputStream();
            out.write("PUT /v2/accounts HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            String chunk = "y".repeat(1000);
            for (int i = 0; i < 5; i++) {
                out.write((Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String reply = new String(sock.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertTrue(reply.startsWith("HTTP/1.1 413"), reply);
        }
        PrometheusText after = scrape();
        assertEquals(2, requests(after, "PUT", "/v2/accounts", 413) - requests(before, "PUT", "/v2/accounts", 413),
                after.text());
    }

    @Test
    void anUnknownVerbIsLabelledOther() throws Exception {
        PrometheusText before = scrape();
        HttpResponse<String> r = s.client.send(HttpRequest.newBuilder(s.uri("/metrics")).timeout(Duration.ofSeconds(10))
                .method("BREW", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, r.statusCode());
        PrometheusText after = scrape();
        assertEquals(1, requests(after, "OTHER", "unmatched", 405) - requests(before, "OTHER", "unmatched", 405));
        assertFalse(after.text().contains("BREW"), "a client's verb is not a label");
    }
}
