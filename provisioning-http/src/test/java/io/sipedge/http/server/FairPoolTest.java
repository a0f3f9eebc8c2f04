package io.sipedge.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class FairPoolTest {

    /** One worker, busy; a flooding client queues 30, then another client queues one: it runs second. */
    @Test
    void anotherClientWaitsForOneTaskOfTheFlooderNotForItsQueue() throws Exception {
        List<String> ran = new CopyOnWriteArrayList<>();
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(32);
        try (FairPool pool = new FairPool(1, 64, 256, "test")) {
            pool.execute("flooder", () -> {
                running.countDown();
                await(release);
                ran.add("flooder");
                done.countDown();
            });
            assertTrue(running.await(10, TimeUnit.SECONDS));
            for (int i = 0; i < 30; i++) {
                pool.execute("flooder", () -> {
                    ran.add("flooder");
                    done.countDown();
                });
            }
            pool.execute("admin", () -> {
                ran.add("admin");
                done.countDown();
            });
            release.countDown();
            assertTrue(done.await(10, TimeUnit.SECONDS));
        }
        assertEquals(2, ran.indexOf("admin"), ran.toString());
    }

    @Test
    void queuesAreBoundedPerClientAndInTotal() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(1);
        try (FairPool pool = new FairPool(1, 3, 5, "test")) {
            pool.execute("a", () -> {
                running.countDown();
                await(release);
            });
            assertTrue(running.await(10, TimeUnit.SECONDS)); // running, no longer queued
            for (int i = 0; i < 3; i++) {
                pool.execute("a", () -> { });
            }
            assertThrows(RejectedExecutionException.class, () -> pool.execute("a", () -> { }), "a's queue is full");
            pool.execute("b", () -> { });
            pool.execute("c", () -> { });
            assertThrows(RejectedExecutionException.class, () -> pool.execute("d", () -> { }), "the pool is full");
            release.countDown();
        }
    }

    @Test
    void aFailingTaskDoesNotStopItsWorker() throws Exception {
        CountDownLatch after = new CountDownLatch(1);
        try (FairPool pool = new FairPool(1, 8, 8, "test")) {
            pool.execute("a", () -> {
                throw new IllegalStateException("boom");
            });
            pool.execute("a", after::countDown);
            assertTrue(after.await(10, TimeUnit.SECONDS));
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
