package io.sipedge.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The operator API's settings: defaults and the rule of each key. */
class ApiConfigTest {

    private static EdgeConfig load(String... sets) {
        return EdgeConfig.load(null, Map.of(), List.of(sets));
    }

    @Test
    void defaults() {
        EdgeConfig c = EdgeConfig.defaults();
        assertEquals(65_536, c.httpMaxBodySize());
        assertEquals(4, c.httpWorkerThreads());
        assertEquals(3600, c.apiTokenTtl(), "one hour, as the issue asks");
        assertEquals("", c.apiSipProxy());
        assertEquals("", c.apiStun());
        assertEquals(900, c.apiUserTokenTtl(), "a user's access token: 15 minutes");
        assertEquals(2_592_000, c.apiUserRefreshTtl(), "a user's refresh token: 30 days");
    }

    @Test
    void goodValuesAreAccepted() {
        EdgeConfig c = load("http.max-body-size=1024", "api.token-ttl=60", "api.sip-proxy=sip:192.0.2.1:5060",
                "api.stun=stun.l.google.com:19302", "http.worker-threads=1");
        assertEquals(1024, c.httpMaxBodySize());
        assertEquals(60, c.apiTokenTtl());
        assertEquals("sip:192.0.2.1:5060", c.apiSipProxy());
        assertEquals("stun.l.google.com:19302", c.apiStun());
        assertEquals("sip:sip.bas-ip.com", load("api.sip-proxy=sip:sip.bas-ip.com").apiSipProxy());
        EdgeConfig users = load("api.user-token-ttl=60", "api.user-refresh-ttl=300");
        assertEquals(60, users.apiUserTokenTtl());
        assertEquals(300, users.apiUserRefreshTtl());
    }

    @Test
    void badValuesNameTheirKey() {
        Map<String, String> bad = Map.of(
                "http.max-body-size", "1023",
                "api.token-ttl", "59",
                "api.user-token-ttl", "59",
                "api.user-refresh-ttl", "299",
                "http.worker-threads", "0",
                "api.sip-proxy", "sip.example.com",
                "api.stun", "stun.example.com");
        bad.forEach((key, value) -> {
            ConfigException e = assertThrows(ConfigException.class, () -> load(key + "=" + value), key);
            assertEquals(key, e.key());
        });
        assertEquals("api.sip-proxy", assertThrows(ConfigException.class,
                () -> load("api.sip-proxy=sip:bad host")).key());
        assertEquals("api.token-ttl", assertThrows(ConfigException.class, () -> load("api.token-ttl=86401")).key());
    }

    // ------------------------------------------------------------------ the listeners

    @Test
    void theOperatorApiListensOnLoopbackAndPublicHttpWhereSipDoes() {
        EdgeConfig c = EdgeConfig.defaults();
        assertEquals("127.0.0.1", c.httpAdminAddress());
        assertEquals(8081, c.httpAdminPort());
        assertEquals("0.0.0.0", c.httpAddress(), "the default sip.address");
        assertEquals("127.0.0.1", load("sip.address=127.0.0.1").httpAddress(),
                "an edge whose SIP is on loopback does not serve HTTP to the world");
        assertEquals("192.0.2.7", load("sip.address=127.0.0.1", "http.address=192.0.2.7").httpAddress());
    }

    @TempDir
    Path tmp;

    @Test
    void theAdminListenerIsOffWithMinusOneOffOrEmpty() throws Exception {
        assertEquals(-1, load("http.admin-port=-1").httpAdminPort());
        assertEquals(-1, load("http.admin-port=off").httpAdminPort());
        assertEquals(-1, load("http.admin-port=").httpAdminPort());
        assertEquals(-1, EdgeConfig.load(null, Map.of("SIPEDGE_HTTP_ADMIN_PORT", ""), List.of()).httpAdminPort());
        Path yaml = tmp.resolve("edge.yaml");
        Files.writeString(yaml, "http:\n  admin-port: off\n", StandardCharsets.UTF_8); // YAML 1.1: false
        assertEquals(-1, EdgeConfig.load(yaml, Map.of(), List.of()).httpAdminPort());
        assertEquals(0, load("http.admin-port=0").httpAdminPort(), "ephemeral");
    }

    @Test
    void theTwoListenersMustNotClaimTheSameSocket() {
        for (String[] clash : new String[][] {
                {"http.address=127.0.0.1", "http.port=8080", "http.admin-address=127.0.0.1", "http.admin-port=8080"},
                {"http.address=0.0.0.0", "http.port=8080", "http.admin-address=127.0.0.1", "http.admin-port=8080"},
                {"http.address=192.0.2.7", "http.port=9000", "http.admin-address=::", "http.admin-port=9000"},
                {"http.address=::1", "http.port=9000", "http.admin-address=0:0:0:0:0:0:0:1", "http.admin-port=9000"}}) {
            ConfigException e = assertThrows(ConfigException.class, () -> load(clash), String.join(" ", clash));
            assertEquals("http.admin-port", e.key());
        }
        // Different addresses, ephemeral ports, or no admin listener at all: no clash.
        assertEquals(8080, load("http.address=192.0.2.7", "http.port=8080", "http.admin-address=127.0.0.1",
                "http.admin-port=8080").httpAdminPort());
        assertEquals(0, load("http.address=127.0.0.1", "http.port=0", "http.admin-port=0").httpAdminPort());
        assertEquals(-1, load("http.port=8080", "http.admin-port=-1").httpAdminPort());
    }

    @Test
    void badAdminListenerValuesNameTheirKey() {
        for (String bad : List.of("65536", "-2", "eighty", "8081.5")) {
            assertEquals("http.admin-port", assertThrows(ConfigException.class,
                    () -> load("http.admin-port=" + bad), bad).key());
        }
        assertEquals("http.admin-address", assertThrows(ConfigException.class,
                () -> load("http.admin-address=localhost")).key(), "an IP literal, never a name to look up");
    }
}
