package io.sipedge.sip.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.model.Flow;
import io.sipedge.model.Transport;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FlowTokenTest {
    private static final byte[] KEY = new byte[32];

    static {
        Arrays.fill(KEY, (byte) 7);
    }

    private final FlowToken tokens = new FlowToken(KEY);

    @Test
    void aUdpMappingComesBackAsItWent() {
        Flow udp = new Flow(Transport.UDP, "203.0.113.9", 61234, 0, "edge-1", true);
        assertEquals(Optional.of(udp), tokens.decode(tokens.encode(udp), "edge-1"));
    }

    @Test
    void aConnectionOverIpv6ComesBackAsItWent() {
        Flow tls = new Flow(Transport.TLS, "2001:db8::17", 443, 987_654_321L, "edge-1", true);
        assertEquals(Optional.of(tls), tokens.decode(tokens.encode(tls), "edge-1"));
    }

    @Test
    void theTokenIsSafeAsTheUserPartOfASipUri() {
        String token = tokens.encode(new Flow(Transport.WSS, "198.51.100.200", 65535, Long.MAX_VALUE, "e", true));
        assertTrue(token.matches("[A-Za-z0-9_-]+"), token);
    }

    @Test
    void everyAlteredCharacterIsRefused() {
        String token = tokens.encode(new Flow(Transport.TCP, "192.0.2.5", 5060, 42, "edge-1", true));
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for (int i = 0; i < token.length(); i++) {
            // +16 changes a character's high bits, +1 its lowest: in the last one, a bit no byte uses
            for (int step : new int[] {16, 1}) {
                char c = alphabet.charAt((alphabet.indexOf(token.charAt(i)) + step) % 64);
                String altered = token.substring(0, i) + c + token.substring(i + 1);
                assertEquals(Optional.empty(), tokens.decode(altered, "edge-1"), "altered at " + i + " by " + step);
            }
        }
        assertEquals(Optional.empty(), tokens.decode(token + "=", "edge-1"), "padded");
    }

    @Test
    void aTokenSignedWithAnotherKeyIsRefused() {
        String foreign = FlowToken.withRandomKey().encode(Flow.of(Transport.UDP, "192.0.2.5", 5060));
        assertEquals(Optional.empty(), tokens.decode(foreign, "edge-1"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "alice", "not base64!", "AAAA", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})
    void whatIsNoTokenIsRefused(String token) {
        assertEquals(Optional.empty(), tokens.decode(token, "edge-1"));
    }
}
