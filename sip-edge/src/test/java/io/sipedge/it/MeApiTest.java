package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipedge.it.ApiClient.Plain;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 17, "what a signed-in user can do", against a running edge: {@code GET /api/me/devices}
 * lists the user's own devices with their registration status, and {@code POST
 * /api/me/devices/{id}/provisioning_token} gives the operator's provisioning link for one of them.
 * Nothing of another user's: their device is the same 404 as an unknown id.
 */
@Timeout(120)
class MeApiTest {
    private static final String PW = "Me api pw 4711";
    private static final String DOMAIN = "me.example";
    static EdgeUnderTest edge;
    static ApiClient api;
    static String admin;
    static String aliceDesk;
    static String aliceMobile;
    static String bobPhone;
    static String otherAccountsPhone;
    static String account;

    @BeforeAll
    static void start() throws Exception {
        edge = EdgeUnderTest.start("sip.tls-port=-1");
        api = edge.api();
        admin = api.adminToken();
        String acc = api.account(admin, "me", DOMAIN);
        account = acc;
        String alice = user(acc, "alice");
        String bob = user(acc, "bob");
        aliceDesk = device(acc, "alice-desk", alice);
        aliceMobile = device(acc, "alice-mobile", alice);
        bobPhone = device(acc, "bob-phone", bob);
        device(acc, "lobby", null);
        // Another account whose device names alice's id as its owner: still not hers.
        String other = api.account(admin, "other", "other.me.example");
        otherAccountsPhone = device(other, "stranger", alice);
    }

    @AfterAll
    static void stop() throws Exception {
        edge.close();
    }

    private static String user(String acc, String username) throws Exception {
        ApiClient.Reply r = api.call("PUT", "/v2/accounts/" + acc + "/users", admin,
                Map.of("username", username, "password", PW));
        assertEquals(201, r.status(), r.toString());
        return r.data().get("id").asText();
    }

    private static String device(String acc, String username, String owner) throws Exception {
        Map<String, Object> body = new java.util.HashMap<>(Map.of("name", username + " phone", "device_type",
                "softphone", "sip", Map.of("username", username, "password", username + "-pw-1")));
        if (owner != null) {
            body.put("owner_id", owner);
        }
        ApiClient.Reply r = api.call("PUT", "/v2/accounts/" + acc + "/devices", admin, body);
        assertEquals(201, r.status(), r.toString());
        return r.data().get("id").asText();
    }

    private static Plain send(String method, String path, String body, String... headers) throws Exception {
        return new ApiClient(edge.httpPort()).plain(method, path, body, headers);
    }

    private static String signIn(String username) throws Exception {
        Plain r = send("POST", "/api/auth/sign_in", ApiClient.JSON.writeValueAsString(Map.of("username", username,
                "password", PW, "domain", DOMAIN)));
        assertEquals(200, r.status(), r.toString());
        return r.json().get("access_token").asText();
    }

    private static Plain token(String access, String device) throws Exception {
        return send("POST", "/api/me/devices/" + device + "/provisioning_token", null,
                "Authorization", "Bearer " + access);
    }

    @Test
    void theListShowsOnlyTheUsersOwnDevicesWithTheirStatusAndNoSecret() throws Exception {
        String access = signIn("alice");
        try (SipTestClient phone = new SipTestClient(SipTestClient.Transport.UDP, edge.sipPort())) {
            assertEquals(200, phone.registerWithAuth("alice-desk", DOMAIN, "alice-desk-pw-1",
                    phone.contact("alice-desk"), "MD5").status());

            Plain r = send("GET", "/api/me/devices", null, "Authorization", "Bearer " + access);
            assertEquals(200, r.status(), r.toString());
            JsonNode list = r.json();
            assertTrue(list.isArray(), "the seed's flat JSON, not the envelope: " + r);
            Map<String, JsonNode> byId = new TreeMap<>();
            list.forEach(d -> byId.put(d.get("id").asText(), d));
            assertEquals(new TreeSet<>(List.of(aliceDesk, aliceMobile)), byId.keySet(), "alice's only");

            JsonNode desk = byId.get(aliceDesk);
            assertEquals("alice-desk phone", desk.get("name").asText());
            assertEquals("alice-desk", desk.get("username").asText());
            assertEquals("softphone", desk.get("device_type").asText());
            JsonNode status = desk.get("status");
            assertTrue(status.get("registered").asBoolean(), r.toString());
            assertTrue(status.get("reachable").asBoolean(), r.toString());
            assertEquals("udp", status.get("transport").asText());
            JsonNode contact = status.get("contacts").get(0);
            assertEquals("127.0.0.1", contact.get("ip").asText());
            assertEquals(phone.localPort(), contact.get("port").asInt());
            assertEquals("sip-edge-test/1.0", contact.get("user_agent").asText());
            assertTrue(contact.has("expires_at"));

            JsonNode mobile = byId.get(aliceMobile);
            assertFalse(mobile.get("status").get("registered").asBoolean());
            assertFalse(mobile.get("status").get("reachable").asBoolean());
            assertEquals(0, mobile.get("status").get("contacts").size());

            assertFalse(r.body().contains("-pw-1"), "never a password");
            assertFalse(r.body().contains("bob"), "nothing of another user");
        }
    }

    @Test
    void aTokenForTheUsersOwnDeviceProvisionsIt() throws Exception {
        String access = signIn("alice");
        Plain r = token(access, aliceMobile);
        assertEquals(200, r.status(), r.toString());
        JsonNode t = r.json();
        assertFalse(t.has("data"), "the seed's flat JSON");
        String url = t.get("url").asText();
        assertTrue(url.endsWith("/provisioning/" + t.get("token").asText()), url);
        assertTrue(t.get("qrcode_url").asText().endsWith("/provisioning/qrcode/" + t.get("token").asText()));
        assertTrue(t.get("single_use").asBoolean());
        assertTrue(t.has("expires_at"));
        assertTrue(t.get("scloc").asText().startsWith("scloc:"), t.toString());
        assertTrue(t.get("scloc").asText().contains("\"sipusername\":\"alice-mobile\""), t.toString());

        ProvisioningClient phone = new ProvisioningClient(edge.httpPort());
        HttpResponse<byte[]> qr = phone.get(ProvisioningClient.pathOf(t.get("qrcode_url").asText()));
        assertEquals(200, qr.statusCode());
        assertEquals("image/png", qr.headers().firstValue("Content-Type").orElse(null));
        assertEquals(url, qr.headers().firstValue("X-Qrcode-URL").orElse(null));
        assertEquals(url, ProvisioningClient.decode(qr.body()).text(), "the QR code is the provisioning URL");
        HttpResponse<byte[]> xml = phone.fetch(ProvisioningClient.pathOf(url));
        assertEquals(200, xml.statusCode(), ProvisioningClient.text(xml));
        assertEquals("alice-mobile", ProvisioningClient.parse(xml.body()).get("auth_info_0", "username"));

        // The options of the operator's route, in the seed's flat shape.
        Plain custom = send("POST", "/api/me/devices/" + aliceMobile + "/provisioning_token",
                "{\"ttl\": 600, \"single_use\": false}", "Authorization", "Bearer " + access);
        assertEquals(200, custom.status(), custom.toString());
        assertFalse(custom.json().get("single_use").asBoolean());
        assertEquals(400, send("POST", "/api/me/devices/" + aliceMobile + "/provisioning_token",
                "{\"ttl\": 1}", "Authorization", "Bearer " + access).status());
    }

    @Test
    void anotherUsersDeviceIsTheSame404AsAnUnknownOne() throws Exception {
        String access = signIn("alice");
        Plain unknown = token(access, "0123456789abcdef0123456789abcdef");
        assertEquals(404, unknown.status(), unknown.toString());
        for (String notHers : new String[] {bobPhone, otherAccountsPhone}) {
            Plain r = token(access, notHers);
            assertEquals(404, r.status(), r.toString());
            assertEquals(unknown.json().get("message"), r.json().get("message"));
        }
        // Bob's token works for his own device and lists only it.
        String bob = signIn("bob");
        assertEquals(200, token(bob, bobPhone).status());
        Plain list = send("GET", "/api/me/devices", null, "Authorization", "Bearer " + bob);
        assertEquals(1, list.json().size(), list.toString());
        assertEquals(bobPhone, list.json().get(0).get("id").asText());
    }

    @Test
    void withoutAUsersSessionThereIsNothing() throws Exception {
        for (String[] call : new String[][] {{"GET", "/api/me/devices"},
                {"POST", "/api/me/devices/" + aliceDesk + "/provisioning_token"}}) {
            Plain none = send(call[0], call[1], null);
            assertEquals(401, none.status(), none.toString());
            assertEquals("Bearer", none.raw().headers().firstValue("WWW-Authenticate").orElse(""));
            assertEquals(401, send(call[0], call[1], null, "Authorization", "Bearer not-a-session").status());
            // An operator's token is not a user's session.
            assertEquals(401, send(call[0], call[1], null, "X-Auth-Token", admin).status());
            assertEquals(401, send(call[0], call[1], null, "Authorization", "Bearer " + admin).status());
        }
        // A session that ended opens nothing either.
        String access = signIn("alice");
        assertEquals(200, send("POST", "/api/auth/sign_out", null, "Authorization", "Bearer " + access).status());
        assertEquals(401, send("GET", "/api/me/devices", null, "Authorization", "Bearer " + access).status());
    }

    @Test
    void aDisabledUsersSessionOpensNothing() throws Exception {
        String carol = user(account, "carol");
        String phone = device(account, "carol-phone", carol);
        String access = signIn("carol");
        assertEquals(200, token(access, phone).status());
        ApiClient.Reply off = api.call("PATCH", "/v2/accounts/" + account + "/users/" + carol, admin,
                Map.of("enabled", false));
        assertEquals(200, off.status(), off.toString());
        assertEquals(401, token(access, phone).status());
        assertEquals(401, send("GET", "/api/me/devices", null, "Authorization", "Bearer " + access).status());
    }
}
