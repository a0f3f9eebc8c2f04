package io.sipedge.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipedge.http.server.TestServer.Reply;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The framework over a real socket: envelope, 404/405/400/401/413, HEAD, pipelining, request ids. */
@Timeout(60)
class HttpServerTest {
    static final int LIMIT = 2048;
    @TempDir
    static Path data;
    static TestServer s;
    static String admin;

    @BeforeAll
    static void start() throws Exception {
        s = new TestServer(data, LIMIT);
        admin = s.adminToken();
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    private static void assertEnvelope(Reply r, int status) {
        assertEquals(status, r.status(), r.raw().body());
        JsonNode b = r.body();
        List<String> keys = new java.util.ArrayList<>();
        for (Iterator<String> it = b.fieldNames(); it.hasNext(); ) {
            keys.add(it.next());
        }
        assertTrue(keys.containsAll(List.of("auth_token", "data", "status", "request_id")), keys.toString());
        assertEquals(status < 300 ? "success" : "error", b.get("status").asText());
        if (status >= 300) {
            assertEquals(Integer.toString(status), b.get("error").asText());
            assertFalse(b.get("message").asText().isEmpty());
        }
        assertEquals("application/json", r.raw().headers().firstValue("content-type").orElse(""));
        assertEquals(b.get("request_id").asText(), r.raw().headers().firstValue("x-request-id").orElse(""));
    }

    @Test
    void unknownRouteIs404InTheEnvelope() throws Exception {
        assertEnvelope(s.call("GET", "/v2/nope", admin, null), 404);
        assertEnvelope(s.call("GET", "/", null, null), 404);
    }

    @Test
    void knownRouteWithWrongVerbIs405WithAllow() throws Exception {
        Reply r = s.call("POST", "/v2/accounts", admin, "{}");
        assertEnvelope(r, 405);
        assertEquals("GET, HEAD, PUT", r.raw().headers().firstValue("allow").orElse(""));
        Reply d = s.call("PUT", "/v2/accounts/abc/devices/def", admin, "{}");
        assertEquals("DELETE, GET, HEAD, PATCH, POST", d.raw().headers().firstValue("allow").orElse(""));
    }

    @Test
    void malformedJsonIs400AndNeverEchoesTheBody() throws Exception {
        for (String bad : List.of("{\"data\": {\"api_key\": \"s3cr3t-in-body\"", "not json s3cr3t-in-body",
                "{\"data\":{\"api_key\":\"a\",\"api_key\":\"s3cr3t-in-body\"}}", "{\"data\":{}} trailing",
                "[\"s3cr3t-in-body\"]")) {
            Reply r = s.call("PUT", "/v2/api_auth", null, bad);
            assertEnvelope(r, 400);
            assertFalse(r.raw().body().contains("s3cr3t-in-body"), r.raw().body());
        }
        Reply missingData = s.call("PUT", "/v2/api_auth", null, "{\"api_key\":\"x\"}");
        assertEnvelope(missingData, 400);
        assertTrue(missingData.body().at("/data/data/required").isObject(), missingData.raw().body());
    }

    @Test
    void bodyOverTheLimitIs413InTheEnvelope() throws Exception {
        String big = "{\"data\":{\"api_key\":\"" + "x".repeat(LIMIT) + "\"}}";
        Reply r = s.call("PUT", "/v2/api_auth", null, big);
        assertEnvelope(r, 413);
        // Just under the limit is read and judged on its content.
        String fits = "{\"data\":{\"api_key\":\"" + "x".repeat(LIMIT - 40) + "\"}}";
        assertEquals(401, s.call("PUT", "/v2/api_auth", null, fits).status());
    }

    /** Raw bytes: JDK 17's HttpClient waits for ever when an expect-continue request gets a final answer. */
    @Test
    void expectContinueWithATooLargeBodyGets413InsteadOf100() throws Exception {
        try (Socket sock = new Socket("127.0.0.1", s.server.port())) {
            sock.setSoTimeout(5000);
            sock.getOutputStream().write(("PUT /v2/api_auth HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                    + "Content-Length: " + (LIMIT + 1) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            sock.getOutputStream().flush();
            String reply = readAll(sock.getInputStream());
            assertTrue(reply.startsWith("HTTP/1.1 413"), reply);
            assertTrue(reply.contains("\"error\":\"413\""), reply);
            assertFalse(reply.contains("100 Continue"), reply);
        }
    }

    @Test
    void chunkedBodyOverTheLimitIs413Too() throws Exception {
        try (Socket sock = new Socket("127.0.0.1", s.server.port())) {
            sock.setSoTimeout(5000);
            OutputStream out = sock.getOutputStream();
            out.write(("PUT /v2/api_auth HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String chunk = "y".repeat(1000);
            for (int i = 0; i < 4; i++) {
                out.write((Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n").getBytes(StandardCharsets.US_ASCII));
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String reply = readAll(sock.getInputStream());
            assertTrue(reply.startsWith("HTTP/1.1 413"), reply);
            assertTrue(reply.contains("\"status\":\"error\""), reply);
        }
    }

    @Test
    void missingUnknownOrExpiredTokenIs401() throws Exception {
        assertEnvelope(s.call("GET", "/v2/accounts", null, null), 401);
        Reply r = s.call("GET", "/v2/accounts", "not-a-token", null);
        assertEnvelope(r, 401);
        assertEquals("", r.body().get("auth_token").asText(), "a failed token is not echoed");
        String shortLived = s.adminToken();
        s.clock.advance(Duration.ofHours(1));
        assertEnvelope(s.call("GET", "/v2/accounts", shortLived, null), 401);
        s.clock.advance(Duration.ofHours(-1));
    }

    @Test
    void readinessIs503UntilEveryCheckPasses() throws Exception {
        s.sipReady.set(false);
        try {
            Reply r = s.call("GET", "/readyz", null, null);
            assertEnvelope(r, 503);
            assertFalse(r.body().at("/data/ready").asBoolean());
            assertFalse(r.body().at("/data/checks/sip").asBoolean());
        } finally {
            s.sipReady.set(true);
        }
        Reply ok = s.call("GET", "/readyz", null, null);
        assertEnvelope(ok, 200);
        assertTrue(ok.body().at("/data/ready").asBoolean());
    }

    @Test
    void headAnswersTheGetsHeadersWithoutABody() throws Exception {
        HttpResponse<String> get = s.client.send(HttpRequest.newBuilder(s.uri("/healthz")).build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> head = s.client.send(HttpRequest.newBuilder(s.uri("/healthz"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
        assertEquals(get.headers().firstValue("content-length"), head.headers().firstValue("content-length"));
    }

    @Test
    void aSaneClientRequestIdIsEchoedAndAnInsaneOneReplaced() throws Exception {
        HttpResponse<String> r = s.client.send(HttpRequest.newBuilder(s.uri("/healthz"))
                .header("X-Request-ID", "trace-42").build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(r.body().contains("\"request_id\":\"trace-42\""), r.body());
        HttpResponse<String> bad = s.client.send(HttpRequest.newBuilder(s.uri("/healthz"))
                .header("X-Request-ID", "a\"b{}").build(), HttpResponse.BodyHandlers.ofString());
        assertFalse(bad.body().contains("a\\\"b"), bad.body());
        assertNotEquals("", bad.headers().firstValue("x-request-id").orElse(""));
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrderOnOneConnection() throws Exception {
        try (Socket sock = new Socket("127.0.0.1", s.server.port())) {
            sock.setSoTimeout(5000);
            StringBuilder req = new StringBuilder();
            for (String id : List.of("one", "two", "three")) {
                req.append("GET /v2/accounts HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ").append(admin)
                        .append("\r\nX-Request-ID: ").append(id).append("\r\n\r\n");
            }
            req.append("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-ID: four\r\nConnection: close\r\n\r\n");
            sock.getOutputStream().write(req.toString().getBytes(StandardCharsets.US_ASCII));
            String all = readAll(sock.getInputStream());
            int one = all.indexOf("\"request_id\":\"one\"");
            int two = all.indexOf("\"request_id\":\"two\"");
            int three = all.indexOf("\"request_id\":\"three\"");
            int four = all.indexOf("\"request_id\":\"four\"");
            assertTrue(one > 0 && one < two && two < three && three < four, all);
        }
    }

    @Test
    void garbageRequestLineGets400AndTheServerLivesOn() throws Exception {
        try (Socket sock = new Socket("127.0.0.1", s.server.port())) {
            sock.setSoTimeout(5000);
            sock.getOutputStream().write(("GET /healthz HTTP/1.1\r\nHost: x\r\n" + "X-Big: " + "z".repeat(20_000)
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String reply = readAll(sock.getInputStream());
            assertTrue(reply.startsWith("HTTP/1.1 400") || reply.startsWith("HTTP/1.1 431"), reply);
        }
        assertEquals(200, s.call("GET", "/healthz", null, null).status());
    }

    @Test
    void aQueryStringThatDoesNotDecodeGets400NamingTheQuery() throws Exception {
        try (Socket sock = new Socket("127.0.0.1", s.server.port())) {
            sock.setSoTimeout(5000);
            sock.getOutputStream().write("GET /healthz?probe=%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            String reply = readAll(sock.getInputStream());
            assertTrue(reply.startsWith("HTTP/1.1 400"), reply);
            assertTrue(reply.contains("\"query\":{\"encoding\""), reply);
        }
        assertEquals(200, s.call("GET", "/healthz", null, null).status());
    }

    @Test
    void theAccessLogShowsControlBytesOfAPathEscaped() {
        assertEquals("GET /a\\x1b[31m\\x0d\\x0ab\\x5cc", io.sipedge.observe.LogText.printable("GET /a\u001b[31m\r\nb\\c"));
        assertEquals("GET /v2/accounts", io.sipedge.observe.LogText.printable("GET /v2/accounts"));
    }

    private static String readAll(InputStream in) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        byte[] b = new byte[8192];
        int n;
        try {
            while ((n = in.read(b)) >= 0) {
                buf.write(b, 0, n);
            }
        } catch (java.net.SocketTimeoutException | java.net.SocketException e) {
            // whatever arrived is the answer
        }
        return buf.toString(StandardCharsets.UTF_8);
    }
}
