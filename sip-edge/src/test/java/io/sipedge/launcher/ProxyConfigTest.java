package io.sipedge.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The proxy's settings: defaults, good values, and bad ones named by their key. */
class ProxyConfigTest {

    private static EdgeConfig load(String... sets) {
        return EdgeConfig.load(null, Map.of(), List.of(sets));
    }

    @Test
    void defaults() {
        EdgeConfig.ProxySettings p = EdgeConfig.defaults().proxy();
        assertEquals(200_000, p.maxTransactions());
        assertEquals(181, p.ringingTimeoutSeconds(), "more than the 3 minutes RFC 3261 §16.6 asks for");
        assertTrue(p.trustedPeers().isEmpty(), "no peer is trusted unless configured");
    }

    @Test
    void trustedPeersAreAddressesOrRanges() {
        assertEquals(List.of("192.0.2.0/24", "2001:db8::/32", "198.51.100.7"),
                load("proxy.trusted-peers=192.0.2.0/24, 2001:db8::/32,198.51.100.7").proxy().trustedPeers());
        for (String bad : List.of("sbc.example.com", "192.0.2.0/33", "192.0.2.0/x", "2001:db8::/129")) {
            assertEquals("proxy.trusted-peers",
                    assertThrows(ConfigException.class, () -> load("proxy.trusted-peers=" + bad), bad).key());
        }
    }

    @Test
    void boundsNameTheirKey() {
        for (String set : List.of("proxy.max-transactions=0", "proxy.ringing-timeout-seconds=0",
                "proxy.ringing-timeout-seconds=3601")) {
            assertEquals(set.substring(0, set.indexOf('=')),
                    assertThrows(ConfigException.class, () -> load(set), set).key());
        }
    }
}
