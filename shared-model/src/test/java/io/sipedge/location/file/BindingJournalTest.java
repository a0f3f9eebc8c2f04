package io.sipedge.location.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.location.BindingChanges;
import io.sipedge.location.BindingChanges.ContactUpdate;
import io.sipedge.location.BindingChanges.OverflowPolicy;
import io.sipedge.location.InMemoryLocationStore;
import io.sipedge.location.LocationStore;
import io.sipedge.model.Aor;
import io.sipedge.model.Binding;
import io.sipedge.model.Flow;
import io.sipedge.model.Transport;
import io.sipedge.testing.MutableClock;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BindingJournalTest {
    private static final Duration LONG_INTERVAL = Duration.ofHours(1); // tests flush by hand
    private static final Aor ALICE = new Aor("alice", "example.com");
    private static final Aor BOB = new Aor("bob", "example.com");
    private static final Aor CAROL = new Aor("carol", "example.com");
    private static final Aor DAVE = new Aor("dave", "example.com");

    @TempDir
    Path dir;

    private final MutableClock clock = MutableClock.atNow();
    private final List<BindingJournal> open = new ArrayList<>();

    @AfterEach
    void closeAll() {
        open.forEach(BindingJournal::close);
    }

    private BindingJournal openOn(LocationStore store, String edge) throws IOException {
        BindingJournal j = BindingJournal.open(dir, store, clock, LONG_INTERVAL, edge, aor -> true);
        open.add(j);
        return j;
    }

    private Binding binding(String contact, Flow flow, Duration ttl, String instance, int regId, String callId,
                            long cseq) {
        Instant now = clock.instant();
        return new Binding(contact, flow, now.plus(ttl), 0.5f, callId, cseq, instance, regId,
                List.of("<sip:proxy.example.net;lr>"), "Phone/1.0 (é)", now.minusSeconds(3));
    }

    private void register(LocationStore store, Aor aor, Binding b) {
        store.apply(aor, new BindingChanges(false, List.of(new ContactUpdate(b, false)), b.callId(), b.cseq(), 10,
                OverflowPolicy.EVICT_OLDEST), clock.instant());
    }

    @Test
    void restartKeepsWhatTheTransportAllows() throws IOException {
        InMemoryLocationStore first = new InMemoryLocationStore();
        BindingJournal j = openOn(first, "edge-1");
        Binding udp = binding("sip:alice@10.0.0.1:5062", new Flow(Transport.UDP, "198.51.100.7", 40000, 0, "edge-1",
                true), Duration.ofSeconds(600), null, 0, "c-a", 7);
        Binding tcp = binding("sip:bob@10.0.0.2;transport=tcp", new Flow(Transport.TCP, "198.51.100.8", 40001, 3,
                "edge-1", true), Duration.ofSeconds(600), null, 0, "c-b", 2);
        Binding outbound = binding("sip:carol@10.0.0.3;transport=tls", new Flow(Transport.TLS, "198.51.100.9", 40002,
                4, "edge-1", true), Duration.ofSeconds(600), "<urn:uuid:00000000-0000-0000-0000-000000000001>", 1,
                "c-c", 1);
        Binding ws = binding("sip:x@df7jal23ls0d.invalid;transport=ws", new Flow(Transport.WS, "198.51.100.10",
                40003, 5, "edge-1", true), Duration.ofSeconds(600), null, 0, "c-d", 1);
        Binding soon = binding("sip:alice@10.0.0.9", Flow.of(Transport.UDP, "198.51.100.11", 5060),
                Duration.ofSeconds(30), null, 0, "c-e", 1);
        register(first, ALICE, udp);
        register(first, ALICE, soon);
        register(first, BOB, tcp);
        register(first, CAROL, outbound);
        register(first, DAVE, ws);
        j.close();

        clock.advance(Duration.ofSeconds(60)); // `soon` has expired meanwhile
        InMemoryLocationStore second = new InMemoryLocationStore();
        BindingJournal again = openOn(second, "edge-2");

        BindingJournal.Restored r = again.restored();
        assertEquals(2, r.bindings(), r.toString());
        assertEquals(1, r.expired(), r.toString());
        assertEquals(2, r.droppedWithFlow(), r.toString());
        List<Binding> alice = second.lookup(ALICE, clock.instant());
        assertEquals(1, alice.size());
        Binding back = alice.get(0);
        assertEquals(udp.contact(), back.contact());
        assertEquals(new Flow(Transport.UDP, "198.51.100.7", 40000, 0, "edge-2", true), back.flow());
        assertEquals(udp.expiresAt(), back.expiresAt());
        assertEquals(udp.registeredAt(), back.registeredAt());
        assertEquals(udp.callId(), back.callId());
        assertEquals(udp.cseq(), back.cseq());
        assertEquals(udp.path(), back.path());
        assertEquals(udp.userAgent(), back.userAgent());
        assertEquals(udp.q(), back.q());
        Binding bob = second.lookup(BOB, clock.instant()).get(0);
        assertFalse(bob.flow().open(), "a TCP binding's connection is gone: unreachable until it registers again");
        assertFalse(bob.flow().onConnection());
        assertEquals(List.of(), second.lookup(CAROL, clock.instant()));
        assertEquals(List.of(), second.lookup(DAVE, clock.instant()));
        assertEquals(2, second.bindingCount());
    }

    @Test
    void changesAfterTheRestoreAreWrittenAndTheLastStateWins() throws IOException {
        InMemoryLocationStore first = new InMemoryLocationStore();
        BindingJournal j = openOn(first, "e");
        register(first, ALICE, binding("sip:alice@10.0.0.1", Flow.of(Transport.UDP, "192.0.2.1", 5060),
                Duration.ofSeconds(600), null, 0, "c1", 1));
        register(first, BOB, binding("sip:bob@10.0.0.2", Flow.of(Transport.UDP, "192.0.2.2", 5060),
                Duration.ofSeconds(600), null, 0, "c2", 1));
        j.flush();
        // A refresh with a new expiry and source port, and a removal, after the first flush.
        clock.advance(Duration.ofSeconds(10));
        register(first, ALICE, binding("sip:alice@10.0.0.1", Flow.of(Transport.UDP, "192.0.2.1", 6000),
                Duration.ofSeconds(900), null, 0, "c1", 2));
        first.removeAll(BOB, clock.instant());
        j.close();

        InMemoryLocationStore second = new InMemoryLocationStore();
        openOn(second, "e");
        Binding alice = second.lookup(ALICE, clock.instant()).get(0);
        assertEquals(6000, alice.sourcePort());
        assertEquals(2, alice.cseq());
        assertEquals(clock.instant().plusSeconds(900), alice.expiresAt());
        assertEquals(List.of(), second.lookup(BOB, clock.instant()));
    }

    @Test
    void aPlainRenewalWaitsWhileTheCopyOnDiskOutlivesTwoRefreshesAndAnythingElseIsWritten() throws IOException {
        // The flush interval here is an hour: the copy on disk must outlive two refreshes and that hour.
        Duration ttl = Duration.ofSeconds(20_000);
        Flow flow = Flow.of(Transport.UDP, "192.0.2.1", 5060);
        InMemoryLocationStore first = new InMemoryLocationStore();
        BindingJournal j = openOn(first, "e");
        Instant t0 = clock.instant();
        register(first, ALICE, binding("sip:alice@10.0.0.1", flow, ttl, null, 0, "c1", 1));
        register(first, BOB, binding("sip:bob@10.0.0.2", flow, ttl, null, 0, "c2", 1));
        j.flush();
        assertEquals(t0.plus(ttl).getEpochSecond(), first.persistedUntil(ALICE));

        clock.advance(Duration.ofSeconds(10));
        register(first, ALICE, binding("sip:alice@10.0.0.1", flow, ttl, null, 0, "c1", 2)); // renewal: waits
        register(first, BOB, binding("sip:bob@10.0.0.2", Flow.of(Transport.UDP, "192.0.2.1", 5070), ttl, null, 0,
                "c2", 2)); // a new source port: written
        j.close();
        InMemoryLocationStore second = new InMemoryLocationStore();
        BindingJournal again = openOn(second, "e");
        Binding alice = second.lookup(ALICE, clock.instant()).get(0);
        assertEquals(t0.plus(ttl), alice.expiresAt(), "the renewal 10 s in was not written");
        assertEquals(1, alice.cseq());
        Binding bob = second.lookup(BOB, clock.instant()).get(0);
        assertEquals(5070, bob.sourcePort());
        assertEquals(2, bob.cseq());

        // Nothing was written since this start: the first renewal is written, whatever its interval.
        clock.advance(Duration.ofSeconds(10));
        register(second, ALICE, binding("sip:alice@10.0.0.1", flow, ttl, null, 0, "c1", 3));
        again.flush();
        assertEquals(clock.instant().plus(ttl).getEpochSecond(), second.persistedUntil(ALICE));
        // A renewal 8 000 s later: two such intervals and the flush hour reach past the copy on disk.
        clock.advance(Duration.ofSeconds(8000));
        register(second, ALICE, binding("sip:alice@10.0.0.1", flow, ttl, null, 0, "c1", 4));
        again.close();
        InMemoryLocationStore third = new InMemoryLocationStore();
        openOn(third, "e");
        assertEquals(4, third.lookup(ALICE, clock.instant()).get(0).cseq());
    }

    @Test
    void startingCompactsIntoOneSnapshotAndTheNextStartReadsIt() throws IOException {
        InMemoryLocationStore first = new InMemoryLocationStore();
        BindingJournal j = openOn(first, "e");
        for (int i = 0; i < 50; i++) {
            register(first, new Aor("u" + i, "example.com"), binding("sip:u" + i + "@10.0.0.1",
                    Flow.of(Transport.UDP, "192.0.2.1", 5000 + i), Duration.ofSeconds(600), null, 0, "c" + i, 1));
        }
        j.close();
        InMemoryLocationStore second = new InMemoryLocationStore();
        openOn(second, "e").flush(); // the first turn writes a snapshot of what was restored
        List<String> names = new ArrayList<>();
        for (BindingJournal.Generation g : BindingJournal.files(dir)) {
            names.add(g.path().getFileName().toString());
        }
        assertEquals(2, names.size(), names.toString());
        assertTrue(names.get(0).startsWith("snapshot-"), names.toString());
        assertTrue(names.get(1).startsWith("journal-"), names.toString());
        assertEquals(0, Files.size(dir.resolve(names.get(1))), "nothing changed since the snapshot");
        open.forEach(BindingJournal::close);
        open.clear();

        InMemoryLocationStore third = new InMemoryLocationStore();
        assertEquals(50, openOn(third, "e").restored().bindings());
        assertEquals(50, third.bindingCount());
    }

    @Test
    void aTornOrCorruptTailNeverStopsTheStart() throws IOException {
        InMemoryLocationStore first = new InMemoryLocationStore();
        BindingJournal j = openOn(first, "e");
        j.flush(); // snapshot of nothing; what follows is in the journal only
        register(first, ALICE, binding("sip:alice@10.0.0.1", Flow.of(Transport.UDP, "192.0.2.1", 5060),
                Duration.ofSeconds(600), null, 0, "c1", 1));
        j.flush();
        register(first, BOB, binding("sip:bob@10.0.0.2", Flow.of(Transport.UDP, "192.0.2.2", 5060),
                Duration.ofSeconds(600), null, 0, "c2", 1));
        j.close();
        Path journal = BindingJournal.files(dir).stream().filter(g -> !g.snapshot()).reduce((a, b) -> b)
                .orElseThrow().path();
        long size = Files.size(journal);
        // kill -9 mid-append: bob's record loses its last 5 bytes; and a snapshot was being written.
        Files.write(dir.resolve("snapshot-99.tmp"), new byte[] {1, 2, 3});
        try (FileChannel ch = FileChannel.open(journal, StandardOpenOption.WRITE)) {
            ch.truncate(size - 5);
        }
        InMemoryLocationStore second = new InMemoryLocationStore();
        BindingJournal again = openOn(second, "e");
        assertEquals(1, again.restored().bindings());
        assertEquals(1, again.restored().tornRecords());
        assertEquals(1, second.lookup(ALICE, clock.instant()).size());
        assertFalse(Files.exists(dir.resolve("snapshot-99.tmp")), "an unfinished snapshot is dropped");
        again.close();

        // Garbage after the records (a corrupt block) is skipped the same way.
        Path last = BindingJournal.files(dir).stream().filter(g -> !g.snapshot()).reduce((a, b) -> b)
                .orElseThrow().path();
        Files.write(last, new byte[] {0, 0, 0, 12, 1, 2, 3, 4, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9},
                StandardOpenOption.APPEND);
        InMemoryLocationStore third = new InMemoryLocationStore();
        BindingJournal third1 = openOn(third, "e");
        assertEquals(1, third1.restored().bindings());
        assertEquals(1, third1.restored().tornRecords());
    }

    @Test
    void bindingsOfDevicesNoLongerProvisionedAreNotRestored() throws IOException {
        InMemoryLocationStore first = new InMemoryLocationStore();
        BindingJournal j = openOn(first, "e");
        register(first, ALICE, binding("sip:alice@10.0.0.1", Flow.of(Transport.UDP, "192.0.2.1", 5060),
                Duration.ofSeconds(600), null, 0, "c1", 1));
        register(first, BOB, binding("sip:bob@10.0.0.2", Flow.of(Transport.UDP, "192.0.2.2", 5060),
                Duration.ofSeconds(600), null, 0, "c2", 1));
        j.close();
        InMemoryLocationStore second = new InMemoryLocationStore();
        BindingJournal again = BindingJournal.open(dir, second, clock, LONG_INTERVAL, "e", aor -> !aor.equals(BOB));
        open.add(again);
        assertEquals(1, again.restored().unprovisioned());
        assertEquals(Map.of(ALICE, 1), Map.of(ALICE, second.lookup(ALICE, clock.instant()).size()));
        assertEquals(List.of(), second.lookup(BOB, clock.instant()));
    }

    @Test
    void afterRestartRules() {
        Instant later = clock.instant().plusSeconds(600);
        record Row(Transport transport, String instance, int regId, boolean survives, boolean open) {
        }
        List<Row> rows = List.of(
                new Row(Transport.UDP, null, 0, true, true),
                new Row(Transport.UDP, "<urn:uuid:1>", 1, true, true), // UDP outbound: the mapping is still there
                new Row(Transport.TCP, null, 0, true, false),
                new Row(Transport.TLS, null, 0, true, false),
                new Row(Transport.TCP, "<urn:uuid:1>", 1, false, false),
                new Row(Transport.TLS, "<urn:uuid:1>", 1, false, false),
                new Row(Transport.TCP, "<urn:uuid:1>", 0, true, false), // instance without reg-id: not outbound
                new Row(Transport.WS, null, 0, false, false),
                new Row(Transport.WSS, null, 0, false, false));
        for (Row row : rows) {
            Binding stored = new Binding("sip:a@10.0.0.1", new Flow(row.transport(), "192.0.2.1", 5060, 9, "old",
                    true), later, 1f, "c", 1, row.instance(), row.regId(), List.of(), null, clock.instant());
            Binding after = BindingJournal.afterRestart(stored, "new");
            if (!row.survives()) {
                assertNull(after, row.toString());
                continue;
            }
            assertEquals(row.open(), after.flow().open(), row.toString());
            assertEquals("new", after.flow().edge(), row.toString());
            assertEquals(0, after.flow().connection(), row.toString());
            assertEquals(stored.withFlow(after.flow()), after, row.toString());
        }
    }
}
