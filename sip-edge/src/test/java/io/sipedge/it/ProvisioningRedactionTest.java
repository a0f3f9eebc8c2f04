package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import io.sipedge.it.ApiClient.Reply;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * Provisioning tokens never reach a log line (the access log shows the route template, or the path
 * cut after /provisioning/ when no route matched), and the data directory holds only their
 * hashes: a copy of it gives no usable link.
 */
@Timeout(120)
class ProvisioningRedactionTest {
    @Test
    void tokensStayOutOfLogsAndOutOfTheDataDirectory() throws Exception {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Level saved = root.getLevel();
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.setContext(ctx);
        appender.start();
        root.addAppender(appender);
        root.setLevel(Level.DEBUG);
        List<String> tokens = new ArrayList<>();
        try (EdgeUnderTest edge = EdgeUnderTest.start("sip.tls-port=-1", EdgeUnderTest.BOTH_DIGESTS)) {
            ApiClient api = edge.api();
            ProvisioningClient phone = new ProvisioningClient(edge.httpPort());
            String admin = api.adminToken();
            String acc = api.account(admin, "redact", "redact.example.com");
            String dev = api.device(admin, acc, "tina", "Tina-pw-1234");
            String base = "/v2/accounts/" + acc + "/devices/" + dev;
            Reply reusable = api.call("POST", base + "/provisioning_token", admin, Map.of("single_use", false));
            String t1 = reusable.data().get("token").asText();
            tokens.add(t1);
            Reply auth = api.call("POST", base + "/auth_token", admin, null);
            String t2 = auth.data().get("auth_token").asText();
            tokens.add(t2);

            assertEquals(400, phone.get("/provisioning/" + t1).statusCode());
            assertEquals(200, phone.fetch("/provisioning/" + t1).statusCode());
            assertEquals(200, phone.fetch("/provisioning/" + t1 + "?reset_password").statusCode());
            assertEquals(200, phone.get("/provisioning/qrcode/" + t1).statusCode());
            assertEquals(200, phone.fetch("/provisioning/auth_token/" + t2).statusCode());
            assertEquals(404, phone.fetch("/provisioning/auth_token/" + t2).statusCode());
            String unknown = io.sipedge.http.auth.Secrets.randomToken();
            tokens.add(unknown);
            assertEquals(404, phone.fetch("/provisioning/" + unknown).statusCode());
            assertEquals(404, phone.fetch("/provisioning/" + t1 + "/more").statusCode(), "no such route");
            HttpResponse<String> post = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + edge.httpPort() + "/provisioning/" + t1))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(405, post.statusCode(), "wrong verb");
            HttpResponse<Void> head = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + edge.httpPort() + "/provisioning/" + t1))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()).header("x-linphone-provisioning", "1").build(),
                    HttpResponse.BodyHandlers.discarding());
            assertEquals(200, head.statusCode());
            assertEquals(200, api.call("DELETE", base + "/provisioning_token", admin, null).status());
            assertEquals(404, phone.fetch("/provisioning/" + t1).statusCode());
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
            }
            lines.add(sb.toString());
        }
        List<String> access = lines.stream().filter(l -> l.startsWith("io.sipedge.http.access")).toList();
        assertTrue(access.stream().anyMatch(l -> l.contains("GET /provisioning/{token} 200")), String.join("\n", access));
        assertTrue(access.stream().anyMatch(l -> l.contains("GET /provisioning/{token} 400")), String.join("\n", access));
        assertTrue(access.stream().anyMatch(l -> l.contains("POST /provisioning/<redacted> 405")),
                String.join("\n", access));
        for (String line : lines) {
            for (String t : tokens) {
                assertFalse(line.contains(t), "a token reached the log: " + line);
            }
        }
    }

    @Test
    void theDataDirectoryHoldsNoUsableToken() throws Exception {
        try (EdgeUnderTest edge = EdgeUnderTest.start("sip.tls-port=-1", EdgeUnderTest.BOTH_DIGESTS)) {
            ApiClient api = edge.api();
            String admin = api.adminToken();
            String acc = api.account(admin, "disk", "disk.example.com");
            String dev = api.device(admin, acc, "uma", "Uma-pw-12345");
            String t = api.call("POST", "/v2/accounts/" + acc + "/devices/" + dev + "/provisioning_token", admin, null)
                    .data().get("token").asText();
            String a = api.call("POST", "/v2/accounts/" + acc + "/devices/" + dev + "/auth_token", admin, null)
                    .data().get("auth_token").asText();
            StringBuilder all = new StringBuilder();
            try (Stream<Path> files = Files.walk(edge.dataDir())) {
                for (Path p : files.filter(Files::isRegularFile).toList()) {
                    all.append(new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1));
                }
            }
            assertTrue(all.toString().contains(SipTestClient.hash("SHA-256", t)),
                    "the hash is what is stored");
            assertFalse(all.toString().contains(t));
            assertFalse(all.toString().contains(a));
        }
    }
}
