package io.sipedge.sip.keepalive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gov.nist.javax.sip.message.SIPRequest;
import io.sipedge.location.BindingChanges;
import io.sipedge.location.BindingChanges.ContactUpdate;
import io.sipedge.location.BindingChanges.OverflowPolicy;
import io.sipedge.location.BindingListener;
import io.sipedge.location.InMemoryLocationStore;
import io.sipedge.model.Aor;
import io.sipedge.model.Binding;
import io.sipedge.model.Flow;
import io.sipedge.model.Transport;
import io.sipedge.observe.KeepaliveEvents;
import io.sipedge.sip.wire.SipParser;
import io.sipedge.testing.MutableClock;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sip.address.SipURI;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The qualifier driven by hand: a clock the test moves, a sender that records, a real location
 * store, and {@link Qualifier#tick} called once per second of the clock, as its timer does.
 */
class QualifierTest {
    private static final Aor ALICE = new Aor("alice", "example.com");
    private static final String NATED = "sip:alice@10.0.0.5:5060";
    private static final Flow NAT_FLOW = udp("198.51.100.4", 40312);
    private static final int INTERVAL = 30;
    private static final int MISSES = 3;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-10T10:00:00Z"));
    private final InMemoryLocationStore store = new InMemoryLocationStore();
    private final RecordingSender sent = new RecordingSender();
    private final CountingEvents events = new CountingEvents();
    private final List<String> removals = new ArrayList<>();
    private Qualifier qualifier;
    private int cseq;

    @BeforeEach
    void start() {
        store.addListener(new BindingListener() {
            @Override
            public void removed(Aor aor, Binding binding, Removal why) {
                removals.add(aor.user() + " " + binding.contact() + " " + why);
            }
        });
        qualifier = qualifier(MAX_PER_TICK_DEFAULT);
    }

    private static final int MAX_PER_TICK_DEFAULT = 100;

    private Qualifier qualifier(int maxPerTick) {
        return qualifier(INTERVAL, maxPerTick);
    }

    private Qualifier qualifier(int interval, int maxPerTick) {
        Qualifier q = Qualifier.watch(store, new Qualifier.Settings(interval, MISSES, maxPerTick), clock, events);
        q.sendWith(sent, "192.0.2.1:5060");
        return q;
    }

    private static Flow udp(String ip, int port) {
        return new Flow(Transport.UDP, ip, port, 0, "edge-1", true);
    }

    /** A REGISTER of {@code contact} for {@code aor} from {@code flow}, as the registrar applies it. */
    private void register(Aor aor, String contact, Flow flow) {
        Instant now = clock.instant();
        Binding b = new Binding(contact, flow, now.plusSeconds(3600), 1f, "call-" + aor.user(), ++cseq, null, 0,
                List.of(), null, now);
        store.apply(aor, new BindingChanges(false, List.of(new ContactUpdate(b, false)), b.callId(), cseq, 10,
                OverflowPolicy.EVICT_OLDEST), now);
    }

    /** Moves the clock one second at a time for {@code seconds}, ticking after each step. */
    private void run(int seconds) {
        for (int i = 0; i < seconds; i++) {
            clock.advance(Duration.ofSeconds(1));
            qualifier.tick(clock.instant());
        }
    }

    /** Answers every probe sent so far and not yet answered, with {@code status}. */
    private void answerAll(int status) {
        for (Sent s : sent.unanswered()) {
            qualifier.response(s.branch(), s.callId(), "OPTIONS", status);
        }
    }

    /** Ticks second by second until {@code n} probes in all have gone unanswered. */
    private void runUntilUnanswered(int n) {
        for (int i = 0; events.unanswered.get() < n; i++) {
            assertTrue(i < 10 * INTERVAL * n, "only " + events.unanswered.get() + " unanswered");
            run(1);
        }
        assertEquals(n, events.unanswered.get());
    }

    private boolean bound(Aor aor) {
        return !store.lookup(aor, clock.instant()).isEmpty();
    }

    @Test
    void aBindingBehindNatIsProbedOnceAnIntervalWithAnOptionsFromTheEdge() throws Exception {
        register(ALICE, NATED, NAT_FLOW);
        run(INTERVAL);
        assertEquals(1, sent.all.size(), "one probe an interval");
        Sent s = sent.all.get(0);
        assertEquals(NAT_FLOW, s.flow(), "on the binding's flow");
        SIPRequest options = (SIPRequest) SipParser.parse(s.bytes());
        assertEquals("OPTIONS", options.getMethod());
        assertEquals(NATED, options.getRequestURI().toString(), "the Contact is the Request-URI");
        assertEquals("sip:ping@example.com", options.getFrom().getAddress().getURI().toString());
        assertTrue(options.getFrom().getTag() != null && !options.getFrom().getTag().isEmpty(), "a From tag");
        assertEquals("sip:alice@example.com", options.getTo().getAddress().getURI().toString());
        assertEquals(null, options.getTo().getTag());
        assertTrue(options.getTopmostVia().getBranch().startsWith("z9hG4bK-q"), options.getTopmostVia().getBranch());
        assertEquals("UDP", options.getTopmostVia().getTransport());
        assertEquals("192.0.2.1", options.getTopmostVia().getHost());
        assertEquals(5060, options.getTopmostVia().getPort());
        assertEquals(1, options.getCSeq().getSeqNumber());
        assertEquals("OPTIONS", options.getCSeq().getMethod());
        assertEquals(70, options.getMaxForwards().getMaxForwards());
        assertEquals(0, options.getContentLength().getContentLength());
        assertTrue(options.getRequestURI() instanceof SipURI);

        answerAll(200);
        run(2 * INTERVAL);
        assertEquals(3, sent.all.size(), "one more each interval");
        assertTrue(!sent.all.get(1).callId().equals(sent.all.get(2).callId())
                && !sent.all.get(1).branch().equals(sent.all.get(2).branch()), "a fresh Call-ID and branch each time");
        assertEquals(3, events.sent.get());
    }

    @Test
    void aBindingNotBehindNatAndAStreamBindingAreNeverProbed() {
        register(ALICE, "sip:alice@192.0.2.10:5060", udp("192.0.2.10", 5060));
        register(new Aor("bob", "example.com"), "sip:bob@10.0.0.6:5060;transport=tcp",
                new Flow(Transport.TCP, "198.51.100.4", 40001, 7, "edge-1", true));
        run(5 * INTERVAL);
        assertTrue(sent.all.isEmpty(), sent.all.toString());
        assertEquals(0, qualifier.tracked());
    }

    @Test
    void anyAnswerKeepsTheBinding() throws Exception {
        register(ALICE, NATED, NAT_FLOW);
        for (int status : new int[] {200, 404, 405, 481, 501, 100}) {
            run(INTERVAL);
            answerAll(status);
        }
        run(INTERVAL);
        assertTrue(bound(ALICE));
        assertEquals(7, events.sent.get());
        assertEquals(6, events.answered.get());
        assertEquals(0, events.unanswered.get());
        assertTrue(removals.isEmpty(), removals.toString());
    }

    @Test
    void nUnansweredProbesInARowRemoveTheBindingAsUnreachable() {
        register(ALICE, NATED, NAT_FLOW);
        Aor bob = new Aor("bob", "example.com");
        register(bob, "sip:bob@192.0.2.10:5060", udp("192.0.2.10", 5060)); // not behind NAT
        runUntilUnanswered(MISSES - 1);
        assertTrue(bound(ALICE), "two misses: still bound");
        assertTrue(removals.isEmpty(), removals.toString());
        runUntilUnanswered(MISSES);
        assertFalse(bound(ALICE), "the third miss in a row removes it");
        assertEquals(List.of("alice " + NATED + " UNREACHABLE"), removals);
        assertEquals(1, events.failed.get());
        assertEquals(0, qualifier.tracked());
        assertTrue(bound(bob));
        int probes = sent.all.size();
        run(3 * INTERVAL);
        assertEquals(probes, sent.all.size(), "a removed binding is probed no more");
    }

    @Test
    void anAnswerBetweenMissesStartsTheCountAgain() {
        register(ALICE, NATED, NAT_FLOW);
        runUntilUnanswered(2); // probe 3 leaves as probe 2 is counted a miss
        answerAll(200);
        runUntilUnanswered(4);
        assertTrue(bound(ALICE), "miss, miss, answer, miss, miss: never three in a row");
        assertTrue(removals.isEmpty(), removals.toString());
        runUntilUnanswered(5);
        assertFalse(bound(ALICE), "then the third in a row");
    }

    @Test
    void aRegisterStartsTheCountAgainAndMovesTheProbesToItsNewFlow() {
        register(ALICE, NATED, NAT_FLOW);
        runUntilUnanswered(2);
        int before = sent.all.size();
        Flow rebound = udp("198.51.100.4", 50111); // the NAT gave the phone a new port
        register(ALICE, NATED, rebound);
        // The probe on the old flow, sent before the REGISTER, goes unanswered and counts for nothing.
        runUntilUnanswered(5);
        assertTrue(bound(ALICE), "two misses since the REGISTER");
        for (Sent s : sent.all.subList(before, sent.all.size())) {
            assertEquals(rebound, s.flow(), "probes follow the binding to its new flow");
        }
        runUntilUnanswered(6);
        assertFalse(bound(ALICE));
    }

    @Test
    void onlyAnAnswerWithTheProbesBranchCallIdAndMethodCounts() throws Exception {
        register(ALICE, NATED, NAT_FLOW);
        run(INTERVAL);
        Sent s = sent.all.get(0);
        qualifier.response(s.branch(), "another-call-id", "OPTIONS", 200);
        qualifier.response(s.branch(), s.callId(), "INVITE", 200);
        qualifier.response("z9hG4bK-somebody-else", s.callId(), "OPTIONS", 200);
        qualifier.response(null, s.callId(), "OPTIONS", 200);
        assertEquals(0, events.answered.get());
        assertEquals(1, qualifier.outstanding());
        qualifier.response(s.branch(), s.callId(), "OPTIONS", 200);
        assertEquals(1, events.answered.get());
        qualifier.response(s.branch(), s.callId(), "OPTIONS", 200); // a retransmitted answer
        assertEquals(1, events.answered.get());
        assertEquals(0, qualifier.outstanding());
    }

    @Test
    void anAnswerAfterTheProbeWasCountedAMissIsTooLate() {
        register(ALICE, NATED, NAT_FLOW);
        run(INTERVAL);
        Sent first = sent.all.get(0);
        run(INTERVAL); // the first probe is a miss now
        qualifier.response(first.branch(), first.callId(), "OPTIONS", 200);
        assertEquals(0, events.answered.get());
        assertEquals(1, events.unanswered.get());
    }

    @Test
    void probesAreSpreadOverTheInterval() {
        for (int i = 0; i < 300; i++) {
            register(new Aor("u" + i, "example.com"), "sip:u" + i + "@10.0.0.5:5060", udp("198.51.100.4", 20000 + i));
        }
        int most = 0;
        for (int second = 0; second < 3 * INTERVAL; second++) {
            int before = sent.all.size();
            run(1);
            most = Math.max(most, sent.all.size() - before);
            answerAll(200);
        }
        assertEquals(300 * 3, sent.all.size(), "every binding, once an interval");
        assertTrue(most < 30, "no burst: at most " + most + " in one second for 10 on average");
    }

    @Test
    void aTickSendsAtMostItsCapAndTheRestFollow() {
        qualifier = qualifier(5);
        for (int i = 0; i < 40; i++) {
            register(new Aor("u" + i, "example.com"), "sip:u" + i + "@10.0.0.5:5060", udp("198.51.100.4", 20000 + i));
        }
        qualifier.tick(clock.instant());
        int baseline = sent.all.size();
        clock.advance(Duration.ofSeconds(2 * INTERVAL)); // a stall: every binding is due at once
        int ticks = 0;
        while (sent.all.size() - baseline < 40) {
            int before = sent.all.size();
            qualifier.tick(clock.instant());
            assertTrue(sent.all.size() - before <= 5, "over the cap");
            ticks++;
            assertTrue(ticks <= 8, "the backlog does not drain");
        }
    }

    @Test
    void theProbesWaitingForAnAnswerAreBounded() {
        qualifier = qualifier(1, 2); // a 1 s interval: probes wait 1 s; at most 2 × (1 + 1) outstanding
        for (int i = 0; i < 10; i++) {
            register(new Aor("u" + i, "example.com"), "sip:u" + i + "@10.0.0.5:5060", udp("198.51.100.4", 20000 + i));
        }
        Instant stuck = clock.advance(Duration.ofSeconds(1));
        for (int i = 0; i < 10; i++) {
            qualifier.tick(stuck); // a clock that does not move: nothing is swept
        }
        assertEquals(4, qualifier.outstanding());
        assertEquals(4, sent.all.size());
    }

    @Test
    void aProbeThatCannotBeSentIsAMissInItsTime() {
        sent.fail = true;
        register(ALICE, NATED, NAT_FLOW);
        run(INTERVAL * (MISSES + 1));
        assertFalse(bound(ALICE));
        assertEquals(0, events.sent.get());
    }

    @Test
    void anExpiredOrUnregisteredBindingIsNoLongerFollowed() {
        register(ALICE, NATED, NAT_FLOW);
        assertEquals(1, qualifier.tracked());
        store.removeAll(ALICE, clock.instant());
        assertEquals(0, qualifier.tracked());
        run(2 * INTERVAL);
        assertTrue(sent.all.isEmpty());
    }

    @Test
    void aBindingThatMovesToAConnectionIsNoLongerFollowed() {
        register(ALICE, NATED, NAT_FLOW);
        assertEquals(1, qualifier.tracked());
        register(ALICE, NATED, new Flow(Transport.TCP, "198.51.100.4", 40001, 7, "edge-1", true));
        assertEquals(0, qualifier.tracked());
        run(2 * INTERVAL);
        assertTrue(sent.all.isEmpty(), sent.all.toString());
    }

    // ------------------------------------------------------------------ fakes

    record Sent(Flow flow, byte[] bytes, String branch, String callId) {
    }

    /** Records what would have left, and optionally fails every send. */
    static final class RecordingSender implements Qualifier.Sender {
        final List<Sent> all = new ArrayList<>();
        final Map<String, Boolean> answered = new HashMap<>();
        boolean fail;

        @Override
        public void send(Flow flow, byte[] bytes) throws IOException {
            if (fail) {
                throw new IOException("unreachable");
            }
            try {
                SIPRequest r = (SIPRequest) SipParser.parse(bytes);
                all.add(new Sent(flow, bytes, r.getTopmostVia().getBranch(), r.getCallId().getCallId()));
            } catch (java.text.ParseException e) {
                throw new AssertionError("the probe does not parse", e);
            }
        }

        List<Sent> unanswered() {
            List<Sent> out = new ArrayList<>();
            for (Sent s : all) {
                if (answered.put(s.branch(), true) == null) {
                    out.add(s);
                }
            }
            return out;
        }
    }

    static final class CountingEvents implements KeepaliveEvents {
        final AtomicInteger sent = new AtomicInteger();
        final AtomicInteger answered = new AtomicInteger();
        final AtomicInteger unanswered = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();

        @Override
        public void probeSent(Kind kind, Transport transport) {
            assertEquals(Kind.QUALIFY, kind);
            assertEquals(Transport.UDP, transport);
            sent.incrementAndGet();
        }

        @Override
        public void probeAnswered(Kind kind, Transport transport) {
            answered.incrementAndGet();
        }

        @Override
        public void probeUnanswered(Kind kind, Transport transport) {
            unanswered.incrementAndGet();
        }

        @Override
        public void failed(Kind kind, Transport transport) {
            failed.incrementAndGet();
        }
    }
}
