package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.read.ListAppender;
import io.sipedge.it.ApiClient.Reply;
import io.sipedge.model.Device;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * The operator API never logs a key, a token or a password, even at DEBUG and even for requests
 * it refuses; and no answer carries a password or an HA1. The access log does record every call.
 */
@Timeout(120)
class ApiLogRedactionTest {
    private static final String PASSWORD = "Api-redact-me-5521";
    private static final String NEW_PASSWORD = "Api-redact-new-8830";

    @Test
    void keysTokensAndPasswordsStayOutOfLogsAndAnswers() throws Exception {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Level saved = root.getLevel();
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.setContext(ctx);
        appender.start();
        root.addAppender(appender);
        root.setLevel(Level.DEBUG);
        List<String> secrets = new ArrayList<>(List.of(EdgeUnderTest.ADMIN_KEY, PASSWORD, NEW_PASSWORD));
        List<Reply> answers = new ArrayList<>();
        try (EdgeUnderTest edge = EdgeUnderTest.start("sip.tls-port=-1")) {
            ApiClient api = edge.api();
            String admin = api.adminToken();
            secrets.add(admin);
            String acc = api.account(admin, "redact", "redact.example");
            Reply key = api.get("/v2/accounts/" + acc + "/api_key", admin);
            secrets.add(key.data().get("api_key").asText());
            String accToken = api.token(key.data().get("api_key").asText());
            secrets.add(accToken);
            String devPath = "/v2/accounts/" + acc + "/devices";
            Reply created = api.call("PUT", devPath, accToken,
                    Map.of("sip", Map.of("username", "rita", "password", PASSWORD)));
            answers.add(created);
            String dev = created.data().get("id").asText();
            answers.add(api.call("PATCH", devPath + "/" + dev, accToken, Map.of("sip", Map.of("password", NEW_PASSWORD))));
            answers.add(api.call("POST", devPath + "/" + dev + "/sip_settings", accToken,
                    Map.of("password", NEW_PASSWORD, "transport", "udp")));
            answers.add(api.get(devPath + "/" + dev, accToken));
            answers.add(api.get(devPath, accToken));
            answers.add(api.get(devPath + "/" + dev + "/sip_settings", accToken));
            // Refused requests carrying secrets: a bad password, malformed JSON, a wrong key, a bad token.
            answers.add(api.call("PUT", devPath, accToken, Map.of("sip", Map.of("username", "x", "password", "p"
                    + PASSWORD))));
            answers.add(api.call("PUT", devPath, accToken, "{\"data\":{\"sip\":{\"password\":\"" + PASSWORD + "\""));
            answers.add(api.call("PUT", "/v2/api_auth", null, Map.of("api_key", PASSWORD)));
            answers.add(api.get(devPath, NEW_PASSWORD));
            answers.add(api.call("PUT", devPath, accToken, "{\"data\":{\"sip\":{\"password\":\"" + PASSWORD
                    + "\",\"password\":\"" + NEW_PASSWORD + "\"}}}"));
            // Users (issue 17): their sign-in passwords, and the hashes kept of them, stay out too.
            String userPath = "/v2/accounts/" + acc + "/users";
            Reply user = api.call("PUT", userPath, accToken, Map.of("username", "rita", "password", PASSWORD));
            answers.add(user);
            String userId = user.data().get("id").asText();
            answers.add(api.call("PATCH", userPath + "/" + userId, accToken, Map.of("password", NEW_PASSWORD)));
            answers.add(api.get(userPath + "/" + userId, accToken));
            answers.add(api.get(userPath, accToken));
            answers.add(api.call("PUT", userPath, accToken, Map.of("username", "root", "password", PASSWORD)));
            answers.add(api.call("PUT", userPath, accToken, "{\"data\":{\"password\":\"" + PASSWORD + "\""));
            String hash = edge.directory().user(userId).orElseThrow().passwordHash();
            secrets.add(hash);
            secrets.add(hash.substring(hash.lastIndexOf('$') + 1));
            Device stored = edge.directory().device(dev).orElseThrow();
            for (Reply r : answers) {
                assertFalse(r.body().contains(PASSWORD) || r.body().contains(NEW_PASSWORD), r.toString());
                assertFalse(r.body().contains(stored.secret().ha1Md5()), r.toString());
                assertFalse(r.body().contains(stored.secret().ha1Sha256()), r.toString());
                assertFalse(r.body().contains(stored.secret().sealedPassword()), r.toString());
                assertFalse(r.body().contains(hash.substring(hash.lastIndexOf('$') + 1)), r.toString());
            }
        } finally {
            root.detachAppender(appender);
            appender.stop();
            root.setLevel(saved);
        }
        List<String> lines = new ArrayList<>();
        for (ILoggingEvent e : List.copyOf(appender.list)) {
            StringBuilder sb = new StringBuilder(e.getLoggerName()).append(": ").append(e.getFormattedMessage());
            for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
                sb.append(" | ").append(t.getClassName()).append(": ").append(t.getMessage());
                for (StackTraceElementProxy s : t.getStackTraceElementProxyArray()) {
                    sb.append(' ').append(s.getSTEAsString());
                }
            }
            lines.add(sb.toString());
        }
        long accessLines = lines.stream().filter(l -> l.startsWith("io.sipedge.http.access")).count();
        assertTrue(accessLines >= 14, "every call is in the access log: " + accessLines);
        for (String line : lines) {
            for (String secret : secrets) {
                assertFalse(line.contains(secret), "a secret reached the log: " + line);
            }
        }
        assertEquals(0, lines.stream().filter(l -> l.contains("X-Auth-Token")).count());
    }
}
