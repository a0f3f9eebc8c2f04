package io.sipedge.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class AddressRangesTest {
    private static final AddressRanges PEERS = AddressRanges.parse(
            List.of("192.0.2.0/24", " 198.51.100.7 ", "2001:db8:1::/48", "10.0.0.0/8"));

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({
        "192.0.2.1, true", "192.0.2.255, true", "192.0.3.1, false",
        "198.51.100.7, true", "198.51.100.8, false",
        "10.200.3.4, true", "11.0.0.1, false",
        "2001:db8:1:ffff::1, true", "2001:db8:2::1, false",
        "sbc.example.com, false", "'', false"})
    void matchesTheRangesAndNothingElse(String ip, boolean trusted) {
        assertEquals(trusted, PEERS.contains(ip));
    }

    @ParameterizedTest
    @ValueSource(strings = {"192.0.2.1", "2001:db8::1"})
    void noPeersTrustsNobody(String ip) {
        assertEquals(false, AddressRanges.NONE.contains(ip));
    }

    @ParameterizedTest
    @ValueSource(strings = {"sbc.example.com", "192.0.2.0/33", "2001:db8::/129", "192.0.2.0/x", "192.0.2.0/-1", ""})
    void aBadEntryFailsNamingIt(String entry) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AddressRanges.parse(List.of(entry)));
        assertTrue(e.getMessage().contains("'" + entry + "'"), e.getMessage());
    }
}
