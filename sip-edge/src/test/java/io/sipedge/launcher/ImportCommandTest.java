package io.sipedge.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.directory.file.FileDirectory;
import io.sipedge.model.Device;
import io.sipedge.model.Tenant;
import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sip-edge import FILE [--skip-invalid]} through {@link Main#run}, against a temp data dir. */
class ImportCommandTest {
    @TempDir
    Path tmp;

    private record Outcome(int code, String out, String err) {
        String describe() {
            return "exit " + code + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    private Path data() {
        return tmp.resolve("data");
    }

    private Outcome runImport(Path file, String... extra) {
        List<String> args = new ArrayList<>(List.of("--set", "data-dir=" + data(), "import", file.toString()));
        args.addAll(List.of(extra));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                 PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
                return Main.run(args.toArray(String[]::new), Map.of(), o, e);
            }
        });
        return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Path write(String name, String text) throws Exception {
        Path f = tmp.resolve(name);
        Files.writeString(f, text, StandardCharsets.UTF_8);
        return f;
    }

    private FileDirectory reopen() {
        return FileDirectory.open(data(), InstantSource.system());
    }

    @Test
    void goodFileIsImported() throws Exception {
        Path f = write("users.txt", """
                # domain;username;password[;auth_username]
                example.com;alice;secret123
                example.com;bob;secret456

                example.org;carol;secret789;carol-auth
                """);
        Outcome o = runImport(f);
        assertEquals(0, o.code(), o.describe());
        assertEquals("", o.err(), o.describe());
        List<String> lines = o.out().lines().toList();
        assertEquals(1, lines.size(), "one summary line\n" + o.describe());
        assertTrue(lines.get(0).startsWith("imported 3 line(s) from " + f), o.describe());
        assertTrue(lines.get(0).contains("2 tenant(s) created, 3 device(s) created, 0 updated"), o.describe());

        try (FileDirectory dir = reopen()) {
            assertEquals(3, dir.deviceCount());
            Tenant com = dir.tenantByDomain("example.com").orElseThrow();
            Tenant org = dir.tenantByDomain("example.org").orElseThrow();
            Device alice = dir.deviceByUsername(com.id(), "alice").orElseThrow();
            assertEquals("secret123", dir.revealPassword(alice));
            assertTrue(dir.deviceByUsername(com.id(), "bob").isPresent());
            Device carol = dir.deviceByDigestUsername(org.id(), "carol-auth").orElseThrow();
            assertEquals("carol", carol.username());
        }
    }

    private static final String WITH_BAD_LINES = """
            example.com;alice;secret123
            example.com;bob;secret456
            example.com;carl;abc
            example.com;dora;secret000
            example.com;admin;secret111
            """;

    @Test
    void badLinesRefuseTheWholeFile() throws Exception {
        Path f = write("bad.txt", WITH_BAD_LINES);
        Outcome o = runImport(f);
        assertEquals(Main.EXIT_FAILURE, o.code(), o.describe());
        assertTrue(o.err().contains(f + ":3:"), "names line 3 (short password)\n" + o.describe());
        assertTrue(o.err().contains(f + ":5:"), "names line 5 (reserved username)\n" + o.describe());
        assertFalse(o.err().contains(f + ":1:") || o.err().contains(f + ":2:") || o.err().contains(f + ":4:"),
                o.describe());
        assertFalse(o.out().contains("imported"), o.describe());
        try (FileDirectory dir = reopen()) {
            assertEquals(0, dir.deviceCount(), "nothing imported");
            assertTrue(dir.tenants().isEmpty(), "not even the tenant");
        }
    }

    @Test
    void skipInvalidImportsOnlyTheGoodLines() throws Exception {
        Path f = write("bad.txt", WITH_BAD_LINES);
        Outcome o = runImport(f, "--skip-invalid");
        assertEquals(0, o.code(), o.describe());
        assertTrue(o.err().contains(f + ":3:") && o.err().contains(f + ":5:"), "bad lines still reported\n"
                + o.describe());
        assertTrue(o.out().contains("imported 3 line(s)") && o.out().contains("2 bad line(s) skipped"),
                o.describe());
        try (FileDirectory dir = reopen()) {
            Tenant t = dir.tenantByDomain("example.com").orElseThrow();
            assertEquals(3, dir.deviceCount());
            for (String user : List.of("alice", "bob", "dora")) {
                assertTrue(dir.deviceByUsername(t.id(), user).isPresent(), user);
            }
            assertFalse(dir.deviceByUsername(t.id(), "carl").isPresent());
            assertFalse(dir.deviceByUsername(t.id(), "admin").isPresent());
        }
    }

    @Test
    void importRefusesADirectoryHeldByARunningEdge() throws Exception {
        Path f = write("users.txt", "example.com;alice;secret123\n");
        EdgeConfig cfg = EdgeConfig.load(null, Map.of(), List.of("sip.address=127.0.0.1", "sip.port=0",
                "sip.tls-port=-1", "sip.ws-port=-1", "sip.wss-port=-1", "http.address=127.0.0.1", "http.port=-1", "data-dir=" + data(),
                "admin-key=test-admin-key"));
        try (Edge edge = Edge.start(cfg, InstantSource.system())) {
            Outcome o = runImport(f);
            assertEquals(Main.EXIT_FAILURE, o.code(), o.describe());
            assertTrue(o.err().contains("in use"), "says the directory is in use\n" + o.describe());
            assertEquals(0, edge.directory().deviceCount(), "the running edge's directory is untouched");
        }
        // once the edge has stopped, the same import goes through
        Outcome o = runImport(f);
        assertEquals(0, o.code(), o.describe());
    }

    @Test
    void importRefusesADirectoryOpenedElsewhere() throws Exception {
        Path f = write("users.txt", "example.com;alice;secret123\n");
        Files.createDirectories(data());
        try (FileDirectory held = FileDirectory.open(data(), InstantSource.system())) {
            Outcome o = runImport(f);
            assertEquals(Main.EXIT_FAILURE, o.code(), o.describe());
            assertTrue(o.err().contains("in use"), "says the directory is in use\n" + o.describe());
            assertEquals(0, held.deviceCount());
        }
    }

    @Test
    void hundredThousandLines() throws Exception {
        int n = 100_000;
        Path f = tmp.resolve("bulk.txt");
        try (BufferedWriter w = Files.newBufferedWriter(f, StandardCharsets.UTF_8)) {
            w.write("SEQUENTIAL\n");
            for (int i = 0; i < n; i++) {
                w.write("bulk" + (i % 10) + ".example.com;user" + i + ";pw-" + i + "-secret\n");
            }
        }
        long t0 = System.nanoTime();
        Outcome o = runImport(f);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("ImportCommandTest: imported " + n + " lines in " + ms + " ms");
        assertEquals(0, o.code(), o.describe());
        assertTrue(o.out().contains("imported " + n + " line(s)"), o.describe());
        assertTrue(o.out().contains("10 tenant(s) created, " + n + " device(s) created"), o.describe());
        long t1 = System.nanoTime();
        try (FileDirectory dir = reopen()) {
            System.out.println("ImportCommandTest: reopened " + n + " devices in "
                    + (System.nanoTime() - t1) / 1_000_000 + " ms");
            assertEquals(n, dir.deviceCount());
            Tenant t = dir.tenantByDomain("bulk7.example.com").orElseThrow();
            Device d = dir.deviceByUsername(t.id(), "user99997").orElseThrow();
            assertEquals("pw-99997-secret", dir.revealPassword(d));
        }
    }
}
