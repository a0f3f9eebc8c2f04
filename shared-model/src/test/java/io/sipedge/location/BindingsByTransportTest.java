package io.sipedge.location;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sipedge.location.BindingChanges.ContactUpdate;
import io.sipedge.location.BindingChanges.OverflowPolicy;
import io.sipedge.model.Aor;
import io.sipedge.model.Flow;
import io.sipedge.model.Binding;
import io.sipedge.model.Transport;
import io.sipedge.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Per-transport counts follow every way a binding comes and goes, through a real store. */
class BindingsByTransportTest {
    private static final Aor ALICE = new Aor("alice", "example.com");
    private static final Aor BOB = new Aor("bob", "example.com");

    private final MutableClock clock = new MutableClock(Instant.parse("2024-05-01T10:00:00Z"));
    private final InMemoryLocationStore store = new InMemoryLocationStore();
    private final BindingsByTransport counts = new BindingsByTransport();

    {
        store.addListener(counts);
    }

    private Binding binding(String contact, Transport t, String callId, long cseq, Duration ttl) {
        return new Binding(contact, Flow.of(t, "192.0.2.1", 5060), clock.instant().plus(ttl), 1.0f, callId, cseq, null, 0,
                List.of(), null, clock.instant());
    }

    private RegistrationResult register(Aor aor, int max, Binding b, boolean remove) {
        return store.apply(aor, new BindingChanges(false, List.of(new ContactUpdate(b, remove)), b.callId(), b.cseq(),
                max, OverflowPolicy.EVICT_OLDEST), clock.instant());
    }

    private void assertCounts(long udp, long tcp, long tls) {
        assertEquals(List.of(udp, tcp, tls), List.of(counts.count(Transport.UDP), counts.count(Transport.TCP),
                counts.count(Transport.TLS)));
        assertEquals(store.bindingCount(), udp + tcp + tls, "the per-transport counts add up to the store's");
    }

    @Test
    void countsFollowAddRefreshMoveUnregisterEvictKickAndExpiry() {
        assertCounts(0, 0, 0);
        register(ALICE, 2, binding("sip:a1@192.0.2.1", Transport.UDP, "c1", 1, Duration.ofHours(1)), false);
        register(ALICE, 2, binding("sip:a2@192.0.2.1", Transport.TLS, "c2", 1, Duration.ofHours(1)), false);
        register(BOB, 2, binding("sip:b@192.0.2.1", Transport.TCP, "c3", 1, Duration.ofSeconds(60)), false);
        assertCounts(1, 1, 1);

        // A refresh over the same transport changes nothing; over another, the binding moves.
        clock.advance(Duration.ofSeconds(1));
        register(ALICE, 2, binding("sip:a1@192.0.2.1", Transport.UDP, "c1", 2, Duration.ofHours(1)), false);
        assertCounts(1, 1, 1);
        register(ALICE, 2, binding("sip:a1@192.0.2.1", Transport.TCP, "c1", 3, Duration.ofHours(1)), false);
        assertCounts(0, 2, 1);

        // A third contact with a limit of two evicts the oldest (a2 over TLS).
        register(ALICE, 2, binding("sip:a3@192.0.2.1", Transport.UDP, "c4", 1, Duration.ofHours(1)), false);
        assertCounts(1, 2, 0);

        register(ALICE, 2, binding("sip:a3@192.0.2.1", Transport.UDP, "c4", 2, Duration.ZERO), true);
        assertCounts(0, 2, 0);

        clock.advance(Duration.ofSeconds(60));
        assertEquals(1, store.reapExpired(clock.instant()));
        assertCounts(0, 1, 0);

        store.removeAll(ALICE, clock.instant());
        assertCounts(0, 0, 0);
    }
}
