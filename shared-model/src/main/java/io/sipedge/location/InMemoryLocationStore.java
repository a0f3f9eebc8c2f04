package io.sipedge.location;

import io.sipedge.location.AorBindings.Event;
import io.sipedge.location.AorBindings.Step;
import io.sipedge.model.Aor;
import io.sipedge.model.Binding;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default {@link LocationStore}: a {@link ConcurrentHashMap} of immutable {@link AorBindings}.
 * Each update is a {@code compute} on one key, so it locks only that AOR's bin (never the store,
 * unlike a global {@code synchronized}); listeners run after the compute returns.
 */
public final class InMemoryLocationStore implements LocationStore {
    private static final Logger log = LoggerFactory.getLogger(InMemoryLocationStore.class);

    private final ConcurrentHashMap<Aor, AorBindings> aors = new ConcurrentHashMap<>();
    private final List<BindingListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicInteger bindingCount = new AtomicInteger();
    /**
     * The AORs registered over each connection, so a closing connection finds its bindings without a
     * scan. An AOR that moved to another connection stays listed until this one closes (its close
     * then finds nothing there), so the index is bounded by the open connections' registrations.
     */
    private final ConcurrentHashMap<Long, AorList> byConnection = new ConcurrentHashMap<>();

    /**
     * The AORs of one connection, in the order they came: an array, not a set, because a load
     * balancer or SBC carries thousands of AORs on one connection, and a set's node per AOR was
     * most of what young collections had to copy while they registered. An AOR listed twice is
     * closed twice, and the second time finds nothing.
     */
    private static final class AorList {
        private Aor[] aors = new Aor[4];
        private int size;

        synchronized void add(Aor aor) {
            if (size > 0 && aors[size - 1].equals(aor)) {
                return; // the same AOR again (several of its bindings moved here)
            }
            if (size == aors.length) {
                aors = Arrays.copyOf(aors, size * 2);
            }
            aors[size++] = aor;
        }

        synchronized Aor[] toArray() {
            return Arrays.copyOf(aors, size);
        }
    }

    @Override
    public RegistrationResult apply(Aor aor, BindingChanges changes, Instant now) {
        Step[] out = new Step[1];
        aors.compute(aor, (k, old) -> {
            Step s = (old == null ? AorBindings.EMPTY : old).apply(changes, now);
            out[0] = s;
            return s.next();
        });
        for (Event e : out[0].events()) {
            if (e.after() != null && e.after().flow().onConnection()
                    && (e.before() == null || e.before().flow().connection() != e.after().flow().connection())) {
                byConnection.computeIfAbsent(e.after().flow().connection(), c -> new AorList()).add(aor);
            }
        }
        deliver(aor, out[0].events());
        return out[0].result();
    }

    @Override
    public int closeFlow(long connection) {
        AorList listed = byConnection.remove(connection);
        if (listed == null) {
            return 0;
        }
        int carried = 0;
        for (Aor aor : listed.toArray()) {
            Step[] out = new Step[1];
            aors.computeIfPresent(aor, (k, old) -> {
                out[0] = old.closeFlow(connection);
                return out[0].next();
            });
            if (out[0] != null) {
                carried += out[0].events().size();
                deliver(aor, out[0].events());
            }
        }
        return carried;
    }

    @Override
    public List<Binding> lookup(Aor aor, Instant now) {
        AorBindings b = aors.get(aor);
        return b == null ? List.of() : b.live(now);
    }

    @Override
    public List<Binding> removeAll(Aor aor, Instant now) {
        Step[] out = new Step[1];
        aors.computeIfPresent(aor, (k, old) -> {
            out[0] = old.removeAll();
            return null;
        });
        if (out[0] == null) {
            return List.of();
        }
        deliver(aor, out[0].events());
        return out[0].events().stream().map(Event::before).filter(b -> !b.expiredAt(now)).toList();
    }

    @Override
    public List<Binding> remove(Aor aor, Predicate<Binding> which, BindingListener.Removal why) {
        Step[] out = new Step[1];
        aors.computeIfPresent(aor, (k, old) -> {
            out[0] = old.remove(which, why);
            return out[0].next();
        });
        if (out[0] == null || out[0].events().isEmpty()) {
            return List.of();
        }
        deliver(aor, out[0].events());
        return out[0].events().stream().map(Event::before).toList();
    }

    @Override
    public int reapExpired(Instant now) {
        int removed = 0;
        // Weakly consistent iteration: no lock over the map; each AOR is reaped in its own compute.
        for (Map.Entry<Aor, AorBindings> e : aors.entrySet()) {
            if (!e.getValue().hasExpiredAt(now)) {
                continue;
            }
            Step[] out = new Step[1];
            aors.computeIfPresent(e.getKey(), (k, old) -> {
                out[0] = old.reap(now);
                return out[0].next();
            });
            if (out[0] != null) {
                removed += out[0].events().size();
                deliver(e.getKey(), out[0].events());
            }
        }
        return removed;
    }

    @Override
    public Map<Aor, List<Binding>> snapshot(Instant now) {
        Map<Aor, List<Binding>> out = new HashMap<>();
        aors.forEach((aor, b) -> {
            List<Binding> live = b.live(now);
            if (!live.isEmpty()) {
                out.put(aor, live);
            }
        });
        return out;
    }

    @Override
    public int bindingCount() {
        return bindingCount.get();
    }

    @Override
    public int aorCount() {
        return aors.size();
    }

    @Override
    public void addListener(BindingListener listener) {
        listeners.add(listener);
    }

    private void deliver(Aor aor, List<Event> events) {
        for (Event e : events) {
            if (e.before() == null) {
                bindingCount.incrementAndGet();
            } else if (e.after() == null) {
                bindingCount.decrementAndGet();
            }
            for (BindingListener l : listeners) {
                try {
                    if (e.before() == null) {
                        l.added(aor, e.after());
                    } else if (e.after() == null) {
                        l.removed(aor, e.before(), e.removal());
                    } else {
                        l.refreshed(aor, e.before(), e.after());
                    }
                } catch (RuntimeException ex) {
                    log.warn("binding listener failed: {}", ex.toString());
                }
            }
        }
    }
}
