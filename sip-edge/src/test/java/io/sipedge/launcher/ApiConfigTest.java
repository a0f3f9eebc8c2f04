package io.sipedge.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

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
    }

    @Test
    void badValuesNameTheirKey() {
        Map<String, String> bad = Map.of(
                "http.max-body-size", "1023",
                "api.token-ttl", "59",
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
}
