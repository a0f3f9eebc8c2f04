package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.SignedJWT;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.sipedge.it.ApiClient.Plain;
import io.sipedge.it.ApiClient.Reply;
import io.sipedge.sip.transport.TestCertificates;
import io.sipedge.sip.transport.TestCertificates.Kind;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import no.nav.security.mock.oauth2.token.OAuth2TokenProvider;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Sign-in with Microsoft (issue 17) against a real OpenID provider running in the test
 * (mock-oauth2-server, its issuer named by the directory's GUID so {@code tid} can match): the
 * authorization URL, the provider's redirect to the edge, the code exchange, the id_token checks,
 * the one-time code, the legacy cookie flow, the certificate credential, and each refusal the
 * issue names: wrong aud, wrong tid, expired token, bad nonce, replayed state, PKCE mismatch,
 * unbound user, disabled user, callback not on the allowlist.
 */
@Timeout(120)
class MicrosoftSignInTest {
    private static final String APP_ID = "6731de76-14a6-49ae-97bc-6eba6914391e";
    private static final String SECRET = "Entra~Secret.Mock-9Kd";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private static final AtomicInteger N = new AtomicInteger();
    private static final AtomicReference<Duration> providerLag = new AtomicReference<>(Duration.ZERO);
    /** Every log line of the edge, to check the security log's reason and that no secret is in any line. */
    private static final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    static MockOAuth2Server idp;
    static EdgeUnderTest edge;
    static ApiClient api;
    static String admin;

    @BeforeAll
    static void start() throws Exception {
        // The provider's clock can be set back, to issue tokens that have already expired.
        idp = new MockOAuth2Server(new OAuth2Config(false, null, null, false,
                new OAuth2TokenProvider(() -> Instant.now().minus(providerLag.get()))));
        idp.start(InetAddress.getLoopbackAddress(), 0);
        edge = EdgeUnderTest.start("sip.tls-port=-1");
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        logged.setContext(ctx);
        logged.start();
        ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(logged);
        ctx.getLogger("security").addAppender(logged); // not additive (config/logback.xml)
        api = edge.api();
        admin = api.adminToken();
    }

    @AfterAll
    static void stop() throws Exception {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).detachAppender(logged);
        ctx.getLogger("security").detachAppender(logged);
        if (edge != null) {
            edge.close();
        }
        if (idp != null) {
            idp.shutdown();
        }
    }

    /** An account with Microsoft sign-in against its own directory at the mock provider, and one user bound to an oid. */
    private record Tenant(String account, String domain, String tid, String issuer, String userId, String username,
                          String oid) {
    }

    private static String issuer(String tid) {
        return "http://127.0.0.1:" + idp.baseUrl().port() + "/" + tid;
    }

    private static Tenant tenant(Map<String, Object> credential) throws Exception {
        int n = N.incrementAndGet();
        String domain = "entra" + n + ".example";
        String tid = UUID.randomUUID().toString();
        String account = api.account(admin, "entra" + n, domain);
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("directory_id", tid);
        settings.put("application_id", APP_ID);
        settings.put("issuer", issuer(tid));
        settings.put("allowed_callback_urls", List.of("http://127.0.0.1/cb", "https://app.example.com/signed-in?x=1"));
        settings.putAll(credential);
        Reply put = api.call("PUT", "/v2/accounts/" + account + "/ms365", admin, settings);
        assertEquals(201, put.status(), put.toString());
        String oid = UUID.randomUUID().toString();
        String username = "alice" + n;
        String user = user(account, username, oid, true);
        return new Tenant(account, domain, tid, issuer(tid), user, username, oid);
    }

    private static Tenant tenant() throws Exception {
        return tenant(Map.of("client_secret", SECRET));
    }

    private static String user(String account, String username, String binding, boolean enabled) throws Exception {
        Map<String, Object> u = new LinkedHashMap<>();
        u.put("username", username);
        u.put("password", "Correct-Horse-9");
        u.put("enabled", enabled);
        if (binding != null) {
            u.put("ms365_binding", binding);
        }
        Reply r = api.call("PUT", "/v2/accounts/" + account + "/users", admin, u);
        assertEquals(201, r.status(), r.toString());
        return r.data().get("id").asText();
    }

    /** What the provider puts in the id_token for this sign-in. */
    private static DefaultOAuth2TokenCallback token(Tenant t, List<String> audience, Map<String, Object> claims,
                                                    long expirySeconds) {
        Map<String, Object> all = new HashMap<>();
        all.put("tid", t.tid());
        all.put("oid", t.oid());
        all.put("preferred_username", t.username() + "@contoso.example");
        all.putAll(claims);
        return new DefaultOAuth2TokenCallback(t.tid(), UUID.randomUUID().toString(), "JWT", audience, all,
                expirySeconds);
    }

    private static DefaultOAuth2TokenCallback token(Tenant t, Map<String, Object> claims) {
        return token(t, List.of(APP_ID), claims, 3600);
    }

    private static Map<String, String> query(String url) {
        Map<String, String> out = new LinkedHashMap<>();
        new QueryStringDecoder(URI.create(url)).parameters().forEach((k, v) -> out.put(k, v.get(0)));
        return out;
    }

    private static HttpResponse<String> get(String url, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(15));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String location(HttpResponse<String> r) {
        assertEquals(302, r.statusCode(), r.uri() + " → " + r.statusCode() + " " + r.body());
        return r.headers().firstValue("Location").orElseThrow();
    }

    /** Every request the provider has received since the last call (it throws when none is left). */
    private static List<RecordedRequest> drain() {
        List<RecordedRequest> out = new java.util.ArrayList<>();
        while (true) {
            try {
                out.add(idp.takeRequest(100, TimeUnit.MILLISECONDS));
            } catch (RuntimeException none) {
                return out;
            }
        }
    }

    /** POST /api/auth/sign_in/microsoft: the authorization URL. */
    private static String begin(Tenant t, String callback) throws Exception {
        Plain r = api.plain("POST", "/api/auth/sign_in/microsoft", ApiClient.JSON.writeValueAsString(
                Map.of("domain", t.domain(), "callback_url", callback)));
        assertEquals(200, r.status(), r.toString());
        return r.json().get("url").asText();
    }

    /** The provider signs the user in at once (the enqueued token) and sends the browser to the edge. */
    private static String atProvider(String authorizationUrl) throws Exception {
        String back = location(get(authorizationUrl));
        assertTrue(back.startsWith("http://127.0.0.1:" + edge.httpPort() + "/api/auth/callback/microsoft?"), back);
        return back;
    }

    /** The whole browser round trip: where the edge finally sends the browser. */
    private static String signIn(Tenant t, String callback, DefaultOAuth2TokenCallback token) throws Exception {
        String url = begin(t, callback);
        idp.enqueueCallback(token);
        return location(get(atProvider(url)));
    }

    private static Plain exchange(String code) throws Exception {
        return api.plain("POST", "/api/auth/token", ApiClient.JSON.writeValueAsString(Map.of("code", code)));
    }

    private static List<String> logLines() {
        synchronized (logged.list) {
            return logged.list.stream().map(e -> e.getLoggerName() + ": " + e.getFormattedMessage()).toList();
        }
    }

    private static boolean waitForLine(java.util.function.Predicate<String> p) throws InterruptedException {
        for (int i = 0; i < 50; i++) {
            if (logLines().stream().anyMatch(p)) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    /**
     * The last security event of a refused Microsoft sign-in says why (reason=…, its detail). The
     * security log is written by a thread of its own: waits a little for the line.
     */
    private static void assertLoggedRefusal(String expected) throws InterruptedException {
        String last = null;
        for (int i = 0; i < 50; i++) {
            List<String> refusals = logLines().stream().filter(l -> l.contains("event=signin-microsoft-failed")).toList();
            last = refusals.isEmpty() ? null : refusals.get(refusals.size() - 1);
            if (last != null && last.contains(expected)) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("expected " + expected + " in the last refusal of the security log: " + last);
    }

    private static void assertRefused(String landing, String callbackPrefix, String error, String description,
                                      String logged) throws InterruptedException {
        assertRefused(landing, callbackPrefix, error, description);
        assertLoggedRefusal(logged);
    }

    private static void assertRefused(String landing, String callbackPrefix, String error, String description) {
        assertTrue(landing.startsWith(callbackPrefix), landing);
        Map<String, String> q = query(landing);
        assertEquals(error, q.get("error"), landing);
        assertNull(q.get("code"), landing);
        if (description != null) {
            assertTrue(q.get("error_description").contains(description), landing);
        }
    }

    @Test
    void signsInThroughTheProviderAndExchangesTheOneTimeCodeOnce() throws Exception {
        Tenant t = tenant();
        String url = begin(t, "http://127.0.0.1:45123/cb");
        Map<String, String> q = query(url);
        assertTrue(url.startsWith(t.issuer() + "/authorize?"), url);
        assertEquals(APP_ID, q.get("client_id"));
        assertEquals("code", q.get("response_type"));
        assertEquals("S256", q.get("code_challenge_method"));
        assertEquals(43, q.get("code_challenge").length());
        assertTrue(q.get("scope").contains("openid"));
        assertEquals("http://127.0.0.1:" + edge.httpPort() + "/api/auth/callback/microsoft", q.get("redirect_uri"));
        assertTrue(q.get("state").length() >= 43 && q.get("nonce").length() >= 43, url);
        assertNotEquals(q.get("state"), q.get("nonce"));

        idp.enqueueCallback(token(t, Map.of()));
        String back = atProvider(url);
        HttpResponse<String> done = get(back);
        String landing = location(done);
        assertEquals("no-store", done.headers().firstValue("Cache-Control").orElse(""));
        assertEquals("no-referrer", done.headers().firstValue("Referrer-Policy").orElse(""));
        assertTrue(landing.startsWith("http://127.0.0.1:45123/cb?code="), "loopback callback on any port: " + landing);
        String code = query(landing).get("code");
        assertFalse(landing.contains("access_token"), "no token in a URL");

        Plain tokens = exchange(code);
        assertEquals(200, tokens.status(), tokens.toString());
        assertEquals("Bearer", tokens.json().get("token_type").asText());
        String access = tokens.json().get("access_token").asText();
        assertTrue(tokens.json().get("refresh_token").asText().length() >= 43);
        Plain me = api.plain("GET", "/api/auth/user", null, "Authorization", "Bearer " + access);
        assertEquals(200, me.status(), me.toString());
        assertEquals(t.userId(), me.json().get("id").asText());
        assertEquals(t.domain(), me.json().get("domain").asText());

        assertTrue(waitForLine(l -> l.contains("event=signin-microsoft ") && l.contains(t.userId())),
                "the sign-in is in the security log");
        for (String line : logLines()) {
            for (String secret : List.of(SECRET, code, access, tokens.json().get("refresh_token").asText(),
                    q.get("state"), q.get("nonce"), query(back).get("code"))) {
                assertFalse(line.contains(secret), "a secret reached the log: " + line);
            }
        }

        assertEquals(401, exchange(code).status(), "the one-time code works once");
        HttpResponse<String> replay = get(back);
        assertEquals(400, replay.statusCode(), "a spent state is refused: " + replay.body());
        assertTrue(replay.body().contains("expired or was already used"), replay.body());
    }

    @Test
    void anAllowlistedCallbackKeepsItsOwnQuery() throws Exception {
        Tenant t = tenant();
        String landing = signIn(t, "https://app.example.com/signed-in?x=1", token(t, Map.of()));
        assertTrue(landing.startsWith("https://app.example.com/signed-in?x=1&code="), landing);
        assertEquals(200, exchange(query(landing).get("code")).status());
    }

    @Test
    void aCallbackOffTheAllowlistIsRefusedBeforeAnythingHappens() throws Exception {
        Tenant t = tenant();
        for (String bad : List.of("https://evil.example/cb", "https://app.example.com/signed-in",
                "http://localhost:45123/cb", "https://app.example.com/signed-in?x=1#frag")) {
            Reply r = api.call("POST", "/api/auth/sign_in/microsoft", null, Map.of("domain", t.domain(),
                    "callback_url", bad));
            assertEquals(400, r.status(), bad + ": " + r);
            assertFalse(r.rules("callback_url").isEmpty(), bad + ": " + r);
        }
        // The edge's own portal, at its public URL, is allowed without being listed.
        String portal = "http://127.0.0.1:" + edge.httpPort() + "/portal";
        assertEquals(200, api.call("POST", "/api/auth/sign_in/microsoft", null, Map.of("domain", t.domain(),
                "callback_url", portal)).status());
        assertEquals(400, api.call("POST", "/api/auth/sign_in/microsoft", null, Map.of("domain", t.domain(),
                "callback_url", portal + "/elsewhere")).status());
        Reply unknown = api.call("POST", "/api/auth/sign_in/microsoft", null, Map.of("domain", "nowhere.example",
                "callback_url", "http://127.0.0.1/cb"));
        assertEquals(400, unknown.status(), unknown.toString());
        assertEquals(List.of("microsoft"), unknown.rules("domain"));
    }

    @Test
    void aWrongAudienceIsRefused() throws Exception {
        Tenant t = tenant();
        String landing = signIn(t, "http://127.0.0.1/cb", token(t, Map.of("aud", List.of(UUID.randomUUID().toString()))));
        assertRefused(landing, "http://127.0.0.1/cb?", "access_denied", null, "Unexpected JWT audience");
    }

    @Test
    void aTokenOfAnotherDirectoryIsRefused() throws Exception {
        Tenant t = tenant();
        String landing = signIn(t, "http://127.0.0.1/cb", token(t, Map.of("tid", UUID.randomUUID().toString())));
        assertRefused(landing, "http://127.0.0.1/cb?", "access_denied", "another directory", "reason=wrong-tenant");
    }

    @Test
    void anExpiredTokenIsRefused() throws Exception {
        Tenant t = tenant();
        // Issued 70 minutes ago for an hour: expired 10 minutes ago, beyond the 2 minutes of skew allowed.
        providerLag.set(Duration.ofMinutes(70));
        String landing;
        try {
            landing = signIn(t, "http://127.0.0.1/cb", token(t, Map.of()));
        } finally {
            providerLag.set(Duration.ZERO);
        }
        assertRefused(landing, "http://127.0.0.1/cb?", "access_denied", null, "Expired JWT");
    }

    @Test
    void aNonceOtherThanTheOneSentIsRefused() throws Exception {
        Tenant t = tenant();
        String landing = signIn(t, "http://127.0.0.1/cb", token(t, Map.of("nonce", "not-the-nonce-we-sent")));
        assertRefused(landing, "http://127.0.0.1/cb?", "access_denied", null, "Unexpected JWT nonce");
    }

    @Test
    void aCodeIssuedForAnotherSignInFailsItsPkceCheck() throws Exception {
        Tenant t = tenant();
        String first = begin(t, "http://127.0.0.1/cb");
        String second = begin(t, "http://127.0.0.1/cb");
        idp.enqueueCallback(token(t, Map.of()));
        String codeOfFirst = query(atProvider(first)).get("code");
        // The first sign-in's code delivered with the second's state: the edge sends the second's verifier.
        String stateOfSecond = query(second).get("state");
        String landing = location(get("http://127.0.0.1:" + edge.httpPort() + "/api/auth/callback/microsoft?code="
                + codeOfFirst + "&state=" + stateOfSecond));
        assertRefused(landing, "http://127.0.0.1/cb?", "access_denied", null, "reason=code-exchange-refused");
    }

    @Test
    void aMicrosoftAccountBoundToNoUserIsRefused() throws Exception {
        Tenant t = tenant();
        String landing = signIn(t, "http://127.0.0.1/cb", token(t, Map.of("oid", UUID.randomUUID().toString(),
                "preferred_username", "mallory@contoso.example")));
        assertRefused(landing, "http://127.0.0.1/cb?", "access_denied", "not linked", "reason=not-bound");
    }

    @Test
    void aDisabledUserIsRefused() throws Exception {
        Tenant t = tenant();
        String oid = UUID.randomUUID().toString();
        user(t.account(), "disabled" + N.incrementAndGet(), oid, false);
        String landing = signIn(t, "http://127.0.0.1/cb", token(t, Map.of("oid", oid)));
        assertRefused(landing, "http://127.0.0.1/cb?", "access_denied", "disabled", "reason=disabled");
    }

    @Test
    void theProvidersOwnErrorIsPassedOnAndSpendsTheState() throws Exception {
        Tenant t = tenant();
        String state = query(begin(t, "http://127.0.0.1/cb")).get("state");
        String callback = "http://127.0.0.1:" + edge.httpPort() + "/api/auth/callback/microsoft?error=access_denied"
                + "&error_description=AADSTS65004&state=" + state;
        assertRefused(location(get(callback)), "http://127.0.0.1/cb?", "access_denied", "did not sign");
        assertEquals(400, get(callback).statusCode());
    }

    @Test
    void aUpnSetByAnAdminLinksOnFirstSignInThenTheObjectIdIsTheBinding() throws Exception {
        Tenant t = tenant();
        String upn = "Bob.Builder" + N.incrementAndGet() + "@contoso.example";
        String bob = user(t.account(), "bob" + N.get(), upn, true);
        String oid = UUID.randomUUID().toString();
        String landing = signIn(t, "http://127.0.0.1/cb", token(t, Map.of("oid", oid,
                "preferred_username", upn.toLowerCase(java.util.Locale.ROOT))));
        Plain tokens = exchange(query(landing).get("code"));
        assertEquals(200, tokens.status(), landing + " " + tokens);
        Reply stored = api.get("/v2/accounts/" + t.account() + "/users/" + bob, admin);
        assertEquals(oid, stored.data().get("ms365_binding").asText(), "the binding is now the object id");

        // Another Microsoft account that later gets the same UPN no longer matches.
        String other = signIn(t, "http://127.0.0.1/cb", token(t, Map.of("oid", UUID.randomUUID().toString(),
                "preferred_username", upn)));
        assertRefused(other, "http://127.0.0.1/cb?", "access_denied", "not linked");
    }

    @Test
    void legacyFormLoginEndsWithTheSessionCookieOnThePortalInTheBrowserThatBeganIt() throws Exception {
        Tenant t = tenant();
        HttpResponse<String> start = legacyStart(t);
        String url = location(start);
        assertTrue(url.startsWith(t.issuer() + "/authorize?"), url);
        String binding = cookie(start, "sipedge_signin");
        assertTrue(binding.contains("Path=/api/auth/callback/microsoft") && binding.contains("HttpOnly"), binding);
        idp.enqueueCallback(token(t, Map.of()));
        HttpResponse<String> done = get(atProvider(url), "Cookie", binding.substring(0, binding.indexOf(';')));
        assertEquals("/portal", location(done));
        String session = cookie(done, "sipedge_session");
        assertTrue(session.contains("HttpOnly") && session.contains("Path=/api"), session);
        assertTrue(cookie(done, "sipedge_signin").contains("Max-Age=0"), "the binding cookie is cleared");
        Plain me = api.plain("GET", "/api/login", null, "Cookie", session.substring(0, session.indexOf(';')));
        assertEquals(200, me.status(), me.toString());
        assertEquals(t.userId(), me.json().get("id").asText());

        // The same link opened in another browser (no binding cookie, or another one): refused.
        for (String other : List.of("", "sipedge_signin=" + "A".repeat(43))) {
            // No token is queued at the provider: the edge refuses before it redeems the code.
            String back = atProvider(location(legacyStart(t)));
            HttpResponse<String> elsewhere = other.isEmpty() ? get(back) : get(back, "Cookie", other);
            assertEquals(400, elsewhere.statusCode(), elsewhere.body());
            assertTrue(elsewhere.body().contains("another browser"), elsewhere.body());
            assertTrue(elsewhere.headers().firstValue("Set-Cookie").isEmpty(), "no session");
            assertLoggedRefusal("reason=other-browser");
        }
    }

    private static HttpResponse<String> legacyStart(Tenant t) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.httpPort()
                        + "/api/login/by_microsoft")).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("domain=" + t.domain())).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String cookie(HttpResponse<String> r, String name) {
        return r.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith(name + "=")).findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + " cookie in " + r.headers()));
    }

    @Test
    void theClientsOwnStateComesBackUnchangedOnSuccessAndOnError() throws Exception {
        Tenant t = tenant();
        String mine = "portal-Tab.7~x_" + UUID.randomUUID();
        Plain r = api.plain("POST", "/api/auth/sign_in/microsoft", ApiClient.JSON.writeValueAsString(
                Map.of("domain", t.domain(), "callback_url", "http://127.0.0.1/cb", "state", mine)));
        assertEquals(200, r.status(), r.toString());
        String url = r.json().get("url").asText();
        assertNotEquals(mine, query(url).get("state"), "the edge's own state goes to Microsoft");
        idp.enqueueCallback(token(t, Map.of()));
        Map<String, String> ok = query(location(get(atProvider(url))));
        assertEquals(mine, ok.get("state"));
        assertNotNull(ok.get("code"));

        r = api.plain("POST", "/api/auth/sign_in/microsoft", ApiClient.JSON.writeValueAsString(
                Map.of("domain", t.domain(), "callback_url", "http://127.0.0.1/cb", "state", mine)));
        idp.enqueueCallback(token(t, Map.of("oid", UUID.randomUUID().toString())));
        Map<String, String> refused = query(location(get(atProvider(r.json().get("url").asText()))));
        assertEquals("access_denied", refused.get("error"));
        assertEquals(mine, refused.get("state"));

        for (String bad : List.of("", "has space", "a&b=c", "x".repeat(513))) {
            Reply invalid = api.call("POST", "/api/auth/sign_in/microsoft", null, Map.of("domain", t.domain(),
                    "callback_url", "http://127.0.0.1/cb", "state", bad));
            assertEquals(400, invalid.status(), bad + ": " + invalid);
            assertEquals(List.of("format"), invalid.rules("state"), invalid.toString());
        }
    }

    @Test
    void aCertificateCredentialSignsAClientAssertionInsteadOfASecret(@TempDir Path dir) throws Exception {
        TestCertificates.Pair m = TestCertificates.selfSigned(dir, "app", Kind.RSA, "sip-edge entra", 21);
        String certPem = Files.readString(m.certificate());
        Tenant t = tenant(Map.of("client_certificate", certPem, "client_certificate_key", Files.readString(m.key())));
        drain();
        String landing = signIn(t, "http://127.0.0.1/cb", token(t, Map.of()));
        assertEquals(200, exchange(query(landing).get("code")).status(), landing);

        RecordedRequest tokenRequest = drain().stream().filter(r -> r.getPath() != null
                && r.getPath().endsWith("/token")).findFirst().orElse(null);
        assertNotNull(tokenRequest, "the edge called the token endpoint");
        Map<String, String> form = query("/?" + tokenRequest.getBody().readUtf8());
        assertEquals("urn:ietf:params:oauth:client-assertion-type:jwt-bearer", form.get("client_assertion_type"));
        assertNull(form.get("client_secret"));
        assertNotNull(form.get("code_verifier"));
        SignedJWT assertion = SignedJWT.parse(form.get("client_assertion"));
        X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new java.io.ByteArrayInputStream(certPem.getBytes(StandardCharsets.US_ASCII)));
        assertTrue(assertion.verify(new RSASSAVerifier((RSAPublicKey) cert.getPublicKey())), "signed by the key");
        assertEquals(Base64URL.encode(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded())),
                assertion.getHeader().getX509CertSHA256Thumbprint());
        assertEquals(APP_ID, assertion.getJWTClaimsSet().getIssuer());
        assertEquals(APP_ID, assertion.getJWTClaimsSet().getSubject());
        assertEquals(List.of(t.issuer() + "/token"), assertion.getJWTClaimsSet().getAudience());
    }

}
