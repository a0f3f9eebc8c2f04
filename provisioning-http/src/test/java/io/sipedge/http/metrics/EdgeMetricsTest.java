package io.sipedge.http.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.location.BindingChanges;
import io.sipedge.location.BindingChanges.ContactUpdate;
import io.sipedge.location.BindingChanges.OverflowPolicy;
import io.sipedge.location.BindingListener.Removal;
import io.sipedge.location.InMemoryLocationStore;
import io.sipedge.model.Aor;
import io.sipedge.model.Flow;
import io.sipedge.model.Binding;
import io.sipedge.model.Transport;
import io.sipedge.observe.DatagramDrop;
import io.sipedge.observe.EdgeEvents;
import io.sipedge.observe.KeepaliveEvents;
import io.sipedge.observe.KeepaliveEvents.Kind;
import io.sipedge.observe.RegisterOutcome;
import io.sipedge.testing.PrometheusText;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Micrometer bridge alone: what each event and each binding change does to the scrape. */
class EdgeMetricsTest {
    private final InMemoryLocationStore locations = new InMemoryLocationStore();
    private final EdgeMetrics metrics = new EdgeMetrics(locations);

    @AfterEach
    void close() {
        metrics.close();
    }

    private PrometheusText scrape() {
        return PrometheusText.parse(new String(metrics.scrape(), StandardCharsets.UTF_8));
    }

    @Test
    void everyOutcomeIsRegisteredAtZeroBeforeTheFirstRegister() {
        PrometheusText s = scrape();
        for (RegisterOutcome o : RegisterOutcome.values()) {
            assertEquals(0, s.value("sip_register_requests_total", "result", o.result().label(), "reason", o.reason()),
                    o.name());
            if (o.isAuthFailure()) {
                assertEquals(0, s.value("sip_auth_failures_total", "reason", o.reason()), o.name());
            }
        }
        long authReasons = List.of(RegisterOutcome.values()).stream().filter(RegisterOutcome::isAuthFailure).count();
        assertEquals(authReasons, s.all("sip_auth_failures_total").size(), "auth failures: only auth reasons");
        assertEquals(RegisterOutcome.values().length, s.all("sip_register_requests_total").size());
        assertEquals(0, s.value("sip_register_duration_seconds_count"));
        assertEquals("histogram", s.types().get("sip_register_duration_seconds"));
        assertEquals(EdgeMetrics.REGISTER_BUCKETS.length + 1, s.all("sip_register_duration_seconds_bucket").size(),
                "the configured buckets and +Inf, nothing more");
        for (Transport t : Transport.values()) {
            assertEquals(0, s.value("sip_bindings", "transport", t.token()));
        }
        assertEquals(0, s.value("sip_registered_aors"));
    }

    @Test
    void anEventIncrementsItsOutcomeItsAuthReasonAndTheHistogram() {
        EdgeEvents events = metrics.sipEvents();
        events.registerHandled(RegisterOutcome.ACCEPTED, 80_000);          // 80 µs
        events.registerHandled(RegisterOutcome.CHALLENGED, 30_000);        // 30 µs
        events.registerHandled(RegisterOutcome.WRONG_PASSWORD, 2_000_000); // 2 ms
        events.registerHandled(RegisterOutcome.WRONG_PASSWORD, 2_000_000);
        events.registerHandled(RegisterOutcome.BAD_EXPIRES, 40_000);

        PrometheusText s = scrape();
        assertEquals(1, s.value("sip_register_requests_total", "result", "accepted", "reason", "none"));
        assertEquals(1, s.value("sip_register_requests_total", "result", "challenged", "reason", "no_credentials"));
        assertEquals(2, s.value("sip_register_requests_total", "result", "rejected", "reason", "wrong_password"));
        assertEquals(1, s.value("sip_register_requests_total", "result", "rejected", "reason", "bad_expires"));
        assertEquals(2, s.value("sip_auth_failures_total", "reason", "wrong_password"));
        assertEquals(0, s.value("sip_auth_failures_total", "reason", "no_such_user"));
        assertEquals(5, s.value("sip_register_duration_seconds_count"));
        assertEquals(0.00415, s.value("sip_register_duration_seconds_sum"), 1e-9);
        // Cumulative buckets: 50 µs holds the two fastest, 100 µs adds the 80 µs one, 5 ms all.
        List<PrometheusText.Sample> buckets = s.all("sip_register_duration_seconds_bucket");
        assertEquals(2, bucket(buckets, 50e-6));
        assertEquals(3, bucket(buckets, 100e-6));
        assertEquals(3, bucket(buckets, 1e-3));
        assertEquals(5, bucket(buckets, 5e-3));
        assertEquals(5, bucket(buckets, Double.POSITIVE_INFINITY));
    }

    private static double bucket(List<PrometheusText.Sample> buckets, double le) {
        for (PrometheusText.Sample b : buckets) {
            String v = b.labels().get("le");
            double bound = v.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(v);
            if (Math.abs(bound - le) < 1e-12 || bound == le) {
                return b.value();
            }
        }
        throw new AssertionError("no bucket le=" + le + " in " + buckets);
    }

    @Test
    void bindingGaugesFollowTheStoreByTransportAndCountAors() {
        Instant now = Instant.parse("2024-05-01T10:00:00Z");
        store(new Aor("alice", "example.com"), "sip:a@192.0.2.1", Transport.TCP, now);
        store(new Aor("alice", "example.com"), "sip:a2@192.0.2.1", Transport.TLS, now);
        store(new Aor("bob", "example.com"), "sip:b@192.0.2.2", Transport.TCP, now);
        PrometheusText s = scrape();
        assertEquals(0, s.value("sip_bindings", "transport", "udp"));
        assertEquals(2, s.value("sip_bindings", "transport", "tcp"));
        assertEquals(1, s.value("sip_bindings", "transport", "tls"));
        assertEquals(2, s.value("sip_registered_aors"));
        assertTrue(!s.text().contains("alice") && !s.text().contains("192.0.2."), "no AOR or address in the text");

        locations.removeAll(new Aor("alice", "example.com"), now);
        s = scrape();
        assertEquals(1, s.value("sip_bindings", "transport", "tcp"));
        assertEquals(0, s.value("sip_bindings", "transport", "tls"));
        assertEquals(1, s.value("sip_registered_aors"));
    }

    private void store(Aor aor, String contact, Transport t, Instant now) {
        Binding b = new Binding(contact, Flow.of(t, "192.0.2.1", 5060), now.plusSeconds(600), 1.0f, contact, 1, null, 0,
                List.of(), null, now);
        locations.apply(aor, new BindingChanges(false, List.of(new ContactUpdate(b, false)), contact, 1, 10,
                OverflowPolicy.EVICT_OLDEST), now);
    }

    @Test
    void keepaliveProbesCountByKindAndOnlyOverTheTransportsTheKindUses() {
        PrometheusText s = scrape();
        for (String family : List.of("sip_keepalive_probes_sent_total", "sip_keepalive_probes_answered_total",
                "sip_keepalive_probes_unanswered_total", "sip_keepalive_failures_total")) {
            assertEquals(3, s.all(family).size(), family + ": qualify over UDP, WebSocket PINGs over WS and WSS");
            assertEquals(0, s.value(family, "kind", "qualify", "transport", "udp"), family);
            assertEquals(0, s.value(family, "kind", "ws_ping", "transport", "ws"), family);
            assertEquals(0, s.value(family, "kind", "ws_ping", "transport", "wss"), family);
        }
        KeepaliveEvents events = metrics.keepaliveEvents();
        events.probeSent(Kind.QUALIFY, Transport.UDP);
        events.probeSent(Kind.QUALIFY, Transport.UDP);
        events.probeSent(Kind.QUALIFY, Transport.UDP);
        events.probeAnswered(Kind.QUALIFY, Transport.UDP);
        events.probeUnanswered(Kind.QUALIFY, Transport.UDP);
        events.probeUnanswered(Kind.QUALIFY, Transport.UDP);
        events.failed(Kind.QUALIFY, Transport.UDP);
        events.probeSent(Kind.QUALIFY, Transport.TCP); // a pair nobody reports: counted nowhere, no error
        events.failed(Kind.WS_PING, Transport.WSS);
        s = scrape();
        assertEquals(3, s.value("sip_keepalive_probes_sent_total", "kind", "qualify", "transport", "udp"));
        assertEquals(1, s.value("sip_keepalive_probes_answered_total", "kind", "qualify", "transport", "udp"));
        assertEquals(2, s.value("sip_keepalive_probes_unanswered_total", "kind", "qualify", "transport", "udp"));
        assertEquals(1, s.value("sip_keepalive_failures_total", "kind", "qualify", "transport", "udp"));
        assertEquals(1, s.value("sip_keepalive_failures_total", "kind", "ws_ping", "transport", "wss"));
        assertEquals(0, s.value("sip_keepalive_failures_total", "kind", "ws_ping", "transport", "ws"));
        assertEquals(3, s.all("sip_keepalive_probes_sent_total").size());
    }

    @Test
    void bindingRemovalsCountByReason() {
        for (Removal r : Removal.values()) {
            assertEquals(0, scrape().value("sip_bindings_removed_total", "reason", r.name().toLowerCase(Locale.ROOT)));
        }
        Instant now = Instant.parse("2024-05-01T10:00:00Z");
        Aor alice = new Aor("alice", "example.com");
        store(alice, "sip:a@192.0.2.1", Transport.UDP, now);
        store(alice, "sip:a2@192.0.2.1", Transport.UDP, now);
        locations.remove(alice, b -> b.contact().equals("sip:a@192.0.2.1"), Removal.UNREACHABLE);
        locations.removeAll(alice, now);
        PrometheusText s = scrape();
        assertEquals(1, s.value("sip_bindings_removed_total", "reason", "unreachable"));
        assertEquals(1, s.value("sip_bindings_removed_total", "reason", "removed"));
        assertEquals(0, s.value("sip_bindings_removed_total", "reason", "expired"));
    }

    @Test
    void udpDropsCountByReasonFromZero() {
        assertEquals(0, scrape().value("sip_udp_datagrams_dropped_total", "reason", "too_large"));
        assertEquals(0, scrape().value("sip_udp_datagrams_dropped_total", "reason", "send_buffer_full"));
        metrics.transportEvents().datagramDropped(DatagramDrop.SEND_BUFFER_FULL);
        metrics.transportEvents().datagramDropped(DatagramDrop.SEND_BUFFER_FULL);
        metrics.transportEvents().datagramDropped(DatagramDrop.TOO_LARGE);
        PrometheusText s = scrape();
        assertEquals(2, s.value("sip_udp_datagrams_dropped_total", "reason", "send_buffer_full"));
        assertEquals(1, s.value("sip_udp_datagrams_dropped_total", "reason", "too_large"));
    }

    @Test
    void jvmAndProcessFamiliesArePresent() {
        PrometheusText s = scrape();
        for (String family : List.of("jvm_memory_used_bytes", "jvm_gc_memory_allocated_bytes_total",
                "jvm_threads_live_threads", "jvm_threads_states_threads", "jvm_classes_loaded_classes", "jvm_info",
                "process_cpu_usage", "system_cpu_count", "process_uptime_seconds", "process_start_time_seconds",
                "process_files_open_files")) {
            assertTrue(s.types().containsKey(family), family + " in\n" + s.types().keySet());
        }
    }
}
