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

/**
 * The bindings of one AOR as an immutable value, and the §10.3 update rules as a pure function over
 * it. It runs inside the store's per-AOR atomic section, so it does no I/O, logging or callbacks:
 * it returns the events for the caller to deliver afterwards.
 */
final class AorBindings {
    static final AorBindings EMPTY = new AorBindings(List.of());

    /** Highest q first; among equals the most recently registered first (RFC 3261 §16.6 target order). */
    static final Comparator<Binding> ORDER = Comparator.comparingDouble((Binding b) -> -b.q())
            .thenComparing((a, b) -> b.compareRegisteredAt(a));

    private final List<Binding> bindings;
    /** The binding that lapses first, or null: what the reaper checks. */
    private final Binding firstToExpire;

    AorBindings(List<Binding> bindings) {
        this.bindings = List.copyOf(bindings);
        Binding first = null;
        for (Binding b : this.bindings) {
            if (first == null || b.expiresBefore(first)) {
                first = b;
            }
        }
        this.firstToExpire = first;
    }

    boolean isEmpty() {
        return bindings.isEmpty();
    }

    boolean hasExpiredAt(Instant now) {
        return firstToExpire != null && firstToExpire.expiredAt(now);
    }

    List<Binding> live(Instant now) {
        List<Binding> out = new ArrayList<>(bindings.size());
        for (Binding b : bindings) {
            if (!b.expiredAt(now)) {
                out.add(b);
            }
        }
        out.sort(ORDER);
        return out;
    }

    int size() {
        return bindings.size();
    }

    /** A change to deliver to listeners once the atomic section is over. */
    record Event(Binding before, Binding after, Removal removal) {
    }

    /** The new value (null when the AOR is left empty), the result, and the events. */
    record Step(AorBindings next, RegistrationResult result, List<Event> events) {
    }

    Step reap(Instant now) {
        List<Event> events = new ArrayList<>();
        List<Binding> keep = new ArrayList<>(bindings.size());
        for (Binding b : bindings) {
            if (b.expiredAt(now)) {
                events.add(new Event(b, null, Removal.EXPIRED));
            } else {
                keep.add(b);
            }
        }
        return new Step(keep.isEmpty() ? null : new AorBindings(keep), null, events);
    }

    Step removeAll() {
        List<Event> events = new ArrayList<>();
        for (Binding b : bindings) {
            events.add(new Event(b, null, Removal.REMOVED));
        }
        return new Step(null, new RegistrationResult(Outcome.OK, List.of()), events);
    }

    /** RFC 3261 §10.3 steps 6-8 with RFC 5626 §6 instance matching. */
    Step apply(BindingChanges changes, Instant now) {
        List<Event> events = new ArrayList<>();
        List<Binding> work = new ArrayList<>(bindings.size() + changes.updates().size());
        for (Binding b : bindings) {
            if (b.expiredAt(now)) {
                events.add(new Event(b, null, Removal.EXPIRED));
            } else {
                work.add(b);
            }
        }
        List<Binding> unchanged = List.copyOf(work);

        if (changes.removeAll()) {
            for (Binding b : work) {
                if (outOfOrder(b, changes)) {
                    return refuse(Outcome.OUT_OF_ORDER, unchanged, now);
                }
            }
            for (Binding b : work) {
                events.add(new Event(b, null, Removal.UNREGISTERED));
            }
            return new Step(null, new RegistrationResult(Outcome.OK, List.of()), events);
        }

        List<Binding> touched = new ArrayList<>();
        for (ContactUpdate u : changes.updates()) {
            int i = indexOfMatch(work, u.binding());
            if (i >= 0) {
                Binding existing = work.get(i);
                if (outOfOrder(existing, changes)) {
                    return refuse(Outcome.OUT_OF_ORDER, unchanged, now);
                }
                if (u.remove()) {
                    work.remove(i);
                    events.add(new Event(existing, null, Removal.UNREGISTERED));
                } else {
                    Binding refreshed = u.binding().refreshing(existing);
                    work.set(i, refreshed);
                    touched.add(refreshed);
                    events.add(new Event(existing, refreshed, null));
                }
            } else if (!u.remove()) {
                work.add(u.binding());
                touched.add(u.binding());
                events.add(new Event(null, u.binding(), null));
            }
        }

        if (work.size() > changes.maxContacts()) {
            if (changes.overflow() == OverflowPolicy.REJECT) {
                return refuse(Outcome.TOO_MANY_CONTACTS, unchanged, now);
            }
            // Evict the least recently registered bindings this request did not touch first.
            List<Binding> victims = new ArrayList<>(work);
            victims.sort(Comparator.comparing((Binding b) -> touched.contains(b))
                    .thenComparing(Binding::compareRegisteredAt));
            int excess = work.size() - changes.maxContacts();
            for (int k = 0; k < excess; k++) {
                Binding v = victims.get(k);
                work.remove(v);
                events.add(new Event(v, null, Removal.EVICTED));
            }
        }
        work.sort(ORDER);
        return new Step(work.isEmpty() ? null : new AorBindings(work),
                new RegistrationResult(Outcome.OK, work), events);
    }

    private Step refuse(Outcome outcome, List<Binding> unchanged, Instant now) {
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
    private static int indexOfMatch(List<Binding> work, Binding candidate) {
        for (int i = 0; i < work.size(); i++) {
            Binding b = work.get(i);
            if (candidate.instanceId() != null) {
                if (candidate.instanceId().equals(b.instanceId()) && candidate.regId() == b.regId()) {
                    return i;
                }
            } else if (b.contact().equalsIgnoreCase(candidate.contact())) {
                return i;
            }
        }
        return -1;
    }
}
