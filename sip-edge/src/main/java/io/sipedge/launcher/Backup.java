package io.sipedge.launcher;

import io.sipedge.directory.file.Durable;
import io.sipedge.directory.file.FileDirectory;
import io.sipedge.location.file.BindingJournal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.stream.Stream;

/**
 * {@code backup DIR} and {@code restore DIR}: a copy of the data directory taken while the edge
 * runs, and its return into an empty data directory.
 *
 * <p>Each store copies its own files as they stood at one moment ({@link FileDirectory#backup},
 * {@link BindingJournal#backup}): the same state a kill -9 at that moment would have left, which
 * is what every start already knows how to load. The rest (the admin key's hash, the TLS material)
 * is copied as it is. A backup is verified by loading it before the command says it is done.
 */
final class Backup {
    /** What a backup or restore holds. */
    record Summary(int tenants, int devices, int bindings) {
    }

    private Backup() {
    }

    /** Copies {@code dataDir} into {@code target}, which must not exist or be empty. */
    static Summary backup(Path dataDir, Path target) throws IOException {
        if (!Files.isDirectory(dataDir.resolve(FileDirectory.DIRECTORY))) {
            throw new IOException(dataDir + " holds no directory to back up");
        }
        requireEmpty(target, "the backup directory");
        Files.createDirectories(target);
        FileDirectory.backup(dataDir, target);
        BindingJournal.backup(Edge.bindingsDir(dataDir), Edge.bindingsDir(target));
        try (Stream<Path> entries = Files.list(dataDir)) {
            for (Path p : entries.toList()) {
                String name = p.getFileName().toString();
                if (!name.equals(FileDirectory.DIRECTORY) && !name.equals(Edge.BINDINGS)) {
                    copyTree(p, target.resolve(name));
                }
            }
        }
        return verify(target);
    }

    /**
     * Copies the backup {@code from} into {@code dataDir}, which must hold no data yet (a restore
     * never merges into, or overwrites, a live directory), and loads it to check it.
     */
    static Summary restore(Path from, Path dataDir) throws IOException {
        if (!Files.isDirectory(from.resolve(FileDirectory.DIRECTORY))) {
            throw new IOException(from + " is not a backup (no " + FileDirectory.DIRECTORY + "/ in it)");
        }
        requireEmpty(dataDir, "the data directory");
        Files.createDirectories(dataDir);
        try (Stream<Path> entries = Files.list(from)) {
            for (Path p : entries.toList()) {
                copyTree(p, dataDir.resolve(p.getFileName().toString()));
            }
        }
        return verify(dataDir);
    }

    private static Summary verify(Path dataDir) throws IOException {
        int bindings = BindingJournal.bindingsIn(Edge.bindingsDir(dataDir));
        try (FileDirectory d = FileDirectory.open(dataDir, InstantSource.system())) {
            return new Summary(d.tenants().size(), d.deviceCount(), bindings);
        }
    }

    private static void requireEmpty(Path dir, String what) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        if (!Files.isDirectory(dir)) {
            throw new IOException(what + " " + dir + " is a file");
        }
        try (Stream<Path> entries = Files.list(dir)) {
            if (entries.findAny().isPresent()) {
                throw new IOException(what + " " + dir + " is not empty");
            }
        }
    }

    /** Copies a file or a directory's tree, every file owner-only, leaving out directory locks. */
    private static void copyTree(Path from, Path to) throws IOException {
        if (Files.isDirectory(from)) {
            Files.createDirectories(to);
            try (Stream<Path> entries = Files.list(from)) {
                for (Path p : entries.toList()) {
                    copyTree(p, to.resolve(p.getFileName().toString()));
                }
            }
        } else if (Files.isRegularFile(from) && !from.getFileName().toString().equals("lock")) {
            Durable.writeAtomically(to, Files.readAllBytes(from), true);
        }
    }
}
