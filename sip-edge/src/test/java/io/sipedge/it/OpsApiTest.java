package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipedge.it.ApiClient.Reply;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Health, readiness, the OpenAPI document and the configured limits on a running edge. */
@Timeout(120)
class OpsApiTest {

    @Test
    void healthReadinessAndOpenApiAnswerWithoutAToken() throws Exception {
        try (EdgeUnderTest edge = EdgeUnderTest.start("sip.tls-port=-1")) {
            ApiClient api = edge.api();
            Reply h = api.get("/healthz", null);
            assertEquals(200, h.status(), h.toString());
            assertTrue(h.data().get("alive").asBoolean());
            Reply r = api.get("/readyz", null);
            assertEquals(200, r.status(), r.toString());
            assertTrue(r.data().get("ready").asBoolean());
            assertEquals(Map.of("serving", true, "stores", true, "sip", true, "ws", true, "wss", true),
                    ApiClient.JSON.convertValue(r.data().get("checks"), Map.class));
            Reply o = api.get("/openapi.json", null);
            assertEquals(200, o.status());
            JsonNode doc = o.json();
            assertEquals("3.0.3", doc.get("openapi").asText());
            assertTrue(doc.at("/paths/~1v2~1accounts~1{account}~1devices/put").isObject(), "documents the devices seed");
            assertEquals(405, api.call("POST", "/healthz", null, "{}").status());
        }
    }

    @Test
    void theTokenTtlAndTheBodyLimitAreConfigurable() throws Exception {
        try (EdgeUnderTest edge = EdgeUnderTest.start("sip.tls-port=-1", "api.token-ttl=60",
                "http.max-body-size=1024")) {
            ApiClient api = edge.api();
            Reply auth = api.call("PUT", "/v2/api_auth", null, Map.of("api_key", EdgeUnderTest.ADMIN_KEY));
            assertEquals(60, auth.data().get("expires_in").asInt());
            String token = auth.json().get("auth_token").asText();
            assertEquals(200, api.get("/v2/accounts", token).status());
            edge.clock().advance(Duration.ofSeconds(59));
            assertEquals(200, api.get("/v2/accounts", token).status());
            edge.clock().advance(Duration.ofSeconds(1));
            Reply expired = api.get("/v2/accounts", token);
            assertEquals(401, expired.status(), "expired after 60 s on the injected clock");

            Reply big = api.call("PUT", "/v2/api_auth", null, Map.of("api_key", "k".repeat(1100)));
            assertEquals(413, big.status(), big.toString());
            assertEquals("error", big.json().get("status").asText());
            assertEquals("413", big.json().get("error").asText());
        }
    }
}
