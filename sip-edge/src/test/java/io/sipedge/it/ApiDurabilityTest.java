package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipedge.it.ApiClient.Reply;
import io.sipedge.it.SipTestClient.SipResponse;
import io.sipedge.it.SipTestClient.Transport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 2xx from the API means the change is on disk: provision over HTTP, kill -9 the edge (a real
 * child process) right after the last answer, start it again, and everything is there and
 * authenticates.
 */
@Timeout(180)
class ApiDurabilityTest {
    private static final String ADMIN_KEY = "durability-test-admin-key";
    private static final String REALM = "durable.example";

    @TempDir
    Path tmp;

    private final List<ChildEdge> children = new ArrayList<>();

    @AfterEach
    void destroyChildren() throws InterruptedException {
        for (ChildEdge c : children) {
            c.kill();
        }
    }

    private ChildEdge spawn() throws Exception {
        ChildEdge c = ChildEdge.spawn(tmp.resolve("data"), ADMIN_KEY);
        children.add(c);
        return c;
    }

    @Test
    void devicesWrittenOverHttpSurviveKill9AndAuthenticate() throws Exception {
        ChildEdge edge = spawn();
        ApiClient api = new ApiClient(edge.awaitHttpPort());
        String admin = api.token(ADMIN_KEY);
        String account = api.account(admin, "Durable Inc", REALM);
        Map<String, String> passwords = new LinkedHashMap<>();
        Map<String, String> ids = new LinkedHashMap<>();
        for (int i = 0; i < 6; i++) {
            String user = "user" + i;
            String pw = "durable-pw-" + i;
            Reply r = api.call("PUT", "/v2/accounts/" + account + "/devices", admin, Map.of("name", "Phone " + i,
                    "owner_id", "owner_" + i, "sip", Map.of("username", user, "password", pw),
                    "caller_id", Map.of("internal", Map.of("number", "10" + i, "name", "User " + i))));
            assertEquals(201, r.status(), r.toString());
            ids.put(user, r.data().get("id").asText());
            passwords.put(user, pw);
        }
        assertEquals(200, api.call("PATCH", "/v2/accounts/" + account + "/devices/" + ids.get("user1"), admin,
                Map.of("sip", Map.of("password", "changed-pw-1"))).status());
        passwords.put("user1", "changed-pw-1");
        assertEquals(200, api.call("POST", "/v2/accounts/" + account + "/devices/" + ids.get("user2"), admin,
                Map.of("enabled", false)).status());
        assertEquals(200, api.call("DELETE", "/v2/accounts/" + account + "/devices/" + ids.get("user3"), admin,
                null).status());
        Reply sip = api.call("POST", "/v2/accounts/" + account + "/devices/" + ids.get("user4") + "/sip_settings",
                admin, Map.of("transport", "tcp", "registration_interval", 120));
        assertEquals(200, sip.status(), sip.toString());
        String accountKey = api.call("PUT", "/v2/accounts/" + account + "/api_key", admin, null)
                .data().get("api_key").asText();
        List<JsonNode> before = new ArrayList<>();
        api.get("/v2/accounts/" + account + "/devices", admin).data().forEach(before::add);
        edge.kill(); // right after the last 2xx

        ChildEdge again = spawn();
        int sipPort = again.awaitListening();
        ApiClient api2 = new ApiClient(again.awaitHttpPort());
        String token = api2.token(accountKey); // the rotated account key survived too
        List<JsonNode> after = new ArrayList<>();
        api2.get("/v2/accounts/" + account + "/devices", token).data().forEach(after::add);
        assertEquals(before, after, "every device, field for field");
        assertEquals(5, after.size());
        assertFalse(after.stream().anyMatch(d -> d.get("id").asText().equals(ids.get("user3"))));
        JsonNode settings = api2.get("/v2/accounts/" + account + "/devices/" + ids.get("user4") + "/sip_settings",
                token).data();
        assertEquals("tcp", settings.get("transport").asText());
        assertEquals(120, settings.get("registration_interval").asInt());

        for (Map.Entry<String, String> u : passwords.entrySet()) {
            if (u.getKey().equals("user3")) {
                continue;
            }
            try (SipTestClient phone = new SipTestClient(Transport.UDP, sipPort)) {
                SipResponse r = phone.registerWithAuth(u.getKey(), REALM, u.getValue(), phone.contact(u.getKey()),
                        "MD5");
                int expected = u.getKey().equals("user2") ? 401 : 200;
                assertEquals(expected, r.status(), u.getKey() + ":\n" + r.raw());
            }
        }
        try (SipTestClient phone = new SipTestClient(Transport.UDP, sipPort)) {
            assertEquals(401, phone.registerWithAuth("user1", REALM, "durable-pw-1", phone.contact("user1"), "MD5")
                    .status(), "the old password of a changed device no longer works");
        }
        JsonNode status = api2.get("/v2/accounts/" + account + "/devices/" + ids.get("user0") + "/status", token)
                .data();
        assertTrue(status.get("registered").asBoolean(), status.toString());
        again.stop();
    }
}
