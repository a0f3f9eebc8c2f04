package io.sipedge.it;

import static io.sipedge.it.ProvisioningClient.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sipedge.it.ApiClient.Reply;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** scloc QR codes (scloc-qr-format seed) from the devices API: payload text and the PNG decoded with zxing. */
@Timeout(120)
class SclocQrTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static EdgeUnderTest edge;
    static ApiClient api;
    static ProvisioningClient http;
    static String token;

    @BeforeAll
    static void start() throws Exception {
        edge = EdgeUnderTest.start("sip.tls-port=-1");
        api = edge.api();
        http = new ProvisioningClient(edge.httpPort());
        token = api.adminToken();
    }

    @AfterAll
    static void stop() throws Exception {
        if (edge != null) {
            edge.close();
        }
    }

    private static String qr(String path) throws Exception {
        HttpResponse<byte[]> png = http.get(path + (path.contains("?") ? "&" : "?") + "format=scloc", "X-Auth-Token",
                token);
        assertEquals(200, png.statusCode(), text(png));
        assertEquals("image/png", png.headers().firstValue("Content-Type").orElse(null));
        assertEquals("no-store", png.headers().firstValue("Cache-Control").orElse(null));
        HttpResponse<byte[]> txt = http.get(path + (path.contains("?") ? "&" : "?") + "format=scloc&output=text",
                "X-Auth-Token", token);
        assertEquals(200, txt.statusCode(), text(txt));
        ProvisioningClient.Qr decoded = ProvisioningClient.decode(png.body());
        assertEquals(text(txt), decoded.text(), "the PNG carries exactly the text");
        assertEquals("H", decoded.errorCorrection());
        return decoded.text();
    }

    /** The JSON after "scloc:" or "scloc:providerId|". */
    private static JsonNode json(String payload, String providerId) throws Exception {
        String prefix = providerId == null ? "scloc:" : "scloc:" + providerId + "|";
        assertTrue(payload.startsWith(prefix), payload);
        String rest = payload.substring(prefix.length());
        assertTrue(rest.startsWith("{"), "no provider id part in a whitelabel code: " + payload);
        return JSON.readTree(rest);
    }

    @Test
    void whitelabelWithOnlyTheRequiredFields() throws Exception {
        String acc = api.account(token, "White", "white.example.com");
        String dev = api.device(token, acc, "user1", "29de?8\"\\x");
        String payload = qr("/v2/accounts/" + acc + "/devices/" + dev + "/qrcode");
        JsonNode root = json(payload, null);
        JsonNode a = root.get("sipaccounts").get(0);
        assertEquals("user1", a.get("sipusername").asText());
        assertEquals("29de?8\"\\x", a.get("sippassword").asText(), "escaped by Jackson, read back intact");
        assertEquals("UDP", a.get("transport").asText());
        for (String absent : List.of("subdomain", "authusername", "srtp", "messaging", "video", "callrecording")) {
            assertNull(a.get(absent), absent);
        }
        assertNull(root.get("xmppaccounts"));
        assertEquals(List.of("sipusername", "sippassword", "transport"), names(a));
    }

    @Test
    void genericWithEveryOptionalFieldAndXmpp() throws Exception {
        Reply acc = api.call("PUT", "/v2/accounts", token, Map.of("name", "Generic", "realm", "generic.example.com",
                "scloc_provider_id", "acme", "scloc_subdomain", "pbx"));
        assertEquals(201, acc.status(), acc.toString());
        assertEquals("acme", acc.data().get("scloc_provider_id").asText());
        String id = acc.data().get("id").asText();
        Map<String, Object> xmpp = Map.ofEntries(Map.entry("jid", "user1@chat.example.com"),
                Map.entry("password", "xmpp_password"), Map.entry("domain", "chat.example.com"),
                Map.entry("server", "xmpp.example.com"), Map.entry("port", 5223), Map.entry("resource", "desk"),
                Map.entry("usetls", true), Map.entry("verifycert", false), Map.entry("priority", -3),
                Map.entry("displayname", "User One"), Map.entry("accountname", "Work XMPP"));
        Reply d = api.call("PUT", "/v2/accounts/" + id + "/devices", token, Map.of(
                "sip", Map.of("username", "user1", "auth_username", "629456", "password", "29de?8"),
                "features", Map.of("srtp", true, "messaging", true, "video", false, "callrecording", true),
                "xmppaccounts", List.of(xmpp)));
        assertEquals(201, d.status(), d.toString());
        assertNull(d.data().get("xmppaccounts").get(0).get("password"), "write-only");
        assertFalse(d.body().contains("xmpp_password"));
        String dev = d.data().get("id").asText();
        Reply tls = api.call("POST", "/v2/accounts/" + id + "/devices/" + dev + "/sip_settings", token,
                Map.of("transport", "tls"));
        assertEquals(200, tls.status(), tls.toString());
        // A later update that does not repeat the XMPP password keeps it.
        Reply renamed = api.call("PATCH", "/v2/accounts/" + id + "/devices/" + dev, token, Map.of("name", "Desk"));
        assertEquals(200, renamed.status(), renamed.toString());

        JsonNode root = json(qr("/v2/accounts/" + id + "/devices/" + dev + "/qrcode"), "acme");
        JsonNode a = root.get("sipaccounts").get(0);
        assertEquals("user1", a.get("sipusername").asText());
        assertEquals("29de?8", a.get("sippassword").asText());
        assertEquals("pbx", a.get("subdomain").asText());
        assertEquals("629456", a.get("authusername").asText());
        assertEquals("TLS", a.get("transport").asText());
        assertEquals("Enabled", a.get("srtp").asText());
        assertEquals("Enabled", a.get("messaging").asText());
        assertEquals("Disabled", a.get("video").asText());
        assertEquals("Enabled", a.get("callrecording").asText());
        JsonNode x = root.get("xmppaccounts").get(0);
        assertEquals("user1@chat.example.com", x.get("jid").asText());
        assertEquals("xmpp_password", x.get("password").asText());
        assertEquals("chat.example.com", x.get("domain").asText());
        assertEquals("xmpp.example.com", x.get("server").asText());
        assertEquals(5223, x.get("port").asInt());
        assertEquals("desk", x.get("resource").asText());
        assertTrue(x.get("usetls").asBoolean());
        assertFalse(x.get("verifycert").asBoolean());
        assertEquals(-3, x.get("priority").asInt());
        assertEquals("User One", x.get("displayname").asText());
        assertEquals("Work XMPP", x.get("accountname").asText());

        // provider_id on the request wins over the account's.
        json(qr("/v2/accounts/" + id + "/devices/" + dev + "/qrcode?provider_id=other.app"), "other.app");
        // Clearing the account's provider id gives whitelabel codes.
        assertEquals(200, api.call("PATCH", "/v2/accounts/" + id, token, "{\"data\":{\"scloc_provider_id\":null}}")
                .status());
        json(qr("/v2/accounts/" + id + "/devices/" + dev + "/qrcode"), null);
    }

    @Test
    void xmppDefaultsAndSeveralDevicesOfOneOwner() throws Exception {
        String acc = api.account(token, "Owner", "owner.example.com");
        for (String u : List.of("desk", "mobile")) {
            Reply r = api.call("PUT", "/v2/accounts/" + acc + "/devices", token, Map.of("owner_id", "user_42",
                    "sip", Map.of("username", u, "password", "Pw-" + u + "-123"),
                    "xmppaccounts", List.of(Map.of("jid", u + "@chat.example.com", "password", "x-" + u,
                            "domain", "chat.example.com"))));
            assertEquals(201, r.status(), r.toString());
        }
        api.device(token, acc, "someoneelse", "Pw-else-123");
        JsonNode root = json(qr("/v2/accounts/" + acc + "/users/user_42/qrcode"), null);
        assertEquals(2, root.get("sipaccounts").size());
        // Both devices were created at the same instant of the test clock: no order to rely on.
        Map<String, String> passwords = new java.util.TreeMap<>();
        root.get("sipaccounts").forEach(a -> passwords.put(a.get("sipusername").asText(), a.get("sippassword").asText()));
        assertEquals(Map.of("desk", "Pw-desk-123", "mobile", "Pw-mobile-123"), passwords);
        JsonNode x = root.get("xmppaccounts");
        assertEquals(2, x.size());
        assertEquals(5222, x.get(0).get("port").asInt(), "default port");
        assertEquals(5, x.get(0).get("priority").asInt(), "default priority");
        assertTrue(x.get(0).get("usetls").asBoolean());
        assertTrue(x.get(0).get("verifycert").asBoolean());
        for (String absent : List.of("server", "resource", "displayname", "accountname")) {
            assertNull(x.get(0).get(absent), absent);
        }
        HttpResponse<byte[]> none = http.get("/v2/accounts/" + acc + "/users/nobody/qrcode?format=scloc",
                "X-Auth-Token", token);
        assertEquals(404, none.statusCode());
        HttpResponse<byte[]> noFormat = http.get("/v2/accounts/" + acc + "/users/user_42/qrcode", "X-Auth-Token", token);
        assertEquals(400, noFormat.statusCode());
        assertEquals(401, http.get("/v2/accounts/" + acc + "/users/user_42/qrcode?format=scloc").statusCode());
    }

    @Test
    void xmppAccountsBreakingTheSeedsRulesAre400NamingTheField() throws Exception {
        String acc = api.account(token, "Rules", "rules.example.com");
        String path = "/v2/accounts/" + acc + "/devices";
        Map<String, Object> ok = Map.of("jid", "a@chat.example.com", "password", "p", "domain", "chat.example.com");
        Object[][] cases = {
            {Map.of("password", "p", "domain", "d"), "xmppaccounts[0].jid", "required"},
            {Map.of("jid", "a@b", "domain", "d"), "xmppaccounts[0].password", "required"},
            {Map.of("jid", "a@b", "password", "p"), "xmppaccounts[0].domain", "required"},
            {with(ok, "port", 0), "xmppaccounts[0].port", "range"},
            {with(ok, "port", 65536), "xmppaccounts[0].port", "range"},
            {with(ok, "port", "5222"), "xmppaccounts[0].port", "type"},
            {with(ok, "priority", 128), "xmppaccounts[0].priority", "range"},
            {with(ok, "priority", -129), "xmppaccounts[0].priority", "range"},
            {with(ok, "usetls", "yes"), "xmppaccounts[0].usetls", "type"},
            {with(ok, "verifycert", 1), "xmppaccounts[0].verifycert", "type"},
            {with(ok, "jid", "not-an-address"), "xmppaccounts[0].jid", "pattern"},
            {with(ok, "tls", true), "xmppaccounts[0].tls", "unknown_field"},
        };
        int n = 0;
        for (Object[] c : cases) {
            Reply r = api.call("PUT", path, token, Map.of("sip", Map.of("username", "x" + n++, "password", "Pw-123456"),
                    "xmppaccounts", List.of(c[0])));
            assertEquals(400, r.status(), r.toString());
            assertEquals(List.of((String) c[2]), r.rules((String) c[1]), r.toString());
        }
        Reply notArray = api.call("PUT", path, token, Map.of("sip", Map.of("username", "y", "password", "Pw-123456"),
                "xmppaccounts", ok));
        assertEquals(List.of("type"), notArray.rules("xmppaccounts"));
        Reply second = api.call("PUT", path, token, Map.of("sip", Map.of("username", "z", "password", "Pw-123456"),
                "xmppaccounts", List.of(ok, Map.of("jid", "b@c"))));
        assertEquals(List.of("required"), second.rules("xmppaccounts[1].password"), second.toString());
        Reply badFeature = api.call("PUT", path, token, Map.of("sip", Map.of("username", "w", "password", "Pw-123456"),
                "features", Map.of("srtp", "Enabled")));
        assertEquals(List.of("type"), badFeature.rules("features.srtp"));
    }

    private static Map<String, Object> with(Map<String, Object> base, String key, Object value) {
        Map<String, Object> m = new java.util.HashMap<>(base);
        m.put(key, value);
        return m;
    }

    private static List<String> names(JsonNode o) {
        List<String> out = new java.util.ArrayList<>();
        o.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
