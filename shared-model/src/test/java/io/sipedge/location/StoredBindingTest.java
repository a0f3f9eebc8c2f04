package io.sipedge.location;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.model.Binding;
import io.sipedge.model.Flow;
import io.sipedge.model.Transport;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What is stored in place reads back exactly as it was given, whatever changed between refreshes. */
class StoredBindingTest {
    private static final Instant NOW = Instant.parse("2026-12-05T02:00:00.123456789Z");

    private static Binding binding(String callId, Flow flow, long cseq, String userAgent) {
        return new Binding("sip:alice@10.0.0.5:5070", flow, NOW.plusSeconds(3600), 0.5f, callId, cseq,
                "urn:uuid:1", 1, List.of(), userAgent, NOW);
    }

    @Test
    void everyRefreshReadsBackWholeWhateverChanged() {
        Flow udp = new Flow(Transport.UDP, "10.0.0.5", 5070, 0, "edge-1", true);
        Binding first = binding("a84b4c76e66710@pc33.example.com", udp, 1, "Linphone/5");
        StoredBinding s = new StoredBinding(first);
        assertEquals(first, s.value());
        List<Binding> refreshes = List.of(
                binding("a84b4c76e66710@pc33.example.com", udp, 2, "Linphone/5"), // a plain refresh
                binding("a84b4c76e66710@pc33.example.com", new Flow(Transport.UDP, "10.0.0.5", 40_000, 0, "edge-1", true), 3, "Linphone/5"), // new NAT port
                binding("short", new Flow(Transport.TCP, "192.0.2.7", 5071, 42, "edge-2", true), 1, null),
                binding("x".repeat(200) + "@long.example.com", udp, 1, "Linphone/6"), // past the room made
                binding("zoë-ünïcode@example.com", udp, 2, "Linphone/6"),
                binding("a84b4c76e66710@pc33.example.com", udp.closed(), 9, "Linphone/6"));
        for (Binding b : refreshes) {
            s.refresh(b);
            assertEquals(b, s.value());
            assertEquals(b.callId(), s.value().callId());
            assertEquals(b.flow(), s.value().flow());
        }
    }

    @Test
    void everyContactReadsBackAsGiven() {
        Flow udp = new Flow(Transport.UDP, "10.0.0.5", 5070, 0, "edge-1", true);
        StoredBinding s = new StoredBinding(binding("c", udp, 1, null));
        List<String> contacts = List.of("sip:alice@10.0.0.5:5070", "sip:alice@10.0.0.5:5071",
                "<sip:k3j2h1@x9y8z7.invalid;transport=ws>", "sip:zoë@example.com", "sip:zoé@example.com",
                "sip:zoé@example.com;x", "sip:a@b", "sip:😀@example.com", "sip:a@b");
        long cseq = 2;
        for (String contact : contacts) {
            Binding b = new Binding(contact, udp, NOW.plusSeconds(60), 1f, "c", cseq++, null, 0, List.of(), null, NOW);
            s.refresh(b);
            assertEquals(contact, s.value().contact());
            assertEquals(b, s.value());
        }
    }

    @Test
    void bindingsShareOneUserAgentText() {
        Flow udp = new Flow(Transport.UDP, "10.0.0.5", 5070, 0, "edge-1", true);
        StoredBinding a = new StoredBinding(binding("a", udp, 1, new String("Zoiper rv2.10.20.4")));
        StoredBinding b = new StoredBinding(binding("b", udp, 1, new String("Zoiper rv2.10.20.4")));
        assertSame(a.value().userAgent(), b.value().userAgent());
        StoredBinding c = new StoredBinding(binding("c", udp, 1, "Bria 6"));
        c.refresh(binding("c", udp, 2, new String("Zoiper rv2.10.20.4")));
        assertSame(a.value().userAgent(), c.value().userAgent());
    }

    @Test
    void theConnectionAndTheExpiryAreReadInPlace() {
        StoredBinding s = new StoredBinding(binding("c", new Flow(Transport.TLS, "10.0.0.5", 5061, 7, "e", true), 1,
                null));
        assertTrue(s.onConnection(7));
        assertFalse(s.onConnection(8));
        assertFalse(s.expiredAt(NOW.plusSeconds(3599)));
        assertTrue(s.expiredAt(NOW.plusSeconds(3600)));
    }
}
