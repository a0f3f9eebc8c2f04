package io.sipedge.location;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.location.BindingChanges.ContactUpdate;
import io.sipedge.location.BindingChanges.OverflowPolicy;
import io.sipedge.location.BindingListener.Removal;
import io.sipedge.location.RegistrationResult.Outcome;
import io.sipedge.model.Aor;
import io.sipedge.model.Flow;
import io.sipedge.model.Binding;
import io.sipedge.model.Transport;
import io.sipedge.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class InMemoryLocationStoreTest {

    private static final Aor ALICE = new Aor("alice", "example.com");
    private static final Aor BOB = new Aor("bob", "example.com");
    private static final int MAX = 10;

    private final MutableClock clock = new MutableClock(Instant.parse("2024-05-01T10:00:00Z"));
    private final InMemoryLocationStore store = new InMemoryLocationStore();
    private final List<String> events = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void listen() {
        store.addListener(new BindingListener() {
            @Override
            public void added(Aor aor, Binding binding) {
                events.add("added " + aor.user() + " " + binding.contact());
            }

            @Override
            public void refreshed(Aor aor, Binding before, Binding after) {
                events.add("refreshed " + aor.user() + " " + before.contact() + " -> " + after.contact());
            }

            @Override
            public void removed(Aor aor, Binding binding, Removal why) {
                events.add("removed " + aor.user() + " " + binding.contact() + " " + why);
            }
        });
    }

    // ---------------------------------------------------------------- flows

    @Test
    void aClosedConnectionTakesItsOutboundBindingsAndMarksTheOthersUnreachable() {
        Instant now = clock.instant();
        store.apply(ALICE, register(b("sip:alice@10.0.0.1;transport=tcp").connection(7).build()), now);
        store.apply(BOB, register(b("sip:bob@10.0.0.2;transport=tcp").connection(7)
                .instance("urn:uuid:bob", 1).build()), now);
        Aor carol = new Aor("carol", "example.com");
        store.apply(carol, register(b("sip:carol@10.0.0.3;transport=tcp").connection(8).build()), now);
        events.clear();

        assertEquals(2, store.closeFlow(7));
        assertEquals(List.of("refreshed alice sip:alice@10.0.0.1;transport=tcp -> sip:alice@10.0.0.1;transport=tcp",
                "removed bob sip:bob@10.0.0.2;transport=tcp FLOW_CLOSED"), events.stream().sorted().toList());
        List<Binding> alice = store.lookup(ALICE, now);
        assertEquals(1, alice.size());
        assertFalse(alice.get(0).flow().open(), "kept, but unreachable");
        assertTrue(store.lookup(BOB, now).isEmpty());
        assertTrue(store.lookup(carol, now).get(0).flow().open(), "another connection's binding is untouched");
        assertEquals(2, store.bindingCount());
        assertEquals(0, store.closeFlow(7), "a connection closes once");
    }

    /** Its object waits vacant in the store (see AorBindings); nothing outside may tell. */
    @Test
    void aBrowserThatReconnectsIsCountedListedAndReapedAsANewBinding() {
        Instant now = clock.instant();
        Flow first = new Flow(Transport.WS, "192.0.2.9", 50_001, 7, "edge-1", true);
        store.apply(ALICE, register(new Binding("sip:a1@x.invalid;transport=ws", first, now.plusSeconds(600), 1f,
                "ws-1", 1, null, 0, List.of(), "JsSIP 3.10", now)), now);
        assertEquals(1, store.closeFlow(7));
        assertCounts(0, 0);
        assertTrue(store.lookup(ALICE, now).isEmpty());
        List<Aor> visited = new ArrayList<>();
        store.forEach(now, (aor, bs) -> visited.add(aor));
        assertEquals(List.of(), visited);
        assertTrue(store.removeAll(ALICE, now).isEmpty());

        store.apply(ALICE, register(new Binding("sip:a1@x.invalid;transport=ws", first, now.plusSeconds(600), 1f,
                "ws-1", 1, null, 0, List.of(), "JsSIP 3.10", now)), now);
        store.closeFlow(7);
        Flow second = new Flow(Transport.WS, "192.0.2.9", 50_002, 8, "edge-1", true);
        Binding again = new Binding("sip:a2@y.invalid;transport=ws", second, now.plusSeconds(600), 1f, "ws-2", 1,
                null, 0, List.of(), "JsSIP 3.10", now);
        events.clear();
        store.apply(ALICE, register(again), now);
        assertEquals(List.of("added alice sip:a2@y.invalid;transport=ws"), events);
        assertCounts(1, 1);
        assertEquals(List.of(again), store.lookup(ALICE, now));
        assertEquals(0, store.closeFlow(7), "the old connection's binding is not closed again");
        assertEquals(1, store.closeFlow(8));
        assertCounts(0, 0);
        events.clear();
        assertEquals(0, store.reapExpired(now.plusSeconds(600)), "a vacant object goes without an event");
        assertTrue(events.isEmpty(), events.toString());
        assertCounts(0, 0);
    }

    @Test
    void aBindingThatMovedToANewConnectionSurvivesTheOldOnesClose() {
        Instant now = clock.instant();
        store.apply(ALICE, register(b("sip:alice@10.0.0.1;transport=tcp").connection(7).build()), now);
        store.apply(ALICE, register(b("sip:alice@10.0.0.1;transport=tcp").connection(9).call("call-1", 2).build()),
                now);
        events.clear();
        assertEquals(0, store.closeFlow(7));
        assertTrue(events.isEmpty(), events.toString());
        assertTrue(store.lookup(ALICE, now).get(0).flow().open());
        assertEquals(1, store.closeFlow(9));
        assertFalse(store.lookup(ALICE, now).get(0).flow().open());
    }

    // ---------------------------------------------------------------- removal of one binding

    @Test
    void removesWhatThePredicatePicksAndTellsWhy() {
        Instant now = clock.instant();
        store.apply(ALICE, register(b("sip:alice@10.0.0.1:5060").build(), b("sip:alice@10.0.0.2:5060").build()), now);
        store.apply(BOB, register(b("sip:bob@10.0.0.3:5060").build()), now);
        events.clear();

        List<Binding> gone = store.remove(ALICE, x -> x.contact().equals("sip:alice@10.0.0.2:5060"),
                Removal.UNREACHABLE);

        assertEquals(List.of("sip:alice@10.0.0.2:5060"), gone.stream().map(Binding::contact).toList());
        assertEquals(List.of("removed alice sip:alice@10.0.0.2:5060 UNREACHABLE"), events);
        assertEquals(List.of("sip:alice@10.0.0.1:5060"),
                store.lookup(ALICE, now).stream().map(Binding::contact).toList());
        assertEquals(2, store.bindingCount());
        assertEquals(1, store.lookup(BOB, now).size(), "another AOR is untouched");
    }

    @Test
    void aPredicateThatPicksNothingChangesNothingAndTellsNobody() {
        Instant now = clock.instant();
        store.apply(ALICE, register(b("sip:alice@10.0.0.1:5060").build()), now);
        events.clear();
        assertTrue(store.remove(ALICE, x -> false, Removal.UNREACHABLE).isEmpty());
        assertTrue(store.remove(BOB, x -> true, Removal.UNREACHABLE).isEmpty(), "an AOR with no bindings");
        assertTrue(events.isEmpty(), events.toString());
        assertEquals(1, store.bindingCount());
    }

    @Test
    void removingTheLastBindingRemovesTheAor() {
        Instant now = clock.instant();
        store.apply(ALICE, register(b("sip:alice@10.0.0.1:5060").build()), now);
        assertEquals(1, store.remove(ALICE, x -> true, Removal.UNREACHABLE).size());
        assertEquals(0, store.aorCount());
        assertEquals(0, store.bindingCount());
    }

    // ---------------------------------------------------------------- helpers

    /** A Binding with test defaults; registered now, expiring in an hour. */
    private BindingBuilder b(String contact) {
        return new BindingBuilder(contact, clock.instant());
    }

    private static final class BindingBuilder {
        private final String contact;
        private Instant registeredAt;
        private Instant expiresAt;
        private float q = 1.0f;
        private String callId = "call-1";
        private long cseq = 1;
        private String instanceId;
        private int regId;
        private Flow flow = Flow.of(Transport.UDP, "192.0.2.1", 5060);

        BindingBuilder(String contact, Instant now) {
            this.contact = contact;
            this.registeredAt = now;
            this.expiresAt = now.plusSeconds(3600);
        }

        BindingBuilder call(String id, long seq) {
            this.callId = id;
            this.cseq = seq;
            return this;
        }

        BindingBuilder expiresIn(Duration d) {
            this.expiresAt = registeredAt.plus(d);
            return this;
        }

        BindingBuilder q(float value) {
            this.q = value;
            return this;
        }

        BindingBuilder instance(String id, int reg) {
            this.instanceId = id;
            this.regId = reg;
            return this;
        }

        /** Registered over TCP connection number {@code connection}. */
        BindingBuilder connection(long connection) {
            this.flow = new Flow(Transport.TCP, "192.0.2.1", 40_000 + (int) connection, connection, "edge-1", true);
            return this;
        }

        Binding build() {
            return new Binding(contact, flow, expiresAt, q, callId, cseq, instanceId,
                    regId, List.of("<sip:edge.example.com;lr>"), "test-phone/1.0", registeredAt);
        }
    }

    /** A REGISTER adding or refreshing the given bindings; Call-ID and CSeq are taken from the first. */
    private static BindingChanges register(Binding... bs) {
        return changes(OverflowPolicy.EVICT_OLDEST, MAX, bs);
    }

    private static BindingChanges changes(OverflowPolicy policy, int max, Binding... bs) {
        List<ContactUpdate> u = new ArrayList<>();
        for (Binding b : bs) {
            u.add(new ContactUpdate(b, false));
        }
        return new BindingChanges(false, u, bs[0].callId(), bs[0].cseq(), max, policy);
    }

    private static BindingChanges unregister(String callId, long cseq, Binding b) {
        return new BindingChanges(false, List.of(new ContactUpdate(b, true)), callId, cseq, MAX,
                OverflowPolicy.EVICT_OLDEST);
    }

    private static BindingChanges star(String callId, long cseq) {
        return new BindingChanges(true, List.of(), callId, cseq, MAX, OverflowPolicy.EVICT_OLDEST);
    }

    private RegistrationResult apply(Aor aor, BindingChanges c) {
        return store.apply(aor, c, clock.instant());
    }

    private List<Binding> lookup(Aor aor) {
        return store.lookup(aor, clock.instant());
    }

    private static List<String> contacts(List<Binding> bs) {
        return bs.stream().map(Binding::contact).toList();
    }

    private void assertCounts(int aors, int bindings) {
        assertEquals(aors, store.aorCount(), "aorCount");
        assertEquals(bindings, store.bindingCount(), "bindingCount");
    }

    // ---------------------------------------------------------------- add and refresh

    @Test
    void addedBindingIsReturnedByLookup() {
        Binding b1 = b("sip:alice@192.0.2.1:5060").build();
        RegistrationResult r = apply(ALICE, register(b1));
        assertEquals(Outcome.OK, r.outcome());
        assertEquals(List.of(b1), r.bindings());
        assertEquals(List.of(b1), lookup(ALICE));
        assertEquals(List.of(b1), store.lookup(new Aor("alice", "EXAMPLE.com"), clock.instant()));
        assertEquals(List.of(), lookup(BOB));
        assertEquals(List.of(), store.lookup(new Aor("Alice", "example.com"), clock.instant()));
        assertCounts(1, 1);
        assertEquals(List.of("added alice sip:alice@192.0.2.1:5060"), events);
    }

    @Test
    void oneRequestMayAddSeveralContacts() {
        Binding c1 = b("sip:a@192.0.2.1").build();
        Binding c2 = b("sip:a@192.0.2.2").build();
        RegistrationResult r = apply(ALICE, register(c1, c2));
        assertEquals(Outcome.OK, r.outcome());
        assertEquals(2, lookup(ALICE).size());
        assertCounts(1, 2);
    }

    @Test
    void sameCallIdHigherCSeqRefreshesExpiry() {
        Binding first = b("sip:alice@192.0.2.1").call("c1", 1).expiresIn(Duration.ofSeconds(120)).build();
        apply(ALICE, register(first));
        clock.advance(Duration.ofSeconds(100));
        Binding refresh = b("sip:alice@192.0.2.1").call("c1", 2).expiresIn(Duration.ofSeconds(120)).build();
        RegistrationResult r = apply(ALICE, register(refresh));

        assertEquals(Outcome.OK, r.outcome());
        assertEquals(List.of(refresh), lookup(ALICE));
        assertEquals(clock.instant().plusSeconds(120), lookup(ALICE).get(0).expiresAt());
        assertCounts(1, 1);
        assertEquals("refreshed alice sip:alice@192.0.2.1 -> sip:alice@192.0.2.1", events.get(1));
        // Past the first expiry but before the refreshed one, it is still there.
        clock.advance(Duration.ofSeconds(60));
        assertEquals(List.of(refresh), lookup(ALICE));
    }

    /** The store refreshes its own copy in place; what callers were given must not change under them. */
    @Test
    void bindingsHandedOutKeepTheirValuesWhenTheStoreRefreshes() {
        Binding first = b("sip:alice@192.0.2.1").call("c1", 1).expiresIn(Duration.ofSeconds(120)).build();
        apply(ALICE, register(first));
        Binding seen = lookup(ALICE).get(0);
        List<Binding> snapshot = store.snapshot(clock.instant()).get(ALICE);
        clock.advance(Duration.ofSeconds(100));
        apply(ALICE, register(b("sip:alice@192.0.2.1").call("c1", 2).expiresIn(Duration.ofSeconds(120)).build()));

        assertEquals(first, seen);
        assertEquals(1, seen.cseq());
        assertEquals(List.of(first), snapshot);
        assertEquals(2, lookup(ALICE).get(0).cseq());
    }

    /** A refused request leaves the stored binding exactly as it was, even after a refresh in place. */
    @Test
    void aRefusedRequestAfterARefreshChangesNothing() {
        apply(ALICE, register(b("sip:alice@192.0.2.1").call("c1", 1).build()));
        clock.advance(Duration.ofSeconds(10));
        Binding refreshed = b("sip:alice@192.0.2.1").call("c1", 2).expiresIn(Duration.ofSeconds(300)).build();
        apply(ALICE, register(refreshed));
        clock.advance(Duration.ofSeconds(10));
        // The same Call-ID and CSeq as the refresh: out of order, though it asks for a longer expiry.
        Binding again = b("sip:alice@192.0.2.1").call("c1", 2).expiresIn(Duration.ofSeconds(600)).build();
        RegistrationResult r = apply(ALICE, register(again));

        assertEquals(Outcome.OUT_OF_ORDER, r.outcome());
        assertEquals(List.of(refreshed), lookup(ALICE));
    }

    @ParameterizedTest(name = "CSeq {0} after CSeq 5")
    @ValueSource(longs = {5, 4, 1})
    void sameCallIdNotHigherCSeqIsOutOfOrderAndChangesNothing(long cseq) {
        Binding stored = b("sip:alice@192.0.2.1").call("c1", 5).build();
        apply(ALICE, register(stored));
        events.clear();
        clock.advance(Duration.ofSeconds(10));
        Binding late = b("sip:alice@192.0.2.1").call("c1", cseq).expiresIn(Duration.ofDays(1)).build();
        Binding extra = b("sip:alice@192.0.2.99").call("c1", cseq).build();

        RegistrationResult r = apply(ALICE, register(late, extra));
        assertEquals(Outcome.OUT_OF_ORDER, r.outcome());
        assertEquals(List.of(stored), r.bindings());
        assertEquals(List.of(stored), lookup(ALICE));
        assertCounts(1, 1);
        assertEquals(List.of(), events);

        RegistrationResult removal = apply(ALICE, unregister("c1", cseq, stored));
        assertEquals(Outcome.OUT_OF_ORDER, removal.outcome());
        assertEquals(List.of(stored), lookup(ALICE));
    }

    @Test
    void differentCallIdForTheSameContactReplacesIt() {
        Binding old = b("sip:alice@192.0.2.1").call("c1", 10).build();
        apply(ALICE, register(old));
        clock.advance(Duration.ofSeconds(5));
        Binding rebooted = b("SIP:ALICE@192.0.2.1").call("c2", 1).build();
        RegistrationResult r = apply(ALICE, register(rebooted));
        assertEquals(Outcome.OK, r.outcome());
        assertEquals(List.of(rebooted), lookup(ALICE));
        assertEquals("c2", lookup(ALICE).get(0).callId());
        assertCounts(1, 1);
        assertEquals("refreshed alice sip:alice@192.0.2.1 -> SIP:ALICE@192.0.2.1", events.get(1));
    }

    @Test
    void sameInstanceAndRegIdWithNewContactReplacesTheOldBinding() {
        String inst = "\"<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>\"";
        Binding wifi = b("sip:alice@192.0.2.1:5060").call("c1", 1).instance(inst, 1).build();
        apply(ALICE, register(wifi));
        clock.advance(Duration.ofSeconds(30));
        Binding lte = b("sip:alice@198.51.100.7:40000").call("c2", 1).instance(inst, 1).build();
        RegistrationResult r = apply(ALICE, register(lte));
        assertEquals(Outcome.OK, r.outcome());
        assertEquals(List.of("sip:alice@198.51.100.7:40000"), contacts(lookup(ALICE)));
        assertCounts(1, 1);
        assertEquals("refreshed alice sip:alice@192.0.2.1:5060 -> sip:alice@198.51.100.7:40000", events.get(1));
    }

    @Test
    void sameInstanceWithAnotherRegIdKeepsBoth() {
        String inst = "\"<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>\"";
        apply(ALICE, register(b("sip:alice@192.0.2.1:5060").call("c1", 1).instance(inst, 1).build()));
        apply(ALICE, register(b("sip:alice@198.51.100.7:40000").call("c2", 1).instance(inst, 2).build()));
        assertEquals(2, lookup(ALICE).size());
        assertCounts(1, 2);
    }

    @Test
    void differentInstancesWithTheSameRegIdKeepBoth() {
        apply(ALICE, register(b("sip:alice@192.0.2.1").call("c1", 1).instance("<urn:uuid:1>", 1).build()));
        apply(ALICE, register(b("sip:alice@192.0.2.2").call("c2", 1).instance("<urn:uuid:2>", 1).build()));
        assertEquals(2, lookup(ALICE).size());
        assertCounts(1, 2);
    }

    // ---------------------------------------------------------------- removal

    @Test
    void expiresZeroUnregistersTheContact() {
        Binding keep = b("sip:alice@192.0.2.2").call("c2", 1).build();
        Binding drop = b("sip:alice@192.0.2.1").call("c1", 1).build();
        apply(ALICE, register(keep));
        apply(ALICE, register(drop));
        RegistrationResult r = apply(ALICE, unregister("c1", 2, drop));
        assertEquals(Outcome.OK, r.outcome());
        assertEquals(List.of(keep), r.bindings());
        assertEquals(List.of(keep), lookup(ALICE));
        assertCounts(1, 1);
        assertTrue(events.contains("removed alice sip:alice@192.0.2.1 UNREGISTERED"), events::toString);

        apply(ALICE, unregister("c2", 2, keep));
        assertEquals(List.of(), lookup(ALICE));
        assertCounts(0, 0);
    }

    @Test
    void expiresZeroForAnUnknownContactIsANoOp() {
        Binding b1 = b("sip:alice@192.0.2.1").build();
        apply(ALICE, register(b1));
        RegistrationResult r = apply(ALICE, unregister("other", 1, b("sip:alice@192.0.2.9").build()));
        assertEquals(Outcome.OK, r.outcome());
        assertEquals(List.of(b1), lookup(ALICE));
        RegistrationResult empty = apply(BOB, unregister("other", 1, b("sip:bob@192.0.2.9").build()));
        assertEquals(Outcome.OK, empty.outcome());
        assertEquals(List.of(), empty.bindings());
        assertCounts(1, 1);
    }

    @Test
    void contactStarRemovesEveryBinding() {
        apply(ALICE, register(b("sip:alice@192.0.2.1").call("c1", 1).build()));
        apply(ALICE, register(b("sip:alice@192.0.2.2").call("c2", 1).build()));
        apply(BOB, register(b("sip:bob@192.0.2.3").call("c3", 1).build()));
        events.clear();
        RegistrationResult r = apply(ALICE, star("c9", 1));
        assertEquals(Outcome.OK, r.outcome());
        assertEquals(List.of(), r.bindings());
        assertEquals(List.of(), lookup(ALICE));
        assertEquals(1, lookup(BOB).size());
        assertCounts(1, 1);
        assertEquals(2, events.stream().filter(e -> e.endsWith("UNREGISTERED")).count(), events::toString);
    }

    @ParameterizedTest(name = "CSeq {0} after CSeq 3")
    @ValueSource(longs = {3, 2})
    void contactStarIsOutOfOrderWhenABindingHasTheSameCallIdAndNotHigherCSeq(long cseq) {
        apply(ALICE, register(b("sip:alice@192.0.2.1").call("c1", 1).build()));
        apply(ALICE, register(b("sip:alice@192.0.2.2").call("c2", 3).build()));
        events.clear();
        RegistrationResult r = apply(ALICE, star("c2", cseq));
        assertEquals(Outcome.OUT_OF_ORDER, r.outcome());
        assertEquals(2, r.bindings().size());
        assertEquals(2, lookup(ALICE).size());
        assertCounts(1, 2);
        assertEquals(List.of(), events);

        assertEquals(Outcome.OK, apply(ALICE, star("c2", 4)).outcome());
        assertCounts(0, 0);
    }

    @Test
    void storeRemoveAllReturnsLiveBindingsAndTellsListeners() {
        Binding live = b("sip:alice@192.0.2.1").call("c1", 1).build();
        Binding shortLived = b("sip:alice@192.0.2.2").call("c2", 1).expiresIn(Duration.ofSeconds(10)).build();
        apply(ALICE, register(live));
        apply(ALICE, register(shortLived));
        clock.advance(Duration.ofSeconds(10));
        events.clear();
        assertEquals(List.of(live), store.removeAll(ALICE, clock.instant()));
        assertEquals(List.of(), lookup(ALICE));
        assertCounts(0, 0);
        assertEquals(2, events.stream().filter(e -> e.endsWith(" REMOVED")).count(), events::toString);
        assertEquals(List.of(), store.removeAll(BOB, clock.instant()));
    }

    // ---------------------------------------------------------------- contact limit

    @Test
    void overLimitEvictOldestDropsTheLeastRecentlyRegistered() {
        Binding c1 = b("sip:alice@192.0.2.1").call("c1", 1).build();
        apply(ALICE, changes(OverflowPolicy.EVICT_OLDEST, 2, c1));
        clock.advance(Duration.ofSeconds(10));
        Binding c2 = b("sip:alice@192.0.2.2").call("c2", 1).build();
        apply(ALICE, changes(OverflowPolicy.EVICT_OLDEST, 2, c2));
        clock.advance(Duration.ofSeconds(10));
        // Refreshing c1 makes c2 the least recently registered.
        Binding c1again = b("sip:alice@192.0.2.1").call("c1", 2).build();
        apply(ALICE, changes(OverflowPolicy.EVICT_OLDEST, 2, c1again));
        clock.advance(Duration.ofSeconds(10));
        Binding c3 = b("sip:alice@192.0.2.3").call("c3", 1).build();
        events.clear();

        RegistrationResult r = apply(ALICE, changes(OverflowPolicy.EVICT_OLDEST, 2, c3));
        assertEquals(Outcome.OK, r.outcome());
        assertEquals(List.of("sip:alice@192.0.2.3", "sip:alice@192.0.2.1"), contacts(lookup(ALICE)));
        assertEquals(List.of("added alice sip:alice@192.0.2.3", "removed alice sip:alice@192.0.2.2 EVICTED"), events);
        assertCounts(1, 2);
    }

    @Test
    void overLimitRejectRefusesAndKeepsBindings() {
        Binding c1 = b("sip:alice@192.0.2.1").call("c1", 1).build();
        Binding c2 = b("sip:alice@192.0.2.2").call("c2", 1).build();
        apply(ALICE, changes(OverflowPolicy.REJECT, 2, c1));
        apply(ALICE, changes(OverflowPolicy.REJECT, 2, c2));
        events.clear();
        Binding c3 = b("sip:alice@192.0.2.3").call("c3", 1).build();

        RegistrationResult r = apply(ALICE, changes(OverflowPolicy.REJECT, 2, c3));
        assertEquals(Outcome.TOO_MANY_CONTACTS, r.outcome());
        assertEquals(2, r.bindings().size());
        assertEquals(List.of("sip:alice@192.0.2.2", "sip:alice@192.0.2.1").stream().sorted().toList(),
                contacts(lookup(ALICE)).stream().sorted().toList());
        assertCounts(1, 2);
        assertEquals(List.of(), events);

        // At the limit, refreshing an existing contact is still fine.
        Binding c1again = b("sip:alice@192.0.2.1").call("c1", 2).build();
        assertEquals(Outcome.OK, apply(ALICE, changes(OverflowPolicy.REJECT, 2, c1again)).outcome());
    }

    // ---------------------------------------------------------------- expiry

    @Test
    void expiredBindingDisappearsFromLookupAndIsReaped() {
        Binding b1 = b("sip:alice@192.0.2.1").expiresIn(Duration.ofSeconds(60)).build();
        Binding bobs = b("sip:bob@192.0.2.2").expiresIn(Duration.ofSeconds(3600)).build();
        apply(ALICE, register(b1));
        apply(BOB, register(bobs));
        clock.advance(Duration.ofSeconds(59));
        assertEquals(List.of(b1), lookup(ALICE));
        assertEquals(0, store.reapExpired(clock.instant()));

        clock.advance(Duration.ofSeconds(1)); // expiry is inclusive: at expiresAt the binding is gone
        assertEquals(List.of(), lookup(ALICE));
        assertEquals(Map.of(BOB, List.of(bobs)), store.snapshot(clock.instant()));
        events.clear();
        assertEquals(1, store.reapExpired(clock.instant()));
        assertEquals(List.of("removed alice sip:alice@192.0.2.1 EXPIRED"), events);
        assertCounts(1, 1);
        assertEquals(0, store.reapExpired(clock.instant()));
        assertEquals(List.of(bobs), lookup(BOB));
    }

    @Test
    void aRegisterDropsExpiredBindingsOfItsAor() {
        apply(ALICE, register(b("sip:alice@192.0.2.1").call("c1", 1).expiresIn(Duration.ofSeconds(60)).build()));
        clock.advance(Duration.ofSeconds(61));
        events.clear();
        Binding fresh = b("sip:alice@192.0.2.2").call("c2", 1).build();
        RegistrationResult r = apply(ALICE, register(fresh));
        assertEquals(List.of(fresh), r.bindings());
        assertEquals(List.of("removed alice sip:alice@192.0.2.1 EXPIRED", "added alice sip:alice@192.0.2.2"),
                events);
        assertCounts(1, 1);
        assertEquals(0, store.reapExpired(clock.instant()));
    }

    @Test
    void expiredBindingWithTheSameCallIdDoesNotBlockARegister() {
        apply(ALICE, register(b("sip:alice@192.0.2.1").call("c1", 5).expiresIn(Duration.ofSeconds(60)).build()));
        clock.advance(Duration.ofSeconds(60));
        Binding again = b("sip:alice@192.0.2.1").call("c1", 1).build();
        assertEquals(Outcome.OK, apply(ALICE, register(again)).outcome());
        assertEquals(List.of(again), lookup(ALICE));
        assertCounts(1, 1);
    }

    // ---------------------------------------------------------------- ordering and counts

    @Test
    void lookupOrdersByQDescendingThenMostRecentFirst() {
        apply(ALICE, register(b("sip:low@192.0.2.1").call("c1", 1).q(0.1f).build()));
        clock.advance(Duration.ofSeconds(1));
        apply(ALICE, register(b("sip:high@192.0.2.2").call("c2", 1).q(0.9f).build()));
        clock.advance(Duration.ofSeconds(1));
        apply(ALICE, register(b("sip:mid-old@192.0.2.3").call("c3", 1).q(0.5f).build()));
        clock.advance(Duration.ofSeconds(1));
        apply(ALICE, register(b("sip:mid-new@192.0.2.4").call("c4", 1).q(0.5f).build()));
        clock.advance(Duration.ofSeconds(1));
        apply(ALICE, register(b("sip:one@192.0.2.5").call("c5", 1).build()));
        assertEquals(List.of("sip:one@192.0.2.5", "sip:high@192.0.2.2", "sip:mid-new@192.0.2.4",
                "sip:mid-old@192.0.2.3", "sip:low@192.0.2.1"), contacts(lookup(ALICE)));
    }

    @Test
    void countsTrackAddsAndRemovals() {
        assertCounts(0, 0);
        apply(ALICE, register(b("sip:a1@192.0.2.1").call("a", 1).build(), b("sip:a2@192.0.2.1").call("a", 1).build()));
        apply(BOB, register(b("sip:b1@192.0.2.1").call("b", 1).build()));
        assertCounts(2, 3);
        apply(ALICE, unregister("a", 2, b("sip:a1@192.0.2.1").build()));
        assertCounts(2, 2);
        store.removeAll(BOB, clock.instant());
        assertCounts(1, 1);
        apply(ALICE, star("a", 3));
        assertCounts(0, 0);
        assertEquals(Map.of(), store.snapshot(clock.instant()));
    }

    @Test
    void failingListenerDoesNotBreakTheStoreOrOtherListeners() {
        store.addListener(new BindingListener() {
            @Override
            public void added(Aor aor, Binding binding) {
                throw new IllegalStateException("boom");
            }
        });
        AtomicInteger after = new AtomicInteger();
        store.addListener(new BindingListener() {
            @Override
            public void added(Aor aor, Binding binding) {
                after.incrementAndGet();
            }
        });
        assertEquals(Outcome.OK, apply(ALICE, register(b("sip:alice@192.0.2.1").build())).outcome());
        assertEquals(1, after.get());
        assertCounts(1, 1);
    }

    // ---------------------------------------------------------------- concurrency

    @Test
    void concurrentRegistrationsOfDistinctAorsAreAllKept() throws Exception {
        int threads = 8;
        int perThread = 1000;
        AtomicInteger added = new AtomicInteger();
        store.addListener(new BindingListener() {
            @Override
            public void added(Aor aor, Binding binding) {
                added.incrementAndGet();
            }
        });
        Instant now = clock.instant();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    start.await();
                    int ok = 0;
                    for (int i = 0; i < perThread; i++) {
                        Aor aor = new Aor("u" + thread + "-" + i, "example.com");
                        Binding b = new BindingBuilder("sip:" + aor.user() + "@192.0.2.1", now)
                                .call("call-" + thread + "-" + i, 1).build();
                        if (store.apply(aor, register(b), now).outcome() == Outcome.OK) {
                            ok++;
                        }
                    }
                    return ok;
                }));
            }
            start.countDown();
            for (Future<Integer> f : done) {
                assertEquals(perThread, f.get(30, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(threads * perThread, store.bindingCount());
        assertEquals(threads * perThread, store.aorCount());
        assertEquals(threads * perThread, added.get());
        for (int t = 0; t < threads; t++) {
            for (int i = 0; i < perThread; i++) {
                assertEquals(1, store.lookup(new Aor("u" + t + "-" + i, "example.com"), now).size());
            }
        }
    }

    @Test
    void concurrentRegistrationsOfOneAorLoseNoUpdate() throws Exception {
        int threads = 8;
        int perThread = 100;
        Instant now = clock.instant();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        Binding b = new BindingBuilder("sip:alice@10.0." + thread + "." + i, now)
                                .call("call-" + thread + "-" + i, 1).build();
                        store.apply(ALICE, changes(OverflowPolicy.REJECT, 10_000, b), now);
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(threads * perThread, store.lookup(ALICE, now).size());
        assertEquals(threads * perThread, store.bindingCount());
        assertEquals(1, store.aorCount());
    }

    /** The AOR empties and fills again under the writers' feet: no write may land in a removed entry. */
    @Test
    void anAorEmptiedWhileOthersRegisterToItLosesNoBinding() throws Exception {
        int threads = 4;
        int cycles = 5_000;
        Instant now = clock.instant();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
        AtomicInteger live = new AtomicInteger();
        store.addListener(new BindingListener() {
            @Override
            public void added(Aor aor, Binding binding) {
                live.incrementAndGet();
            }

            @Override
            public void removed(Aor aor, Binding binding, Removal why) {
                live.decrementAndGet();
            }
        });
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String contact = "sip:alice@10.1.0." + t;
                String callId = "call-" + t;
                done.add(pool.submit(() -> {
                    start.await();
                    long cseq = 1;
                    for (int i = 0; i < cycles; i++) {
                        Binding mine = b(contact).call(callId, cseq++).build();
                        store.apply(ALICE, register(mine), now);
                        store.apply(ALICE, unregister(callId, cseq++, mine), now);
                    }
                    store.apply(ALICE, register(b(contact).call(callId, cseq).build()), now);
                    return null;
                }));
            }
            Future<?> reader = pool.submit(() -> {
                start.await();
                while (!done.stream().allMatch(Future::isDone)) {
                    store.lookup(ALICE, now);
                    store.reapExpired(now);
                }
                return null;
            });
            start.countDown();
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
            reader.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertEquals(threads, store.lookup(ALICE, now).size());
        assertCounts(1, threads);
        assertEquals(threads, live.get());
    }

    /** Memory: a million phones refresh every few minutes; each refresh must not keep new copies. */
    @Test
    void aRefreshKeepsTheStringsOfTheBindingItReplaces() {
        Binding first = b(new String("sip:alice@192.0.2.1:5060")).call(new String("call-9"), 1).build();
        apply(ALICE, register(first));
        clock.advance(Duration.ofSeconds(30));
        Binding second = b(new String("sip:alice@192.0.2.1:5060")).call(new String("call-9"), 2).build();
        apply(ALICE, register(second));

        Binding stored = lookup(ALICE).get(0);
        assertEquals(second, stored, "the stored binding has the refresh's values");
        assertEquals(2, stored.cseq());
        assertEquals(clock.instant(), stored.registeredAt());
        assertSame(first.path(), stored.path());
        // Kept as bytes in place, not as either string:
        assertEquals("sip:alice@192.0.2.1:5060", stored.contact());
        assertEquals("call-9", stored.callId());
    }
}
