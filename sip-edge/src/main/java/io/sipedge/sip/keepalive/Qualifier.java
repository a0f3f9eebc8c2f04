package io.sipedge.sip.keepalive;

import static java.util.Objects.requireNonNull;

import io.sipedge.location.BindingListener;
import io.sipedge.location.LocationStore;
import io.sipedge.model.Aor;
import io.sipedge.model.Binding;
import io.sipedge.model.Flow;
import io.sipedge.model.Transport;
import io.sipedge.observe.KeepaliveEvents;
import io.sipedge.sip.wire.SipRequests;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Server-side keepalive of UDP bindings behind NAT ("qualify"): every interval the edge sends each
 * such binding an OPTIONS on its flow, which keeps the phone's NAT mapping open for requests to
 * come, and a binding whose probes go unanswered so many times in a row is removed
 * ({@link BindingListener.Removal#UNREACHABLE}), so that nothing is sent into the void.
 *
 * <p>Which bindings: it listens to the location store and keeps those {@link QualifyRules#qualifies}
 * picks, each in one second of the interval ({@link QualifyRules#slot}). A tick a second probes the
 * bindings of the seconds that came due, at most {@code maxProbesPerTick} of them (the rest wait for
 * the next tick), so probes are spread, never a burst. A probe is answered by any response that
 * carries its branch, Call-ID and CSeq method (even a 404 or a 501: the phone is there); it is a
 * miss once it has waited {@link QualifyRules#timeout}. The probes and their answers never reach
 * the registrar.
 *
 * <p>Threads: the tick runs on one timer thread, which alone sends, sweeps and removes; the store
 * calls the listener methods on SIP threads and the dispatcher calls {@link #response} on the
 * thread that read the answer. The outstanding probes are bounded ({@link Settings#maxOutstanding}).
 * Time comes from the injected clock.
 */
public final class Qualifier implements BindingListener, ResponseSink, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Qualifier.class);
    /**
     * The start of every probe's branch: the RFC 3261 magic cookie, then "-q". An answer whose
     * branch does not start so is not for the qualifier.
     */
    static final String BRANCH_PREFIX = "z9hG4bK-q";
    /**
     * Probes sent a second, at most. About 2 000 OPTIONS and their answers a second is a few per
     * cent of a core (the answers go through the parser), and covers 60 000 NATed UDP phones at a
     * 30 s interval; past that each binding is probed less often than the interval, still spread.
     */
    public static final int MAX_PROBES_PER_TICK = 2000;
    private static final long REPORT_EVERY_SECONDS = 60;

    /**
     * @param intervalSeconds  each binding behind NAT is probed this often
     * @param misses           probes in a row that go unanswered before the binding is removed
     * @param maxProbesPerTick probes a second, at most
     */
    public record Settings(int intervalSeconds, int misses, int maxProbesPerTick) {
        public Settings {
            if (intervalSeconds < 1 || misses < 1 || maxProbesPerTick < 1) {
                throw new IllegalArgumentException("interval, misses and probes per tick must be at least 1");
            }
        }

        /**
         * Probes waiting for an answer, at most: a tick's worth for each second a probe may wait,
         * and one more. Only a clock stepping back holds probes longer, and then this cap stops
         * new ones until the old are swept.
         */
        int maxOutstanding() {
            return maxProbesPerTick * (int) (QualifyRules.timeout(intervalSeconds).toSeconds() + 1);
        }
    }

    /** How the probes leave: {@code Transports.send}, the edge's one send path. */
    @FunctionalInterface
    public interface Sender {
        void send(Flow flow, byte[] bytes) throws IOException;
    }

    /** A binding as the store identifies it (RFC 5626 §6): AOR and {@link QualifyRules#identity}. */
    record Key(Aor aor, String identity) {
    }

    /** One binding behind NAT. The contact and flow follow its refreshes. */
    static final class Entry {
        final Key key;
        final int slot;
        volatile String contact;
        volatile Flow flow;
        final AtomicInteger misses = new AtomicInteger();
        /** When the first probe of the current run of misses was sent; null while none is missed. */
        volatile Instant missingSince;
        /** The last sign of life (an answer, a REGISTER): a probe sent before it is no miss. */
        volatile Instant heardAt;
        // The timer thread's alone:
        Probe pending;
        boolean queued;

        Entry(Key key, int slot) {
            this.key = key;
            this.slot = slot;
        }

        /** The phone was heard from at {@code at}: an answer, or a REGISTER. */
        void heard(Instant at) {
            heardAt = at;
            misses.set(0);
            missingSince = null;
        }
    }

    /** One OPTIONS sent, to the flow the binding had then. */
    record Probe(String branch, String callId, Entry entry, Flow flow, Instant sentAt) {
    }

    private final Settings settings;
    private final InstantSource clock;
    private final LocationStore store;
    private final KeepaliveEvents events;
    private final Duration timeout;
    private final ConcurrentHashMap<Key, Entry> entries = new ConcurrentHashMap<>();
    private final List<Set<Entry>> slots;
    private final ConcurrentHashMap<String, Probe> outstanding = new ConcurrentHashMap<>();
    // The timer thread's alone:
    private final ArrayDeque<Probe> inFlight = new ArrayDeque<>();
    private final ArrayDeque<Entry> due = new ArrayDeque<>();
    private final SecureRandom random = new SecureRandom();
    private long lastTick = Long.MIN_VALUE;
    private long lastReport = Long.MIN_VALUE;
    private volatile Sender sender;
    private volatile String sentBy;
    private ScheduledExecutorService timer;

    private Qualifier(Settings settings, InstantSource clock, LocationStore store, KeepaliveEvents events) {
        this.settings = settings;
        this.clock = clock;
        this.store = store;
        this.events = events;
        this.timeout = QualifyRules.timeout(settings.intervalSeconds());
        List<Set<Entry>> s = new ArrayList<>(settings.intervalSeconds());
        for (int i = 0; i < settings.intervalSeconds(); i++) {
            s.add(ConcurrentHashMap.newKeySet());
        }
        this.slots = List.copyOf(s);
    }

    /**
     * A qualifier that follows {@code store}'s bindings from now on. Create it before the store holds
     * any binding (the launcher does so before SIP starts), then {@link #start} it once it can send.
     */
    public static Qualifier watch(LocationStore store, Settings settings, InstantSource clock,
                                  KeepaliveEvents events) {
        Qualifier q = new Qualifier(settings, clock, store, events);
        store.addListener(q);
        return q;
    }

    /**
     * Starts the tick, once a second on its own daemon thread, sending with {@code sender}.
     *
     * @param sentBy the Via sent-by of the probes: the edge's host and its UDP port
     */
    public synchronized void start(Sender sender, String sentBy) {
        if (timer != null) {
            throw new IllegalStateException("already started");
        }
        sendWith(sender, sentBy);
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sip-qualify");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(() -> {
            try {
                tick(clock.instant());
            } catch (RuntimeException e) {
                log.warn("qualify: {}", e.toString()); // keep the schedule alive
            }
        }, 1, 1, TimeUnit.SECONDS);
    }

    /** The sender alone, without the timer: tests call {@link #tick} themselves. */
    void sendWith(Sender s, String via) {
        this.sender = requireNonNull(s, "sender");
        this.sentBy = requireNonNull(via, "sentBy");
    }

    @Override
    public synchronized void close() {
        if (timer != null) {
            timer.shutdownNow();
            try {
                timer.awaitTermination(2, TimeUnit.SECONDS); // no probe may leave once the transports close
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ------------------------------------------------------------------ the store's changes

    @Override
    public void added(Aor aor, Binding binding) {
        if (QualifyRules.qualifies(binding)) {
            track(new Key(aor, QualifyRules.identity(binding)), binding);
        }
    }

    @Override
    public void refreshed(Aor aor, Binding before, Binding after) {
        if (before.transport() != Transport.UDP && after.transport() != Transport.UDP) {
            return; // never followed: a TCP or TLS refresh costs the REGISTER nothing more
        }
        Key key = new Key(aor, QualifyRules.identity(after));
        Entry e = entries.get(key);
        if (e != null && before.contact().equals(after.contact()) && before.flow().equals(after.flow())) {
            e.heard(after.registeredAt()); // the usual re-registration: nothing the rules read has changed
            return;
        }
        Key old = new Key(aor, QualifyRules.identity(before));
        if (!old.equals(key)) {
            untrack(old);
        }
        // Judged again even when nothing changed: a removal and an addition delivered out of order
        // by two threads must not leave a binding behind NAT unfollowed for good.
        if (QualifyRules.qualifies(after)) {
            track(key, after);
        } else {
            untrack(key);
        }
    }

    @Override
    public void removed(Aor aor, Binding binding, Removal why) {
        if (binding.transport() == Transport.UDP) {
            untrack(new Key(aor, QualifyRules.identity(binding)));
        }
    }

    private void track(Key key, Binding binding) {
        Entry e = entries.get(key);
        if (e == null) {
            Entry created = new Entry(key, QualifyRules.slot(key.aor(), key.identity(), settings.intervalSeconds()));
            e = entries.putIfAbsent(key, created);
            if (e == null) {
                e = created;
                slots.get(e.slot).add(e);
            }
        }
        e.contact = binding.contact();
        e.flow = binding.flow();
        e.heard(binding.registeredAt());
    }

    private void untrack(Key key) {
        Entry e = entries.remove(key);
        if (e != null) {
            slots.get(e.slot).remove(e);
        }
    }

    // ------------------------------------------------------------------ answers

    /** An answer to a probe, if its branch, Call-ID and CSeq method are a probe's. */
    @Override
    public void response(String branch, String callId, String cseqMethod, int status) {
        if (branch == null || !branch.startsWith(BRANCH_PREFIX)) {
            return;
        }
        Probe p = outstanding.get(branch);
        if (p == null || !p.callId().equals(callId) || !"OPTIONS".equals(cseqMethod)) {
            return; // late (already a miss), or not an answer to that probe
        }
        if (outstanding.remove(branch, p)) {
            p.entry().heard(clock.instant());
            events.probeAnswered(KeepaliveEvents.Kind.QUALIFY, Transport.UDP);
        }
    }

    // ------------------------------------------------------------------ the tick

    /** One second's work: the misses, then the probes that came due. The timer thread's alone. */
    void tick(Instant now) {
        sweep(now);
        enqueueDue(now.getEpochSecond());
        sendDue(now);
    }

    /** Probes that waited their time without an answer are misses. */
    private void sweep(Instant now) {
        while (!inFlight.isEmpty() && !inFlight.peekFirst().sentAt().plus(timeout).isAfter(now)) {
            Probe p = inFlight.pollFirst();
            if (p.entry().pending == p) {
                p.entry().pending = null;
            }
            if (outstanding.remove(p.branch(), p)) { // an answer can no longer count
                missed(p, now);
            }
        }
    }

    private void missed(Probe p, Instant now) {
        events.probeUnanswered(KeepaliveEvents.Kind.QUALIFY, Transport.UDP);
        Entry e = p.entry();
        if (entries.get(e.key) != e) {
            return; // its binding went meanwhile
        }
        Instant heard = e.heardAt;
        if (heard != null && !p.sentAt().isAfter(heard)) {
            return; // the phone spoke since this probe left (a REGISTER, say): it counts for nothing
        }
        int misses = e.misses.incrementAndGet();
        if (misses == 1 || e.missingSince == null) {
            e.missingSince = p.sentAt();
        }
        if (misses < settings.misses()) {
            return;
        }
        Instant since = e.missingSince != null ? e.missingSince : p.sentAt();
        String identity = e.key.identity();
        // Only the binding that was probed, on that flow, and not registered again since the first
        // probe of the run: a REGISTER proves the phone is there, whatever became of the probes.
        List<Binding> gone = store.remove(e.key.aor(), b -> QualifyRules.identity(b).equals(identity)
                && b.flow().equals(p.flow()) && !b.registeredAt().isAfter(since), Removal.UNREACHABLE);
        if (!gone.isEmpty()) {
            events.failed(KeepaliveEvents.Kind.QUALIFY, Transport.UDP);
            log.info("qualify: {} at {}:{} removed after {} unanswered OPTIONS", e.key.aor(), p.flow().remoteIp(),
                    p.flow().remotePort(), misses);
            return; // the store told the listener, which dropped the entry
        }
        // It registered again, or is gone: the store says which.
        boolean stored = store.lookup(e.key.aor(), now).stream()
                .anyMatch(b -> QualifyRules.identity(b).equals(identity));
        if (stored) {
            e.heard(now);
        } else {
            untrack(e.key);
        }
    }

    /** Queues the bindings of every second since the last tick (all of them once after a longer gap). */
    private void enqueueDue(long second) {
        if (lastTick == Long.MIN_VALUE || second < lastTick) {
            lastTick = second - 1; // the first tick, or the clock stepped back
        }
        int interval = settings.intervalSeconds();
        if (second - lastTick >= interval) {
            for (Set<Entry> slot : slots) {
                enqueue(slot);
            }
        } else {
            for (long s = lastTick + 1; s <= second; s++) {
                enqueue(slots.get((int) Math.floorMod(s, (long) interval)));
            }
        }
        lastTick = second;
    }

    private void enqueue(Set<Entry> slot) {
        for (Entry e : slot) {
            if (!e.queued) {
                e.queued = true;
                due.addLast(e);
            }
        }
    }

    private void sendDue(Instant now) {
        int sent = 0;
        int maxOutstanding = settings.maxOutstanding();
        while (!due.isEmpty() && sent < settings.maxProbesPerTick() && outstanding.size() < maxOutstanding) {
            Entry e = due.pollFirst();
            e.queued = false;
            if (entries.get(e.key) != e || e.pending != null) {
                continue; // its binding went, or its last probe still waits (the interval is shorter)
            }
            probe(e, now);
            sent++;
        }
        if (!due.isEmpty() && (lastReport == Long.MIN_VALUE || now.getEpochSecond() - lastReport >= REPORT_EVERY_SECONDS)) {
            lastReport = now.getEpochSecond();
            log.warn("qualify: {} bindings wait for their probe ({} probes a second at most, {} unanswered)",
                    due.size(), settings.maxProbesPerTick(), outstanding.size());
        }
    }

    private void probe(Entry e, Instant now) {
        Aor aor = e.key.aor();
        Flow flow = e.flow;
        String branch = BRANCH_PREFIX + hex(8);
        String callId = hex(8);
        byte[] bytes = SipRequests.options(e.contact, "UDP", sentBy, branch,
                "sip:ping@" + aor.domain(), hex(4), "sip:" + aor.user() + "@" + aor.domain(), callId);
        Probe p = new Probe(branch, callId, e, flow, now);
        outstanding.put(branch, p);
        inFlight.addLast(p);
        e.pending = p;
        try {
            sender.send(flow, bytes);
            events.probeSent(KeepaliveEvents.Kind.QUALIFY, Transport.UDP);
        } catch (IOException ex) {
            // Left outstanding: unanswered, it is a miss in its time like any lost datagram.
            log.debug("qualify: OPTIONS to {}:{} not sent: {}", flow.remoteIp(), flow.remotePort(), ex.toString());
        }
    }

    /** Random hex: branch, Call-ID and tag are unguessable, so an answer cannot be forged to keep a dead binding. */
    private String hex(int bytes) {
        byte[] b = new byte[bytes];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** Bindings followed now (for tests and metrics). */
    int tracked() {
        return entries.size();
    }

    /** Probes waiting for an answer now. */
    int outstanding() {
        return outstanding.size();
    }
}
