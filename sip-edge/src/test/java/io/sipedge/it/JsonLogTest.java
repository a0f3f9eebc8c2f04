package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sipedge.it.SipTestClient.SipResponse;
import io.sipedge.it.SipTestClient.Transport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code log.format: json}, as an operator runs it (a child process): every line on stdout is one
 * JSON object with the documented fields, the security log's fields travel as data, and no
 * password, HA1 or response does.
 */
@Timeout(120)
class JsonLogTest {
    private static final String PASSWORD = "Json-log-pass-4471";
    private static final String WRONG = "Json-log-wrong-8802";

    @Test
    void everyLineIsAJsonObjectAndSecurityEventsCarryTheirFields() throws Exception {
        Path data = Files.createTempDirectory("sip-edge-json-log");
        ChildEdge edge = ChildEdge.spawn(data, "json-log-admin-key-0123456789abcdef", "--set", "log.format=json");
        int port = edge.awaitListening();
        int http = edge.awaitHttpPort();
        ApiClient api = new ApiClient(http);
        String admin = api.token("json-log-admin-key-0123456789abcdef");
        ApiClient.Reply account = api.call("PUT", "/v2/accounts", admin,
                Map.of("name", "Json", "realm", "json.example.com"));
        assertEquals(201, account.status(), account.body());
        ApiClient.Reply device = api.call("PUT", "/v2/accounts/" + account.data().get("id").asText() + "/devices",
                admin, Map.of("name", "d", "sip", Map.of("username", "alice", "password", PASSWORD)));
        assertEquals(201, device.status(), device.body());
        try (SipTestClient c = SipTestClient.from("127.0.0.2", Transport.UDP, port)) {
            SipResponse r = c.registerWithAuth("alice", "json.example.com", WRONG, c.contact("alice"), "MD5");
            assertEquals(401, r.status());
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!edge.output().contains("event=auth-failure") && System.nanoTime() < deadline) {
            Thread.sleep(50); // the line is written on the SIP thread; the pipe may lag a moment
        }
        edge.stop();

        ObjectMapper json = new ObjectMapper();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : edge.output().lines().skip(1).toList()) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode n = json.readTree(line);
            assertTrue(n.isObject(), line);
            assertTrue(n.get("timestamp").isNumber() && n.get("level").isTextual() && n.get("loggerName").isTextual()
                    && n.get("formattedMessage").isTextual(), line);
            lines.add(n);
        }
        assertTrue(lines.stream().anyMatch(n -> n.get("formattedMessage").asText().startsWith("sip-edge listening")));
        JsonNode failure = lines.stream().filter(n -> n.get("loggerName").asText().equals("security")
                && n.get("formattedMessage").asText().startsWith("event=auth-failure")).findFirst().orElse(null);
        assertNotNull(failure, edge.output());
        Map<String, String> fields = pairs(failure.get("kvpList"));
        assertEquals("auth-failure", fields.get("event"));
        assertEquals("127.0.0.2", fields.get("ip"));
        assertEquals("alice@json.example.com", fields.get("user"));
        assertEquals("wrong_password", fields.get("reason"));
        String all = edge.output();
        for (String secret : List.of(PASSWORD, WRONG, "response=")) {
            assertFalse(all.contains(secret), secret + " reached the log");
        }
    }

    /** logback writes the key-value pairs as an array of one-pair objects (or, in other versions, one object). */
    private static Map<String, String> pairs(JsonNode kvp) {
        Map<String, String> out = new HashMap<>();
        List<JsonNode> nodes = new ArrayList<>();
        if (kvp != null && kvp.isArray()) {
            kvp.forEach(nodes::add);
        } else if (kvp != null) {
            nodes.add(kvp);
        }
        for (JsonNode n : nodes) {
            n.properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
        }
        return out;
    }
}
