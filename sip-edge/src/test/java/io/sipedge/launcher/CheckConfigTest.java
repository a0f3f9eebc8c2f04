package io.sipedge.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --check-config}: a good configuration prints "configuration OK" and the effective settings
 * with secrets masked, binding nothing and writing nothing; a bad one prints every error, one line
 * each naming its key, and exits 2.
 */
class CheckConfigTest {
    @TempDir
    Path tmp;

    /** What one Main.run printed and returned. */
    private record Outcome(int code, String out, String err) {
        List<String> errLines() {
            return err.lines().toList();
        }

        String describe() {
            return "exit " + code + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    /**
     * {@code --check-config} on loopback and ephemeral ports, which the test's own {@code --set}s
     * follow and so override: a check that wrongly started the edge would take no real port.
     */
    private static Outcome check(Map<String, String> env, String... args) {
        List<String> all = new ArrayList<>(List.of("--set", "sip.address=127.0.0.1", "--set", "sip.port=0",
                "--set", "sip.tls-port=0", "--set", "sip.ws-port=0", "--set", "sip.wss-port=0",
                "--set", "http.address=127.0.0.1", "--set", "http.port=0"));
        all.addAll(List.of(args));
        all.add("--check-config");
        return run(env, all.toArray(String[]::new));
    }

    private static Outcome run(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        // A check that started the edge would block: fail instead.
        int code = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                 PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
                return Main.run(args, env, o, e);
            }
        });
        return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aGoodConfigurationIsOkAndShowsEverySettingOnceWithSecretsMasked() throws Exception {
        Path yaml = tmp.resolve("edge.yaml");
        Files.writeString(yaml, """
                registrar:
                  max-contacts: 4
                """, StandardCharsets.UTF_8);
        Path data = tmp.resolve("data");
        Outcome o = check(Map.of("SIPEDGE_ADMIN_KEY", "admin-secret-7f3a9c"), "--config", yaml.toString(),
                "--set", "tls.keystore-password=keystore-secret-51d2", "--set", "data-dir=" + data,
                "--set", "security.scanner-user-agents=sipvicious, friendly scanner");
        assertEquals(0, o.code(), o.describe());
        assertEquals("", o.err(), o.describe());
        List<String> lines = o.out().lines().toList();
        assertEquals("configuration OK", lines.get(0), o.describe());
        String shown = String.join("\n", lines.subList(1, lines.size()));
        for (Setting<?> s : EdgeConfig.SETTINGS) {
            int dot = s.key().indexOf('.');
            String section = dot < 0 ? "" : s.key().substring(0, dot) + ":";
            String name = s.key().substring(dot + 1);
            long found = lines.stream().skip(1).map(String::strip)
                    .filter(l -> dot < 0 ? !l.matches("[a-z]+:.*") : l.startsWith(section + " "))
                    .filter(l -> Pattern.compile("(^|[: ])" + Pattern.quote(name) + "=").matcher(l).find()).count();
            assertEquals(1, found, s.key() + " shown once, in its section\n" + o.describe());
        }
        assertTrue(shown.contains(" max-contacts=4 "), "the file's value\n" + shown);
        assertTrue(shown.contains(" address=127.0.0.1 "), "a --set value\n" + shown);
        assertTrue(shown.contains("admin-key=***"), shown);
        assertTrue(shown.contains(" keystore-password=***"), shown);
        assertTrue(shown.contains(" scanner-user-agents=\"sipvicious, friendly scanner\""), "quoted\n" + shown);
        assertFalse(o.out().contains("admin-secret-7f3a9c"), o.describe());
        assertFalse(o.out().contains("keystore-secret-51d2"), o.describe());
        assertFalse(Files.exists(data), "a check writes nothing, not even the data directory");
    }

    @Test
    void anUnsetSecretShowsEmptyAndADerivedDefaultShowsItsEffectiveValue() {
        EdgeConfig.Loaded l = EdgeConfig.read(null, Map.of(), List.of("registrar.max-expires=1800"), false);
        List<String> lines = l.describe();
        assertTrue(lines.get(0).matches("(.* )?admin-key=( .*)?"), lines.get(0));
        String registrar = lines.stream().filter(x -> x.startsWith("registrar:")).findFirst().orElseThrow();
        assertTrue(registrar.contains(" max-expires=1800 "), registrar);
        assertTrue(registrar.contains(" default-expires=1800 "), "clamped, as the edge runs it\n" + registrar);
        String tls = lines.stream().filter(x -> x.startsWith("tls:")).findFirst().orElseThrow();
        assertEquals("tls: keystore= keystore-password= certificate= private-key= reload-interval-seconds=5", tls);
    }

    @Test
    void aCheckBindsNoPort() throws Exception {
        try (DatagramSocket taken = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            Outcome o = check(Map.of(), "--set", "sip.port=" + taken.getLocalPort(),
                    "--set", "data-dir=" + tmp.resolve("data"));
            assertEquals(0, o.code(), "a port in use is a run-time matter\n" + o.describe());
        }
    }

    @Test
    void aBadConfigurationReportsEveryErrorOnItsOwnLine() throws Exception {
        Path yaml = tmp.resolve("bad.yaml");
        Files.writeString(yaml, """
                sip:
                  prot: 5060
                  port: 70000
                """, StandardCharsets.UTF_8);
        Path notADirectory = Files.writeString(tmp.resolve("a-file"), "x", StandardCharsets.UTF_8);
        Outcome o = run(Map.of("SIPEDGE_HTTP_PROT", "8080"), "--config", yaml.toString(),
                "--set", "registrar.min-expires=600", "--set", "registrar.max-expires=300",
                "--set", "tls.keystore=" + tmp.resolve("missing.p12"), "--set", "data-dir=" + notADirectory,
                "--set", "sip.address=localhost", "--check-config");
        assertEquals(Main.EXIT_CONFIG, o.code(), o.describe());
        assertEquals("", o.out(), "no 'configuration OK'\n" + o.describe());
        List<String> expected = new ArrayList<>(List.of("sip.prot", "sip.port", "SIPEDGE_HTTP_PROT",
                "registrar.max-expires", "tls.keystore", "data-dir", "sip.address"));
        assertEquals(expected.size(), o.errLines().size(), "one line per error\n" + o.describe());
        for (String line : o.errLines()) {
            assertTrue(line.startsWith("sip-edge: configuration error: "), line);
            String key = line.substring("sip-edge: configuration error: ".length(), line.indexOf(": ", 31));
            assertTrue(expected.remove(key), "unexpected or repeated " + key + "\n" + o.describe());
        }
        assertTrue(expected.isEmpty(), "not reported: " + expected + "\n" + o.describe());
    }

    @Test
    void aKeystoreThatDoesNotOpenWithItsPasswordIsAConfigurationError() throws Exception {
        Path notKeystore = Files.writeString(tmp.resolve("edge.p12"), "not PKCS#12\n", StandardCharsets.UTF_8);
        Outcome o = check(Map.of(), "--set", "tls.keystore=" + notKeystore,
                "--set", "tls.keystore-password=pw-never-shown-93", "--set", "data-dir=" + tmp);
        assertEquals(Main.EXIT_CONFIG, o.code(), o.describe());
        assertEquals(1, o.errLines().size(), o.describe());
        assertTrue(o.err().contains("tls.keystore: "), o.describe());
        assertFalse(o.err().contains("pw-never-shown-93"), o.describe());

        // with TLS and WSS off the keystore is not used, so it is not opened either
        Outcome off = check(Map.of(), "--set", "tls.keystore=" + notKeystore, "--set", "sip.tls-port=-1",
                "--set", "sip.wss-port=-1", "--set", "data-dir=" + tmp);
        assertEquals(0, off.code(), off.describe());
    }

    @Test
    void aCheckRunsBesideTheEdgeItIsAbout() throws Exception {
        Path data = tmp.resolve("data");
        EdgeConfig running = EdgeConfig.load(null, Map.of(), List.of("sip.address=127.0.0.1", "sip.port=0",
                "sip.tls-port=-1", "sip.ws-port=-1", "sip.wss-port=-1", "http.port=-1", "data-dir=" + data,
                "admin-key=the-running-edges-key"));
        try (Edge edge = Edge.start(running, InstantSource.system())) {
            Outcome o = check(Map.of(), "--set", "data-dir=" + data, "--set", "sip.port=" + edge.sipPort());
            assertEquals(0, o.code(), "the data directory's lock is not taken\n" + o.describe());
        }
    }

    @Test
    void checkConfigTakesNoCommand() {
        Outcome o = run(Map.of(), "--check-config", "import", "users.csv");
        assertEquals(Main.EXIT_CONFIG, o.code(), o.describe());
        assertEquals(1, o.errLines().size(), o.describe());
        assertTrue(o.err().contains("--check-config"), o.describe());
    }

    @Test
    void helpNamesTheCheckAndTheSecretFiles() {
        Outcome o = run(Map.of(), "--help");
        assertEquals(0, o.code());
        assertTrue(o.out().contains("--check-config"), o.out());
        assertTrue(o.out().contains("SIPEDGE_ADMIN_KEY_FILE"), o.out());
        assertTrue(o.out().contains("SIPEDGE_TLS_KEYSTORE_PASSWORD_FILE"), o.out());
        assertFalse(o.out().contains("{secret-files}"), o.out());
    }
}
