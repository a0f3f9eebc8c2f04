package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipedge.directory.PasswordHash;
import io.sipedge.it.ApiClient.Reply;
import io.sipedge.model.User;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Issue 17's users over HTTP: the devices' envelope, verbs and token rules, write-only hashed passwords. */
@Timeout(120)
class UsersApiTest {
    private static final String PW = "Sign-in pw 4711";
    private static final AtomicInteger N = new AtomicInteger();
    static EdgeUnderTest edge;
    static ApiClient api;
    static String admin;

    @BeforeAll
    static void start() throws Exception {
        edge = EdgeUnderTest.start("sip.tls-port=-1");
        api = edge.api();
        admin = api.adminToken();
    }

    @AfterAll
    static void stop() throws Exception {
        edge.close();
    }

    private static String account() throws Exception {
        return api.account(admin, "users", "usr" + N.incrementAndGet() + ".example");
    }

    private static String users(String acc) {
        return "/v2/accounts/" + acc + "/users";
    }

    private static Map<String, Object> alice() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("username", "alice");
        m.put("first_name", "Alice");
        m.put("last_name", "Liddell");
        m.put("email", "alice@example.com");
        m.put("password", PW);
        m.put("role", "admin");
        m.put("ms365_binding", "alice@contoso.onmicrosoft.com");
        return m;
    }

    @Test
    void createReadListWithThePasswordNeverReturnedAndStoredOnlyAsAHash() throws Exception {
        String acc = account();
        Reply r = api.call("PUT", users(acc), admin, alice());
        assertEquals(201, r.status(), r.toString());
        assertEquals("success", r.json().get("status").asText());
        JsonNode u = r.data();
        assertTrue(u.get("id").asText().matches("[0-9a-f]{32}"));
        assertEquals("alice", u.get("username").asText());
        assertEquals("Alice", u.get("first_name").asText());
        assertEquals("Liddell", u.get("last_name").asText());
        assertEquals("alice@example.com", u.get("email").asText());
        assertEquals("admin", u.get("role").asText());
        assertTrue(u.get("enabled").asBoolean(), "enabled by default");
        assertEquals("alice@contoso.onmicrosoft.com", u.get("ms365_binding").asText());
        assertFalse(u.has("password"));
        assertFalse(r.body().contains(PW));
        assertFalse(r.body().contains("argon2"), "the hash is returned");

        User stored = edge.directory().user(u.get("id").asText()).orElseThrow();
        assertTrue(PasswordHash.verify(PW, stored.passwordHash()));
        assertFalse(stored.passwordHash().contains(PW));

        assertEquals(u, api.get(users(acc) + "/" + u.get("id").asText(), admin).data());
        Reply list = api.get(users(acc), admin);
        assertEquals(200, list.status());
        assertEquals(List.of(u), toList(list.data()));
        assertFalse(list.body().contains("argon2"));

        Reply minimal = api.call("PUT", users(acc), admin, Map.of("username", "bob", "password", PW));
        assertEquals(201, minimal.status(), minimal.toString());
        assertEquals("user", minimal.data().get("role").asText(), "role defaults to user");
        assertFalse(minimal.data().has("email"));
    }

    @Test
    void postReplacesNamedFieldsPatchMergesAndAPasswordNotSentIsKept() throws Exception {
        String acc = account();
        String id = api.call("PUT", users(acc), admin, alice()).data().get("id").asText();
        String hash = edge.directory().user(id).orElseThrow().passwordHash();

        Reply post = api.call("POST", users(acc) + "/" + id, admin, Map.of("first_name", "Alicia", "enabled", false));
        assertEquals(200, post.status(), post.toString());
        assertEquals("Alicia", post.data().get("first_name").asText());
        assertEquals("Liddell", post.data().get("last_name").asText(), "a field not named was lost");
        assertFalse(post.data().get("enabled").asBoolean());
        assertEquals(hash, edge.directory().user(id).orElseThrow().passwordHash());

        Map<String, Object> patch = new HashMap<>();
        patch.put("ms365_binding", null);
        patch.put("role", "user");
        patch.put("password", "a new password");
        Reply r = api.call("PATCH", users(acc) + "/" + id, admin, patch);
        assertEquals(200, r.status(), r.toString());
        assertFalse(r.data().has("ms365_binding"), "null did not remove it");
        assertEquals("user", r.data().get("role").asText());
        assertEquals("Alicia", r.data().get("first_name").asText());
        assertFalse(r.body().contains("a new password"));
        User stored = edge.directory().user(id).orElseThrow();
        assertTrue(PasswordHash.verify("a new password", stored.passwordHash()));
        assertFalse(PasswordHash.verify(PW, stored.passwordHash()));
    }

    @Test
    void everyFieldRuleAnswers400NamingFieldAndRule() throws Exception {
        String acc = account();
        api.call("PUT", users(acc), admin, Map.of("username", "taken", "password", PW));
        Map<String, Map<String, Object>> cases = new LinkedHashMap<>();
        cases.put("username/required", Map.of("password", PW));
        cases.put("username/characters", Map.of("username", "al ice", "password", PW));
        cases.put("username/period_edge", Map.of("username", "alice.", "password", PW));
        cases.put("username/reserved", Map.of("username", "ADMINISTRATOR", "password", PW));
        cases.put("username/max_length", Map.of("username", "a".repeat(32), "password", PW));
        cases.put("username/unique", Map.of("username", "taken", "password", PW));
        cases.put("password/required", Map.of("username", "nopw"));
        cases.put("password/min_length", Map.of("username", "shortpw", "password", "1234567"));
        cases.put("password/max_length", Map.of("username", "longpw", "password", "p".repeat(129)));
        cases.put("role/enum", Map.of("username", "r1", "password", PW, "role", "superuser"));
        cases.put("email/email", Map.of("username", "e1", "password", PW, "email", "not an address"));
        cases.put("ms365_binding/ms365_binding", Map.of("username", "m1", "password", PW, "ms365_binding", "nope"));
        cases.put("enabled/type", Map.of("username", "t1", "password", PW, "enabled", "yes"));
        cases.put("first_name/max_length", Map.of("username", "f1", "password", PW, "first_name", "n".repeat(129)));
        cases.put("colour/unknown_field", Map.of("username", "c1", "password", PW, "colour", "red"));
        for (Map.Entry<String, Map<String, Object>> e : cases.entrySet()) {
            String[] fr = e.getKey().split("/");
            Reply r = api.call("PUT", users(acc), admin, e.getValue());
            assertEquals(400, r.status(), e.getKey() + ": " + r);
            assertEquals("error", r.json().get("status").asText());
            assertTrue(r.rules(fr[0]).contains(fr[1]), e.getKey() + ": " + r);
            assertFalse(r.body().contains(PW), "never echoes a password: " + r);
        }
        assertEquals(1, api.get(users(acc), admin).data().size(), "something was created");

        // A device of the same name is no obstacle: users and devices are different things.
        api.device(admin, acc, "carol", "carol-pw-1");
        assertEquals(201, api.call("PUT", users(acc), admin, Map.of("username", "carol", "password", PW)).status());
        String id = api.call("PUT", users(acc), admin, Map.of("username", "mover", "password", PW)).data()
                .get("id").asText();
        assertEquals(List.of("unique"), api.call("PATCH", users(acc) + "/" + id, admin,
                Map.of("username", "taken")).rules("username"));
        assertEquals(List.of("min_length"), api.call("POST", users(acc) + "/" + id, admin,
                Map.of("password", "short")).rules("password"));
    }

    @Test
    void unknownUsersOtherAccountsAndDelete() throws Exception {
        String acc = account();
        String other = account();
        String id = api.call("PUT", users(acc), admin, alice()).data().get("id").asText();
        assertEquals(404, api.get(users(acc) + "/ffffffffffffffffffffffffffffffff", admin).status());
        assertEquals(404, api.get(users(other) + "/" + id, admin).status(), "seen through another account");
        String otherToken = api.token(api.get("/v2/accounts/" + other + "/api_key", admin).data().get("api_key")
                .asText());
        assertEquals(404, api.get(users(acc), otherToken).status(), "another account's token lists the users");
        assertEquals(200, api.get(users(other), otherToken).status());
        assertEquals(401, api.get(users(acc), null).status());

        Reply del = api.call("DELETE", users(acc) + "/" + id, admin, null);
        assertEquals(200, del.status(), del.toString());
        assertEquals("alice", del.data().get("username").asText());
        assertEquals(404, api.get(users(acc) + "/" + id, admin).status());
        assertEquals(404, api.call("DELETE", users(acc) + "/" + id, admin, null).status());
        assertTrue(edge.directory().user(id).isEmpty());
    }

    @Test
    void aUsersDevicesAreThoseWhoseOwnerIdIsTheUsersId() throws Exception {
        String acc = account();
        String id = api.call("PUT", users(acc), admin, alice()).data().get("id").asText();
        for (String[] d : new String[][] {{"desk", id}, {"mobile", id}, {"lobby", "someone-else"}, {"spare", null}}) {
            Map<String, Object> body = new HashMap<>();
            body.put("sip", Map.of("username", d[0], "password", "secret-1"));
            if (d[1] != null) {
                body.put("owner_id", d[1]);
            }
            assertEquals(201, api.call("PUT", "/v2/accounts/" + acc + "/devices", admin, body).status());
        }
        Reply r = api.get(users(acc) + "/" + id + "/devices", admin);
        assertEquals(200, r.status(), r.toString());
        List<String> names = new ArrayList<>();
        r.data().forEach(d -> names.add(d.at("/sip/username").asText()));
        names.sort(null); // listed in id order, and ids are random
        assertEquals(List.of("desk", "mobile"), names);
        assertFalse(r.body().contains("secret-1"));
        assertEquals(404, api.get(users(acc) + "/nope/devices", admin).status());

        api.call("DELETE", "/v2/accounts/" + acc, admin, null);
        assertTrue(edge.directory().user(id).isEmpty(), "deleting the account left its user");
    }

    private static List<JsonNode> toList(JsonNode array) {
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out;
    }
}
