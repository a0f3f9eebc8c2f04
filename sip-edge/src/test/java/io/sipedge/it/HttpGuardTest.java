package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The HTTP side against guessing and floods, over real sockets from several loopback addresses
 * (nothing is allowlisted here): lockout after failed credentials with 429 and Retry-After, only
 * for the guessing client; X-Forwarded-For believed from a trusted proxy only; slow requests and
 * connection floods cut; a token quota per principal; a replayed Digest refused.
 */
@Timeout(120)
class HttpGuardTest {
    static EdgeUnderTest edge;
    static String admin;

    @BeforeAll
    static void start() throws Exception {
        edge = EdgeUnderTest.start("security.allowlist=", "sip.tls-port=-1", "sip.ws-port=-1", "sip.wss-port=-1",
                "http.failures-before-lockout=10", "http.rate-per-second=1", "http.burst=400",
                "http.trusted-proxies=127.0.0.5", "http.request-timeout-ms=500", "http.max-connections-per-ip=8");
        admin = edge.api().adminToken();
    }

    @AfterAll
    static void stop() throws Exception {
        if (edge != null) {
            edge.close();
        }
    }

    @Test
    void aTokenGuesserIsLockedOutAndAnotherClientIsServed() throws Exception {
        for (int i = 0; i < 10; i++) {
            assertEquals(401, call("127.0.0.2", "GET", "/v2/accounts", "X-Auth-Token: guess-" + i).status);
        }
        Reply locked = call("127.0.0.2", "GET", "/v2/accounts", "X-Auth-Token: " + admin);
        assertEquals(429, locked.status, "locked out: even a right token waits");
        assertTrue(Integer.parseInt(locked.header("retry-after")) > 0, locked.toString());
        assertEquals(200, call("127.0.0.3", "GET", "/v2/accounts", "X-Auth-Token: " + admin).status);
        assertEquals(200, call("127.0.0.2", "GET", "/healthz").status, "operational routes are not limited");
        assertEquals(200, call("127.0.0.2", "GET", "/portal").status, "nor the portal's page, which then "
                + "shows the user the sign-in's 429");
    }

    @Test
    void keyAndProvisioningTokenGuessesCountToo() throws Exception {
        for (int i = 0; i < 10; i++) {
            Reply r = call("127.0.0.4", "PUT", "/v2/api_auth", "Content-Type: application/json",
                    "{\"data\":{\"api_key\":\"guess-" + i + "\"}}");
            assertEquals(401, r.status, r.toString());
        }
        assertEquals(429, call("127.0.0.4", "PUT", "/v2/api_auth", "Content-Type: application/json",
                "{\"data\":{\"api_key\":\"guess\"}}").status);
        for (int i = 0; i < 10; i++) {
            assertEquals(404, call("127.0.0.9", "GET", "/provisioning/" + SipTestClient.randomHex(16),
                    "x-linphone-provisioning: true").status);
        }
        assertEquals(429, call("127.0.0.9", "GET", "/provisioning/" + SipTestClient.randomHex(16),
                "x-linphone-provisioning: true").status);
    }

    /** Issue 17: a user password sprayer, one guess per username so no user locks, is stopped by address. */
    @Test
    void passwordSignInGuessesCountPerAddress() throws Exception {
        for (int i = 0; i < 10; i++) {
            Reply r = call("127.0.0.21", "POST", "/api/auth/sign_in", "Content-Type: application/json",
                    "{\"username\":\"user" + i + "\",\"password\":\"guess\",\"domain\":\"example.com\"}");
            assertEquals(401, r.status, r.toString());
        }
        assertEquals(429, call("127.0.0.21", "POST", "/api/login", "Content-Type: application/json",
                "{\"username\":\"user99\",\"password\":\"guess\",\"domain\":\"example.com\"}").status);
        assertEquals(401, call("127.0.0.22", "POST", "/api/auth/sign_in", "Content-Type: application/json",
                "{\"username\":\"user99\",\"password\":\"guess\",\"domain\":\"example.com\"}").status,
                "another address is served");
    }

    @Test
    void forwardedForIsBelievedFromTheTrustedProxyOnly() throws Exception {
        for (int i = 0; i < 10; i++) {
            assertEquals(401, call("127.0.0.5", "GET", "/v2/accounts", "X-Auth-Token: guess-" + i,
                    "X-Forwarded-For: 198.51.100.1").status);
        }
        assertEquals(429, call("127.0.0.5", "GET", "/v2/accounts", "X-Auth-Token: x",
                "X-Forwarded-For: 198.51.100.1").status, "the client behind the proxy is locked out");
        assertEquals(200, call("127.0.0.5", "GET", "/v2/accounts", "X-Auth-Token: " + admin,
                "X-Forwarded-For: 10.9.8.7, 198.51.100.2").status, "another client of the proxy is not");
        for (int i = 0; i < 10; i++) {
            call("127.0.0.6", "GET", "/v2/accounts", "X-Auth-Token: guess-" + i,
                    "X-Forwarded-For: 198.51.100." + (10 + i));
        }
        assertEquals(429, call("127.0.0.6", "GET", "/v2/accounts", "X-Auth-Token: " + admin,
                "X-Forwarded-For: 198.51.100.99").status, "an untrusted peer cannot pick its address");
    }

    @Test
    void aRequestSentSlowlyIsCutOff() throws Exception {
        try (Socket s = socket("127.0.0.7")) {
            OutputStream out = s.getOutputStream();
            out.write("GET /healthz HTTP/1.1\r\nHost: edge\r\n".getBytes(StandardCharsets.US_ASCII));
            long start = System.nanoTime();
            boolean closed = false;
            for (int i = 0; i < 40 && !closed; i++) {
                Thread.sleep(100);
                try {
                    out.write('X');
                    out.flush();
                    s.setSoTimeout(1);
                    closed = s.getInputStream().read() == -1;
                } catch (SocketTimeoutException stillOpen) {
                    // nothing to read yet
                } catch (IOException reset) {
                    closed = true;
                }
            }
            assertTrue(closed, "a header sent a byte at a time kept the connection for "
                    + (System.nanoTime() - start) / 1_000_000 + " ms");
        }
    }

    /** Nine connections from one address with a cap of eight: one is closed at once (which one depends on the event loops). */
    @Test
    void connectionsPastThePerAddressCapAreClosed() throws Exception {
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 9; i++) {
                held.add(socket("127.0.0.8"));
            }
            int closed = 0;
            long deadline = System.nanoTime() + 5_000_000_000L;
            for (Socket s : held) {
                s.setSoTimeout((int) Math.max(1, Math.min(300, (deadline - System.nanoTime()) / 1_000_000)));
                try {
                    closed += s.getInputStream().read() == -1 ? 1 : 0;
                } catch (SocketTimeoutException open) {
                    // held open, as it should be
                } catch (IOException reset) {
                    closed++;
                }
            }
            assertEquals(1, closed, "connections closed of nine, with a cap of eight");
            assertEquals(200, call("127.0.0.10", "GET", "/healthz").status, "another address connects");
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    /** A client that mints a token per request wears out its own tokens: never the admin's or another account's. */
    @Test
    void aPrincipalHoldsAHundredTokensAndItsHundredAndFirstEndsItsOldest() throws Exception {
        ApiClient.Reply created = edge.api().call("PUT", "/v2/accounts", admin,
                Map.of("name", "Quota", "realm", "quota.example.com"));
        assertEquals(201, created.status(), created.body());
        String account = created.data().get("id").asText();
        String key = edge.api().call("GET", "/v2/accounts/" + account + "/api_key", admin, null).data()
                .get("api_key").asText();
        String body = "{\"data\":{\"api_key\":\"" + key + "\"}}";
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 101; i++) {
            Reply r = call("127.0.0.11", "PUT", "/v2/api_auth", "Content-Type: application/json", body);
            assertEquals(201, r.status, r.toString());
            tokens.add(new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body).get("auth_token").asText());
        }
        String path = "/v2/accounts/" + account;
        assertEquals(401, call("127.0.0.12", "GET", path, "X-Auth-Token: " + tokens.get(0)).status, "the oldest ended");
        assertEquals(200, call("127.0.0.12", "GET", path, "X-Auth-Token: " + tokens.get(1)).status);
        assertEquals(200, call("127.0.0.12", "GET", path, "X-Auth-Token: " + tokens.get(100)).status);
        assertEquals(200, call("127.0.0.12", "GET", path, "X-Auth-Token: " + admin).status, "the admin's token lives");
    }

    /** HTTP Digest on /provisioning/me: the same Authorization twice is a replay. */
    @Test
    void aReplayedDigestIsRefused() throws Exception {
        String user = "replay";
        edge.user("replay.example.com", user, "Replay-pw-1");
        String uri = "/provisioning/me?domain=replay.example.com";
        Reply challenge = call("127.0.0.13", "GET", uri);
        assertEquals(401, challenge.status);
        String www = challenge.header("www-authenticate");
        Map<String, String> params = SipTestClient.SipResponse.params(www.substring(www.indexOf("Digest ") + 7));
        String algorithm = params.get("algorithm");
        String ha1 = SipTestClient.hash(algorithm, user + ":replay.example.com:Replay-pw-1");
        String authorization = "Authorization: " + ProvisioningClient.digest(params, user, ha1, uri, algorithm, "GET");
        assertEquals(200, call("127.0.0.13", "GET", uri, authorization).status);
        assertEquals(401, call("127.0.0.13", "GET", uri, authorization).status, "the same credentials again");
    }

    private static Socket socket(String source) throws IOException {
        return new Socket(InetAddress.getLoopbackAddress(), edge.httpPort(), InetAddress.getByName(source), 0);
    }

    record Reply(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** One request on its own connection from {@code source}; a last argument with '{' is the body. */
    static Reply call(String source, String method, String path, String... headersAndBody) throws IOException {
        StringBuilder req = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: edge\r\nConnection: close\r\n");
        String body = "";
        for (String h : headersAndBody) {
            if (h.startsWith("{")) {
                body = h;
            } else {
                req.append(h).append("\r\n");
            }
        }
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        req.append("Content-Length: ").append(b.length).append("\r\n\r\n");
        try (Socket s = socket(source)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(req.toString().getBytes(StandardCharsets.UTF_8));
            out.write(b);
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            String text = all.toString(StandardCharsets.UTF_8);
            int end = text.indexOf("\r\n\r\n");
            String[] lines = text.substring(0, end < 0 ? text.length() : end).split("\r\n");
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.put(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).strip());
            }
            return new Reply(Integer.parseInt(lines[0].split(" ")[1]), headers, end < 0 ? "" : text.substring(end + 4));
        }
    }
}
