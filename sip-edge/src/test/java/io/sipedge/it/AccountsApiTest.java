package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipedge.directory.ImportLine;
import io.sipedge.it.ApiClient.Reply;
import io.sipedge.model.Aor;
import io.sipedge.model.Tenant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Accounts, API keys and token scoping over HTTP against a running edge. */
@Timeout(120)
class AccountsApiTest {
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

    private static String realm() {
        return "acct" + N.incrementAndGet() + ".example";
    }

    @Test
    void createReadUpdatePatchDelete() throws Exception {
        String realm = realm();
        Reply c = api.call("PUT", "/v2/accounts", admin, Map.of("name", "Acme", "realm", realm.toUpperCase()));
        assertEquals(201, c.status(), c.toString());
        JsonNode a = c.data();
        String id = a.get("id").asText();
        assertTrue(id.matches("[0-9a-f]{32}"), id);
        assertEquals("Acme", a.get("name").asText());
        assertEquals(realm, a.get("realm").asText(), "realms are stored in lower case");
        assertFalse(a.get("md5_only").asBoolean());
        assertTrue(a.get("created_at").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"));
        assertEquals(admin, c.json().get("auth_token").asText(), "the envelope echoes the caller's token");
        assertTrue(edge.directory().tenantByDomain(realm).isPresent(), "the same Directory the registrar reads");

        assertEquals(a, api.get("/v2/accounts/" + id, admin).data());

        Reply full = api.call("POST", "/v2/accounts/" + id, admin, Map.of("name", "Acme Ltd", "realm", realm,
                "md5_only", true));
        assertEquals(200, full.status(), full.toString());
        assertEquals("Acme Ltd", full.data().get("name").asText());
        assertTrue(full.data().get("md5_only").asBoolean());
        assertTrue(edge.directory().tenant(id).orElseThrow().md5Only());

        Reply patch = api.call("PATCH", "/v2/accounts/" + id, admin, Map.of("md5_only", false));
        assertEquals(200, patch.status(), patch.toString());
        assertEquals("Acme Ltd", patch.data().get("name").asText(), "PATCH keeps what it does not name");
        assertFalse(patch.data().get("md5_only").asBoolean());

        // SHA-256 alone for the account's phones; setting md5_only again clears it (one at most).
        Reply sha = api.call("PATCH", "/v2/accounts/" + id, admin, Map.of("sha256_only", true));
        assertEquals(200, sha.status(), sha.toString());
        assertTrue(sha.data().get("sha256_only").asBoolean());
        assertTrue(edge.directory().tenant(id).orElseThrow().sha256Only());
        Reply md5 = api.call("PATCH", "/v2/accounts/" + id, admin, Map.of("md5_only", true));
        assertTrue(md5.data().get("md5_only").asBoolean(), md5.toString());
        assertFalse(md5.data().get("sha256_only").asBoolean(), md5.toString());

        Reply del = api.call("DELETE", "/v2/accounts/" + id, admin, null);
        assertEquals(200, del.status(), del.toString());
        assertEquals(404, api.get("/v2/accounts/" + id, admin).status());
        assertTrue(edge.directory().tenantByDomain(realm).isEmpty());
    }

    @Test
    void accountRulesAnswer400NamingFieldAndRule() throws Exception {
        String taken = realm();
        api.account(admin, "first", taken);
        Map<String, Map<String, Object>> cases = new java.util.LinkedHashMap<>();
        cases.put("realm/required", Map.of("name", "x"));
        cases.put("realm/domain", Map.of("name", "x", "realm", "not a domain"));
        cases.put("realm/unique", Map.of("name", "x", "realm", taken));
        cases.put("name/required", Map.of("realm", realm()));
        cases.put("name/max_length", Map.of("name", "n".repeat(129), "realm", realm()));
        cases.put("realm/type", Map.of("name", "x", "realm", 42));
        cases.put("md5_only/type", Map.of("name", "x", "realm", realm(), "md5_only", "yes"));
        cases.put("sha256_only/exclusive",
                Map.of("name", "x", "realm", realm(), "md5_only", true, "sha256_only", true));
        cases.put("colour/unknown_field", Map.of("name", "x", "realm", realm(), "colour", "red"));
        for (Map.Entry<String, Map<String, Object>> e : cases.entrySet()) {
            String[] fr = e.getKey().split("/");
            Reply r = api.call("PUT", "/v2/accounts", admin, e.getValue());
            assertEquals(400, r.status(), e.getKey() + ": " + r);
            assertEquals("error", r.json().get("status").asText());
            assertEquals("400", r.json().get("error").asText());
            assertTrue(r.rules(fr[0]).contains(fr[1]), e.getKey() + ": " + r);
            assertFalse(r.data().get(fr[0]).get(fr[1]).get("message").asText().isEmpty());
        }
        assertEquals(201, api.call("PUT", "/v2/accounts", admin, Map.of("name", "ip", "realm", "192.0.2.77")).status());
    }

    @Test
    void theRealmCannotChangeAfterCreation() throws Exception {
        String id = api.account(admin, "r", realm());
        Reply r = api.call("POST", "/v2/accounts/" + id, admin, Map.of("name", "r", "realm", realm()));
        assertEquals(400, r.status(), r.toString());
        assertEquals(List.of("read_only"), r.rules("realm"));
        Reply noName = api.call("POST", "/v2/accounts/" + id, admin, Map.of("md5_only", true));
        assertEquals(List.of("required"), noName.rules("name"), "POST is a full update: name is required");
    }

    @Test
    void listingIsPagedAndForTheAdminOnly() throws Exception {
        for (int i = 0; i < 3; i++) {
            api.account(admin, "page" + i, realm());
        }
        List<String> seen = new ArrayList<>();
        String start = null;
        int pages = 0;
        do {
            Reply r = api.get("/v2/accounts?page_size=2" + (start == null ? "" : "&start_key=" + start), admin);
            assertEquals(200, r.status(), r.toString());
            r.data().forEach(a -> seen.add(a.get("id").asText()));
            assertEquals(r.data().size(), r.json().get("page_size").asInt());
            start = r.json().has("next_start_key") ? r.json().get("next_start_key").asText() : null;
            pages++;
        } while (start != null && pages < 100);
        List<String> all = edge.directory().tenants().stream().map(Tenant::id).toList();
        assertEquals(all.size(), seen.size());
        assertTrue(seen.containsAll(all));
        assertEquals(400, api.get("/v2/accounts?page_size=0", admin).status());
        assertEquals(400, api.get("/v2/accounts?start_key=bogus", admin).status());

        String acc = api.account(admin, "scoped", realm());
        String key = api.get("/v2/accounts/" + acc + "/api_key", admin).data().get("api_key").asText();
        String token = api.token(key);
        Reply forbidden = api.get("/v2/accounts", token);
        assertEquals(403, forbidden.status(), forbidden.toString());
        assertEquals(403, api.call("PUT", "/v2/accounts", token, Map.of("name", "x", "realm", realm())).status());
    }

    @Test
    void anAccountTokenSeesOnlyItsAccount() throws Exception {
        String a = api.account(admin, "A", realm());
        String b = api.account(admin, "B", realm());
        String ta = api.token(api.get("/v2/accounts/" + a + "/api_key", admin).data().get("api_key").asText());
        Reply auth = api.call("PUT", "/v2/api_auth", null,
                Map.of("api_key", api.get("/v2/accounts/" + a + "/api_key", admin).data().get("api_key").asText()));
        assertEquals(a, auth.data().get("account_id").asText());
        assertFalse(auth.data().get("is_admin").asBoolean());

        String devA = api.device(ta, a, "alice", "alice-pw-1");
        String devB = api.device(admin, b, "bob", "bob-pw-12");
        assertEquals(200, api.get("/v2/accounts/" + a, ta).status());
        assertEquals(200, api.get("/v2/accounts/" + a + "/devices/" + devA, ta).status());
        // B's resources, and A's device reached through B's path: all 404, like ids that do not exist.
        for (String path : List.of("/v2/accounts/" + b, "/v2/accounts/" + b + "/devices",
                "/v2/accounts/" + b + "/devices/" + devB, "/v2/accounts/" + b + "/devices/" + devB + "/status",
                "/v2/accounts/" + b + "/devices/" + devB + "/sip_settings", "/v2/accounts/" + b + "/devices/status",
                "/v2/accounts/" + b + "/registrations", "/v2/accounts/" + b + "/registrations/count",
                "/v2/accounts/" + a + "/devices/" + devB, "/v2/accounts/nope")) {
            Reply r = api.get(path, ta);
            assertEquals(404, r.status(), path + ": " + r);
            assertEquals("404", r.json().get("error").asText());
        }
        assertEquals(404, api.call("PUT", "/v2/accounts/" + b + "/devices", ta,
                Map.of("sip", Map.of("username", "evil", "password", "evil-pw-1"))).status());
        assertEquals(404, api.call("POST", "/v2/accounts/" + b + "/devices/" + devB, ta,
                Map.of("enabled", false)).status());
        assertEquals(404, api.call("PATCH", "/v2/accounts/" + b, ta, Map.of("name", "pwned")).status());
        assertEquals(404, api.call("DELETE", "/v2/accounts/" + b + "/devices/" + devB, ta, null).status());
        assertEquals(404, api.call("DELETE", "/v2/accounts/" + b + "/registrations/bob", ta, null).status());
        assertTrue(edge.directory().device(devB).orElseThrow().enabled(), "nothing of B changed");
        // Admin-only routes answer 403 to an account token, even for its own account.
        assertEquals(403, api.call("DELETE", "/v2/accounts/" + a, ta, null).status());
        assertEquals(403, api.get("/v2/accounts/" + a + "/api_key", ta).status());
        assertEquals(403, api.call("PUT", "/v2/accounts/" + a + "/api_key", ta, null).status());
    }

    @Test
    void rotatingAKeyRetiresTheOldKeyAndItsTokens() throws Exception {
        String a = api.account(admin, "rot", realm());
        Reply k1 = api.get("/v2/accounts/" + a + "/api_key", admin);
        String key1 = k1.data().get("api_key").asText();
        assertTrue(key1.matches("[A-Za-z0-9_-]{43}"), key1);
        assertEquals(key1, api.get("/v2/accounts/" + a + "/api_key", admin).data().get("api_key").asText(),
                "reading does not change it");
        String t1 = api.token(key1);
        Reply rot = api.call("PUT", "/v2/accounts/" + a + "/api_key", admin, null);
        assertEquals(200, rot.status(), rot.toString());
        String key2 = rot.data().get("api_key").asText();
        assertNotEquals(key1, key2);
        assertEquals(401, api.get("/v2/accounts/" + a, t1).status(), "tokens of the old key end");
        assertEquals(401, api.call("PUT", "/v2/api_auth", null, Map.of("api_key", key1)).status());
        assertEquals(200, api.get("/v2/accounts/" + a, api.token(key2)).status());
    }

    @Test
    void apiAuthRefusesWrongAndMissingKeys() throws Exception {
        Reply wrong = api.call("PUT", "/v2/api_auth", null, Map.of("api_key", "not-the-key"));
        assertEquals(401, wrong.status());
        assertEquals("401", wrong.json().get("error").asText());
        assertEquals(List.of("required"), api.call("PUT", "/v2/api_auth", null, Map.of()).rules("api_key"));
        assertEquals(List.of("type"), api.call("PUT", "/v2/api_auth", null, Map.of("api_key", 7)).rules("api_key"));
        Reply ok = api.call("PUT", "/v2/api_auth", null, Map.of("api_key", EdgeUnderTest.ADMIN_KEY));
        assertEquals(201, ok.status());
        assertTrue(ok.data().get("is_admin").asBoolean());
        assertTrue(ok.data().get("account_id").isNull());
        assertEquals(3600, ok.data().get("expires_in").asInt(), "default TTL: one hour");
        assertTrue(ok.json().get("auth_token").asText().matches("[A-Za-z0-9_-]{43}"));
    }

    @Test
    void importedTenantsAreAccountsAndApiAccountsServeSip() throws Exception {
        String realm = realm();
        edge.directory().importLines(List.of(new ImportLine(1, realm, "imported", "imported-pw", null)));
        Map<String, String> byRealm = new HashMap<>();
        api.get("/v2/accounts?page_size=1000", admin).data()
                .forEach(a -> byRealm.put(a.get("realm").asText(), a.get("id").asText()));
        String id = byRealm.get(realm);
        assertTrue(id != null, "the imported tenant is listed");
        Reply devices = api.get("/v2/accounts/" + id + "/devices", admin);
        assertEquals("imported", devices.data().get(0).get("sip").get("username").asText());
        assertEquals("imported", devices.data().get(0).get("name").asText(), "imported devices are named after the user");

        String apiRealm = realm();
        String acc = api.account(admin, "via api", apiRealm);
        api.device(admin, acc, "carol", "carol-pw-1");
        try (SipTestClient phone = new SipTestClient(SipTestClient.Transport.UDP, edge.sipPort())) {
            SipTestClient.SipResponse r = phone.registerWithAuth("carol", apiRealm, "carol-pw-1",
                    phone.contact("carol"), "MD5");
            assertEquals(200, r.status(), r.raw());
        }
        assertEquals(1, edge.locations().lookup(new Aor("carol", apiRealm), edge.clock().instant()).size());
    }

    @Test
    void deletingAnAccountRemovesItsDevicesAndTheirBindings() throws Exception {
        String realm = realm();
        String acc = api.account(admin, "doomed", realm);
        String dev = api.device(admin, acc, "dora", "dora-pw-12");
        try (SipTestClient phone = new SipTestClient(SipTestClient.Transport.UDP, edge.sipPort())) {
            assertEquals(200, phone.registerWithAuth("dora", realm, "dora-pw-12", phone.contact("dora"), "MD5").status());
        }
        Aor aor = new Aor("dora", realm);
        assertEquals(1, edge.locations().lookup(aor, edge.clock().instant()).size());
        assertEquals(200, api.call("DELETE", "/v2/accounts/" + acc, admin, null).status());
        assertTrue(edge.locations().lookup(aor, edge.clock().instant()).isEmpty(), "bindings gone with the answer");
        assertTrue(edge.directory().device(dev).isEmpty());
        try (SipTestClient phone = new SipTestClient(SipTestClient.Transport.UDP, edge.sipPort())) {
            assertEquals(403, phone.registerWithAuth("dora", realm, "dora-pw-12", phone.contact("dora"), "MD5").status(),
                    "the domain is no longer served");
        }
    }
}
