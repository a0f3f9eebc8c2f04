package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.it.ApiClient.Plain;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The self-service page's routes over HTTP (issue 17), on an edge with a separate admin listener:
 * {@code /portal} and its files are on the public listener with their security headers, any other
 * name under it is a 404, and the signed-in scloc QR route serves only the user's own device.
 * What the page does in a browser is {@link PortalBrowserTest}.
 */
@Timeout(120)
class PortalTest {
    private static final String PW = "Portal test pw 4711";
    private static final String DOMAIN = "portal.example";
    private static final Pattern INLINE_SCRIPT = Pattern.compile("<script(?![^>]*\\bsrc=)[^>]*>");
    private static final Pattern INLINE_HANDLER = Pattern.compile("\\son[a-z]+\\s*=");
    static EdgeUnderTest edge;
    static ApiClient admin;
    static String adminToken;
    static String aliceDesk;
    static String bobPhone;

    @BeforeAll
    static void start() throws Exception {
        edge = EdgeUnderTest.start("sip.tls-port=-1", "http.admin-address=127.0.0.1", "http.admin-port=0");
        admin = new ApiClient(edge.adminPort());
        adminToken = admin.adminToken();
        String acc = admin.account(adminToken, "portal", DOMAIN);
        aliceDesk = device(acc, "alice-desk", user(acc, "alice"));
        bobPhone = device(acc, "bob-phone", user(acc, "bob"));
    }

    @AfterAll
    static void stop() throws Exception {
        edge.close();
    }

    static String user(String acc, String username) throws Exception {
        ApiClient.Reply r = admin.call("PUT", "/v2/accounts/" + acc + "/users", adminToken,
                Map.of("username", username, "password", PW));
        assertEquals(201, r.status(), r.toString());
        return r.data().get("id").asText();
    }

    static String device(String acc, String username, String owner) throws Exception {
        Map<String, Object> body = new HashMap<>(Map.of("name", username + " phone", "device_type", "softphone",
                "sip", Map.of("username", username, "password", username + "-pw-1"), "owner_id", owner));
        ApiClient.Reply r = admin.call("PUT", "/v2/accounts/" + acc + "/devices", adminToken, body);
        assertEquals(201, r.status(), r.toString());
        return r.data().get("id").asText();
    }

    private static Plain pub(String method, String path, String... headers) throws Exception {
        return new ApiClient(edge.httpPort()).plain(method, path, null, headers);
    }

    private static String signIn(String username) throws Exception {
        Plain r = new ApiClient(edge.httpPort()).plain("POST", "/api/auth/sign_in", ApiClient.JSON.writeValueAsString(
                Map.of("username", username, "password", PW, "domain", DOMAIN)));
        assertEquals(200, r.status(), r.toString());
        return r.json().get("access_token").asText();
    }

    private static void assertSecurityHeaders(Plain r, String where) {
        String csp = r.raw().headers().firstValue("Content-Security-Policy").orElse("");
        assertTrue(csp.startsWith("default-src 'self';"), where + ": " + csp);
        assertTrue(csp.contains("script-src 'self';"), where + ": no inline script, no other origin: " + csp);
        assertTrue(csp.contains("img-src 'self' data: blob:;"), where + ": " + csp);
        assertTrue(csp.contains("frame-ancestors 'none'"), where + ": " + csp);
        assertFalse(csp.contains("unsafe"), where + ": " + csp);
        assertEquals("nosniff", r.raw().headers().firstValue("X-Content-Type-Options").orElse(null), where);
        assertEquals("no-referrer", r.raw().headers().firstValue("Referrer-Policy").orElse(null), where);
    }

    @Test
    void thePageIsServedOnThePublicListenerWithAStrictPolicy() throws Exception {
        for (String path : new String[] {"/portal", "/portal/"}) {
            Plain r = pub("GET", path);
            assertEquals(200, r.status(), path);
            assertEquals("text/html; charset=utf-8", r.raw().headers().firstValue("Content-Type").orElse(null));
            assertEquals("no-store", r.raw().headers().firstValue("Cache-Control").orElse(null), path);
            assertSecurityHeaders(r, path);
            assertTrue(r.body().contains("<script src=\"/portal/portal.js\""), r.body());
            assertTrue(r.body().contains("id=\"signin-form\""), r.body());
            assertFalse(INLINE_SCRIPT.matcher(r.body()).find(), "no inline script: the CSP would block it");
            assertFalse(INLINE_HANDLER.matcher(r.body()).find(), "no inline event handler attribute");
        }
        Plain head = pub("HEAD", "/portal");
        assertEquals(200, head.status());
        assertEquals("", head.body());
        // The operator's listener serves every route, the page too.
        assertEquals(200, new ApiClient(edge.adminPort()).plain("GET", "/portal", null).status());
    }

    @Test
    void theScriptAndStyleSheetHaveTheirOwnTypesAndTheSameHeaders() throws Exception {
        Map<String, String> types = Map.of("/portal/portal.js", "text/javascript; charset=utf-8",
                "/portal/portal.css", "text/css; charset=utf-8", "/portal/index.html", "text/html; charset=utf-8");
        for (Map.Entry<String, String> e : types.entrySet()) {
            Plain r = pub("GET", e.getKey());
            assertEquals(200, r.status(), e.getKey());
            assertEquals(e.getValue(), r.raw().headers().firstValue("Content-Type").orElse(null), e.getKey());
            assertSecurityHeaders(r, e.getKey());
            assertFalse(r.body().isEmpty(), e.getKey());
        }
        assertTrue(pub("GET", "/portal/portal.js").body().contains("/api/auth/sign_in"));
    }

    @Test
    void anyOtherNameUnderThePortalIsTheUnknownPath404() throws Exception {
        Plain unknown = pub("GET", "/no/such/path");
        assertEquals(404, unknown.status());
        for (String path : new String[] {"/portal/xyz", "/portal/portal.json", "/portal/%2e%2e%2fpom.xml",
                "/portal/..%2F..%2Fetc%2Fpasswd", "/portal/portal.js/x", "/portal/PORTAL.JS"}) {
            Plain r = pub("GET", path);
            assertEquals(404, r.status(), path + ": " + r);
            assertEquals(unknown.json().get("message"), r.json().get("message"), path);
        }
        assertEquals(405, pub("POST", "/portal").status());
    }

    @Test
    void theSclocQrCodeNeedsASessionAndIsOnlyForTheUsersOwnDevice() throws Exception {
        String path = "/api/me/devices/" + aliceDesk + "/qrcode?format=scloc";
        Plain none = pub("GET", path);
        assertEquals(401, none.status(), none.toString());
        assertEquals("Bearer", none.raw().headers().firstValue("WWW-Authenticate").orElse(""));
        assertEquals(401, pub("GET", path, "X-Auth-Token", adminToken).status(), "an operator is not a user");

        String alice = signIn("alice");
        ProvisioningClient phone = new ProvisioningClient(edge.httpPort());
        HttpResponse<byte[]> png = phone.get(path, "Authorization", "Bearer " + alice);
        assertEquals(200, png.statusCode(), ProvisioningClient.text(png));
        assertEquals("image/png", png.headers().firstValue("Content-Type").orElse(null));
        String text = ProvisioningClient.decode(png.body()).text();
        assertTrue(text.startsWith("scloc:"), text);
        assertTrue(text.contains("\"sipusername\":\"alice-desk\""), text);
        assertTrue(text.contains("\"sippassword\":\"alice-desk-pw-1\""), text);

        Plain payload = pub("GET", path + "&output=text", "Authorization", "Bearer " + alice);
        assertEquals(200, payload.status());
        assertEquals(text, payload.body(), "the image is exactly the payload");
        assertEquals(400, pub("GET", "/api/me/devices/" + aliceDesk + "/qrcode", "Authorization", "Bearer " + alice)
                .status(), "format is required, as on the operator's route");

        Plain unknown = pub("GET", "/api/me/devices/0123456789abcdef0123456789abcdef/qrcode?format=scloc",
                "Authorization", "Bearer " + alice);
        assertEquals(404, unknown.status(), unknown.toString());
        Plain bobs = pub("GET", "/api/me/devices/" + bobPhone + "/qrcode?format=scloc", "Authorization",
                "Bearer " + alice);
        assertEquals(404, bobs.status(), "another user's device is an unknown one: " + bobs);
        assertEquals(unknown.json().get("message"), bobs.json().get("message"));
        assertFalse(bobs.body().contains("bob-phone-pw-1"));
    }
}
