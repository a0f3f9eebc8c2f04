package io.sipedge.it;

import static io.sipedge.it.ProvisioningClient.parse;
import static io.sipedge.it.ProvisioningClient.pathOf;
import static io.sipedge.it.ProvisioningClient.text;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipedge.it.ApiClient.Reply;
import io.sipedge.it.ProvisioningClient.Config;
import io.sipedge.it.ProvisioningClient.Qr;
import io.sipedge.it.SipTestClient.SipResponse;
import io.sipedge.it.SipTestClient.Transport;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Linphone remote provisioning end to end on a real edge: tokens over the operator API, the XML a
 * phone fetches (parsed namespace-aware), QR codes decoded with zxing, and phones configured only
 * from the parsed XML registering over real sockets.
 */
@Timeout(120)
class ProvisioningApiTest {
    static final String PUBLIC_URL = "https://prov.example.net/sip";
    static final String STUN = "stun.example.net:3478";
    static EdgeUnderTest edge;
    static ApiClient api;
    static ProvisioningClient phone;
    static String token;
    static String account;
    static int counter;

    @BeforeAll
    static void start() throws Exception {
        edge = EdgeUnderTest.start("provisioning.public-url=" + PUBLIC_URL, "api.stun=" + STUN,
                EdgeUnderTest.BOTH_DIGESTS);
        api = edge.api();
        phone = new ProvisioningClient(edge.httpPort());
        token = api.adminToken();
        account = api.account(token, "Provisioned", "prov.example.com");
    }

    @AfterAll
    static void stop() throws Exception {
        if (edge != null) {
            edge.close();
        }
    }

    private static String devices() {
        return "/v2/accounts/" + account + "/devices";
    }

    /** A new device (disabled, so the first fetch visibly enables it); returns its id. */
    private static String device(String user, String password, Map<String, Object> sipExtra) throws Exception {
        Map<String, Object> sip = new java.util.HashMap<>(Map.of("username", user, "password", password));
        sip.putAll(sipExtra);
        Reply r = api.call("PUT", devices(), token, Map.of("name", "Phone <" + user + "> & \"co\"", "enabled", false,
                "sip", sip));
        assertEquals(201, r.status(), r.toString());
        return r.data().get("id").asText();
    }

    private static JsonNode issue(String dev, Object body) throws Exception {
        Reply r = api.call("POST", devices() + "/" + dev + "/provisioning_token", token, body);
        assertEquals(201, r.status(), r.toString());
        return r.data();
    }

    private static String user() {
        return "prov" + (++counter);
    }

    @Test
    void aTokenGivesLinkAndQrUnderThePublicUrlAndTheXmlDescribesTheDevice() throws Exception {
        String user = user();
        String dev = device(user, "Initial-pw-1", Map.of("auth_username", user + "-auth"));
        JsonNode t = issue(dev, null);
        String tok = t.get("token").asText();
        assertTrue(tok.matches("[A-Za-z0-9_-]{43}"), "256 random bits, base64url: " + tok);
        assertEquals(PUBLIC_URL + "/provisioning/" + tok, t.get("url").asText());
        assertEquals(PUBLIC_URL + "/provisioning/qrcode/" + tok, t.get("qrcode_url").asText());
        assertTrue(t.get("single_use").asBoolean());
        assertEquals(Duration.ofHours(24), Duration.between(edge.clock().instant(),
                java.time.Instant.parse(t.get("expires_at").asText())));

        HttpResponse<byte[]> qr = phone.get(pathOf(t.get("qrcode_url").asText()));
        assertEquals(200, qr.statusCode());
        assertEquals("image/png", qr.headers().firstValue("Content-Type").orElse(null));
        assertEquals(t.get("url").asText(), qr.headers().firstValue("X-Qrcode-URL").orElse(null));
        assertEquals("no-store", qr.headers().firstValue("Cache-Control").orElse(null));
        Qr decoded = ProvisioningClient.decode(qr.body());
        assertEquals(t.get("url").asText(), decoded.text());
        assertEquals("H", decoded.errorCorrection());
        assertTrue(decoded.width() >= 300 && decoded.height() >= 300, decoded.toString());
        HttpResponse<byte[]> qrReset = phone.get(pathOf(t.get("qrcode_url").asText()) + "?reset_password");
        assertEquals(t.get("url").asText() + "?reset_password", ProvisioningClient.decode(qrReset.body()).text());
        assertEquals(t.get("url").asText() + "?reset_password", qrReset.headers().firstValue("X-Qrcode-URL").orElse(null));

        HttpResponse<byte[]> x = phone.fetch(pathOf(t.get("url").asText()));
        assertEquals(200, x.statusCode(), text(x));
        assertTrue(x.headers().firstValue("Content-Type").orElse("").startsWith("application/xml"));
        assertEquals("no-store", x.headers().firstValue("Cache-Control").orElse(null));
        Config c = parse(x.body());
        String host = "127.0.0.1:" + edge.sipPort();
        assertEquals("\"Phone <" + user + "> & \\\"co\\\"\" <sip:" + user + "@prov.example.com>",
                c.get("proxy_0", "reg_identity"), "escaped in XML, quoted in SIP");
        assertEquals("<sip:" + host + ";transport=udp>", c.get("proxy_0", "reg_proxy"));
        assertEquals("<sip:" + host + ";transport=udp>", c.get("proxy_0", "reg_route"));
        assertEquals("prov.example.com", c.get("proxy_0", "realm"));
        assertEquals("300", c.get("proxy_0", "reg_expires"));
        assertEquals("1", c.get("proxy_0", "reg_sendregister"));
        assertEquals("sipedge", c.get("proxy_0", "nat_policy_ref"));
        assertEquals(user, c.get("auth_info_0", "username"));
        assertEquals(user + "-auth", c.get("auth_info_0", "userid"));
        assertEquals("prov.example.com", c.get("auth_info_0", "realm"));
        assertEquals("prov.example.com", c.get("auth_info_0", "domain"));
        assertEquals("MD5", c.get("auth_info_0", "algorithm"));
        assertEquals(SipTestClient.hash("MD5", user + "-auth:prov.example.com:Initial-pw-1"), c.get("auth_info_0", "ha1"));
        assertEquals("SHA-256", c.get("auth_info_1", "algorithm"));
        assertEquals(SipTestClient.hash("SHA-256", user + "-auth:prov.example.com:Initial-pw-1"),
                c.get("auth_info_1", "ha1"));
        assertNull(c.get("auth_info_0", "passwd"), "no clear password in the XML");
        assertFalse(text(x).contains("Initial-pw-1"));
        assertEquals("-1", c.get("sip", "sip_port"));
        assertEquals("0", c.get("sip", "sip_tcp_port"));
        assertEquals("0", c.get("sip", "sip_tls_port"));
        assertEquals("0", c.get("sip", "default_proxy"));
        assertEquals(STUN, c.get("nat_policy_0", "stun_server"));
        assertEquals("sipedge", c.get("nat_policy_0", "ref"));
        assertEquals("1", c.get("misc", "transient_provisioning"));

        // The first fetch enabled the device and recorded who fetched it.
        JsonNode d = api.get(devices() + "/" + dev, token).data();
        assertTrue(d.get("enabled").asBoolean());
        assertTrue(d.get("provisioned").asBoolean());
        assertEquals("127.0.0.1", d.get("provisioning").get("ip").asText());
        assertEquals("LinphoneTest/5.3 (sip-edge it)", d.get("provisioning").get("user_agent").asText());
        assertEquals(edge.clock().instant().toString(), d.get("provisioning").get("provisioned_at").asText());

        HttpResponse<byte[]> again = phone.fetch(pathOf(t.get("url").asText()));
        assertEquals(404, again.statusCode(), "single use");
    }

    @Test
    void aPhoneConfiguredOnlyFromTheXmlRegistersWithTheHa1InTheChallengeRealm() throws Exception {
        String user = user();
        String dev = device(user, "Initial-pw-2", Map.of());
        Config c = parse(phone.fetch(pathOf(issue(dev, null).get("url").asText())).body());
        for (String algorithm : List.of("MD5", "SHA-256")) {
            String section = c.get("auth_info_0", "algorithm").equals(algorithm) ? "auth_info_0" : "auth_info_1";
            assertEquals(200, registerFromXml(c, section, algorithm).status());
        }
    }

    @Test
    void resetPasswordGivesNewCredentialsAndTheOldPasswordFails() throws Exception {
        String user = user();
        String dev = device(user, "Initial-pw-3", Map.of());
        String url = issue(dev, null).get("url").asText();
        HttpResponse<byte[]> x = phone.fetch(pathOf(url) + "?reset_password");
        assertEquals(200, x.statusCode(), text(x));
        Config c = parse(x.body());
        assertNotEquals(SipTestClient.hash("MD5", user + ":prov.example.com:Initial-pw-3"), c.get("auth_info_0", "ha1"));
        assertEquals(200, registerFromXml(c, "auth_info_0", "MD5").status(), "the new credentials work");
        try (SipTestClient old = new SipTestClient(Transport.UDP, edge.sipPort())) {
            SipResponse r = old.registerWithAuth(user, "prov.example.com", "Initial-pw-3", old.contact(user), "MD5");
            assertEquals(401, r.status(), "the old password no longer works");
        }
    }

    /**
     * Registers using nothing but the parsed XML: the identity, the proxy's host, port and
     * transport, the realm the challenge must carry, and the HA1.
     */
    static SipResponse registerFromXml(Config c, String authSection, String algorithm) throws Exception {
        Matcher id = Pattern.compile("<sip:([^@>]+)@([^>]+)>").matcher(c.get("proxy_0", "reg_identity"));
        assertTrue(id.find());
        String user = id.group(1);
        String domain = id.group(2);
        Matcher proxy = Pattern.compile("<sip:([^:;>]+):(\\d+);transport=(\\w+)>").matcher(c.get("proxy_0", "reg_proxy"));
        assertTrue(proxy.matches(), c.get("proxy_0", "reg_proxy"));
        assertEquals("127.0.0.1", proxy.group(1));
        Transport tr = Transport.valueOf(proxy.group(3).toUpperCase(java.util.Locale.ROOT));
        String digestUser = c.get(authSection, "userid") != null ? c.get(authSection, "userid")
                : c.get(authSection, "username");
        try (SipTestClient sip = new SipTestClient(tr, Integer.parseInt(proxy.group(2)))) {
            SipResponse challenge = sip.request(sip.register(user, domain, sip.contact(user)));
            assertEquals(401, challenge.status());
            assertEquals(c.get("proxy_0", "realm"), challenge.challenge(algorithm).get("realm"),
                    "the XML's realm is the challenge's, byte for byte");
            return sip.request(sip.register(user, domain, sip.contact(user), ProvisioningClient.authorizationFromHa1(
                    challenge, digestUser, c.get(authSection, "ha1"), "sip:" + domain, algorithm, "REGISTER")));
        }
    }

    @Test
    void withoutTheHeaderThe400ConsumesNothingUnlessTheAccountTurnedTheRuleOff() throws Exception {
        String dev = device(user(), "Initial-pw-4", Map.of());
        String path = pathOf(issue(dev, null).get("url").asText());
        HttpResponse<byte[]> bare = phone.get(path, "User-Agent", "Slackbot-LinkExpanding 1.0");
        assertEquals(400, bare.statusCode());
        assertEquals("no-store", bare.headers().firstValue("Cache-Control").orElse(null));
        assertEquals(400, phone.get("/provisioning/unknownTokenValue0000000000000000000000000000").statusCode(),
                "without the header an unknown token gets the same 400");
        assertFalse(api.get(devices() + "/" + dev, token).data().get("provisioned").asBoolean());
        assertEquals(200, phone.fetch(path).statusCode(), "the token survived the header-less request");

        String other = api.account(token, "Old Linphone", "old.example.com");
        assertTrue(api.get("/v2/accounts/" + other, token).data().get("linphone_header_required").asBoolean(),
                "on by default");
        Reply off = api.call("PATCH", "/v2/accounts/" + other, token, Map.of("linphone_header_required", false));
        assertEquals(200, off.status(), off.toString());
        assertFalse(off.data().get("linphone_header_required").asBoolean());
        String dev2 = api.device(token, other, "oldphone", "Initial-pw-5");
        Reply t = api.call("POST", "/v2/accounts/" + other + "/devices/" + dev2 + "/provisioning_token", token, null);
        HttpResponse<byte[]> noHeader = phone.get(pathOf(t.data().get("url").asText()), "User-Agent", "Linphone/5.1");
        assertEquals(200, noHeader.statusCode(), text(noHeader));
    }

    @Test
    void unknownExpiredUsedAndRevokedTokensGetTheSame404() throws Exception {
        String used = pathOf(issue(device(user(), "Initial-pw-6", Map.of()), null).get("url").asText());
        assertEquals(200, phone.fetch(used).statusCode());
        String revokedDev = device(user(), "Initial-pw-7", Map.of());
        String revoked = pathOf(issue(revokedDev, null).get("url").asText());
        Reply del = api.call("DELETE", devices() + "/" + revokedDev + "/provisioning_token", token, null);
        assertEquals(200, del.status(), del.toString());
        assertTrue(del.data().get("revoked").asBoolean());
        String expired = pathOf(issue(device(user(), "Initial-pw-8", Map.of()), Map.of("ttl", 60)).get("url").asText());
        String reusableDev = device(user(), "Initial-pw-9", Map.of());
        String reusable = pathOf(issue(reusableDev, Map.of("ttl", 120, "single_use", false)).get("url").asText());
        assertEquals(200, phone.fetch(reusable).statusCode());
        assertEquals(200, phone.fetch(reusable).statusCode(), "reusable until expiry");
        edge.clock().advance(Duration.ofSeconds(121));
        String unknown = "/provisioning/" + io.sipedge.http.auth.Secrets.randomToken();

        HttpResponse<byte[]> first = phone.fetch(unknown);
        assertEquals(404, first.statusCode());
        for (String p : List.of(used, revoked, expired, reusable)) {
            HttpResponse<byte[]> r = phone.fetch(p);
            assertEquals(404, r.statusCode(), p);
            assertArrayEquals(first.body(), r.body(), p);
            assertEquals(first.headers().firstValue("Content-Type"), r.headers().firstValue("Content-Type"));
            assertEquals(first.headers().firstValue("Content-Length"), r.headers().firstValue("Content-Length"));
            assertEquals(404, phone.get(p.replace("/provisioning/", "/provisioning/qrcode/")).statusCode());
        }
        Reply bad = api.call("POST", devices() + "/" + reusableDev + "/provisioning_token", token, Map.of("ttl", 10));
        assertEquals(400, bad.status());
        assertEquals(List.of("range"), bad.rules("ttl"));
    }

    @Test
    void authTokensMeAndTheServerLevelDocument() throws Exception {
        String user = user();
        String dev = device(user, "Initial-pw-10", Map.of());
        Reply a = api.call("POST", devices() + "/" + dev + "/auth_token", token, null);
        assertEquals(201, a.status(), a.toString());
        String path = pathOf(a.data().get("url").asText());
        assertTrue(path.startsWith("/provisioning/auth_token/"));
        assertEquals(404, phone.fetch("/provisioning/" + a.data().get("auth_token").asText()).statusCode(),
                "an auth token is not a provisioning token");
        HttpResponse<byte[]> x = phone.fetch(path);
        assertEquals(200, x.statusCode());
        Config byAuth = parse(x.body());
        assertEquals(404, phone.fetch(path).statusCode(), "one use");

        HttpResponse<byte[]> challenge = phone.get("/provisioning/me?domain=prov.example.com");
        assertEquals(401, challenge.statusCode());
        assertEquals("no-store", challenge.headers().firstValue("Cache-Control").orElse(null));
        String www = challenge.headers().firstValue("WWW-Authenticate").orElseThrow();
        assertTrue(www.contains("realm=\"prov.example.com\""), www);
        Map<String, String> params = SipTestClient.SipResponse.params(www.substring(www.indexOf("Digest ") + 7));
        String ha1 = SipTestClient.hash("SHA-256", user + ":prov.example.com:Initial-pw-10");
        String uri = "/provisioning/me?domain=prov.example.com";
        HttpResponse<byte[]> me = phone.get(uri, "Authorization",
                ProvisioningClient.digest(params, user, ha1, uri, "SHA-256", "GET"));
        assertEquals(200, me.statusCode(), text(me));
        Config mine = parse(me.body());
        assertEquals(byAuth.get("auth_info_0", "ha1"), mine.get("auth_info_0", "ha1"));
        assertEquals(byAuth.get("proxy_0", "reg_proxy"), mine.get("proxy_0", "reg_proxy"));
        String wrong = SipTestClient.hash("SHA-256", user + ":prov.example.com:not-the-password");
        assertEquals(401, phone.get(uri, "Authorization",
                ProvisioningClient.digest(params, user, wrong, uri, "SHA-256", "GET")).statusCode());
        assertEquals(400, phone.get("/provisioning/me").statusCode(), "no realm named: the Host is 127.0.0.1");

        HttpResponse<byte[]> server = phone.get("/provisioning");
        assertEquals(200, server.statusCode());
        Config s = parse(server.body());
        assertFalse(s.has("proxy_0"));
        assertFalse(s.sections().keySet().stream().anyMatch(k -> k.startsWith("auth_info")));
        assertEquals("<sip:127.0.0.1:" + edge.sipPort() + ";transport=udp>", s.get("proxy_default_values", "reg_proxy"));
        assertEquals(STUN, s.get("nat_policy_0", "stun_server"));
        assertNotNull(edge.directory().device(dev).orElseThrow().provisioned());
    }

    @Test
    void md5OnlyTenantsAndTcpDevicesGetWhatTheRegistrarWillAsk() throws Exception {
        Reply acc = api.call("PUT", "/v2/accounts", token, Map.of("name", "MD5", "realm", "md5.example.com",
                "md5_only", true));
        String md5 = acc.data().get("id").asText();
        String dev = api.device(token, md5, "tcpphone", "Initial-pw-11");
        Reply s = api.call("POST", "/v2/accounts/" + md5 + "/devices/" + dev + "/sip_settings", token,
                Map.of("transport", "tcp"));
        assertEquals(200, s.status(), s.toString());
        Reply t = api.call("POST", "/v2/accounts/" + md5 + "/devices/" + dev + "/provisioning_token", token, null);
        Config c = parse(phone.fetch(pathOf(t.data().get("url").asText())).body());
        assertEquals("MD5", c.get("auth_info_0", "algorithm"));
        assertFalse(c.has("auth_info_1"), "no SHA-256 for an MD5-only tenant");
        assertEquals("<sip:127.0.0.1:" + edge.sipPort() + ";transport=tcp>", c.get("proxy_0", "reg_proxy"));
        assertEquals("-1", c.get("sip", "sip_tcp_port"));
        assertEquals("0", c.get("sip", "sip_port"));
        assertEquals(200, registerFromXml(c, "auth_info_0", "MD5").status());
    }
}
