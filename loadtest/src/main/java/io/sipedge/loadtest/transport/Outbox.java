package io.sipedge.loadtest.transport;

import io.sipedge.loadtest.sip.MessageBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One stream connection's outgoing bytes: senders append under its lock, and one writer thread
 * ({@link #writeLoop}) writes whatever has piled up in one call. So messages coalesce under load
 * (one syscall for many), and no sending thread ever blocks on the socket: a reader thread that
 * blocked writing to a server that had stopped reading (because it was blocked writing to us)
 * would deadlock both.
 */
final class Outbox {
    /** Beyond this much unwritten data (the server is not reading) sends fail. */
    static final int MAX_PENDING = 16 << 20;

    private final int connection;
    private final OutputStream out;
    // guarded by this
    private MessageBuilder pending = new MessageBuilder(64 << 10);
    private MessageBuilder writing = new MessageBuilder(64 << 10);
    private boolean writerWaiting;
    private boolean closed;
    private boolean draining;
    private IOException failure;

    Outbox(int connection, OutputStream out) {
        this.connection = connection;
        this.out = out;
    }

    /** Queues bytes as they are; fails when the connection failed, is closing, or is full. */
    void append(byte[] buf, int off, int len) throws IOException {
        synchronized (this) {
            admit(len);
            pending.append(buf, off, len);
            wakeWriter();
        }
    }

    /**
     * Queues one whole WebSocket frame as a client sends it, masked with a fresh key (RFC 6455
     * §5.3). The key needs to be unpredictable to whoever writes the payload (a script in a browser),
     * not secret: a fast per-thread PRNG serves a load generator, which writes its own payloads.
     */
    void appendFrame(int opcode, byte[] payload, int off, int len) throws IOException {
        synchronized (this) {
            admit(len);
            WebSocketFrames.writeMasked(pending, opcode, payload, off, len, ThreadLocalRandom.current().nextInt());
            wakeWriter();
        }
    }

    private void admit(int len) throws IOException {
        if (failure != null || closed || draining) {
            throw new IOException("connection " + connection + " is closed", failure);
        }
        if (pending.length() + len > MAX_PENDING) {
            throw new SendBufferFullException("connection " + connection + ": " + MAX_PENDING + " bytes unsent");
        }
    }

    private void wakeWriter() {
        if (writerWaiting) {
            notify();
        }
    }

    /**
     * The writer thread's body: returns when closed (after writing what was queued, for {@link
     * #closeWhenWritten}); throws what a write failed with, and every later send fails.
     */
    void writeLoop() throws IOException, InterruptedException {
        while (true) {
            MessageBuilder batch;
            synchronized (this) {
                while (pending.length() == 0 && !closed && !draining) {
                    writerWaiting = true;
                    wait();
                    writerWaiting = false;
                }
                if (closed || pending.length() == 0) {
                    return;
                }
                batch = pending;
                pending = writing;
                writing = batch;
            }
            try {
                out.write(batch.array(), 0, batch.length());
            } catch (IOException e) {
                synchronized (this) {
                    failure = e;
                }
                throw e;
            }
            batch.reset();
        }
    }

    /** Stops the writer now; what is queued is dropped. */
    void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
    }

    /** Refuses further sends and stops the writer once what is queued is written. */
    void closeWhenWritten() {
        synchronized (this) {
            draining = true;
            notifyAll();
        }
    }
}
