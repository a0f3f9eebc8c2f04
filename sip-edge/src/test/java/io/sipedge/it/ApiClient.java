package io.sipedge.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/** The operator API over a real socket with java.net.http: what an operator's script does. */
public final class ApiClient {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final int port;

    public ApiClient(int port) {
        this.port = port;
    }

    /** A response: its status, the parsed body and the raw exchange. */
    public record Reply(int status, JsonNode json, HttpResponse<String> raw) {
        public JsonNode data() {
            return json.get("data");
        }

        public String body() {
            return raw.body();
        }

        /** The rules broken for a field, e.g. {@code rules("sip.username")} → ["reserved"]. */
        public java.util.List<String> rules(String field) {
            JsonNode f = json.get("data").get(field);
            java.util.List<String> out = new java.util.ArrayList<>();
            if (f != null) {
                f.fieldNames().forEachRemaining(out::add);
            }
            return out;
        }

        @Override
        public String toString() {
            return status + " " + raw.body();
        }
    }

    /** {@code body}: null, a JSON string, or a value wrapped as {@code {"data": body}}. */
    public Reply call(String method, String path, String token, Object body) throws IOException, InterruptedException {
        String text = body == null ? null : body instanceof String s ? s
                : JSON.writeValueAsString(Map.of("data", body));
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(15))
                .header("Accept", "application/json")
                .method(method, text == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(text));
        if (text != null) {
            b.header("Content-Type", "application/json");
        }
        if (token != null) {
            b.header("X-Auth-Token", token);
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = r.body().isEmpty() ? null : JSON.readTree(r.body());
        return new Reply(r.statusCode(), json, r);
    }

    /** An answer read as it came: the /api/ routes speak flat JSON, some with no body at all. */
    public record Plain(int status, String body, HttpResponse<String> raw) {
        public JsonNode json() throws IOException {
            return JSON.readTree(body);
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    /** {@code body} sent as it is (no {@code {"data": ...}}), with header name/value pairs. */
    public Plain plain(String method, String path, String body, String... headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(15))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        return new Plain(r.statusCode(), r.body(), r);
    }

    public Reply get(String path, String token) throws IOException, InterruptedException {
        return call("GET", path, token, null);
    }

    /** PUT /v2/api_auth with a key; the token, or an AssertionError naming the answer. */
    public String token(String apiKey) throws IOException, InterruptedException {
        Reply r = call("PUT", "/v2/api_auth", null, Map.of("api_key", apiKey));
        if (r.status() != 201) {
            throw new AssertionError("api_auth: " + r);
        }
        return r.json().get("auth_token").asText();
    }

    public String adminToken() throws IOException, InterruptedException {
        return token(EdgeUnderTest.ADMIN_KEY);
    }

    /** Creates an account as the admin and returns its id. */
    public String account(String adminToken, String name, String realm) throws IOException, InterruptedException {
        Reply r = call("PUT", "/v2/accounts", adminToken, Map.of("name", name, "realm", realm));
        if (r.status() != 201) {
            throw new AssertionError("create account: " + r);
        }
        return r.data().get("id").asText();
    }

    /** Creates a softphone and returns its id. */
    public String device(String token, String account, String username, String password)
            throws IOException, InterruptedException {
        Reply r = call("PUT", "/v2/accounts/" + account + "/devices", token,
                Map.of("name", username + " softphone", "device_type", "softphone",
                        "sip", Map.of("username", username, "password", password)));
        if (r.status() != 201) {
            throw new AssertionError("create device: " + r);
        }
        return r.data().get("id").asText();
    }
}
