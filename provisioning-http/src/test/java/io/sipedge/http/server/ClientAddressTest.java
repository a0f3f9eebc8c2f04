package io.sipedge.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ClientAddressTest {
    private static final ClientAddress PROXIES = new ClientAddress(List.of("10.0.0.0/8", "192.0.2.1"));

    @ParameterizedTest(name = "peer {0}, X-Forwarded-For \"{1}\": {2}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
        "198.51.100.7 | -                                   | 198.51.100.7",
        "198.51.100.7 | 203.0.113.5                         | 198.51.100.7",
        "10.1.2.3     | -                                   | 10.1.2.3",
        "10.1.2.3     | 203.0.113.5                         | 203.0.113.5",
        "10.1.2.3     | 1.1.1.1, 203.0.113.5                | 203.0.113.5",
        "10.1.2.3     | 203.0.113.5, 192.0.2.1              | 203.0.113.5",
        "10.1.2.3     | 203.0.113.5,10.9.9.9,192.0.2.1      | 203.0.113.5",
        "10.1.2.3     | not-an-address                      | 10.1.2.3",
        "10.1.2.3     | 203.0.113.5, bogus                  | 10.1.2.3",
        "10.1.2.3     | 10.4.4.4                            | 10.1.2.3",
        "10.1.2.3     | 2001:db8::1                         | 2001:db8:0:0:0:0:0:1",
    })
    void theClientIsTheRightMostUntrustedHopFromATrustedProxyOnly(String peer, String forwardedFor, String client) {
        assertEquals(client, PROXIES.of(peer, forwardedFor));
    }
}
