package io.sipedge.sip.transport;

import io.sipedge.observe.TlsEvents;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS context new connections get, reloaded from its files while the edge runs. Every SIP TLS and
 * WSS connection takes the current context when it opens and keeps its engine, so a reload changes
 * the certificate of later handshakes only and never drops a connection.
 *
 * <p>The files are polled: their content is hashed every interval, through symlinks, because certbot
 * renews by swapping the symlinks in {@code live/} (a watch on the directory would see the links, not
 * the files). A change is loaded once the files have stayed the same for one more interval, so a file
 * caught half-written, or a certificate renewed a moment before its key, is not reported as broken.
 * {@link #reloadNow} (SIGHUP) loads at once. A new certificate that cannot be loaded, whose key does
 * not match, or that is not valid now, is refused: the current one stays, with a WARN saying why.
 */
public final class ReloadingTls implements Supplier<SSLContext>, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReloadingTls.class);
    /**
     * How far ahead of this machine's clock a certificate may start: a CA dates a certificate by its
     * own clock (openssl and some CAs to the second of issuing), and a renewal installed at once must
     * not be refused for a few seconds of skew.
     */
    private static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

    private final Supplier<TlsMaterial.Loaded> loader;
    private final List<Path> files;
    private final InstantSource clock;
    private final TlsEvents events;
    private final AtomicReference<TlsMaterial.Loaded> current;
    private final ScheduledThreadPoolExecutor timer;
    private final Runnable hangup;
    /** The files' hash at the last poll; touched on the timer's thread only. */
    private byte[] seen;
    /** The files' hash when they were last loaded, or refused; touched on the timer's thread only. */
    private byte[] tried;

    private ReloadingTls(Supplier<TlsMaterial.Loaded> loader, List<Path> files, InstantSource clock, TlsEvents events,
                         TlsMaterial.Loaded first, byte[] hash) {
        this.loader = loader;
        this.files = List.copyOf(files);
        this.clock = clock;
        this.events = events;
        this.current = new AtomicReference<>(first);
        this.seen = hash;
        this.tried = hash;
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "tls-reload");
            t.setDaemon(true);
            return t;
        });
        this.hangup = () -> reloadNow("SIGHUP");
    }

    /**
     * Loads the material once (a failure is thrown, as at any start) and then follows its files.
     *
     * @param loader   reads the files into a context; throws {@link TlsMaterial.TlsException}
     * @param files    what {@code loader} reads, hashed to see a change
     * @param interval how often the files are hashed; zero polls never (SIGHUP still reloads)
     * @param hangup   whether SIGHUP reloads too
     */
    public static ReloadingTls start(Supplier<TlsMaterial.Loaded> loader, List<Path> files, Duration interval,
                                     boolean hangup, InstantSource clock, TlsEvents events) {
        byte[] hash = hash(files); // before loading: a change made during the load is seen at the next poll
        TlsMaterial.Loaded first = loader.get();
        Instant now = clock.instant();
        String invalid = invalidAt(first, now);
        if (invalid != null) {
            log.warn("TLS certificate from {} {}: clients that check it will refuse the edge", files, invalid);
        }
        log.info("TLS certificate from {}: {}", files, first.describe());
        ReloadingTls tls = new ReloadingTls(loader, files, clock, events, first, hash);
        if (!interval.isZero()) {
            long ms = interval.toMillis();
            tls.timer.scheduleWithFixedDelay(tls::poll, ms, ms, TimeUnit.MILLISECONDS);
        }
        if (hangup) {
            Hangup.add(tls.hangup);
        }
        return tls;
    }

    /** The context for a connection opening now. */
    @Override
    public SSLContext get() {
        return current.get().context();
    }

    /** The certificate chain new handshakes present. */
    public TlsMaterial.Loaded current() {
        return current.get();
    }

    /** Loads the files now, changed or not, on the reload thread (not the caller's: a signal's). */
    public void reloadNow(String why) {
        try {
            timer.execute(() -> attempt(hash(files), why));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.debug("TLS reload on {} ignored: closing", why);
        }
    }

    /** One check of the files; the timer calls it every interval (and tests directly, with no timer). */
    void poll() {
        try {
            byte[] now = hash(files);
            if (Arrays.equals(now, tried)) {
                seen = now;
                return;
            }
            if (!Arrays.equals(now, seen)) {
                seen = now; // still changing, or changed just now: wait until it has settled
                return;
            }
            attempt(now, "a change of " + files);
        } catch (RuntimeException e) {
            log.warn("TLS reload check failed ({}); trying again in the next interval", e.toString());
        }
    }

    private void attempt(byte[] hash, String why) {
        tried = hash;
        seen = hash;
        TlsMaterial.Loaded old = current.get();
        TlsMaterial.Loaded next;
        try {
            next = loader.get();
        } catch (TlsMaterial.TlsException e) {
            refuse(why, (e.file() == null ? "" : e.file() + " ") + e.getMessage(), old);
            return;
        }
        String invalid = invalidAt(next, clock.instant());
        if (invalid != null) {
            refuse(why, "the new certificate (" + next.describe() + ") " + invalid, old);
            return;
        }
        current.set(next);
        events.tlsReloaded(true);
        log.info("TLS certificate reloaded on {}: {}; connections already open keep theirs", why, next.describe());
    }

    private void refuse(String why, String reason, TlsMaterial.Loaded kept) {
        events.tlsReloaded(false);
        log.warn("TLS certificate not reloaded on {}: {}; new connections keep getting the current one ({})",
                why, reason, kept.describe());
    }

    /** Why the leaf is not valid at {@code now}, or null when it is. */
    private static String invalidAt(TlsMaterial.Loaded loaded, Instant now) {
        Instant from = loaded.leaf().getNotBefore().toInstant();
        Instant until = loaded.leaf().getNotAfter().toInstant();
        if (now.plus(CLOCK_SKEW).isBefore(from)) {
            return "is not valid before " + from;
        }
        if (now.isAfter(until)) {
            return "expired at " + until;
        }
        return null;
    }

    /** SHA-256 over the files' contents (through symlinks); a file that cannot be read hashes as its error. */
    static byte[] hash(List<Path> files) {
        MessageDigest d;
        try {
            d = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        for (Path f : files) {
            try {
                byte[] content = Files.readAllBytes(f);
                d.update(content);
                Arrays.fill(content, (byte) 0); // a private key's bytes
            } catch (IOException e) {
                d.update(("unreadable " + e.getClass().getName()).getBytes(StandardCharsets.UTF_8));
            }
            d.update((byte) 0);
        }
        return d.digest();
    }

    @Override
    public void close() {
        Hangup.remove(hangup);
        timer.shutdownNow();
    }
}
