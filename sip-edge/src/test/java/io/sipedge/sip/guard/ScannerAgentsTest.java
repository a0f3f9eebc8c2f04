package io.sipedge.sip.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ScannerAgentsTest {
    private static final ScannerAgents DEFAULTS = ScannerAgents.of(ScannerAgents.DEFAULTS);

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
        "User-Agent: friendly-scanner                 | friendly-scanner",
        "user-agent: FRIENDLY-SCANNER                 | friendly-scanner",
        "User-Agent : sipvicious 0.3.4                | sipvicious",
        "User-Agent:sipcli/v1.8                       | sipcli",
        "User-Agent: Linphone/5.1 (belle-sip/5.1)     | -",
        "User-Agent: baresip v1.0.0 (x86_64/linux)    | -",
        "X-User-Agent: friendly-scanner               | -",
        "Subject: friendly-scanner                    | -",
    })
    void findsScannersInTheUserAgentOnly(String header, String expected) {
        assertEquals(expected, DEFAULTS.match(message(header.strip())));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "a User-Agent in the body is not a header",
        "no User-Agent at all",
    })
    void looksOnlyAtTheHeaders(String name) {
        String text = "OPTIONS sip:100@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bK1\r\n"
                + "Content-Length: 28\r\n\r\nUser-Agent: friendly-scanner";
        assertEquals(null, DEFAULTS.match(text.getBytes(StandardCharsets.US_ASCII)));
    }

    @ParameterizedTest(name = "configured {0}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
        "'' | -",
        "MyScanner | myscanner",
    })
    void theListIsConfigurable(String names, String expected) {
        ScannerAgents agents = ScannerAgents.of(List.of(names));
        assertEquals(expected, agents.match(message("User-Agent: myscanner 1.0")));
        assertEquals(null, agents.match(message("User-Agent: friendly-scanner")));
    }

    private static byte[] message(String header) {
        return ("OPTIONS sip:100@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bK1\r\n" + header
                + "\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }
}
