package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import io.sipedge.it.ApiClient.Plain;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * Issue 17's password sign-in against a running edge, in the tenant-auth seed's shapes: flat JSON
 * bodies in and out (not the operator API's {@code {"data": …}}), bearer tokens that rotate, the
 * legacy cookie, {@code /api/info}, one 401 for every wrong case, and the per-user lockout.
 */
@Timeout(120)
class SignInApiTest {
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

    /** A tenant and its users, alice enabled and carol disabled; returns the domain. */
    private static String tenant() throws Exception {
        String domain = "signin" + N.incrementAndGet() + ".example";
        String acc = api.account(admin, "signin", domain);
        user(acc, "alice", true);
        user(acc, "carol", false);
        return domain;
    }

    private static void user(String acc, String username, boolean enabled) throws Exception {
        Map<String, Object> u = new LinkedHashMap<>();
        u.put("username", username);
        u.put("first_name", "First " + username);
        u.put("email", username + "@example.com");
        u.put("password", PW);
        u.put("enabled", enabled);
        ApiClient.Reply r = api.call("PUT", "/v2/accounts/" + acc + "/users", admin, u);
        assertEquals(201, r.status(), r.toString());
    }

    private static Plain send(String method, String path, String body, String... headers) throws Exception {
        return new ApiClient(edge.httpPort()).plain(method, path, body, headers);
    }

    private static String creds(String username, String password, String domain) throws Exception {
        return ApiClient.JSON.writeValueAsString(Map.of("username", username, "password", password,
                "domain", domain));
    }

    private static Plain signIn(String username, String password, String domain) throws Exception {
        return send("POST", "/api/auth/sign_in", creds(username, password, domain));
    }

    private static Plain me(String access) throws Exception {
        return send("GET", "/api/auth/user", null, "Authorization", "Bearer " + access);
    }

    @Test
    void signInGivesBearerTokensThatOpenTheUserButNoOperatorRoute() throws Exception {
        String domain = tenant();
        Plain r = signIn("alice", PW, domain);
        assertEquals(200, r.status(), r.toString());
        assertEquals("no-store", r.raw().headers().firstValue("Cache-Control").orElse(""));
        JsonNode t = r.json();
        assertEquals("Bearer", t.get("token_type").asText());
        assertEquals(900, t.get("expires_in").asInt());
        String access = t.get("access_token").asText();
        assertTrue(access.matches("[A-Za-z0-9_-]{43,}"), access);
        assertTrue(t.get("refresh_token").asText().matches("[A-Za-z0-9_-]{43,}"));
        assertFalse(t.has("data"), "the seed's body is not enveloped");

        Plain u = me(access);
        assertEquals(200, u.status(), u.toString());
        JsonNode user = u.json();
        assertEquals("alice", user.get("username").asText());
        assertEquals("First alice", user.get("first_name").asText());
        assertEquals("alice@example.com", user.get("email").asText());
        assertEquals("user", user.get("role").asText());
        assertEquals(domain, user.get("domain").asText());
        assertTrue(user.get("account_id").asText().matches("[0-9a-f]{32}"));
        assertTrue(user.get("id").asText().matches("[0-9a-f]{32}"));
        assertFalse(u.body().contains("argon2"), "never the hash");
        assertFalse(u.body().contains(PW));

        assertEquals(401, send("GET", "/v2/accounts", null, "Authorization", "Bearer " + access).status(),
                "a user's token is no operator token");
        assertEquals(401, me("not-a-token").status());
        assertEquals("Bearer", me("not-a-token").raw().headers().firstValue("WWW-Authenticate").orElse(""));
        assertEquals(401, send("GET", "/api/auth/user", null).status());
    }

    @Test
    void wrongUsernamePasswordDomainAndADisabledUserGetTheSameBytes() throws Exception {
        String domain = tenant();
        List<Plain> wrong = List.of(signIn("mallory", PW, domain), signIn("alice", "not the password", domain),
                signIn("alice", PW, "nowhere.example"), signIn("carol", PW, domain),
                signIn("ALICE", PW, domain));
        byte[] first = wrong.get(0).body().getBytes(StandardCharsets.UTF_8);
        for (Plain r : wrong) {
            assertEquals(401, r.status(), r.toString());
            assertArrayEquals(first, r.body().getBytes(StandardCharsets.UTF_8), r.toString());
            assertTrue(r.raw().headers().firstValue("WWW-Authenticate").isEmpty());
        }
        assertEquals("401", ApiClient.JSON.readTree(first).get("error").asText());
    }

    @Test
    void missingOrMalformedFieldsAre400WithFieldAndRule() throws Exception {
        String domain = tenant();
        Plain r = send("POST", "/api/auth/sign_in", "{\"username\":\"alice\",\"password\":7}");
        assertEquals(400, r.status(), r.toString());
        JsonNode data = r.json().get("data");
        assertTrue(data.get("password").has("type"), r.toString());
        assertTrue(data.get("domain").has("required"), r.toString());
        r = send("POST", "/api/auth/sign_in", "{\"username\":\"alice\",\"password\":\"x\",\"domain\":\"d\","
                + "\"pasword\":\"y\"}");
        assertTrue(r.json().get("data").get("pasword").has("unknown_field"), r.toString());
        assertEquals(400, send("POST", "/api/auth/sign_in", "not json").status());
        assertEquals(400, send("POST", "/api/auth/refresh_token", "{}").status());
        // The operator API's envelope is read as well, for clients written against /v2.
        ApiClient.Reply enveloped = api.call("POST", "/api/auth/sign_in", null,
                Map.of("username", "alice", "password", PW, "domain", domain));
        assertEquals(200, enveloped.status(), "an enveloped body signs in too: " + enveloped);
    }

    @Test
    void refreshRotatesAndReusingASpentRefreshTokenEndsTheSession() throws Exception {
        String domain = tenant();
        JsonNode t = signIn("alice", PW, domain).json();
        String refresh = t.get("refresh_token").asText();
        Plain r = send("POST", "/api/auth/refresh_token", "{\"refresh_token\":\"" + refresh + "\"}");
        assertEquals(200, r.status(), r.toString());
        JsonNode next = r.json();
        assertNotEquals(refresh, next.get("refresh_token").asText());
        assertEquals(401, me(t.get("access_token").asText()).status(), "the old access token is replaced");
        assertEquals(200, me(next.get("access_token").asText()).status());

        Plain reuse = send("POST", "/api/auth/refresh_token", "{\"refresh_token\":\"" + refresh + "\"}");
        assertEquals(401, reuse.status(), reuse.toString());
        assertEquals(401, me(next.get("access_token").asText()).status(), "reuse ends the session");
        assertEquals(401, send("POST", "/api/auth/refresh_token", "{\"refresh_token\":\""
                + next.get("refresh_token").asText() + "\"}").status());
    }

    @Test
    void signOutEndsTheAccessAndRefreshTokens() throws Exception {
        String domain = tenant();
        JsonNode t = signIn("alice", PW, domain).json();
        String access = t.get("access_token").asText();
        Plain out = send("POST", "/api/auth/sign_out", null, "Authorization", "Bearer " + access);
        assertEquals(200, out.status(), out.toString());
        assertEquals(401, me(access).status());
        assertEquals(401, send("POST", "/api/auth/refresh_token", "{\"refresh_token\":\""
                + t.get("refresh_token").asText() + "\"}").status());
        assertEquals(401, send("POST", "/api/auth/sign_out", null, "Authorization", "Bearer " + access).status());
    }

    @Test
    void legacyCookieLoginStatusAndLogout() throws Exception {
        String domain = tenant();
        assertEquals(401, send("GET", "/api/login", null).status());
        Plain bad = send("POST", "/api/login", creds("alice", "wrong", domain));
        assertEquals(401, bad.status());
        assertEquals(signIn("alice", "wrong", domain).body(), bad.body(), "the same 401 as sign_in");

        Plain in = send("POST", "/api/login", creds("alice", PW, domain));
        assertEquals(200, in.status(), in.toString());
        assertEquals("", in.body());
        String setCookie = in.raw().headers().firstValue("Set-Cookie").orElseThrow();
        assertTrue(setCookie.startsWith("sipedge_session="), setCookie);
        for (String attr : List.of("HttpOnly", "Secure", "SameSite=Lax", "Path=/api")) {
            assertTrue(setCookie.contains("; " + attr), setCookie);
        }
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));
        Plain status = send("GET", "/api/login", null, "Cookie", "theme=dark; " + cookie);
        assertEquals(200, status.status(), status.toString());
        assertEquals("alice", status.json().get("username").asText());

        Plain out = send("POST", "/api/logout", null, "Cookie", cookie);
        assertEquals(200, out.status());
        assertTrue(out.raw().headers().firstValue("Set-Cookie").orElseThrow().contains("Max-Age=0"));
        assertEquals(401, send("GET", "/api/login", null, "Cookie", cookie).status());
    }

    @Test
    void infoTellsWhetherTheTenantOffersMicrosoftSignIn() throws Exception {
        String domain = tenant();
        Plain r = send("GET", "/api/info?domain=" + domain, null);
        assertEquals(200, r.status(), r.toString());
        assertEquals(domain, r.json().get("domain").asText());
        assertFalse(r.json().get("microsoft").asBoolean(), "no Microsoft settings yet");
        Plain unknown = send("GET", "/api/info?domain=nowhere.example", null);
        assertEquals(200, unknown.status(), "an unknown domain reads as one without Microsoft");
        assertFalse(unknown.json().get("microsoft").asBoolean());
        assertEquals(400, send("GET", "/api/info", null).status());
    }

    @Test
    void fiveFailuresLockTheUserOutFromAnySourceWith429AndAreLoggedWithoutThePassword() throws Exception {
        String domain = tenant();
        String wrong = "Wrong-pw-" + N.incrementAndGet();
        List<String> lines = captureSecurityLog(() -> {
            for (int i = 0; i < 5; i++) {
                assertEquals(401, signIn("alice", wrong, domain).status());
            }
            Plain locked = signIn("alice", PW, domain);
            assertEquals(429, locked.status(), locked.toString());
            long retry = Long.parseLong(locked.raw().headers().firstValue("Retry-After").orElseThrow());
            assertTrue(retry > 800 && retry <= 900, "about 15 minutes: " + retry);
            assertEquals(429, send("POST", "/api/login", creds("Alice", PW, domain)).status(),
                    "the cookie login too, and the name in any case");
            Plain other = send("POST", "/api/auth/sign_in", creds("alice", PW, domain), "X-Forwarded-For",
                    "192.0.2.7");
            assertEquals(429, other.status(), "whatever the source claims");
            assertEquals(401, signIn("nobody-else", PW, domain).status(), "other names are not locked");
        });
        long failed = lines.stream().filter(l -> l.contains("event=signin-failed") && l.contains("\"alice\""))
                .count();
        assertEquals(5, failed, String.join("\n", lines));
        assertTrue(lines.stream().anyMatch(l -> l.contains("event=signin-lockout") && l.contains("ip=127.0.0.1")
                && l.contains("username=\"alice\"")), String.join("\n", lines));
        assertTrue(lines.stream().anyMatch(l -> l.contains("event=signin-failed") && l.contains("reason=wrong_password")));
        edge.clock().advance(Duration.ofMinutes(15));
        assertEquals(200, signIn("alice", PW, domain).status(), "the lockout ends");
    }

    @Test
    void noPasswordReachesAnyLogEvenAtDebug() throws Exception {
        String domain = tenant();
        String wrong = "Never-logged-" + N.incrementAndGet();
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Level saved = root.getLevel();
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.setContext(ctx);
        appender.start();
        root.addAppender(appender);
        root.setLevel(Level.DEBUG);
        // The security log may not be additive (its own file): listen to it directly too.
        Logger security = ctx.getLogger("security");
        boolean additive = security.isAdditive();
        if (!additive) {
            security.addAppender(appender);
        }
        List<String> tokens = new ArrayList<>();
        try {
            signIn("alice", wrong, domain);
            signIn("mallory", wrong, domain);
            send("POST", "/api/login", creds("alice", wrong, domain));
            JsonNode t = signIn("alice", PW, domain).json();
            tokens.add(t.get("access_token").asText());
            tokens.add(t.get("refresh_token").asText());
            me(tokens.get(0));
            send("POST", "/api/auth/refresh_token", "{\"refresh_token\":\"" + tokens.get(1) + "\"}");
        } finally {
            root.detachAppender(appender);
            security.detachAppender(appender);
            appender.stop();
            root.setLevel(saved);
        }
        List<String> lines = new ArrayList<>();
        for (ILoggingEvent e : List.copyOf(appender.list)) {
            lines.add(e.getLoggerName() + ": " + e.getFormattedMessage() + " " + e.getKeyValuePairs());
        }
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("io.sipedge.http.access") && l.contains("/api/auth/sign_in")),
                "the calls are in the access log");
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("security") && l.contains("mallory")));
        for (String line : lines) {
            assertFalse(line.contains(wrong), "a password reached the log: " + line);
            assertFalse(line.contains(PW), "a password reached the log: " + line);
            for (String token : tokens) {
                assertFalse(line.contains(token), "a token reached the log: " + line);
            }
        }
    }

    interface Body {
        void run() throws Exception;
    }

    /** The security log's lines while {@code body} runs. */
    private static List<String> captureSecurityLog(Body body) throws Exception {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger security = ctx.getLogger("security");
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.setContext(ctx);
        appender.start();
        security.addAppender(appender);
        try {
            body.run();
        } finally {
            security.detachAppender(appender);
            appender.stop();
        }
        List<String> lines = new ArrayList<>();
        for (ILoggingEvent e : List.copyOf(appender.list)) {
            lines.add(e.getFormattedMessage());
        }
        return lines;
    }
}
