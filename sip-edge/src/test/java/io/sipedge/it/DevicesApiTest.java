package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipedge.it.ApiClient.Reply;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The devices seed's API over HTTP: every verb, every field rule, write-only passwords. */
@Timeout(120)
class DevicesApiTest {
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
        return api.account(admin, "devices", "dev" + N.incrementAndGet() + ".example");
    }

    private static String realmOf(String account) throws Exception {
        return api.get("/v2/accounts/" + account, admin).data().get("realm").asText();
    }

    /** The seed's create example, verbatim in shape. */
    private static Map<String, Object> seedDevice() {
        return Map.of("name", "Alice Softphone", "device_type", "softphone", "owner_id", "user_123456",
                "sip", Map.of("username", "alice_softphone", "password", "secure_password"),
                "caller_id", Map.of("internal", Map.of("number", "1001", "name", "Alice Smith")));
    }

    @Test
    void createAsInTheSeedAndReadItBack() throws Exception {
        String acc = account();
        Reply r = api.call("PUT", "/v2/accounts/" + acc + "/devices", admin, seedDevice());
        assertEquals(201, r.status(), r.toString());
        assertEquals("success", r.json().get("status").asText());
        JsonNode d = r.data();
        assertTrue(d.get("id").asText().matches("[0-9a-f]{32}"));
        assertEquals("Alice Softphone", d.get("name").asText());
        assertEquals("softphone", d.get("device_type").asText());
        assertEquals("user_123456", d.get("owner_id").asText());
        assertTrue(d.get("enabled").asBoolean(), "enabled by default");
        assertEquals("alice_softphone", d.at("/sip/username").asText());
        assertEquals(realmOf(acc), d.at("/sip/realm").asText());
        assertEquals("1001", d.at("/caller_id/internal/number").asText());
        assertEquals("Alice Smith", d.at("/caller_id/internal/name").asText());
        assertFalse(r.body().contains("secure_password"), "the password is write-only");
        assertFalse(d.get("sip").has("password"));
        assertTrue(d.has("created_at") && d.has("updated_at"));

        Reply one = api.get("/v2/accounts/" + acc + "/devices/" + d.get("id").asText(), admin);
        assertEquals(d, one.data());
        Reply list = api.get("/v2/accounts/" + acc + "/devices", admin);
        assertEquals(List.of(d), toList(list.data()));
        assertFalse(list.json().has("next_start_key"), "one page only");
        assertFalse(list.body().contains("secure_password"));
    }

    @Test
    void postReplacesTheFieldsItNamesAndKeepsTheRest() throws Exception {
        String acc = account();
        String id = api.call("PUT", "/v2/accounts/" + acc + "/devices", admin, seedDevice()).data().get("id").asText();
        // The seed's update example: name and enabled only.
        Reply r = api.call("POST", "/v2/accounts/" + acc + "/devices/" + id, admin,
                Map.of("name", "Alice Softphone - Home", "enabled", true));
        assertEquals(200, r.status(), r.toString());
        assertEquals("Alice Softphone - Home", r.data().get("name").asText());
        assertEquals("alice_softphone", r.data().at("/sip/username").asText());
        assertEquals("1001", r.data().at("/caller_id/internal/number").asText());

        // A named top-level object is replaced whole: caller_id without internal drops it.
        Reply cid = api.call("POST", "/v2/accounts/" + acc + "/devices/" + id, admin,
                Map.of("caller_id", Map.of("external", Map.of("number", "+14155550100"))));
        assertEquals(200, cid.status(), cid.toString());
        assertFalse(cid.data().get("caller_id").has("internal"));
        assertEquals("+14155550100", cid.data().at("/caller_id/external/number").asText());
        // The password survives updates that do not send one.
        assertEquals("secure_password", edge.directory().revealPassword(edge.directory().device(id).orElseThrow()));
    }

    @Test
    void patchMergesAndNullRemoves() throws Exception {
        String acc = account();
        String id = api.call("PUT", "/v2/accounts/" + acc + "/devices", admin, seedDevice()).data().get("id").asText();
        Map<String, Object> patch = new LinkedHashMap<>();
        patch.put("owner_id", null);
        patch.put("sip", Map.of("auth_username", "alice-auth"));
        patch.put("caller_id", Map.of("internal", Map.of("name", "A. Smith")));
        Reply r = api.call("PATCH", "/v2/accounts/" + acc + "/devices/" + id, admin, patch);
        assertEquals(200, r.status(), r.toString());
        assertFalse(r.data().has("owner_id"));
        assertEquals("alice_softphone", r.data().at("/sip/username").asText(), "merged, not replaced");
        assertEquals("alice-auth", r.data().at("/sip/auth_username").asText());
        assertEquals("1001", r.data().at("/caller_id/internal/number").asText());
        assertEquals("A. Smith", r.data().at("/caller_id/internal/name").asText());
        assertEquals("alice-auth", edge.directory().device(id).orElseThrow().authUsername());
    }

    /** PATCH reads, merges and writes back: concurrent patches of different fields must all land. */
    @Test
    void concurrentPatchesOfDifferentFieldsAllLand() throws Exception {
        String acc = account();
        for (int round = 0; round < 5; round++) {
            String id = api.device(admin, acc, "busy" + round, "busy-pw-1");
            String path = "/v2/accounts/" + acc + "/devices/" + id;
            List<Map<String, Object>> patches = List.of(
                    Map.of("name", "renamed"),
                    Map.of("owner_id", "owner_" + round),
                    Map.of("device_type", "sip_device"),
                    Map.of("caller_id", Map.of("internal", Map.of("number", "100" + round))),
                    Map.of("caller_id", Map.of("internal", Map.of("name", "Busy Bee"))),
                    Map.of("caller_id", Map.of("external", Map.of("number", "+1555000" + round))));
            List<java.util.concurrent.Future<Reply>> all = new ArrayList<>();
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(6);
            try {
                for (Map<String, Object> p : patches) {
                    all.add(pool.submit(() -> api.call("PATCH", path, admin, p)));
                }
                for (java.util.concurrent.Future<Reply> f : all) {
                    assertEquals(200, f.get().status(), f.get().toString());
                }
            } finally {
                pool.shutdownNow();
            }
            JsonNode d = api.get(path, admin).data();
            assertEquals("renamed", d.get("name").asText(), d.toString());
            assertEquals("owner_" + round, d.get("owner_id").asText(), d.toString());
            assertEquals("sip_device", d.get("device_type").asText(), d.toString());
            assertEquals("100" + round, d.at("/caller_id/internal/number").asText(), d.toString());
            assertEquals("Busy Bee", d.at("/caller_id/internal/name").asText(), d.toString());
            assertEquals("+1555000" + round, d.at("/caller_id/external/number").asText(), d.toString());
        }
    }

    @Test
    void deleteRemovesTheDevice() throws Exception {
        String acc = account();
        String id = api.device(admin, acc, "gone", "gone-pw-1");
        Reply r = api.call("DELETE", "/v2/accounts/" + acc + "/devices/" + id, admin, null);
        assertEquals(200, r.status(), r.toString());
        assertEquals(id, r.data().get("id").asText());
        assertEquals(404, api.get("/v2/accounts/" + acc + "/devices/" + id, admin).status());
        assertEquals(404, api.call("DELETE", "/v2/accounts/" + acc + "/devices/" + id, admin, null).status());
        assertTrue(edge.directory().device(id).isEmpty());
    }

    @Test
    void filtersAndPaging() throws Exception {
        String acc = account();
        List<String> created = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            edge.clock().advance(java.time.Duration.ofSeconds(1)); // distinct creation times, stable order
            String type = i % 2 == 0 ? "softphone" : "sip_device";
            Reply r = api.call("PUT", "/v2/accounts/" + acc + "/devices", admin, Map.of("device_type", type,
                    "sip", Map.of("username", "u" + i, "password", "pw-" + i + "-long")));
            created.add(r.data().get("id").asText());
        }
        Reply soft = api.get("/v2/accounts/" + acc + "/devices?filter_device_type=softphone", admin);
        assertEquals(List.of("u0", "u2", "u4"), usernames(soft.data()));
        assertEquals(List.of("u3"), usernames(api.get("/v2/accounts/" + acc
                + "/devices?filter_sip.username=u3", admin).data()));
        assertEquals(List.of("u1", "u3"), usernames(api.get("/v2/accounts/" + acc
                + "/devices?filter_not_device_type=softphone", admin).data()));
        assertEquals(List.of(), usernames(api.get("/v2/accounts/" + acc
                + "/devices?filter_no_such_field=x", admin).data()));
        assertEquals(List.of("u0", "u1", "u2", "u3", "u4"), usernames(api.get("/v2/accounts/" + acc
                + "/devices?filter_enabled=true", admin).data()));

        List<String> paged = new ArrayList<>();
        String start = null;
        int pages = 0;
        do {
            Reply p = api.get("/v2/accounts/" + acc + "/devices?page_size=2"
                    + (start == null ? "" : "&start_key=" + start), admin);
            assertEquals(200, p.status(), p.toString());
            p.data().forEach(d -> paged.add(d.get("id").asText()));
            pages++;
            start = p.json().has("next_start_key") ? p.json().get("next_start_key").asText() : null;
            if (pages == 3) {
                assertEquals(null, start, "next_start_key is absent on the last page");
                assertEquals(1, p.json().get("page_size").asInt());
            }
        } while (start != null);
        assertEquals(3, pages);
        assertEquals(created, paged);
        Reply filteredPage = api.get("/v2/accounts/" + acc + "/devices?filter_device_type=softphone&page_size=2", admin);
        assertEquals(List.of("u0", "u2"), usernames(filteredPage.data()));
        assertTrue(filteredPage.json().has("next_start_key"));
        assertEquals(List.of("range"), api.get("/v2/accounts/" + acc + "/devices?page_size=1001", admin)
                .rules("page_size"));
    }

    @Test
    void everyFieldRuleAnswers400NamingFieldAndRule() throws Exception {
        String acc = account();
        api.device(admin, acc, "taken", "taken-pw-1");
        api.call("PUT", "/v2/accounts/" + acc + "/devices", admin,
                Map.of("sip", Map.of("username", "other", "auth_username", "taken-auth", "password", "other-pw")));
        String realm = realmOf(acc);
        Map<String, Map<String, Object>> cases = new LinkedHashMap<>();
        cases.put("sip.username/required", Map.of("sip", Map.of("password", "secret-1")));
        cases.put("sip.username/characters", sip("al ice", "secret-1"));
        cases.put("sip.username/period_edge", sip(".alice", "secret-1"));
        cases.put("sip.username/reserved", sip("Admin", "secret-1"));
        cases.put("sip.username/max_length", sip("a".repeat(32), "secret-1"));
        cases.put("sip.username/unique", sip("taken", "secret-1"));
        cases.put("sip.password/required", Map.of("sip", Map.of("username", "nopw")));
        cases.put("sip.password/min_length", sip("shortpw", "12345"));
        cases.put("sip.password/max_length", sip("longpw", "p".repeat(32)));
        cases.put("sip.auth_username/unique", Map.of("sip", Map.of("username", "x1", "auth_username", "taken-auth",
                "password", "secret-1")));
        cases.put("sip.auth_username/reserved", Map.of("sip", Map.of("username", "x2", "auth_username", "root",
                "password", "secret-1")));
        cases.put("sip.realm/read_only", Map.of("sip", Map.of("username", "x3", "password", "secret-1",
                "realm", "elsewhere.example")));
        cases.put("sip.pasword/unknown_field", Map.of("sip", Map.of("username", "x4", "password", "secret-1",
                "pasword", "typo-typo")));
        cases.put("colour/unknown_field", with(sip("x5", "secret-1"), "colour", "red"));
        cases.put("enabled/type", with(sip("x6", "secret-1"), "enabled", "yes"));
        cases.put("name/max_length", with(sip("x7", "secret-1"), "name", "n".repeat(129)));
        cases.put("device_type/pattern", with(sip("x8", "secret-1"), "device_type", "Soft Phone"));
        cases.put("owner_id/pattern", with(sip("x9", "secret-1"), "owner_id", "has space"));
        cases.put("caller_id.internal.number/pattern", with(sip("x10", "secret-1"), "caller_id",
                Map.of("internal", Map.of("number", "12ab"))));
        cases.put("caller_id.external.name/max_length", with(sip("x11", "secret-1"), "caller_id",
                Map.of("external", Map.of("name", "n".repeat(36)))));
        cases.put("sip/type", Map.of("sip", "alice"));
        for (Map.Entry<String, Map<String, Object>> e : cases.entrySet()) {
            String[] fr = e.getKey().split("/");
            Reply r = api.call("PUT", "/v2/accounts/" + acc + "/devices", admin, e.getValue());
            assertEquals(400, r.status(), e.getKey() + ": " + r);
            assertEquals("error", r.json().get("status").asText());
            assertTrue(r.rules(fr[0]).contains(fr[1]), e.getKey() + ": " + r);
            assertFalse(r.body().contains("secret-1"), "never echoes a password: " + r);
        }
        assertEquals(2, api.get("/v2/accounts/" + acc + "/devices", admin).data().size(), "nothing was created");
        // The realm may be sent when it is the account's (a GET document round-trips).
        assertEquals(201, api.call("PUT", "/v2/accounts/" + acc + "/devices", admin,
                Map.of("sip", Map.of("username", "roundtrip", "password", "secret-1", "realm", realm))).status());
        // Renaming onto a taken username is refused on update too.
        String id = api.device(admin, acc, "mover", "mover-pw-1");
        Reply r = api.call("PATCH", "/v2/accounts/" + acc + "/devices/" + id, admin,
                Map.of("sip", Map.of("username", "taken")));
        assertEquals(List.of("unique"), r.rules("sip.username"));
        Reply badPw = api.call("PATCH", "/v2/accounts/" + acc + "/devices/" + id, admin,
                Map.of("sip", Map.of("password", "123")));
        assertEquals(List.of("min_length"), badPw.rules("sip.password"));
    }

    @Test
    void malformedBodiesAndUnknownDevices() throws Exception {
        String acc = account();
        assertEquals(400, api.call("PUT", "/v2/accounts/" + acc + "/devices", admin, "{\"data\":").status());
        assertEquals(List.of("required"), api.call("PUT", "/v2/accounts/" + acc + "/devices", admin,
                "{\"sip\":{}}").rules("data"));
        assertEquals(List.of("type"), api.call("PUT", "/v2/accounts/" + acc + "/devices", admin,
                "{\"data\":[]}").rules("data"));
        assertEquals(404, api.get("/v2/accounts/" + acc + "/devices/ffffffffffffffffffffffffffffffff", admin).status());
        assertEquals(404, api.call("PATCH", "/v2/accounts/" + acc + "/devices/nope", admin,
                Map.of("enabled", false)).status());
        Reply wrongVerb = api.call("PATCH", "/v2/accounts/" + acc + "/devices", admin, Map.of());
        assertEquals(405, wrongVerb.status());
        assertEquals("GET, HEAD, PUT", wrongVerb.raw().headers().firstValue("allow").orElse(""));
    }

    private static Map<String, Object> sip(String username, String password) {
        return Map.of("sip", Map.of("username", username, "password", password));
    }

    private static Map<String, Object> with(Map<String, Object> base, String key, Object value) {
        Map<String, Object> m = new LinkedHashMap<>(base);
        m.put(key, value);
        return m;
    }

    private static List<String> usernames(JsonNode list) {
        List<String> out = new ArrayList<>();
        list.forEach(d -> out.add(d.at("/sip/username").asText()));
        return out;
    }

    private static List<JsonNode> toList(JsonNode array) {
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out;
    }
}
