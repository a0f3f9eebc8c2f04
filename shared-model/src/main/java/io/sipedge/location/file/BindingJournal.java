package io.sipedge.location.file;

import io.sipedge.directory.file.Durable;
import io.sipedge.location.BindingListener;
import io.sipedge.location.LocationStore;
import io.sipedge.model.Aor;
import io.sipedge.model.Binding;
import io.sipedge.model.Flow;
import io.sipedge.model.Transport;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The location store on disk, so that a restart forgets no registration: restored before the SIP
 * listeners open, written behind the REGISTER path.
 *
 * <p>A store change only marks its AOR dirty (one set insert, on the thread that made it); one
 * daemon thread writes, every flush interval, the current bindings of each dirty AOR. A phone that
 * refreshes several times within an interval is written once, and nothing on the SIP threads waits
 * for a disk or a lock shared with other AORs. A kill -9 loses at most the last interval's changes.
 *
 * <p>A plain renewal (only the expiry, CSeq and registration time moved: {@link Binding#renews}) is
 * not written while the copy on disk stays good long enough: until at least two of the phone's
 * refresh intervals (as the two registrations show it) past this one. Whenever the edge stops, the
 * copy on disk then outlives the phone's next refresh, which renews it again; and the phones that
 * re-register every few seconds or minutes (to keep a NAT open) cost a write per expiry interval,
 * not one per refresh. Restored, such a binding shows the registration before: its expiry, CSeq
 * and time are a refresh or more behind, never past the phone's next one.
 *
 * <p>Files, in the bindings directory:
 * <ul>
 *   <li>{@code snapshot-G.bin}: every AOR's bindings as generation G began, written whole to a
 *       temporary file, fsynced and renamed into place.</li>
 *   <li>{@code journal-G.bin}: AOR states written since generation G began.</li>
 * </ul>
 * Both are a sequence of records {@code int length, int crc32c, payload}, one AOR with all its
 * bindings per payload (none: the AOR has no bindings any more). The last record of an AOR wins,
 * which is what lets a snapshot be written while changes go on into the next generation's journal.
 * Loading reads the newest snapshot, then every journal of that generation or later in order; a
 * record that is torn or fails its checksum ends that file (a kill -9 mid-append), never the start.
 */
public final class BindingJournal implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BindingJournal.class);
    private static final Pattern FILE = Pattern.compile("(snapshot|journal)-(\\d+)\\.bin");
    /** No record is this large (a binding is a few hundred bytes; an AOR holds at most 1000). */
    private static final int MAX_RECORD = 16 << 20;
    /** The journal is compacted into a new snapshot past this size, or past the last snapshot's, whichever is larger. */
    private static final long MIN_COMPACT_BYTES = 16L << 20;

    private final Path dir;
    private final LocationStore store;
    private final InstantSource clock;
    private final ScheduledExecutorService writer;
    /** AORs changed since the writer last looked: bounded by the AORs the store holds. */
    private final Set<Aor> dirty = ConcurrentHashMap.newKeySet();
    private final Restored restored;
    // The writer thread's own state.
    private long generation;
    private FileChannel journal;
    private long journalBytes;
    private long snapshotBytes;
    private boolean compactionDue;
    /** The flush interval, rounded up to whole seconds. */
    private long flushSeconds;
    private long lastFailureLog;

    /** What a start found on disk. */
    public record Restored(int bindings, int expired, int droppedWithFlow, int unprovisioned, int aors,
                           long tornRecords, Duration took) {
    }

    private BindingJournal(Path dir, LocationStore store, InstantSource clock, Restored restored, long generation)
            throws IOException {
        this.dir = dir;
        this.store = store;
        this.clock = clock;
        this.restored = restored;
        this.generation = generation;
        this.journal = openJournal(generation);
        this.compactionDue = true; // the files found were read; one snapshot replaces them all
        this.writer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "binding-journal");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Restores the bindings found in {@code dir} into {@code store} (see {@link #afterRestart} for
     * what survives), then follows the store and writes every {@code flushInterval}.
     *
     * @param edge         this edge instance's id: restored UDP flows are its own
     * @param provisioned  false for an AOR whose device is gone or disabled: its bindings are not restored
     */
    public static BindingJournal open(Path dir, LocationStore store, InstantSource clock, Duration flushInterval,
                                      String edge, Predicate<Aor> provisioned) throws IOException {
        Files.createDirectories(dir);
        deleteUnfinishedSnapshots(dir);
        long started = System.nanoTime();
        Instant now = clock.instant();
        Loaded loaded = load(dir);
        int kept = 0;
        int expired = 0;
        int droppedWithFlow = 0;
        int unprovisioned = 0;
        int aors = 0;
        for (Map.Entry<Aor, List<Binding>> e : loaded.aors().entrySet()) {
            if (!provisioned.test(e.getKey())) {
                unprovisioned += e.getValue().size();
                continue;
            }
            List<Binding> back = new ArrayList<>(e.getValue().size());
            for (Binding b : e.getValue()) {
                if (b.expiredAt(now)) {
                    expired++;
                    continue;
                }
                Binding revived = afterRestart(b, edge);
                if (revived == null) {
                    droppedWithFlow++;
                } else {
                    back.add(revived);
                }
            }
            if (!back.isEmpty()) {
                store.restore(e.getKey(), back);
                kept += back.size();
                aors++;
            }
        }
        Restored restored = new Restored(kept, expired, droppedWithFlow, unprovisioned, aors, loaded.torn(),
                Duration.ofNanos(System.nanoTime() - started));
        BindingJournal j = new BindingJournal(dir, store, clock, restored, loaded.lastGeneration() + 1);
        long every = flushInterval.toMillis();
        j.flushSeconds = (every + 999) / 1000;
        store.addListener(j.new MarkDirty());
        j.writer.scheduleWithFixedDelay(j::writeSafely, every, every, TimeUnit.MILLISECONDS);
        return j;
    }

    /** A snapshot being written when the process stopped never replaced anything: it is dropped. */
    private static void deleteUnfinishedSnapshots(Path dir) throws IOException {
        try (var list = Files.list(dir)) {
            for (Path p : (Iterable<Path>) list::iterator) {
                String name = p.getFileName().toString();
                if (name.startsWith("snapshot-") && name.endsWith(".tmp")) {
                    Files.delete(p);
                }
            }
        }
    }

    /**
     * What a binding becomes after a restart, or null when it cannot survive one. A UDP binding is
     * reached as before: from the listening socket to the address and port it registered from, now
     * by this edge instance. A stream connection does not survive the process: an RFC 5626
     * registration or a WebSocket client (reachable only over its own connection) is gone; another
     * TCP or TLS binding is kept, marked unreachable like any binding whose connection closed,
     * until it expires or the phone registers again on a new connection.
     */
    public static Binding afterRestart(Binding stored, String edge) {
        Flow f = stored.flow();
        if (f.transport() == Transport.UDP) {
            return stored.withFlow(new Flow(Transport.UDP, f.remoteIp(), f.remotePort(), 0, edge, true));
        }
        if (stored.diesWithFlow()) {
            return null;
        }
        return stored.withFlow(new Flow(f.transport(), f.remoteIp(), f.remotePort(), 0, edge, false));
    }

    public Restored restored() {
        return restored;
    }

    /** Writes what changed now, and waits for it (a graceful stop, a backup). */
    public void flush() {
        try {
            writer.submit(() -> {
                write();
                return null;
            }).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("bindings could not be written: {}", String.valueOf(e.getCause() == null ? e : e.getCause()));
        }
    }

    /** Writes what changed and stops writing; the files hold the store as it stands. */
    @Override
    public void close() {
        if (writer.isShutdown()) {
            return;
        }
        flush();
        writer.shutdown();
        try {
            writer.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            journal.close();
        } catch (IOException e) {
            log.debug("closing the bindings journal: {}", e.toString());
        }
    }

    private final class MarkDirty implements BindingListener {
        @Override
        public void added(Aor aor, Binding binding) {
            dirty.add(aor);
        }

        @Override
        public void refreshed(Aor aor, Binding before, Binding after) {
            if (!after.renews(before) || !onDiskLongEnough(aor, before, after)) {
                dirty.add(aor);
            }
        }

        @Override
        public void removed(Aor aor, Binding binding, Removal why) {
            dirty.add(aor);
        }
    }

    /** True when the AOR's copy on disk outlives two of the phone's refresh intervals from this one. */
    private boolean onDiskLongEnough(Aor aor, Binding before, Binding after) {
        long at = after.registeredAt().getEpochSecond();
        long interval = Math.max(1, at - before.registeredAt().getEpochSecond());
        return store.persistedUntil(aor) >= at + 2 * interval + flushSeconds;
    }

    private void writeSafely() {
        try {
            write();
        } catch (IOException | UncheckedIOException e) {
            long now = System.currentTimeMillis();
            if (now - lastFailureLog >= 60_000) {
                lastFailureLog = now;
                log.warn("bindings could not be written to {} ({}); retrying every flush interval, a restart now "
                        + "would lose the changes since", dir, e.toString());
            }
        }
    }

    /** On the writer thread: the dirty AORs into the journal, then a snapshot when the journal has grown. */
    private void write() throws IOException {
        if (!dirty.isEmpty()) {
            Instant now = clock.instant();
            ByteArrayOutputStream batch = new ByteArrayOutputStream(64 * 1024);
            BindingRecords.Writer records = new BindingRecords.Writer(batch);
            List<Aor> written = new ArrayList<>();
            List<Long> until = new ArrayList<>();
            for (Iterator<Aor> it = dirty.iterator(); it.hasNext(); ) {
                Aor aor = it.next();
                // Removed before it is read: a change after the read marks it again for the next turn.
                it.remove();
                List<Binding> bindings = store.lookup(aor, now);
                records.write(aor, bindings);
                written.add(aor);
                until.add(bindings.stream().mapToLong(b -> b.expiresAt().getEpochSecond()).min().orElse(Long.MAX_VALUE));
                if (batch.size() >= 1 << 20) {
                    append(batch);
                }
            }
            append(batch);
            journal.force(false);
            for (int i = 0; i < written.size(); i++) { // on disk now
                store.persisted(written.get(i), until.get(i));
            }
        }
        if (compactionDue || journalBytes > Math.max(MIN_COMPACT_BYTES, snapshotBytes)) {
            compact();
        }
    }

    private void append(ByteArrayOutputStream batch) throws IOException {
        if (batch.size() == 0) {
            return;
        }
        ByteBuffer buf = ByteBuffer.wrap(batch.toByteArray());
        journalBytes += buf.remaining();
        while (buf.hasRemaining()) {
            journal.write(buf);
        }
        batch.reset();
    }

    /**
     * Starts generation G+1: its journal first, then its snapshot from the store, then deletes the
     * older files. Changes made while the snapshot is written go to the new journal, and replaying
     * it over the snapshot is right because the last record of an AOR wins.
     */
    private void compact() throws IOException {
        long next = generation + 1;
        FileChannel nextJournal = openJournal(next);
        FileChannel previous = journal;
        journal = nextJournal;
        journalBytes = 0;
        generation = next;
        previous.close();
        Path tmp = dir.resolve("snapshot-" + next + ".tmp");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
            Durable.restrict(tmp);
            BindingRecords.Writer records = new BindingRecords.Writer(out);
            Instant now = clock.instant();
            try {
                store.forEach(now, (aor, bindings) -> {
                    try {
                        records.write(aor, bindings);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        snapshotBytes = Files.size(tmp);
        Files.move(tmp, dir.resolve("snapshot-" + next + ".bin"), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        Durable.syncDirectory(dir);
        for (Generation g : files(dir)) {
            if (g.number() < next) {
                Files.deleteIfExists(g.path());
            }
        }
        compactionDue = false;
    }

    private FileChannel openJournal(long g) throws IOException {
        Path p = dir.resolve("journal-" + g + ".bin");
        FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        Durable.restrict(p);
        Durable.syncDirectory(dir);
        return ch;
    }

    /**
     * Copies the bindings files of {@code dir} into {@code target} as they stood at one moment,
     * while an edge may be writing them: the newest snapshot and the journals from its generation
     * on (a record being appended is torn in the copy, which loading skips), starting over if a
     * compaction deleted one meanwhile. Takes no lock.
     *
     * @return how many bindings the copy holds
     * @throws IOException when the files cannot be read, or kept changing under ten attempts
     */
    public static int backup(Path dir, Path target) throws IOException {
        Files.createDirectories(target);
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        for (int attempt = 0; attempt < 10; attempt++) {
            List<Generation> all = files(dir);
            long from = all.stream().filter(Generation::snapshot).mapToLong(Generation::number).max().orElse(0);
            Map<Path, byte[]> copy = new LinkedHashMap<>();
            try {
                for (Generation g : all) {
                    if (g.number() >= from) {
                        copy.put(g.path().getFileName(), Files.readAllBytes(g.path()));
                    }
                }
            } catch (NoSuchFileException compacted) {
                continue;
            }
            for (Map.Entry<Path, byte[]> f : copy.entrySet()) {
                Durable.writeAtomically(target.resolve(f.getKey()), f.getValue(), true);
            }
            return bindingsIn(target);
        }
        throw new IOException("the bindings in " + dir + " kept changing; try again");
    }

    // ---- reading ----

    /** How many bindings the files in {@code dir} hold (expired ones included). */
    public static int bindingsIn(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        return load(dir).aors().values().stream().mapToInt(List::size).sum();
    }

    /** The AORs' bindings as the files hold them, and how many records were torn or corrupt. */
    record Loaded(Map<Aor, List<Binding>> aors, long torn, long lastGeneration) {
    }

    record Generation(long number, boolean snapshot, Path path) {
    }

    /** The data files in {@code dir}, oldest generation first, a snapshot before its journal. */
    static List<Generation> files(Path dir) throws IOException {
        TreeSet<Generation> found = new TreeSet<>((a, b) -> a.number() != b.number()
                ? Long.compare(a.number(), b.number()) : Boolean.compare(b.snapshot(), a.snapshot()));
        try (var list = Files.list(dir)) {
            for (Path p : (Iterable<Path>) list::iterator) {
                Matcher m = FILE.matcher(p.getFileName().toString());
                if (m.matches()) {
                    found.add(new Generation(Long.parseLong(m.group(2)), m.group(1).equals("snapshot"), p));
                }
            }
        }
        return new ArrayList<>(found);
    }

    /** Reads the newest snapshot and the journals from its generation on. */
    static Loaded load(Path dir) throws IOException {
        List<Generation> all = files(dir);
        long from = 0;
        long last = 0;
        for (Generation g : all) {
            last = Math.max(last, g.number());
            if (g.snapshot()) {
                from = Math.max(from, g.number());
            }
        }
        Map<Aor, List<Binding>> aors = new HashMap<>();
        long torn = 0;
        for (Generation g : all) {
            if (g.number() >= from) {
                torn += read(g.path(), aors);
            }
        }
        return new Loaded(aors, torn, last);
    }

    /** Applies one file's records to {@code aors}; returns 1 when it ended in a torn or corrupt record. */
    private static int read(Path file, Map<Aor, List<Binding>> aors) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            long offset = 0;
            while (true) {
                int length;
                try {
                    length = in.readInt();
                } catch (EOFException end) {
                    return 0;
                }
                try {
                    int crc = in.readInt();
                    if (length < 0 || length > MAX_RECORD) {
                        throw new IOException("a record of " + length + " bytes");
                    }
                    byte[] payload = in.readNBytes(length);
                    if (payload.length < length) {
                        throw new EOFException("the record is cut short");
                    }
                    if (BindingRecords.crc(payload) != crc) {
                        throw new IOException("checksum mismatch");
                    }
                    BindingRecords.Reader r = new BindingRecords.Reader(ByteBuffer.wrap(payload));
                    Aor aor = r.aor();
                    List<Binding> bindings = r.bindings();
                    if (bindings.isEmpty()) {
                        aors.remove(aor);
                    } else {
                        aors.put(aor, bindings);
                    }
                    offset += 8 + length;
                } catch (IOException | RuntimeException bad) {
                    log.warn("{}: the records from byte {} on are unreadable ({}); they are skipped, as a kill -9 "
                            + "mid-write leaves them", file.getFileName(), offset, bad.getMessage());
                    return 1;
                }
            }
        }
    }
}
