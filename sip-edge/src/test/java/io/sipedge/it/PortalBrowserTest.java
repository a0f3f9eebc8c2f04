package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.zxing.BinaryBitmap;
import com.google.zxing.DecodeHintType;
import com.google.zxing.NotFoundException;
import com.google.zxing.RGBLuminanceSource;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.qrcode.QRCodeReader;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import no.nav.security.mock.oauth2.token.OAuth2TokenProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The self-service page in Debian's headless Chromium on a 360 px phone screen
 * ({@code src/test/browser/portal.mjs}), on an edge whose operator API has its own listener, so
 * everything the page needs must be on the public one. A user signs in by keyboard, sees their
 * device, shows its QR code; the QR code as the screen shows it decodes to a provisioning link that
 * gives the device's Linphone XML. Regenerating makes the previous link stop working; the scloc
 * code holds the device's account; signing out returns to the form and ends the session.
 */
@Timeout(180)
class PortalBrowserTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DOMAIN = "portal-browser.example";
    private static final String PASSWORD = "Portal browser pw 4711";
    /** The account's Entra ID directory at the mock provider, and Alice's object id in it. */
    private static final String TID = "3f2a9c1e-7b4d-4e8a-9c61-2d5e8f0a1b7c";
    private static final String OID = "a1b2c3d4-e5f6-4789-8abc-def012345678";
    private static final String APP_ID = "6731de76-14a6-49ae-97bc-6eba6914391e";
    static MockOAuth2Server idp;
    static EdgeUnderTest edge;
    static String device;

    @BeforeAll
    static void start() throws Exception {
        BrowserScript.install();
        // A real OpenID provider with its interactive login page, on the loopback address (the
        // browser resolves no name).
        idp = new MockOAuth2Server(new OAuth2Config(true, null, null, false, new OAuth2TokenProvider()));
        idp.start(InetAddress.getLoopbackAddress(), 0);
        edge = EdgeUnderTest.start("sip.tls-port=-1", "http.admin-address=127.0.0.1", "http.admin-port=0");
        ApiClient admin = new ApiClient(edge.adminPort());
        String token = admin.adminToken();
        String account = admin.account(token, "portal browser", DOMAIN);
        ApiClient.Reply user = admin.call("PUT", "/v2/accounts/" + account + "/users", token,
                Map.of("username", "alice", "password", PASSWORD, "first_name", "Alice", "ms365_binding", OID));
        assertEquals(201, user.status(), user.toString());
        ApiClient.Reply ms365 = admin.call("PUT", "/v2/accounts/" + account + "/ms365", token, Map.of(
                "directory_id", TID, "application_id", APP_ID, "client_secret", "Entra~Portal.Secret-1",
                "issuer", "http://127.0.0.1:" + idp.baseUrl().port() + "/" + TID,
                "allowed_callback_urls", List.of())); // the edge's own /portal is always allowed
        assertEquals(201, ms365.status(), ms365.toString());
        ApiClient.Reply d = admin.call("PUT", "/v2/accounts/" + account + "/devices", token, Map.of(
                "name", "Alice's phone", "device_type", "softphone", "owner_id", user.data().get("id").asText(),
                "sip", Map.of("username", "alice-phone", "password", "alice-phone-pw-1")));
        assertEquals(201, d.status(), d.toString());
        device = d.data().get("id").asText();
    }

    @AfterAll
    static void stop() throws Exception {
        if (edge != null) {
            edge.close();
        }
        if (idp != null) {
            idp.shutdown();
        }
    }

    @Test
    void aUserSignsInShowsTheQrCodeScansItRegeneratesItAndSignsOut() throws Exception {
        ProvisioningClient phone = new ProvisioningClient(edge.httpPort());
        try (BrowserScript page = portal("--username", "alice", "--password", PASSWORD)) {
            page.await("ready");
            page.send("signin");
            JsonNode in = page.await("signed_in");
            assertEquals("account", in.get("view").asText(), in.toString());
            assertEquals("Hello, Alice (alice@" + DOMAIN + ")", in.get("greeting").asText());
            assertEquals(360, in.get("width").asInt(), "a phone's width");
            assertTrue(in.get("fits").asBoolean(), "nothing wider than the phone's screen: " + in);
            assertTrue(in.get("storedTokens").asBoolean());
            assertFalse(in.get("location").asText().contains("?"), "no token in the URL: " + in);

            page.send("devices");
            JsonNode devices = page.await("devices").get("devices");
            assertEquals(1, devices.size(), devices.toString());
            assertEquals(device, devices.get(0).get("id").asText());
            assertEquals("Alice's phone", devices.get(0).get("name").asText());
            assertEquals("alice-phone", devices.get(0).get("username").asText());
            assertFalse(devices.get(0).get("registered").asBoolean());
            assertEquals("Not registered", devices.get(0).get("state").asText());

            page.send("qr " + device);
            JsonNode first = page.await("qr");
            assertEquals("linphone", first.get("format").asText());
            assertEquals("qr-title", first.get("focused").asText(), "focus moves to the QR code's heading");
            String firstUrl = decode(first);
            assertEquals(first.get("url").asText(), firstUrl, "the link under the code is the code's text");
            assertTrue(firstUrl.startsWith("http://127.0.0.1:" + edge.httpPort() + "/provisioning/"), firstUrl);
            assertTrue(head(phone, firstUrl), "the first link works until it is regenerated");

            page.send("regenerate");
            JsonNode second = page.await("qr");
            String secondUrl = decode(second);
            assertNotEquals(firstUrl, secondUrl);
            assertEquals(second.get("url").asText(), secondUrl);
            assertEquals(404, phone.fetch(ProvisioningClient.pathOf(firstUrl)).statusCode(),
                    "the previous link stops working");
            HttpResponse<byte[]> xml = phone.fetch(ProvisioningClient.pathOf(secondUrl));
            assertEquals(200, xml.statusCode(), ProvisioningClient.text(xml));
            assertEquals("alice-phone", ProvisioningClient.parse(xml.body()).get("auth_info_0", "username"));

            page.send("format scloc");
            JsonNode scloc = page.await("qr");
            assertEquals("scloc", scloc.get("format").asText());
            String payload = decode(scloc);
            assertTrue(payload.startsWith("scloc:"), payload);
            assertTrue(payload.contains("\"sipusername\":\"alice-phone\""), payload);

            page.send("signout");
            JsonNode out = page.await("signed_out");
            assertEquals("signin", out.get("view").asText(), out.toString());
            assertEquals("Signed out.", out.get("status").asText());
            assertFalse(out.get("storedTokens").asBoolean(), "the tab forgets the tokens");
            assertEquals("domain", out.get("focused").asText(), "focus returns to the form");

            assertNoPolicyViolation(page);
        }
    }

    @Test
    void aUserSignsInWithMicrosoftThroughTheProvidersLoginPageAndScansTheirDevice() throws Exception {
        String claims = JSON.writeValueAsString(Map.of("tid", TID, "oid", OID,
                "preferred_username", "alice@contoso.example"));
        try (BrowserScript page = portal("--microsoft-login", "alice@contoso.example",
                "--microsoft-claims", claims)) {
            page.await("ready");
            page.send("signin");
            JsonNode atProvider = page.await("identity_provider");
            assertEquals("http://127.0.0.1:" + idp.baseUrl().port(), atProvider.get("origin").asText());
            JsonNode in = page.await("signed_in");
            assertEquals("account", in.get("view").asText(), in.toString());
            assertEquals("Hello, Alice (alice@" + DOMAIN + ")", in.get("greeting").asText());
            assertEquals("http://127.0.0.1:" + edge.httpPort() + "/portal", in.get("location").asText(),
                    "the one-time code has left the address bar");
            assertTrue(in.get("storedTokens").asBoolean());

            page.send("devices");
            JsonNode devices = page.await("devices").get("devices");
            assertEquals(1, devices.size(), devices.toString());
            assertEquals(device, devices.get(0).get("id").asText());

            page.send("qr " + device);
            String url = decode(page.await("qr"));
            HttpResponse<byte[]> xml = new ProvisioningClient(edge.httpPort()).fetch(ProvisioningClient.pathOf(url));
            assertEquals(200, xml.statusCode(), ProvisioningClient.text(xml));
            assertEquals("alice-phone", ProvisioningClient.parse(xml.body()).get("auth_info_0", "username"));
            assertNoPolicyViolation(page);
        }
    }

    @Test
    void theLegacyFormSignInLandsOnThePortalWithTheSessionCookie() throws Exception {
        String claims = JSON.writeValueAsString(Map.of("oid", OID));
        try (BrowserScript page = portal("--microsoft-login", "alice@contoso.example",
                "--microsoft-claims", claims)) {
            page.await("ready");
            page.send("legacy-signin");
            page.await("identity_provider");
            JsonNode in = page.await("signed_in");
            assertEquals("Hello, Alice (alice@" + DOMAIN + ")", in.get("greeting").asText(), in.toString());
            assertFalse(in.get("storedTokens").asBoolean(), "a cookie session: no token in the tab");
            page.send("devices");
            assertEquals(device, page.await("devices").get("devices").get(0).get("id").asText());

            page.send("signout");
            page.await("signed_out");
            page.send("open");
            JsonNode again = page.await("opened");
            assertEquals("signin", again.get("view").asText(), "the cookie is gone: " + again);
        }
    }

    @Test
    void aMicrosoftAccountLinkedToNoUserIsToldWhyOnThePage() throws Exception {
        // The provider sets tid to its issuer's id itself (the account's directory): only the oid differs.
        String claims = JSON.writeValueAsString(Map.of("oid", "99999999-8888-4777-8666-555555555555"));
        try (BrowserScript page = portal("--microsoft-login", "eve@contoso.example",
                "--microsoft-claims", claims)) {
            page.await("ready");
            page.send("signin");
            JsonNode failed = page.await("signin_failed");
            assertEquals("signin", failed.get("view").asText(), failed.toString());
            assertTrue(failed.get("status").asText().contains("not linked to a user"), failed.toString());
            assertEquals("http://127.0.0.1:" + edge.httpPort() + "/portal", failed.get("location").asText());
            assertFalse(failed.get("storedTokens").asBoolean());
        }
    }

    @Test
    void aWrongPasswordIsShownOnTheForm() throws Exception {
        try (BrowserScript page = portal("--username", "alice", "--password", "not the password")) {
            page.await("ready");
            page.send("signin");
            JsonNode failed = page.await("signin_failed");
            assertEquals("signin", failed.get("view").asText());
            assertEquals("Wrong username, password or domain.", failed.get("status").asText());
            assertEquals("error", failed.get("statusKind").asText());
            assertEquals("password", failed.get("focused").asText());
            assertFalse(failed.get("storedTokens").asBoolean());
        }
    }

    @Test
    void aLockedOutUserReadsWhenToTryAgain() throws Exception {
        // Not alice: the lockout is per user name, and unknown names count alike.
        try (BrowserScript page = portal("--username", "mallory", "--password", "guess")) {
            page.await("ready");
            for (int i = 0; i < 5; i++) {
                page.send("signin");
                assertEquals("Wrong username, password or domain.", page.await("signin_failed").get("status").asText());
            }
            page.send("signin");
            JsonNode locked = page.await("signin_failed");
            assertTrue(locked.get("status").asText().matches("Too many attempts\\. Try again in \\d+ seconds?\\."),
                    locked.toString());
            assertEquals("error", locked.get("statusKind").asText());
        }
    }

    @Test
    void anExpiredAccessTokenIsRefreshedWithoutTheUserNoticing() throws Exception {
        try (BrowserScript page = portal("--username", "alice", "--password", PASSWORD)) {
            page.await("ready");
            page.send("signin");
            page.await("signed_in");
            // Past the access token's 15 minutes, well within the refresh token's 30 days.
            edge.clock().advance(Duration.ofMinutes(20));
            page.send("refresh");
            JsonNode r = page.await("refreshed");
            assertEquals("account", r.get("view").asText(), r.toString());
            assertEquals("Device list updated.", r.get("status").asText());
            assertEquals(device, r.get("devices").get(0).get("id").asText());
            assertTrue(r.get("storedTokens").asBoolean());
        }
    }

    @Test
    void comingBackFromMicrosoftTheQueryLeavesTheAddressBar() throws Exception {
        try (BrowserScript page = portal("--username", "alice", "--password", PASSWORD)) {
            page.await("ready");
            page.send("open ?error=access_denied&error_description=The+user+cancelled");
            JsonNode e = page.await("opened");
            assertEquals("signin", e.get("view").asText(), e.toString());
            assertEquals("Microsoft sign-in failed: The user cancelled", e.get("status").asText());
            assertEquals("error", e.get("statusKind").asText());
            assertEquals("http://127.0.0.1:" + edge.httpPort() + "/portal", e.get("location").asText());

            // A code this tab did not ask for (a link someone sent): not exchanged, gone from the URL.
            page.send("open ?code=not-a-code&state=x");
            JsonNode c = page.await("opened");
            assertEquals("signin", c.get("view").asText(), c.toString());
            assertEquals("Microsoft sign-in failed: it was not started in this tab. Please sign in again.",
                    c.get("status").asText());
            assertEquals("http://127.0.0.1:" + edge.httpPort() + "/portal", c.get("location").asText());
            assertFalse(c.get("storedTokens").asBoolean());
        }
    }

    /** A HEAD tells whether a provisioning link works without using it up. */
    private static boolean head(ProvisioningClient phone, String url) throws Exception {
        HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + edge.httpPort() + ProvisioningClient.pathOf(url)))
                .method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody())
                .header("x-linphone-provisioning", "true").build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 200;
    }

    /**
     * The text of the QR code in a screenshot of the page's image. It is the edge's PNG scaled by
     * the browser, so the pure-barcode shortcut of {@link ProvisioningClient#decode} may not hold
     * (modules of 12 and 13 device pixels); the general detector reads it then.
     */
    private static String decode(JsonNode qr) throws Exception {
        byte[] png = Base64.getDecoder().decode(qr.get("png").asText());
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        assertTrue(img.getWidth() >= 400, "sharp enough to scan: " + img.getWidth() + " px");
        int w = img.getWidth();
        int h = img.getHeight();
        BinaryBitmap bitmap = new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(w, h,
                img.getRGB(0, 0, w, h, null, 0, w))));
        try {
            return new QRCodeReader().decode(bitmap, Map.of(DecodeHintType.PURE_BARCODE, Boolean.TRUE)).getText();
        } catch (NotFoundException | com.google.zxing.ChecksumException | com.google.zxing.FormatException e) {
            return new QRCodeReader().decode(bitmap, Map.of(DecodeHintType.TRY_HARDER, Boolean.TRUE)).getText();
        }
    }

    /** portal.mjs on the edge's public /portal, with the given way of signing in. */
    private static BrowserScript portal(String... signIn) throws IOException {
        List<String> args = new ArrayList<>(List.of("--url", "http://127.0.0.1:" + edge.httpPort() + "/portal",
                "--domain", DOMAIN, "--timeout-ms", "20000"));
        args.addAll(List.of(signIn));
        return BrowserScript.start("portal.mjs", args, BrowserScript.FAILURES, Duration.ofSeconds(40));
    }

    /** The CSP blocked nothing: every script, style, image and request the page needs is allowed. */
    private static void assertNoPolicyViolation(BrowserScript page) throws InterruptedException {
        for (JsonNode s : page.all(Duration.ofMillis(200))) {
            if (s.path("event").asText().equals("console")) {
                assertFalse(s.path("text").asText().contains("Content Security Policy"), s.toString());
            }
        }
    }
}
