package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import io.sipedge.it.ApiClient.Reply;
import io.sipedge.model.Tenant;
import io.sipedge.sip.transport.TestCertificates;
import io.sipedge.sip.transport.TestCertificates.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Issue 17's per-account Microsoft sign-in settings over HTTP: on the admin listener only, scoped
 * to the account like devices, the client secret write-only (sealed in the Directory, never in an
 * answer or a log line), and {@code /api/info} offering Microsoft once they are enabled.
 */
@Timeout(120)
class Ms365SettingsApiTest {
    private static final String PUBLIC_URL = "https://prov.example.com";
    private static final String SECRET = "Entra~Secret.Ms365-7Qx";
    private static final String DIR_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    private static final String APP_ID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
    private static final AtomicInteger N = new AtomicInteger();
    static EdgeUnderTest edge;
    static ApiClient admin;
    static ApiClient publicSide;
    static String adminToken;

    @BeforeAll
    static void start() throws Exception {
        edge = EdgeUnderTest.start("sip.tls-port=-1", "http.admin-port=0", "provisioning.public-url=" + PUBLIC_URL);
        admin = new ApiClient(edge.adminPort());
        publicSide = new ApiClient(edge.httpPort());
        adminToken = admin.adminToken();
    }

    @AfterAll
    static void stop() throws Exception {
        edge.close();
    }

    private static String domain() {
        return "ms" + N.incrementAndGet() + ".example";
    }

    private static String path(String acc) {
        return "/v2/accounts/" + acc + "/ms365";
    }

    private static Map<String, Object> settings() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("enabled", true);
        m.put("directory_id", DIR_ID.toUpperCase(java.util.Locale.ROOT));
        m.put("application_id", APP_ID);
        m.put("client_secret", SECRET);
        m.put("allowed_callback_urls", List.of("https://app.example.com/signed-in", "http://127.0.0.1/cb"));
        return m;
    }

    private static boolean offersMicrosoft(String domain) throws Exception {
        Reply r = publicSide.get("/api/info?domain=" + domain, null);
        assertEquals(200, r.status(), r.toString());
        return r.json().get("microsoft").asBoolean();
    }

    @Test
    void putGetReplaceDeleteWithTheSecretWriteOnlyAndApiInfoFollowing() throws Exception {
        String domain = domain();
        String acc = admin.account(adminToken, "ms", domain);
        assertEquals(404, admin.get(path(acc), adminToken).status(), "no settings yet");
        assertFalse(offersMicrosoft(domain));

        Reply put = admin.call("PUT", path(acc), adminToken, settings());
        assertEquals(201, put.status(), put.toString());
        JsonNode d = put.data();
        assertTrue(d.get("enabled").asBoolean());
        assertEquals(DIR_ID, d.get("directory_id").asText(), "stored in lower case");
        assertEquals(APP_ID, d.get("application_id").asText());
        assertEquals("https://login.microsoftonline.com/" + DIR_ID + "/v2.0", d.get("issuer").asText());
        assertEquals(2, d.get("allowed_callback_urls").size());
        assertTrue(d.get("client_secret_set").asBoolean());
        assertEquals(PUBLIC_URL + "/api/auth/callback/microsoft", d.get("redirect_uri").asText());
        assertFalse(d.has("client_secret"));
        assertFalse(put.body().contains(SECRET));
        assertEquals(d, admin.get(path(acc), adminToken).data());
        assertTrue(offersMicrosoft(domain));

        Tenant stored = edge.directory().tenant(acc).orElseThrow();
        assertFalse(stored.ms365().sealedClientSecret().contains(SECRET), "kept in clear");
        assertEquals(SECRET, edge.directory().revealMs365ClientSecret(stored).orElseThrow());

        // Replace without the secret: it is kept; a national cloud's issuer; disabled.
        Map<String, Object> replace = settings();
        replace.remove("client_secret");
        replace.put("enabled", false);
        replace.put("issuer", "https://login.microsoftonline.us/" + DIR_ID + "/v2.0");
        replace.put("allowed_callback_urls", List.of());
        Reply r = admin.call("PUT", path(acc), adminToken, replace);
        assertEquals(200, r.status(), r.toString());
        assertEquals("https://login.microsoftonline.us/" + DIR_ID + "/v2.0", r.data().get("issuer").asText());
        assertTrue(r.data().get("client_secret_set").asBoolean(), "the omitted secret was dropped");
        assertEquals(0, r.data().get("allowed_callback_urls").size());
        assertFalse(offersMicrosoft(domain), "disabled settings offer nothing");
        assertEquals(SECRET, edge.directory().revealMs365ClientSecret(stored).orElseThrow());

        // What GET returns may be PUT back as it is.
        Reply back = admin.call("PUT", path(acc), adminToken, r.data());
        assertEquals(200, back.status(), back.toString());
        assertEquals(r.data(), back.data());

        Reply del = admin.call("DELETE", path(acc), adminToken, null);
        assertEquals(200, del.status(), del.toString());
        assertEquals(404, admin.get(path(acc), adminToken).status());
        assertEquals(404, admin.call("DELETE", path(acc), adminToken, null).status());
        assertTrue(edge.directory().revealMs365ClientSecret(stored).isEmpty(), "the secret outlived its settings");
        assertFalse(offersMicrosoft(domain));
    }

    @Test
    void badFieldsAre400sNamingFieldAndRule() throws Exception {
        String acc = admin.account(adminToken, "ms", domain());
        Map<String, Object> bad = new LinkedHashMap<>();
        bad.put("directory_id", "contoso.onmicrosoft.com");
        bad.put("application_id", "0f1e2d3c-4b5a-6978-8796");
        bad.put("issuer", "http://login.example.com/issuer");
        bad.put("allowed_callback_urls", List.of("https://user:pw@app.example.com/cb", "https://app.example.com/#x",
                "/relative"));
        bad.put("colour", "blue");
        Reply r = admin.call("PUT", path(acc), adminToken, bad);
        assertEquals(400, r.status(), r.toString());
        assertEquals(List.of("guid"), r.rules("directory_id"));
        assertEquals(List.of("guid"), r.rules("application_id"));
        assertEquals(List.of("url"), r.rules("issuer"));
        assertEquals(List.of("url"), r.rules("allowed_callback_urls[0]"));
        assertEquals(List.of("url"), r.rules("allowed_callback_urls[1]"));
        assertEquals(List.of("url"), r.rules("allowed_callback_urls[2]"));
        assertEquals(List.of("required"), r.rules("client_secret"), "enabled (the default) needs a secret");
        assertEquals(List.of("unknown_field"), r.rules("colour"));

        Reply missing = admin.call("PUT", path(acc), adminToken, Map.of("enabled", false));
        assertEquals(400, missing.status(), missing.toString());
        assertEquals(List.of("required"), missing.rules("directory_id"));
        assertEquals(List.of("required"), missing.rules("application_id"));
        assertTrue(missing.rules("client_secret").isEmpty(), "disabled settings need no secret");

        for (String issuer : List.of("ftp://login.example.com/x", "https://login.example.com/x?q=1", "not a url")) {
            Map<String, Object> s = settings();
            s.put("issuer", issuer);
            assertEquals(List.of("url"), admin.call("PUT", path(acc), adminToken, s).rules("issuer"), issuer);
        }
        Map<String, Object> loopback = settings();
        loopback.put("issuer", "http://127.0.0.1:8089/" + DIR_ID);
        Reply ok = admin.call("PUT", path(acc), adminToken, loopback);
        assertEquals(201, ok.status(), "plain http is for a loopback provider (tests): " + ok);
        assertEquals(404, admin.get(path(admin.account(adminToken, "ms", domain())), adminToken).status());
    }

    @Test
    void anotherAccountsTokenSeesNothingAndThePublicListenerHasNoSuchRoute() throws Exception {
        String acc = admin.account(adminToken, "ms", domain());
        String other = admin.account(adminToken, "ms", domain());
        String accToken = admin.token(admin.get("/v2/accounts/" + acc + "/api_key", adminToken).data()
                .get("api_key").asText());
        String otherToken = admin.token(admin.get("/v2/accounts/" + other + "/api_key", adminToken).data()
                .get("api_key").asText());

        Reply own = admin.call("PUT", path(acc), accToken, settings());
        assertEquals(201, own.status(), "the account's own token may: " + own);
        assertEquals(200, admin.get(path(acc), accToken).status());
        assertEquals(404, admin.get(path(acc), otherToken).status());
        assertEquals(404, admin.call("PUT", path(acc), otherToken, settings()).status());
        assertEquals(404, admin.call("DELETE", path(acc), otherToken, null).status());
        assertEquals(401, admin.get(path(acc), null).status());
        assertEquals(404, publicSide.get(path(acc), adminToken).status(), "admin listener only");
        assertEquals(200, admin.get(path(acc), accToken).status(), "another account's DELETE removed them");
    }

    @Test
    void theSecretReachesNeitherAnAnswerNorALogLine() throws Exception {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Level saved = root.getLevel();
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.setContext(ctx);
        appender.start();
        root.addAppender(appender);
        root.setLevel(Level.DEBUG);
        List<Reply> answers = new ArrayList<>();
        String sealed;
        try {
            String acc = admin.account(adminToken, "ms", domain());
            answers.add(admin.call("PUT", path(acc), adminToken, settings()));
            answers.add(admin.get(path(acc), adminToken));
            Map<String, Object> refused = settings();
            refused.put("directory_id", "nope");
            answers.add(admin.call("PUT", path(acc), adminToken, refused));
            answers.add(admin.call("PUT", path(acc), adminToken, "{\"data\":{\"client_secret\":\"" + SECRET + "\""));
            answers.add(admin.get("/v2/accounts/" + acc, adminToken));
            sealed = edge.directory().tenant(acc).orElseThrow().ms365().sealedClientSecret();
            answers.add(admin.call("DELETE", path(acc), adminToken, null));
        } finally {
            root.detachAppender(appender);
            appender.stop();
            root.setLevel(saved);
        }
        for (Reply r : answers) {
            assertFalse(r.body().contains(SECRET) || r.body().contains(sealed), r.toString());
        }
        List<String> lines = List.copyOf(appender.list).stream()
                .map(e -> e.getLoggerName() + ": " + e.getFormattedMessage()).toList();
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("io.sipedge.http.access") && l.contains("ms365")),
                "the calls are in the access log");
        for (String line : lines) {
            assertFalse(line.contains(SECRET) || line.contains(sealed), "the secret reached the log: " + line);
        }
    }

    @Test
    void aCertificateCredentialIsCheckedStoredSealedAndShownByItsThumbprint(@TempDir Path tmp) throws Exception {
        TestCertificates.Pair rsa = TestCertificates.selfSigned(tmp, "app", Kind.RSA, "sip-edge ms365", 17);
        TestCertificates.Pair other = TestCertificates.selfSigned(tmp, "other", Kind.EC, "someone else", 18);
        String cert = Files.readString(rsa.certificate());
        String key = Files.readString(rsa.key());
        String acc = admin.account(adminToken, "ms", domain());

        Map<String, Object> s = settings();
        s.remove("client_secret");
        s.put("client_certificate", cert);
        s.put("client_certificate_key", Files.readString(other.key()));
        Reply mismatch = admin.call("PUT", path(acc), adminToken, s);
        assertEquals(400, mismatch.status(), mismatch.toString());
        assertEquals(List.of("key_mismatch"), mismatch.rules("client_certificate_key"));
        s.put("client_certificate", "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n");
        s.put("client_certificate_key", Files.readString(TestCertificates.traditional(rsa.key())));
        Reply bad = admin.call("PUT", path(acc), adminToken, s);
        assertEquals(List.of("certificate"), bad.rules("client_certificate"), bad.toString());
        assertEquals(List.of("private_key"), bad.rules("client_certificate_key"), "PKCS#1 is refused: " + bad);
        s.remove("client_certificate");
        assertEquals(List.of("certificate"), admin.call("PUT", path(acc), adminToken, s).rules("client_certificate"),
                "a key alone");

        s.put("client_certificate", cert);
        s.put("client_certificate_key", key);
        Reply ok = admin.call("PUT", path(acc), adminToken, s);
        assertEquals(201, ok.status(), "a certificate instead of a secret: " + ok);
        X509Certificate x = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(Files.newInputStream(rsa.certificate()));
        String thumbprint = HexFormat.of().withUpperCase().formatHex(
                MessageDigest.getInstance("SHA-1").digest(x.getEncoded()));
        assertEquals(thumbprint, ok.data().get("client_certificate_thumbprint").asText());
        assertTrue(ok.data().get("client_certificate_set").asBoolean());
        assertFalse(ok.data().get("client_secret_set").asBoolean());
        assertTrue(ok.data().has("client_certificate_not_after"));
        String keyBody = key.replaceAll("-----[A-Z ]+-----", "").strip().lines().findFirst().orElseThrow();
        assertFalse(ok.body().contains(keyBody), "the key was answered");
        assertFalse(ok.body().contains("BEGIN"), "write-only");
        assertEquals(key, edge.directory().revealMs365CertificateKey(edge.directory().tenant(acc).orElseThrow())
                .orElseThrow());
        assertFalse(edge.directory().tenant(acc).orElseThrow().ms365().sealedCertificateKey().contains(keyBody));
        assertTrue(offersMicrosoft(edge.directory().tenant(acc).orElseThrow().domain()));

        Reply back = admin.call("PUT", path(acc), adminToken, ok.data());
        assertEquals(200, back.status(), back.toString());
        assertEquals(ok.data(), back.data(), "the certificate omitted is kept");
    }
}
