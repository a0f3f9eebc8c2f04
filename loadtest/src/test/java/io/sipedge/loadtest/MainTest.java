package io.sipedge.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sipedge.loadtest.responder.Responder;
import io.sipedge.loadtest.responder.ResponderOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@Timeout(30)
class MainTest {
    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new PrintStream(outBytes, true, StandardCharsets.UTF_8),
                new PrintStream(errBytes, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void usersWritesTheImportFormatWithASequentialHeader(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("users.csv");
        assertEquals(0, run("users", "--count", "3", "--domain", "example.com", "--out", file.toString()));
        assertEquals(List.of("SEQUENTIAL", "example.com;u000001;secret000001", "example.com;u000002;secret000002",
                "example.com;u000003;secret000003"), Files.readAllLines(file));
        assertTrue(Files.readString(file).endsWith("secret000003\n"));
    }

    @Test
    void usersWithoutOutGoesToStdout() {
        assertEquals(0, run("users", "--count", "2", "--domain", "10.0.0.1"));
        assertEquals("SEQUENTIAL\n10.0.0.1;u000001;secret000001\n10.0.0.1;u000002;secret000002\n", out());
    }

    static Stream<Arguments> badArguments() {
        String[] ok = {"register", "--users", "10", "--domain", "example.com"};
        return Stream.of(
                Arguments.of("--rate", concat(ok, "--rate", "abc")),
                Arguments.of("--rate", concat(ok, "--rate", "0")),
                Arguments.of("--port", concat(ok, "--port", "70000")),
                Arguments.of("--transport", concat(ok, "--transport", "sctp")),
                Arguments.of("--bogus", concat(ok, "--bogus", "1")),
                Arguments.of("--start", concat(ok, "--start", "100")),
                Arguments.of("--max", concat(ok, "--find-max", "--start", "100", "--max", "50")),
                Arguments.of("--connections", concat(ok, "--connections", "0")),
                Arguments.of("--timeout", concat(ok, "--timeout")),
                Arguments.of("--domain", new String[] {"register", "--users", "10"}),
                Arguments.of("--users", new String[] {"register", "--host", "127.0.0.1"}),
                Arguments.of("--users-file", new String[] {"register", "--users-file", "/nonexistent/users.csv"}),
                Arguments.of("--count", new String[] {"users", "--domain", "example.com"}),
                Arguments.of("--port", new String[] {"responder"}),
                Arguments.of("frobnicate", new String[] {"frobnicate"}));
    }

    private static String[] concat(String[] a, String... b) {
        return Stream.concat(Stream.of(a), Stream.of(b)).toArray(String[]::new);
    }

    @ParameterizedTest
    @MethodSource("badArguments")
    void badArgumentsExit2WithOneLineNamingTheOption(String option, String[] args) {
        assertEquals(2, run(args));
        String err = err();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.startsWith("loadtest: " + option + ": "), err);
    }

    @Test
    void aBadUsersFileLineIsNamed(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("u.csv");
        Files.writeString(file, "SEQUENTIAL\nexample.com;alice;pw\nexample.com;bob\n");
        assertEquals(2, run("register", "--users-file", file.toString()));
        assertTrue(err().startsWith("loadtest: --users-file: " + file + ":3: expected"), err());
    }

    @Test
    void registerRunWritesTheJsonReportAndExits0(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("report.json");
        try (Responder r = Responder.start(ResponderOptions.of(InetAddress.getLoopbackAddress(), 0))) {
            assertEquals(0, run("register", "--port", String.valueOf(r.udpPort()), "--users", "100", "--domain",
                    "example.com", "--rate", "100", "--duration", "0.3", "--quiet", "--report-json", json.toString()));
        }
        assertTrue(out().contains("attempted=30 succeeded=30 failed=0"), out());
        assertTrue(!out().contains("[   1s]"), "--quiet: no progress lines");
        JsonNode n = new ObjectMapper().readTree(json.toFile());
        assertEquals("run", n.get("mode").asText());
        assertEquals("udp", n.get("transport").asText());
        assertEquals(30, n.get("attempted").asLong());
        assertEquals(30, n.get("succeeded").asLong());
        assertEquals(0, n.get("failed").asLong());
        assertEquals(0, n.get("failures").size());
        assertEquals(100.0, n.get("achieved_rate").asDouble(), 1e-9);
        assertTrue(n.get("in_step_rate").asDouble() > 50 && n.get("in_step_rate").asDouble() <= 100, n.toString());
        for (String leg : List.of("registration", "leg1", "leg2")) {
            JsonNode l = n.get("latency_ms").get(leg);
            assertEquals(30, l.get("count").asLong(), leg);
            assertTrue(l.get("p50").isNumber() && l.get("p99").asDouble() >= l.get("p50").asDouble(), leg);
        }
    }

    @Test
    void registerRunWithFailuresExits1() throws Exception {
        try (Responder r = Responder.start(ResponderOptions.of(InetAddress.getLoopbackAddress(), 0)
                .withMode(ResponderOptions.Mode.SILENT))) {
            assertEquals(1, run("register", "--port", String.valueOf(r.tcpPort()), "--transport", "tcp", "--users", "10",
                    "--domain", "example.com", "--rate", "10", "--duration", "0.2", "--timeout", "0.5", "--quiet"));
        }
        assertTrue(out().contains("failures: timeout=2"), out());
    }

    @Test
    void findMaxPrintsAStepLineEachAndMaxSustainedAndExits0(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("fm.json");
        try (Responder r = Responder.start(ResponderOptions.of(InetAddress.getLoopbackAddress(), 0))) {
            assertEquals(0, run("register", "--port", String.valueOf(r.tcpPort()), "--transport", "tcp", "--users", "100",
                    "--domain", "example.com", "--find-max", "--start", "50", "--step", "50", "--max", "100",
                    "--step-duration", "0.5", "--pause", "0", "--quiet", "--report-json", json.toString()));
        }
        List<String> lines = out().lines().toList();
        assertTrue(lines.get(0).startsWith("warm-up: 0.3 s at 25/s, not counted"), out());
        assertTrue(lines.get(1).startsWith("step 1: rate=50/s") && lines.get(1).endsWith("PASS"), out());
        assertTrue(lines.get(2).startsWith("step 2: rate=100/s") && lines.get(2).endsWith("PASS"), out());
        assertEquals("max_sustained=100", lines.get(lines.size() - 1));
        JsonNode n = new ObjectMapper().readTree(json.toFile());
        assertEquals("find_max", n.get("mode").asText());
        assertEquals(100.0, n.get("max_sustained").asDouble());
        assertEquals(2, n.get("steps").size());
        assertEquals(50.0, n.get("steps").get(0).get("target_rate").asDouble());
        assertTrue(n.get("steps").get(1).get("passed").asBoolean());
        assertEquals(50, n.get("steps").get(1).get("succeeded").asLong());
    }
}
