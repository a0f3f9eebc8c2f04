package io.sipedge.http.server;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API's worker threads, shared fairly between clients: each client address has its own queue
 * and the workers take from the clients in turn, one task each. A client with hundreds of
 * connections and requests queued delays another client's request by at most one task per busy
 * client, not by its whole queue. Bounded per client and in total; past either, a task is refused
 * ({@link RejectedExecutionException}: the caller answers 503).
 */
final class FairPool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FairPool.class);

    private final int perClient;
    private final int total;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    /** Guarded by {@link #lock}: each client's tasks, and the clients with tasks, in turn order. */
    private final Map<String, ArrayDeque<Runnable>> queues = new HashMap<>();
    private final ArrayDeque<String> turns = new ArrayDeque<>();
    private int queued;
    private boolean closed;
    private final List<Thread> threads = new ArrayList<>();

    /**
     * @param threads   workers
     * @param perClient tasks one client may have waiting
     * @param total     tasks all clients may have waiting
     */
    FairPool(int threads, int perClient, int total, String name) {
        this.perClient = perClient;
        this.total = total;
        for (int i = 1; i <= threads; i++) {
            Thread t = new Thread(this::work, name + "-" + i);
            t.setDaemon(true);
            this.threads.add(t);
            t.start();
        }
    }

    /** Queues {@code task} as {@code client}'s; refused when its queue or the pool is full, or closed. */
    void execute(String client, Runnable task) {
        lock.lock();
        try {
            ArrayDeque<Runnable> q = queues.get(client);
            if (closed || queued >= total || q != null && q.size() >= perClient) {
                throw new RejectedExecutionException("busy");
            }
            if (q == null) {
                q = new ArrayDeque<>();
                queues.put(client, q);
                turns.addLast(client);
            }
            q.addLast(task);
            queued++;
            work.signal();
        } finally {
            lock.unlock();
        }
    }

    private void work() {
        while (true) {
            Runnable task;
            lock.lock();
            try {
                while (turns.isEmpty() && !closed) {
                    work.awaitUninterruptibly();
                }
                String client = turns.pollFirst();
                if (client == null) {
                    return; // closed, and nothing left to run
                }
                ArrayDeque<Runnable> q = queues.get(client);
                task = q.pollFirst();
                queued--;
                if (q.isEmpty()) {
                    queues.remove(client);
                } else {
                    turns.addLast(client); // its next task waits for every other client's turn
                }
            } finally {
                lock.unlock();
            }
            try {
                task.run();
            } catch (RuntimeException | Error e) { // NOPMD: a worker outlives any task
                log.warn("API task failed: {}", e.toString());
            }
        }
    }

    /** Refuses new tasks, lets the queued ones run (answers to requests in flight), waits up to {@code seconds}. */
    void shutdown(long seconds) {
        lock.lock();
        try {
            closed = true;
            work.signalAll();
        } finally {
            lock.unlock();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        for (Thread t : threads) {
            try {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void close() {
        shutdown(5);
    }
}
