package io.sipedge.directory.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.directory.DirectoryException;
import io.sipedge.testing.MutableClock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The directory lock as another process sees it: each check runs {@link #main} in a child JVM on the
 * test class path, which tries to open the same data directory and prints what happened.
 */
class FileDirectoryLockTest {

    @TempDir
    Path data;

    private final MutableClock clock = new MutableClock(Instant.parse("2024-05-01T10:00:00Z"));

    /** Child side: prints {@code PROBE OPENED} or {@code PROBE REFUSED <kind>}. */
    public static void main(String[] args) {
        try {
            FileDirectory d = FileDirectory.open(Path.of(args[0]), java.time.InstantSource.system());
            System.out.println("PROBE OPENED");
            d.close();
        } catch (DirectoryException e) {
            System.out.println("PROBE REFUSED " + e.kind());
        }
    }

    private String probeFromAnotherProcess() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                FileDirectoryLockTest.class.getName(), data.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "probe did not finish");
        return out.lines().filter(l -> l.startsWith("PROBE ")).findFirst()
                .orElseThrow(() -> new AssertionError("probe printed no verdict:\n" + out));
    }

    @Test
    void anotherProcessIsRefusedWhileOpenAndAdmittedAfterClose() throws Exception {
        FileDirectory d = FileDirectory.open(data, clock);
        try {
            assertEquals("PROBE REFUSED IO", probeFromAnotherProcess());
        } finally {
            d.close();
        }
        assertEquals("PROBE OPENED", probeFromAnotherProcess());
    }

    @Test
    void refusedSecondOpenInTheSameJvmKeepsTheLockForOtherProcesses() throws Exception {
        FileDirectory d = FileDirectory.open(data, clock);
        try {
            DirectoryException e = assertThrows(DirectoryException.class, () -> FileDirectory.open(data, clock));
            assertEquals(DirectoryException.Kind.IO, e.kind());
            assertEquals("PROBE REFUSED IO", probeFromAnotherProcess());
        } finally {
            d.close();
        }
    }
}
