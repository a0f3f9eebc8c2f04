package io.sipedge.location;

import io.sipedge.location.BindingChanges.ContactUpdate;
import io.sipedge.location.BindingChanges.OverflowPolicy;
import io.sipedge.location.BindingListener.Removal;
import io.sipedge.location.RegistrationResult.Outcome;
import io.sipedge.model.Binding;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;

/**
 * The bindings of one AOR, and the §10.3 update rules over them. It runs inside the store's per-AOR
 * atomic section, so it does no I/O, logging or callbacks: it returns the events for the caller to
 * deliver afterwards.
 *
 * <p>The set of bindings is fixed per instance; a request that adds or removes one yields a new
 * instance, while a refresh writes into the {@link StoredBinding} in place and keeps this one, so a
 * re-registration stores no new object (see {@link StoredBinding} for why).
 *
 * <p>A binding that goes with its flow (a WebSocket, an RFC 5626 connection) leaves its object in
 * the set, vacant, until the time the binding would have expired: the phone that reconnects (a
 * browser reloaded, a network change) registers again at once on a new flow, as a new binding, and
 * the AOR's next new binding over that transport takes the vacant object and writes into it in
 * place. Without this, every reconnect created a binding of 8 objects and an AOR's new set, which
 * the next young collections copied twice: a reconnecting population's young pauses and p99 (see
 * {@code docs/decisions/transport.md}). No reader sees a vacant binding.
 */
final class AorBindings {
    static final AorBindings EMPTY = new AorBindings(List.of());

    /** Highest q first; among equals the most recently registered first (RFC 3261 §16.6 target order). */
    static final Comparator<Binding> ORDER = Comparator.comparingDouble((Binding b) -> -b.q())
            .thenComparing((a, b) -> b.compareRegisteredAt(a));

    private final List<StoredBinding> bindings;
    /**
     * The second the first of these bindings expires in (rounded down), as of the last write: the
     * reaper's scan of every AOR reads this one field instead of taking each binding's monitor
     * (300 000 of them every few seconds for 100 000 phones). Written inside the AOR's atomic section.
     */
    private volatile long firstExpirySecond;

    private AorBindings(List<StoredBinding> bindings) {
        this.bindings = List.copyOf(bindings);
        this.firstExpirySecond = firstExpirySecond(this.bindings);
    }

    private static long firstExpirySecond(List<StoredBinding> bindings) {
        long first = Long.MAX_VALUE;
        for (StoredBinding b : bindings) {
            first = Math.min(first, b.expiresSecond());
        }
        return first;
    }

    boolean isEmpty() {
        return bindings.isEmpty();
    }

    /** True when a binding is held, not only vacant objects; for the writer, inside the atomic section. */
    boolean holdsBinding() {
        for (StoredBinding s : bindings) {
            if (!s.vacant()) {
                return true;
            }
        }
        return false;
    }

    boolean hasExpiredAt(Instant now) {
        if (now.getEpochSecond() < firstExpirySecond) {
            return false;
        }
        for (StoredBinding b : bindings) {
            if (b.expiredAt(now)) {
                return true;
            }
        }
        return false;
    }

    List<Binding> live(Instant now) {
        List<Binding> out = new ArrayList<>(bindings.size());
        for (StoredBinding s : bindings) {
            Binding b = s.valueIfOccupied();
            if (b != null && !b.expiredAt(now)) {
                out.add(b);
            }
        }
        out.sort(ORDER);
        return out;
    }

    /** A change to deliver to listeners once the atomic section is over. */
    record Event(Binding before, Binding after, Removal removal) {
    }

    /** The new value (null when the AOR is left empty), the result, and the events. */
    record Step(AorBindings next, RegistrationResult result, List<Event> events) {
    }

    Step reap(Instant now) {
        List<Event> events = new ArrayList<>();
        List<StoredBinding> keep = new ArrayList<>(bindings.size());
        for (StoredBinding s : bindings) {
            if (s.expiredAt(now)) {
                if (!s.vacant()) {
                    events.add(new Event(s.value(), null, Removal.EXPIRED));
                }
            } else {
                keep.add(s);
            }
        }
        return new Step(keep.isEmpty() ? null : new AorBindings(keep), null, events);
    }

    /** The bindings {@code which} picks go, for {@code why}; {@code next} is this when none does. */
    Step remove(Predicate<Binding> which, Removal why) {
        List<Event> events = new ArrayList<>(1);
        List<StoredBinding> keep = new ArrayList<>(bindings.size());
        for (StoredBinding s : bindings) {
            if (s.vacant()) {
                keep.add(s);
                continue;
            }
            Binding b = s.value();
            if (which.test(b)) {
                events.add(new Event(b, null, why));
            } else {
                keep.add(s);
            }
        }
        if (events.isEmpty()) {
            return new Step(this, null, events);
        }
        return new Step(keep.isEmpty() ? null : new AorBindings(keep), null, events);
    }

    Step removeAll() {
        List<Event> events = new ArrayList<>();
        for (StoredBinding s : bindings) {
            if (!s.vacant()) {
                events.add(new Event(s.value(), null, Removal.REMOVED));
            }
        }
        return new Step(null, new RegistrationResult(Outcome.OK, List.of()), events);
    }

    /**
     * {@code restored} (bindings read back after a restart) join these; a restored binding the AOR
     * already holds (same contact, or same instance and reg-id) is left as it stands.
     */
    Step restore(List<Binding> restored) {
        List<Event> events = new ArrayList<>(restored.size());
        List<StoredBinding> next = new ArrayList<>(bindings);
        List<Binding> present = new ArrayList<>(bindings.size() + restored.size());
        for (StoredBinding s : bindings) {
            if (!s.vacant()) {
                present.add(s.value());
            }
        }
        for (Binding b : restored) {
            if (present.stream().noneMatch(p -> sameBinding(p, b))) {
                next.add(new StoredBinding(b));
                present.add(b);
                events.add(new Event(null, b, null));
            }
        }
        if (events.isEmpty()) {
            return new Step(isEmpty() ? null : this, null, events);
        }
        return new Step(new AorBindings(next), null, events);
    }

    /**
     * Connection number {@code connection} has closed: the bindings that only it reached go with it
     * (RFC 5626 §5.2 registrations and WebSocket clients, {@link Binding#diesWithFlow()}), their
     * objects left vacant (see the class comment); the others stay, marked unreachable, until they
     * expire or a REGISTER on a new flow replaces them. Everything is written in place: {@code next}
     * is always this.
     */
    Step closeFlow(long connection) {
        List<Event> events = new ArrayList<>();
        for (StoredBinding s : bindings) {
            if (s.vacant() || !s.onConnection(connection)) {
                continue;
            }
            Binding b = s.value();
            if (b.diesWithFlow()) {
                s.vacate();
                events.add(new Event(b, null, Removal.FLOW_CLOSED));
            } else if (b.flow().open()) {
                Binding marked = b.withFlow(b.flow().closed());
                s.refresh(marked);
                events.add(new Event(b, marked, null));
            }
        }
        return new Step(this, null, events);
    }

    /**
     * One binding while a request is worked out: what is stored (null for a new contact) and what it
     * would become. Nothing stored changes until the whole request is known to succeed.
     */
    private static final class Slot {
        final StoredBinding stored;
        Binding value;
        boolean touched;

        Slot(StoredBinding stored, Binding value) {
            this.stored = stored;
            this.value = value;
        }
    }

    /** RFC 3261 §10.3 steps 6-8 with RFC 5626 §6 instance matching. */
    Step apply(BindingChanges changes, Instant now) {
        List<Event> events = new ArrayList<>();
        List<Slot> work = new ArrayList<>(bindings.size() + changes.updates().size());
        for (StoredBinding s : bindings) {
            if (s.vacant()) {
                continue; // commit may give it to a new binding
            }
            Binding b = s.value();
            if (b.expiredAt(now)) {
                events.add(new Event(b, null, Removal.EXPIRED));
            } else {
                work.add(new Slot(s, b));
            }
        }
        List<Binding> unchanged = values(work);

        if (changes.removeAll()) {
            for (Slot s : work) {
                if (outOfOrder(s.value, changes)) {
                    return refuse(Outcome.OUT_OF_ORDER, unchanged);
                }
            }
            for (Slot s : work) {
                events.add(new Event(s.value, null, Removal.UNREGISTERED));
            }
            return new Step(null, new RegistrationResult(Outcome.OK, List.of()), events);
        }

        for (ContactUpdate u : changes.updates()) {
            int i = indexOfMatch(work, u.binding());
            if (i >= 0) {
                Slot existing = work.get(i);
                if (outOfOrder(existing.value, changes)) {
                    return refuse(Outcome.OUT_OF_ORDER, unchanged);
                }
                if (u.remove()) {
                    work.remove(i);
                    events.add(new Event(existing.value, null, Removal.UNREGISTERED));
                } else {
                    events.add(new Event(existing.value, u.binding(), null));
                    existing.value = u.binding();
                    existing.touched = true;
                }
            } else if (!u.remove()) {
                Slot added = new Slot(null, u.binding());
                added.touched = true;
                work.add(added);
                events.add(new Event(null, u.binding(), null));
            }
        }

        if (work.size() > changes.maxContacts()) {
            if (changes.overflow() == OverflowPolicy.REJECT) {
                return refuse(Outcome.TOO_MANY_CONTACTS, unchanged);
            }
            // Evict the least recently registered bindings this request did not touch first.
            List<Slot> victims = new ArrayList<>(work);
            victims.sort(Comparator.comparing((Slot s) -> s.touched)
                    .thenComparing((a, b) -> a.value.compareRegisteredAt(b.value)));
            int excess = work.size() - changes.maxContacts();
            for (int k = 0; k < excess; k++) {
                Slot v = victims.get(k);
                work.remove(v);
                events.add(new Event(v.value, null, Removal.EVICTED));
            }
        }
        List<Binding> result = values(work);
        result.sort(ORDER);
        return new Step(commit(work), new RegistrationResult(Outcome.OK, result), events);
    }

    /**
     * Writes the request's outcome: refreshes in place, a new binding into a vacant object when
     * there is one, and a new instance only when the set of objects changed (a binding added with
     * no vacant object to take, or one removed, evicted or expired; the vacant objects nobody
     * took go into the new set: a phone's binding over another transport must not drop the object
     * kept for its browser).
     */
    private AorBindings commit(List<Slot> work) {
        if (work.isEmpty()) {
            return null;
        }
        int held = 0;
        for (StoredBinding s : bindings) {
            if (!s.vacant()) {
                held++;
            }
        }
        int kept = 0;
        boolean added = false;
        boolean refreshed = false;
        List<StoredBinding> next = new ArrayList<>(work.size());
        for (Slot s : work) {
            if (s.stored == null) {
                StoredBinding taken = vacantFor(s.value);
                if (taken != null) {
                    taken.occupy(s.value);
                    refreshed = true;
                    next.add(taken);
                } else {
                    added = true;
                    next.add(new StoredBinding(s.value));
                }
            } else {
                kept++;
                if (s.touched) {
                    s.stored.refresh(s.value);
                    refreshed = true;
                }
                next.add(s.stored);
            }
        }
        if (added || kept < held) {
            for (StoredBinding s : bindings) {
                if (s.vacant()) {
                    next.add(s);
                }
            }
            return new AorBindings(next);
        }
        if (refreshed) {
            long first = firstExpirySecond(bindings);
            if (first != firstExpirySecond) {
                firstExpirySecond = first;
            }
        }
        return this;
    }

    /**
     * The vacant object for new binding {@code b}: one left by a binding of the same transport,
     * since the phone that lost its flow comes back over the one it left on; among those, the one
     * with {@code b}'s contact (nothing to write), else the first. Null when there is none.
     */
    StoredBinding vacantFor(Binding b) {
        StoredBinding first = null;
        for (StoredBinding s : bindings) {
            if (s.vacant() && s.transport() == b.flow().transport()) {
                if (s.hasContact(b.contact())) {
                    return s;
                }
                if (first == null) {
                    first = s;
                }
            }
        }
        return first;
    }

    private static List<Binding> values(List<Slot> slots) {
        List<Binding> out = new ArrayList<>(slots.size());
        for (Slot s : slots) {
            out.add(s.value);
        }
        return out;
    }

    private Step refuse(Outcome outcome, List<Binding> unchanged) {
        List<Binding> sorted = new ArrayList<>(unchanged);
        sorted.sort(ORDER);
        // Nothing changes: keep this value (expired entries are left for the reaper).
        return new Step(this.isEmpty() ? null : this, new RegistrationResult(outcome, sorted), List.of());
    }

    /** RFC 3261 §10.3 step 7: same Call-ID and a CSeq that is not higher aborts the update. */
    private static boolean outOfOrder(Binding existing, BindingChanges changes) {
        return existing.callId().equals(changes.callId()) && existing.cseq() >= changes.cseq();
    }

    /**
     * RFC 5626 §6: with {@code +sip.instance} the binding is identified by instance and reg-id, so a
     * phone whose contact address changed (new NAT mapping, new network) replaces its old binding.
     * Without it, by the contact URI (§10.3 step 7; the same phone sends the same text).
     */
    private static int indexOfMatch(List<Slot> work, Binding candidate) {
        for (int i = 0; i < work.size(); i++) {
            if (sameBinding(work.get(i).value, candidate)) {
                return i;
            }
        }
        return -1;
    }

    private static boolean sameBinding(Binding b, Binding candidate) {
        if (candidate.instanceId() != null) {
            return candidate.instanceId().equals(b.instanceId()) && candidate.regId() == b.regId();
        }
        return b.contact().equalsIgnoreCase(candidate.contact());
    }
}
