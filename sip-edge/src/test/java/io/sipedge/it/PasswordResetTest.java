package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.sipedge.directory.UserSpec;
import io.sipedge.it.ApiClient.Reply;
import io.sipedge.model.Tenant;
import io.sipedge.model.User;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * Issue 17's password reset by e-mail against a real SMTP server (GreenMail on an ephemeral
 * loopback port, no STARTTLS): the mail arrives with a link, the link's token sets a new password
 * once, an unknown user gets the same 200 and no mail, a callback not on the allowlist is a 400,
 * an expired token is refused, and neither a token nor a password reaches the edge's log.
 */
@Timeout(120)
class PasswordResetTest {
    private static final String CALLBACK = "https://portal.example.com/reset";
    private static final String OLD_PW = "Old sign-in pw 1234";
    private static final String NEW_PW = "New sign-in pw 5678";
    private static final Pattern LINK = Pattern.compile(Pattern.quote(CALLBACK) + "\\?token=([A-Za-z0-9_-]{43})\\b");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger N = new AtomicInteger();

    static GreenMail smtp;
    static EdgeUnderTest edge;
    static ApiClient api;
    static ListAppender<ILoggingEvent> logs;

    @BeforeAll
    static void start() throws Exception {
        smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP).dynamicPort());
        smtp.start();
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        logs = new ListAppender<>();
        logs.setContext(ctx);
        logs.start();
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(logs);
        ctx.getLogger("security").addAppender(logs); // not additive (config/logback.xml)
        ctx.getLogger("io.sipedge").setLevel(Level.DEBUG);
        edge = EdgeUnderTest.start("sip.tls-port=-1", "mail.smtp-host=127.0.0.1",
                "mail.smtp-port=" + smtp.getSmtp().getPort(), "mail.starttls=off", "mail.from=sip-edge@example.com",
                "api.reset-callback-urls=" + CALLBACK + ",http://127.0.0.1/native-app");
        api = edge.api();
    }

    @AfterAll
    static void stop() throws Exception {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).detachAppender(logs);
        ctx.getLogger("security").detachAppender(logs);
        ctx.getLogger("io.sipedge").setLevel(null);
        logs.stop();
        if (edge != null) {
            edge.close();
        }
        smtp.stop();
    }

    @BeforeEach
    void emptyMailboxes() throws Exception {
        smtp.purgeEmailFromAllMailboxes();
    }

    private static String domain() {
        return "reset" + N.incrementAndGet() + ".example";
    }

    private static User user(String domain, String username, String email, boolean enabled) {
        Tenant t = edge.tenant(domain, false);
        return edge.directory().createUser(t.id(), new UserSpec(username, null, null, email, OLD_PW, User.Role.USER,
                enabled, null));
    }

    /** The seed's bodies are plain JSON objects, not {"data": ...}. */
    private static Reply post(String path, Map<String, Object> body) throws Exception {
        return api.call("POST", path, null, JSON.writeValueAsString(body));
    }

    private static Reply forget(String domain, String username, String callback) throws Exception {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("domain", domain);
        b.put("username", username);
        b.put("callback_url", callback);
        return post("/api/auth/forget_password", b);
    }

    private static Reply reset(String token, String password) throws Exception {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("token", token);
        b.put("new_password", password);
        return post("/api/auth/reset_password", b);
    }

    /** Waits for the {@code n}th mail since the last purge and returns the token of its link. */
    private static String tokenOfMail(int n, String to) throws Exception {
        assertTrue(smtp.waitForIncomingEmail(15_000, n), "mail " + n + " arrives");
        MimeMessage[] all = smtp.getReceivedMessages();
        assertEquals(n, all.length, "exactly " + n + " mails");
        MimeMessage m = all[n - 1];
        assertEquals(to, m.getAllRecipients()[0].toString());
        assertEquals("sip-edge@example.com", m.getFrom()[0].toString());
        Matcher link = LINK.matcher(((String) m.getContent()));
        assertTrue(link.find(), "the mail holds the link: " + m.getContent());
        return link.group(1);
    }

    private static boolean signsIn(String domain, String username, String password) {
        Tenant t = edge.directory().tenantByDomain(domain).orElseThrow();
        return edge.directory().checkUserPassword(t.id(), username, password).isPresent();
    }

    private static void assertEmpty200(Reply r) {
        assertEquals(200, r.status(), r.toString());
        assertEquals("", r.body(), "the seed's answer has no body");
    }

    @Test
    void theMailedLinkResetsThePasswordOnceAndLeavesNoSecretInTheLog() throws Exception {
        String d = domain();
        user(d, "alice", "alice@mail.example", true);
        assertEmpty200(forget(d, "alice", CALLBACK));
        String token = tokenOfMail(1, "alice@mail.example");

        // A weak password is refused without spending the link.
        Reply weak = reset(token, "short");
        assertEquals(400, weak.status(), weak.toString());
        assertEquals(List.of("min_length"), weak.rules("new_password"));

        assertEmpty200(reset(token, NEW_PW));
        assertTrue(signsIn(d, "alice", NEW_PW), "the new password works");
        assertFalse(signsIn(d, "alice", OLD_PW), "the old one does not");

        Reply again = reset(token, "Another pw 9999");
        assertEquals(400, again.status(), "a spent token: " + again);
        assertEquals(List.of("invalid"), again.rules("token"));
        assertTrue(signsIn(d, "alice", NEW_PW), "the refused reuse changed nothing");

        List<String> lines = new ArrayList<>();
        for (ILoggingEvent e : List.copyOf(logs.list)) {
            if (!e.getLoggerName().startsWith("com.icegreen")) { // the test's own mail server, not the edge
                lines.add(e.getLoggerName() + ": " + e.getFormattedMessage());
            }
        }
        for (String line : lines) {
            for (String secret : List.of(token, OLD_PW, NEW_PW, "short")) {
                assertFalse(line.contains(secret), "a secret reached the log: " + line);
            }
        }
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("security: ") && l.contains("password-reset-requested")
                && l.contains("outcome=sent")), "the request is a security event");
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("security: ") && l.contains("password-reset-done")),
                "the reset is a security event");
    }

    @Test
    void aNewRequestReplacesTheUsersPreviousLink() throws Exception {
        String d = domain();
        user(d, "bob", "bob@mail.example", true);
        assertEmpty200(forget(d, "bob", CALLBACK));
        String first = tokenOfMail(1, "bob@mail.example");
        assertEmpty200(forget(d, "bob", CALLBACK));
        String second = tokenOfMail(2, "bob@mail.example");
        assertNotEquals(first, second);
        assertEquals(400, reset(first, NEW_PW).status(), "the replaced link");
        assertEmpty200(reset(second, NEW_PW));
        assertTrue(signsIn(d, "bob", NEW_PW));
    }

    @Test
    void unknownDomainUserDisabledOrMaillessGetTheSame200AndNoMail() throws Exception {
        String d = domain();
        user(d, "carol", "carol@mail.example", true);
        user(d, "dave", "dave@mail.example", false);
        user(d, "erin", null, true);
        assertEmpty200(forget("nowhere.example", "carol", CALLBACK));
        assertEmpty200(forget(d, "nobody", CALLBACK));
        assertEmpty200(forget(d, "dave", CALLBACK));
        assertEmpty200(forget(d, "erin", CALLBACK));
        // One thread handles requests in order: once carol's mail is in, the four before it are done.
        assertEmpty200(forget(d, "carol", CALLBACK));
        tokenOfMail(1, "carol@mail.example");
    }

    @Test
    void aCallbackNotOnTheAllowlistIsRefusedWithFieldAndRule() throws Exception {
        String d = domain();
        user(d, "frank", "frank@mail.example", true);
        Reply evil = forget(d, "frank", "https://evil.example/reset");
        assertEquals(400, evil.status(), evil.toString());
        assertEquals(List.of("allowlist"), evil.rules("callback_url"));
        assertEquals(List.of("allowlist"), forget(d, "frank", CALLBACK + "/more").rules("callback_url"));
        assertEquals(List.of("allowlist"), forget(d, "frank", "http://portal.example.com/reset").rules("callback_url"),
                "the scheme counts");
        assertEquals(List.of("url"), forget(d, "frank", "javascript:alert(1)").rules("callback_url"));
        assertEquals(List.of("url"), forget(d, "frank", CALLBACK + "#x").rules("callback_url"));
        assertEquals(List.of("url"), forget(d, "frank", "https://user@portal.example.com/reset")
                .rules("callback_url"));
        Reply missing = post("/api/auth/forget_password", Map.of("domain", d));
        assertEquals(400, missing.status());
        assertEquals(List.of("required"), missing.rules("username"));
        assertEquals(List.of("required"), missing.rules("callback_url"));

        // RFC 8252 §7.3: a loopback IP literal on any port, as a native app listens.
        assertEmpty200(forget(d, "frank", "http://127.0.0.1:53123/native-app"));
        Matcher port = Pattern.compile("http://127\\.0\\.0\\.1:53123/native-app\\?token=[A-Za-z0-9_-]{43}")
                .matcher("");
        assertTrue(smtp.waitForIncomingEmail(15_000, 1));
        MimeMessage[] all = smtp.getReceivedMessages();
        assertEquals(1, all.length, "only the allowed callback produced a mail");
        assertTrue(port.reset((String) all[0].getContent()).find(), "the link keeps the app's port");
    }

    @Test
    void anExpiredTokenIsRefused() throws Exception {
        String d = domain();
        user(d, "grace", "grace@mail.example", true);
        assertEmpty200(forget(d, "grace", CALLBACK));
        String token = tokenOfMail(1, "grace@mail.example");
        edge.clock().advance(Duration.ofMinutes(31)); // api.reset-token-ttl: 30 minutes by default
        Reply late = reset(token, NEW_PW);
        assertEquals(400, late.status(), late.toString());
        assertEquals(List.of("invalid"), late.rules("token"));
        assertTrue(signsIn(d, "grace", OLD_PW), "the password did not change");
        Reply none = post("/api/auth/reset_password", Map.of("new_password", NEW_PW));
        assertEquals(List.of("required"), none.rules("token"));
    }

    @Test
    void theRoutesAreOnThePublicListenerUnderTheCredentialLimitAndWithoutMailStillAnswer200() throws Exception {
        // No allowlist here: 127.0.0.1 is limited like any client, 3 at once then 1 a second.
        try (EdgeUnderTest split = EdgeUnderTest.start("sip.tls-port=-1", "http.admin-port=0",
                "api.reset-callback-urls=" + CALLBACK, "security.allowlist=", "http.rate-per-second=1",
                "http.burst=3")) {
            String d = "public.example";
            Tenant t = split.tenant(d, false);
            split.directory().createUser(t.id(), new UserSpec("heidi", null, null, "heidi@mail.example", OLD_PW,
                    User.Role.USER, true, null));
            ApiClient pub = split.api();
            Reply r = pub.call("POST", "/api/auth/forget_password", null, JSON.writeValueAsString(
                    Map.of("domain", d, "username", "heidi", "callback_url", CALLBACK)));
            assertEmpty200(r);
            Reply bad = pub.call("POST", "/api/auth/reset_password", null, JSON.writeValueAsString(
                    Map.of("token", "x".repeat(43), "new_password", NEW_PW)));
            assertEquals(400, bad.status(), "served on the public listener: " + bad);
            Reply limited = null;
            for (int i = 0; i < 5 && limited == null; i++) {
                Reply next = pub.call("POST", "/api/auth/forget_password", null, JSON.writeValueAsString(
                        Map.of("domain", d, "username", "heidi", "callback_url", CALLBACK)));
                limited = next.status() == 429 ? next : null;
            }
            assertTrue(limited != null, "a guesser is slowed by the client guard");
            assertTrue(limited.raw().headers().firstValue("Retry-After").isPresent());
        }
    }
}
