package io.sipedge.location;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.sipedge.location.BindingChanges.ContactUpdate;
import io.sipedge.location.BindingChanges.OverflowPolicy;
import io.sipedge.location.BindingListener.Removal;
import io.sipedge.model.Aor;
import io.sipedge.model.Flow;
import io.sipedge.model.Binding;
import io.sipedge.model.Transport;
import io.sipedge.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

class ExpiryReaperTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2024-05-01T10:00:00Z"));

    /** Polls in 1 ms steps; fails after 5 s. */
    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(1);
        }
    }

    /** An in-memory store that counts reaper runs, records their time and can fail the first one. */
    private static final class ProbeStore implements LocationStore {
        final InMemoryLocationStore inner = new InMemoryLocationStore();
        final AtomicInteger reaps = new AtomicInteger();
        final ConcurrentLinkedQueue<Instant> reapTimes = new ConcurrentLinkedQueue<>();
        private final boolean failFirst;

        ProbeStore(boolean failFirst) {
            this.failFirst = failFirst;
        }

        @Override
        public RegistrationResult apply(Aor aor, BindingChanges changes, Instant now) {
            return inner.apply(aor, changes, now);
        }

        @Override
        public List<Binding> lookup(Aor aor, Instant now) {
            return inner.lookup(aor, now);
        }

        @Override
        public int closeFlow(long connection) {
            return inner.closeFlow(connection);
        }

        @Override
        public List<Binding> removeAll(Aor aor, Instant now) {
            return inner.removeAll(aor, now);
        }

        @Override
        public List<Binding> remove(Aor aor, Predicate<Binding> which, Removal why) {
            return inner.remove(aor, which, why);
        }

        @Override
        public int reapExpired(Instant now) {
            reapTimes.add(now);
            if (reaps.incrementAndGet() == 1 && failFirst) {
                throw new IllegalStateException("first run fails");
            }
            return inner.reapExpired(now);
        }

        @Override
        public void forEach(Instant now, BiConsumer<Aor, List<Binding>> visitor) {
            inner.forEach(now, visitor);
        }

        @Override
        public void restore(Aor aor, List<Binding> bindings) {
            inner.restore(aor, bindings);
        }

        @Override
        public int bindingCount() {
            return inner.bindingCount();
        }

        @Override
        public int aorCount() {
            return inner.aorCount();
        }

        @Override
        public void addListener(BindingListener listener) {
            inner.addListener(listener);
        }
    }

    private void registerFor(LocationStore store, Duration ttl) {
        Instant now = clock.instant();
        Binding b = new Binding("sip:alice@192.0.2.1", Flow.of(Transport.UDP, "192.0.2.1", 5060), now.plus(ttl), 1f,
                "c1", 1, null, 0, List.of(), null, now);
        store.apply(new Aor("alice", "example.com"), new BindingChanges(false, List.of(new ContactUpdate(b, false)),
                "c1", 1, 5, OverflowPolicy.EVICT_OLDEST), now);
    }

    @Test
    void reapsExpiredBindingsOnlyWhenTheInjectedClockSaysSo() throws InterruptedException {
        ProbeStore store = new ProbeStore(false);
        ConcurrentLinkedQueue<Removal> removals = new ConcurrentLinkedQueue<>();
        store.addListener(new BindingListener() {
            @Override
            public void removed(Aor aor, Binding binding, Removal why) {
                removals.add(why);
            }
        });
        registerFor(store, Duration.ofSeconds(60));

        ExpiryReaper reaper = new ExpiryReaper(store, clock, Duration.ofMillis(10));
        try {
            await(() -> store.reaps.get() >= 2, "two reaper runs");
            assertEquals(1, store.bindingCount(), "real time passing must not expire anything");
            clock.advance(Duration.ofSeconds(60));
            await(() -> store.bindingCount() == 0, "the reaper to remove the expired binding");
        } finally {
            reaper.close();
        }
        assertEquals(List.of(Removal.EXPIRED), List.copyOf(removals));
        assertEquals(0, store.aorCount());
    }

    @Test
    void keepsRunningAfterTheStoreThrowsAndPassesTheClocksTime() throws InterruptedException {
        ProbeStore store = new ProbeStore(true);
        registerFor(store, Duration.ofSeconds(30));
        ExpiryReaper reaper = new ExpiryReaper(store, clock, Duration.ZERO);
        try {
            await(() -> store.reaps.get() >= 3, "runs after a failure");
            clock.advance(Duration.ofSeconds(30));
            await(() -> store.bindingCount() == 0, "the reaper to remove the expired binding");
        } finally {
            reaper.close();
        }
        Instant start = clock.instant().minusSeconds(30);
        assertTrue(store.reapTimes.stream().allMatch(t -> t.equals(start) || t.equals(clock.instant())),
                store.reapTimes::toString);
    }
}
