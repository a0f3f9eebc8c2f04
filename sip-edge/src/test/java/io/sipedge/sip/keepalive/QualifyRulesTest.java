package io.sipedge.sip.keepalive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.sipedge.model.Aor;
import io.sipedge.model.Binding;
import io.sipedge.model.Flow;
import io.sipedge.model.Transport;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Which bindings are qualified, in which second, and how long a probe may wait. */
class QualifyRulesTest {
    private static final Instant NOW = Instant.parse("2026-01-10T10:00:00Z");

    private static Binding binding(String contact, Flow flow) {
        return new Binding(contact, flow, NOW.plusSeconds(3600), 1f, "c", 1, null, 0, List.of(), null, NOW);
    }

    private static Flow udp(String ip, int port) {
        return new Flow(Transport.UDP, ip, port, 0, "edge-1", true);
    }

    static Stream<Arguments> qualifies() {
        return Stream.of(
                arguments("UDP, the Contact is where the REGISTER came from: not behind NAT",
                        "sip:alice@192.0.2.10:5060", udp("192.0.2.10", 5060), false),
                arguments("UDP, no port in the Contact means 5060",
                        "sip:alice@192.0.2.10;transport=udp", udp("192.0.2.10", 5060), false),
                arguments("UDP, another source port (a NAT rewrote it)",
                        "sip:alice@192.0.2.10:5060", udp("192.0.2.10", 40312), true),
                arguments("UDP, another source address (a private Contact behind a public NAT)",
                        "sip:alice@10.0.0.5:5060", udp("198.51.100.4", 5060), true),
                arguments("UDP, a host name in the Contact: never resolved, so behind NAT",
                        "sip:alice@phone.example.com:5060", udp("192.0.2.10", 5060), true),
                arguments("UDP, ';' in the user part is not the start of parameters",
                        "sip:alice;x=1@192.0.2.10:5070;transport=udp", udp("192.0.2.10", 5070), false),
                arguments("UDP, a sips: Contact defaults to 5061",
                        "sips:alice@192.0.2.10", udp("192.0.2.10", 5061), false),
                arguments("UDP, IPv6 in another spelling is the same address",
                        "sip:alice@[2001:db8::5]:5062", udp("2001:db8:0:0:0:0:0:5", 5062), false),
                arguments("UDP, IPv6 with another port", "sip:alice@[2001:db8::5]:5062",
                        udp("2001:db8:0:0:0:0:0:5", 6000), true),
                arguments("UDP, a Contact that is no SIP URI: behind NAT", "tel:+15551234",
                        udp("192.0.2.10", 5060), true),
                arguments("UDP, URI headers after the port", "sip:alice@192.0.2.10:5060?subject=x",
                        udp("192.0.2.10", 5060), false),
                arguments("TCP behind NAT: its connection is the keepalive",
                        "sip:alice@10.0.0.5:5060;transport=tcp",
                        new Flow(Transport.TCP, "198.51.100.4", 40001, 7, "edge-1", true), false),
                arguments("TLS behind NAT: likewise", "sip:alice@10.0.0.5:5061;transport=tls",
                        new Flow(Transport.TLS, "198.51.100.4", 40002, 8, "edge-1", true), false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void qualifies(String name, String contact, Flow flow, boolean qualifies) {
        assertEquals(qualifies, QualifyRules.qualifies(binding(contact, flow)));
    }

    @ParameterizedTest
    @CsvSource({
        "sip:a@host, host, 5060",
        "sip:a@Host:5070, host, 5070",
        "sip:host;lr, host, 5060",
        "SIP:a@10.0.0.1:1, 10.0.0.1, 1",
        "sips:[::1], ::1, 5061",
        "sip:a@[::1]:7, ::1, 7"})
    void hostAndPort(String uri, String host, int port) {
        assertEquals(new QualifyRules.HostPort(host, port), QualifyRules.HostPort.of(uri));
    }

    @ParameterizedTest
    @CsvSource({"sip:a@host:99999", "sip:a@host:5x", "sip:a@:5060", "sip:a@[::1", "sip:a@[::1]x", "mailto:a@b",
        "nothing", "sip:a@host:+5060"})
    void unreadableHostAndPort(String uri) {
        assertEquals(null, QualifyRules.HostPort.of(uri));
    }

    @ParameterizedTest
    @CsvSource({"1, 1", "30, 30", "32, 32", "33, 32", "3600, 32"})
    void aProbeWaitsTimerFOrTheIntervalIfShorter(int interval, int seconds) {
        assertEquals(Duration.ofSeconds(seconds), QualifyRules.timeout(interval));
    }

    @Test
    void bindingsSpreadOverEverySecondOfTheInterval() {
        int interval = 30;
        int[] perSlot = new int[interval];
        for (int i = 0; i < 3000; i++) {
            int s = QualifyRules.slot(new Aor("user" + i, "example.com"), "sip:user" + i + "@10.0.0.1:5060", interval);
            assertTrue(s >= 0 && s < interval, Integer.toString(s));
            perSlot[s]++;
        }
        for (int s = 0; s < interval; s++) {
            // 100 a second on average; a hash that bunched them up would leave seconds far off it
            assertTrue(perSlot[s] > 50 && perSlot[s] < 150, "second " + s + " holds " + perSlot[s]);
        }
        assertEquals(QualifyRules.slot(new Aor("a", "example.com"), "x", interval),
                QualifyRules.slot(new Aor("a", "EXAMPLE.com"), "x", interval), "stable for the same binding");
    }

    @Test
    void aBindingIsIdentifiedAsTheStoreIdentifiesIt() {
        Binding plain = binding("sip:alice@10.0.0.5:5060", udp("192.0.2.10", 4000));
        assertEquals("sip:alice@10.0.0.5:5060", QualifyRules.identity(plain));
        Binding outbound = new Binding("sip:alice@10.0.0.5:5060", udp("192.0.2.10", 4000), NOW.plusSeconds(60), 1f,
                "c", 1, "urn:uuid:1", 2, List.of(), null, NOW);
        assertEquals("urn:uuid:1;reg-id=2", QualifyRules.identity(outbound));
    }
}
