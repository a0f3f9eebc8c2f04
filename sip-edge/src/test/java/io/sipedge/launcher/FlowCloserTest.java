package io.sipedge.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.location.BindingChanges;
import io.sipedge.location.BindingListener;
import io.sipedge.location.InMemoryLocationStore;
import io.sipedge.model.Aor;
import io.sipedge.model.Binding;
import io.sipedge.model.Flow;
import io.sipedge.model.Transport;
import io.sipedge.observe.TransportEvents;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A closed connection's bindings go on the flow closer's thread, never on the thread that saw the close. */
@Timeout(10)
class FlowCloserTest {
    private static final Instant NOW = Instant.parse("2026-12-05T03:00:00Z");
    private static final Flow TCP = new Flow(Transport.TCP, "192.0.2.5", 40_000, 77, "edge-1", true);

    private static void register(InMemoryLocationStore store, String user) {
        Binding b = new Binding("sip:" + user + "@192.0.2.5:40000;transport=tcp", TCP, NOW.plusSeconds(3600), 1f,
                "call-" + user, 1, "urn:uuid:" + user, 1, List.of(), null, NOW);
        store.apply(new Aor(user, "example.com"), new BindingChanges(false,
                List.of(new BindingChanges.ContactUpdate(b, false)), "call-" + user, 1, 10,
                BindingChanges.OverflowPolicy.EVICT_OLDEST), NOW);
    }

    @Test
    void theEventLoopHandsTheCloseOverAndTheBindingsGoOnTheClosersThread() throws Exception {
        InMemoryLocationStore store = new InMemoryLocationStore();
        register(store, "alice");
        register(store, "bob");
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<String> removedOn = new AtomicReference<>();
        store.addListener(new BindingListener() {
            @Override
            public void removed(Aor aor, Binding binding, Removal why) {
                removedOn.set(Thread.currentThread().getName());
                try {
                    release.await(5, TimeUnit.SECONDS); // the store is busy until the test lets go
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        AtomicInteger counted = new AtomicInteger();
        TransportEvents events = new TransportEvents() {
            @Override
            public void flowClosedWithBindings(Transport transport) {
                counted.incrementAndGet();
            }
        };
        try (FlowCloser closer = new FlowCloser(store, events, 16)) {
            long start = System.nanoTime();
            closer.accept(TCP); // on the caller's thread, the listener would hold it for 5 s
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(1), "the caller did not wait for the store");
            release.countDown();
        }
        assertEquals("flow-closer", removedOn.get());
        assertEquals(0, store.bindingCount(), "RFC 5626 bindings go with their connection");
        assertEquals(1, counted.get(), "one connection closed with bindings");
    }
}
