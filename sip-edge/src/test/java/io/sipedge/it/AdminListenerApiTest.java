package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.it.ApiClient.Reply;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator API on its own listener ({@code http.admin-port}) on a running edge: /v2, /metrics
 * and /openapi.json only there, provisioning and health on the public listener, and with the admin
 * listener off everything on one port as before.
 */
@Timeout(120)
class AdminListenerApiTest {
    @TempDir
    Path tmp;

    @Test
    void withAnAdminListenerTheOperatorApiIsOnlyThereAndPhonesFetchOnThePublicPort() throws Exception {
        try (EdgeUnderTest edge = EdgeUnderTest.start("sip.tls-port=-1", "http.admin-address=127.0.0.1",
                "http.admin-port=0")) {
            assertTrue(edge.adminPort() > 0, "admin listener bound: " + edge.adminPort());
            assertNotEquals(edge.httpPort(), edge.adminPort());
            ApiClient admin = new ApiClient(edge.adminPort());
            ApiClient pub = edge.api();

            String token = admin.adminToken();
            assertEquals(200, admin.get("/v2/accounts", token).status());
            // A valid admin token changes nothing on the public side: the route is not there at all.
            assertEquals(404, pub.get("/v2/accounts", token).status());
            assertEquals(404, pub.call("PUT", "/v2/api_auth", null, Map.of("api_key", EdgeUnderTest.ADMIN_KEY))
                    .status());
            assertEquals(404, pub.get("/v2/security/bans", token).status());

            // The operator issues a provisioning link on the admin port; it names the public port,
            // and the phone's fetch works there.
            String account = admin.account(token, "Split", "split.example.com");
            String device = admin.device(token, account, "alice", "s3cret-pw-1");
            Reply issued = admin.call("POST", "/v2/accounts/" + account + "/devices/" + device
                    + "/provisioning_token", token, null);
            assertEquals(201, issued.status(), issued.toString());
            String url = issued.data().get("url").asText();
            assertTrue(url.startsWith("http://"), url);
            assertTrue(url.contains(":" + edge.httpPort() + "/provisioning/"),
                    "links point at the public port: " + url);
            ProvisioningClient phone = new ProvisioningClient(edge.httpPort());
            HttpResponse<byte[]> qr = phone.get(ProvisioningClient.pathOf(issued.data().get("qrcode_url").asText()));
            assertEquals(200, qr.statusCode(), "the QR image is for the user, on the public port");
            HttpResponse<byte[]> xml = phone.fetch(ProvisioningClient.pathOf(url));
            assertEquals(200, xml.statusCode(), ProvisioningClient.text(xml));
            assertEquals("alice", ProvisioningClient.parse(xml.body()).get("auth_info_0", "username"));

            for (String ops : new String[] {"/metrics", "/openapi.json"}) {
                assertEquals(404, status(edge.httpPort(), ops), ops + " is not public");
                assertEquals(200, status(edge.adminPort(), ops), ops + " on the admin listener");
            }
            for (ApiClient c : new ApiClient[] {pub, admin}) {
                assertEquals(200, c.get("/healthz", null).status());
                assertEquals(200, c.get("/readyz", null).status());
            }
        }
    }

    @Test
    void withoutAnAdminListenerEverythingIsOnOnePortAsBefore() throws Exception {
        try (EdgeUnderTest edge = EdgeUnderTest.start("sip.tls-port=-1", "http.admin-port=off")) {
            assertEquals(-1, edge.adminPort());
            ApiClient api = edge.api();
            String token = api.adminToken();
            assertEquals(200, api.get("/v2/accounts", token).status());
            assertEquals(200, status(edge.httpPort(), "/metrics"));
            assertEquals(200, status(edge.httpPort(), "/openapi.json"));
            assertEquals(200, api.get("/readyz", null).status());
            String account = api.account(token, "One port", "one.example.com");
            String device = api.device(token, account, "bob", "s3cret-pw-2");
            Reply issued = api.call("POST", "/v2/accounts/" + account + "/devices/" + device + "/provisioning_token",
                    token, null);
            HttpResponse<byte[]> xml = new ProvisioningClient(edge.httpPort())
                    .fetch(ProvisioningClient.pathOf(issued.data().get("url").asText()));
            assertEquals(200, xml.statusCode(), ProvisioningClient.text(xml));
        }
    }

    /** The status of a GET, whatever the body (/metrics is text, not the envelope). */
    private static int status(int port, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** The launcher as an operator runs it: the start line names both listeners, and each serves its part. */
    @Test
    void theLauncherAnnouncesTheAdminListenerAndServesTheApiOnlyThere() throws Exception {
        String key = "admin-listener-test-admin-key";
        ChildEdge child = ChildEdge.spawn(tmp.resolve("data"), key, "--set", "http.admin-port=0");
        try {
            int httpPort = child.awaitHttpPort();
            int adminPort = child.awaitAdminPort();
            assertTrue(httpPort > 0 && adminPort > 0 && httpPort != adminPort, child.output());
            String token = new ApiClient(adminPort).token(key);
            assertEquals(200, new ApiClient(adminPort).get("/v2/accounts", token).status(), child.output());
            assertEquals(404, new ApiClient(httpPort).get("/v2/accounts", token).status(), child.output());
            assertEquals(200, new ApiClient(httpPort).get("/healthz", null).status(), child.output());
            child.stop();
        } finally {
            child.kill();
        }
    }
}
