package io.sipedge.directory.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * File operations that survive a crash or kill -9: never half a file, always on disk when done.
 * Public because the launcher keeps its own small secret files (admin key hash, TLS keystore) the same way.
 */
public final class Durable {
    private Durable() {
    }

    /**
     * Writes {@code data} to a temporary sibling, fsyncs it, renames it over {@code target} and
     * fsyncs the directory, so a reader sees the old file or the new one, never a mix.
     */
    public static void writeAtomically(Path target, byte[] data, boolean ownerOnly) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            if (ownerOnly) {
                restrict(tmp);
            }
            ByteBuffer buf = ByteBuffer.wrap(data);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the data directory's file system cannot rename atomically", e);
        }
        syncDirectory(target.toAbsolutePath().getParent());
    }

    /** fsync of a directory makes a create, rename or delete in it durable (POSIX). */
    public static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some platforms cannot open a directory for reading; Linux can, and that is where it matters.
            if (System.getProperty("os.name", "").toLowerCase().contains("linux")) {
                throw e;
            }
        }
    }

    /** Owner-only directory (rwx------), where the file system knows POSIX permissions. */
    static void restrictDirectory(Path dir) throws IOException {
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system.
        }
    }

    /** Owner read/write only, where the file system knows POSIX permissions. */
    public static void restrict(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system (Windows): its ACLs are the operator's business.
        }
    }
}
