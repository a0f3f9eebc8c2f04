package io.sipedge.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.sipedge.directory.file.FileDirectory;
import io.sipedge.sip.transport.TestCertificates;
import io.sipedge.sip.transport.TestCertificates.Kind;
import io.sipedge.sip.transport.TestCertificates.Pair;
import io.sipedge.location.BindingChanges.OverflowPolicy;
import io.sipedge.model.DigestAlgorithm;
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
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's configuration: defaults, environment names, precedence of the sources, the shipped
 * config/edge.yaml, and how bad values are reported through {@link Main#run}.
 */
class ConfigTest {
    /** The repository's documented configuration, relative to the sip-edge module directory. */
    private static final Path SHIPPED_YAML = Path.of("..", "config", "edge.yaml");

    @TempDir
    Path tmp;

    // ------------------------------------------------------------------ defaults and environment

    @Test
    void defaultsMatchTheIssue() {
        EdgeConfig c = EdgeConfig.defaults();
        assertEquals("0.0.0.0", c.sipAddress());
        assertEquals(5060, c.sipPort());
        assertEquals(5061, c.sipTlsPort());
        assertEquals(8080, c.httpPort());
        assertEquals("0.0.0.0", c.httpAddress());
        assertEquals(Path.of("./data"), c.dataDir());
        assertEquals("", c.adminKey());
        assertEquals("", c.tlsKeystore());
        assertEquals(60, c.minExpires());
        assertEquals(3600, c.maxExpires());
        assertEquals(3600, c.defaultExpires());
        assertEquals(10, c.maxContacts());
        assertEquals(OverflowPolicy.EVICT_OLDEST, c.maxContactsPolicy());
        assertEquals(List.of(DigestAlgorithm.MD5), c.digestAlgorithms());
    }

    @Test
    void environmentNamesAreTheDocumentedOnes() {
        assertEquals("SIPEDGE_SIP_ADDRESS", EdgeConfig.SIP_ADDRESS.envName());
        assertEquals("SIPEDGE_SIP_PORT", EdgeConfig.SIP_PORT.envName());
        assertEquals("SIPEDGE_SIP_TLS_PORT", EdgeConfig.SIP_TLS_PORT.envName());
        assertEquals("SIPEDGE_HTTP_PORT", EdgeConfig.HTTP_PORT.envName());
        assertEquals("SIPEDGE_DATA_DIR", EdgeConfig.DATA_DIR.envName());
        assertEquals("SIPEDGE_ADMIN_KEY", EdgeConfig.ADMIN_KEY.envName());
    }

    @Test
    void environmentOverridesDefaults() {
        Map<String, String> env = Map.of(
                "SIPEDGE_SIP_ADDRESS", "127.0.0.1",
                "SIPEDGE_SIP_PORT", "15060",
                "SIPEDGE_SIP_TLS_PORT", "15061",
                "SIPEDGE_HTTP_PORT", "18080",
                "SIPEDGE_DATA_DIR", tmp.toString(),
                "SIPEDGE_ADMIN_KEY", "k3y-from-env",
                "UNRELATED", "ignored");
        EdgeConfig c = EdgeConfig.load(null, env, List.of());
        assertEquals("127.0.0.1", c.sipAddress());
        assertEquals(15060, c.sipPort());
        assertEquals(15061, c.sipTlsPort());
        assertEquals(18080, c.httpPort());
        assertEquals(tmp, c.dataDir());
        assertEquals("k3y-from-env", c.adminKey());
        // what the environment does not name stays at its default
        assertEquals(EdgeConfig.defaults().maxContacts(), c.maxContacts());
    }

    @Test
    void precedenceIsDefaultsThenFileThenEnvironmentThenSet() throws Exception {
        Path yaml = tmp.resolve("edge.yaml");
        Files.writeString(yaml, """
                sip:
                  port: 15070
                  tls-port: 15071
                http:
                  port: 18070
                registrar:
                  max-contacts: 3
                """, StandardCharsets.UTF_8);
        Map<String, String> env = Map.of("SIPEDGE_SIP_TLS_PORT", "15081", "SIPEDGE_HTTP_PORT", "18081");
        EdgeConfig c = EdgeConfig.load(yaml, env, List.of("http.port=18091"));
        assertEquals(15070, c.sipPort(), "file over default");
        assertEquals(15081, c.sipTlsPort(), "environment over file");
        assertEquals(18091, c.httpPort(), "--set over environment and file");
        assertEquals(3, c.maxContacts(), "file over default");
        assertEquals(3600, c.maxExpires(), "default when no source names the key");

        // --set alone beats the default; a later --set beats an earlier one
        EdgeConfig s = EdgeConfig.load(null, Map.of(), List.of("sip.port=5070", "sip.port=5071"));
        assertEquals(5071, s.sipPort());
    }

    @Test
    void workerThreadsDefaultToOnePerCpuAndAtLeastTwo() {
        int cpus = Runtime.getRuntime().availableProcessors();
        assertEquals(Math.max(2, cpus), EdgeConfig.defaults().sipWorkers());
        assertEquals(5, EdgeConfig.load(null, Map.of(), List.of("sip.worker-threads=5")).sipWorkers());
    }

    @Test
    void udpReadersShareEachSocketInPairsUnlessSetOtherwise() {
        assertEquals(2, EdgeConfig.defaults().udpReadersPerSocket());
        assertEquals(1, EdgeConfig.load(null, Map.of(), List.of("sip.udp-readers-per-socket=1")).udpReadersPerSocket());
        assertThrows(ConfigException.class,
                () -> EdgeConfig.load(null, Map.of(), List.of("sip.udp-readers-per-socket=0")));
    }

    @Test
    void connectionEventLoopsDefaultToHalfTheCpusAndAtLeastOne() {
        int cpus = Runtime.getRuntime().availableProcessors();
        assertEquals(Math.max(1, cpus / 2), EdgeConfig.defaults().connections().eventLoops());
        assertEquals(3, EdgeConfig.load(null, Map.of(), List.of("sip.connection-threads=3")).connections().eventLoops());
    }

    // ------------------------------------------------------------------ the shipped config/edge.yaml

    @Test
    void shippedYamlParsesToTheDefaults() {
        assertTrue(Files.isRegularFile(SHIPPED_YAML), "missing " + SHIPPED_YAML.toAbsolutePath());
        assertEquals(EdgeConfig.defaults(), EdgeConfig.load(SHIPPED_YAML, Map.of(), List.of()),
                "config/edge.yaml documents other values than the built-in defaults");
    }

    @Test
    void shippedYamlNamesEverySetting() throws Exception {
        JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(SHIPPED_YAML.toFile());
        Set<String> documented = new TreeSet<>();
        collectKeys("", root, documented);
        Set<String> declared = EdgeConfig.SETTINGS.stream().map(Setting::key)
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> missing = new TreeSet<>(declared);
        missing.removeAll(documented);
        assertTrue(missing.isEmpty(), "keys missing from config/edge.yaml: " + missing);
        Set<String> extra = new TreeSet<>(documented);
        extra.removeAll(declared);
        assertTrue(extra.isEmpty(), "keys in config/edge.yaml that EdgeConfig does not know: " + extra);
    }

    private static void collectKeys(String prefix, JsonNode node, Set<String> out) {
        for (Map.Entry<String, JsonNode> f : node.properties()) {
            String key = prefix.isEmpty() ? f.getKey() : prefix + "." + f.getKey();
            if (f.getValue().isObject()) {
                collectKeys(key, f.getValue(), out);
            } else {
                out.add(key);
            }
        }
    }

    // ------------------------------------------------------------------ bad configuration via Main.run

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
     * Runs Main with ephemeral loopback ports and a temp data dir (so a wrongly accepted
     * configuration can never bind a real port), unless the test overrides one of those itself.
     */
    private Outcome run(Map<String, String> env, String... args) throws Exception {
        List<String> all = new ArrayList<>();
        Set<String> envKeys = env.keySet();
        addSafe(all, envKeys, "SIPEDGE_SIP_ADDRESS", "sip.address=127.0.0.1");
        addSafe(all, envKeys, "SIPEDGE_SIP_PORT", "sip.port=0");
        addSafe(all, envKeys, "SIPEDGE_SIP_TLS_PORT", "sip.tls-port=0");
        addSafe(all, envKeys, "SIPEDGE_SIP_WS_PORT", "sip.ws-port=0");
        addSafe(all, envKeys, "SIPEDGE_SIP_WSS_PORT", "sip.wss-port=0");
        addSafe(all, envKeys, "SIPEDGE_HTTP_ADDRESS", "http.address=127.0.0.1");
        addSafe(all, envKeys, "SIPEDGE_HTTP_PORT", "http.port=0");
        addSafe(all, envKeys, "SIPEDGE_HTTP_ADMIN_PORT", "http.admin-port=0");
        addSafe(all, envKeys, "SIPEDGE_DATA_DIR", "data-dir=" + tmp.resolve("data"));
        addSafe(all, envKeys, "SIPEDGE_ADMIN_KEY", "admin-key=test-admin-key");
        all.addAll(List.of(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        // A configuration that is wrongly accepted would start the edge and block: fail instead.
        int code = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                 PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
                return Main.run(all.toArray(String[]::new), env, o, e);
            }
        });
        return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static void addSafe(List<String> args, Set<String> envKeys, String envName, String set) {
        if (!envKeys.contains(envName)) {
            args.add("--set");
            args.add(set);
        }
    }

    private static void assertConfigError(Outcome o, String key) {
        assertEquals(Main.EXIT_CONFIG, o.code(), o.describe());
        assertEquals(1, o.errLines().size(), "exactly one line on stderr\n" + o.describe());
        assertTrue(o.errLines().get(0).contains(key), "the line names " + key + "\n" + o.describe());
    }

    @Test
    void unknownKeyInYamlIsRefused() throws Exception {
        Path yaml = tmp.resolve("typo.yaml");
        Files.writeString(yaml, "sip:\n  prot: 5060\n", StandardCharsets.UTF_8);
        assertConfigError(run(Map.of(), "--config", yaml.toString()), "sip.prot");
    }

    @Test
    void anUnknownSipedgeVariableIsRefusedLikeAnUnknownKey() throws Exception {
        assertConfigError(run(Map.of("SIPEDGE_SIP_PROT", "5060")), "SIPEDGE_SIP_PROT");
        assertEquals(5070, EdgeConfig.load(null, Map.of("SIPEDGE_SIP_PORT", "5070", "SIPEDGE_LOG_LEVEL", "DEBUG",
                "OTHER_VARIABLE", "x"), List.of()).sipPort(), "settings, logback's level and others pass");
    }

    @Test
    void sipPortOutOfRangeFromEnvironmentIsRefused() throws Exception {
        assertConfigError(run(Map.of("SIPEDGE_SIP_PORT", "70000")), "sip.port");
    }

    @Test
    void nonNumericTlsPortFromEnvironmentIsRefused() throws Exception {
        assertConfigError(run(Map.of("SIPEDGE_SIP_TLS_PORT", "abc")), "sip.tls-port");
    }

    @Test
    void minExpiresAboveMaxExpiresIsRefused() throws Exception {
        Outcome o = run(Map.of(), "--set", "registrar.min-expires=600", "--set", "registrar.max-expires=300");
        assertConfigError(o, "registrar.max-expires");
        assertTrue(o.err().contains("registrar.min-expires"), o.describe());
    }

    @Test
    void missingKeystoreFileIsRefused() throws Exception {
        assertConfigError(run(Map.of(), "--set", "tls.keystore=" + tmp.resolve("no-such.p12")), "tls.keystore");
    }

    @Test
    void keystoreThatIsNotAKeystoreIsRefusedAtStart() throws Exception {
        Path notKeystore = tmp.resolve("not-a-keystore.p12");
        Files.writeString(notKeystore, "this is not PKCS#12\n", StandardCharsets.UTF_8);
        Outcome o = run(Map.of(), "--set", "tls.keystore=" + notKeystore, "--set", "tls.keystore-password=x");
        assertConfigError(o, "tls.keystore");
        // the failed start released the data directory: the next edge or import can open it
        try (FileDirectory dir = FileDirectory.open(tmp.resolve("data"), InstantSource.system())) {
            assertEquals(0, dir.deviceCount());
        }
    }

    // ------------------------------------------------------------------ PEM certificate files

    @Test
    void aCertificateWithoutItsKeyIsRefused() throws Exception {
        Pair p = TestCertificates.selfSigned(tmp, "edge", Kind.EC, "sip.example.com", 1);
        assertConfigError(run(Map.of(), "--set", "tls.certificate=" + p.certificate()), "tls.private-key");
        assertConfigError(run(Map.of(), "--set", "tls.private-key=" + p.key()), "tls.certificate");
    }

    @Test
    void aKeystoreAndPemFilesTogetherAreRefusedNamingBoth() throws Exception {
        Pair p = TestCertificates.selfSigned(tmp, "edge", Kind.EC, "sip.example.com", 1);
        Path keystore = tmp.resolve("edge.p12");
        Files.writeString(keystore, "never read\n", StandardCharsets.UTF_8);
        Outcome o = run(Map.of(), "--set", "tls.keystore=" + keystore, "--set", "tls.certificate=" + p.certificate(),
                "--set", "tls.private-key=" + p.key());
        assertConfigError(o, "tls.keystore");
        assertTrue(o.err().contains("tls.certificate") && o.err().contains("tls.private-key"), o.describe());
    }

    @Test
    void missingPemFilesAreRefused() throws Exception {
        Pair p = TestCertificates.selfSigned(tmp, "edge", Kind.EC, "sip.example.com", 1);
        assertConfigError(run(Map.of(), "--set", "tls.certificate=" + tmp.resolve("no-such.pem"),
                "--set", "tls.private-key=" + p.key()), "tls.certificate");
        assertConfigError(run(Map.of(), "--set", "tls.certificate=" + p.certificate(),
                "--set", "tls.private-key=" + tmp.resolve("no-such.key")), "tls.private-key");
    }

    @Test
    void pemFilesThatCannotServeAreRefusedAtStartNamingTheKeyAtFault() throws Exception {
        Pair a = TestCertificates.selfSigned(tmp, "a", Kind.EC, "a.example.com", 1);
        Pair b = TestCertificates.selfSigned(tmp, "b", Kind.RSA, "b.example.com", 2);
        assertConfigError(run(Map.of(), "--set", "tls.certificate=" + a.certificate(),
                "--set", "tls.private-key=" + b.key()), "tls.private-key");
        assertConfigError(run(Map.of(), "--set", "tls.certificate=" + a.key(),
                "--set", "tls.private-key=" + a.key()), "tls.certificate");
    }

    @Test
    void portInUseIsARunTimeFailureWithAHint() throws Exception {
        try (DatagramSocket taken = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            Outcome o = run(Map.of(), "--set", "sip.port=" + taken.getLocalPort(), "--set", "sip.tls-port=-1",
                    "--set", "http.port=-1");
            assertEquals(Main.EXIT_FAILURE, o.code(), o.describe());
            assertEquals(1, o.errLines().size(), "exactly one line on stderr\n" + o.describe());
            assertTrue(o.err().contains("sip.port"), o.describe());
        }
    }

    @Test
    void addressesMustBeIpLiterals() {
        // Each of these passes the check today and is then handed to InetAddress.getByName at start,
        // which for all but ':' means a name lookup (and exit 1 "cannot start" instead of exit 2).
        for (String bad : List.of("cafe", "...", "999.1.1.1", "1.2", ":")) {
            for (String key : List.of("sip.address", "http.address", "http.admin-address")) {
                ConfigException e = assertThrows(ConfigException.class,
                        () -> EdgeConfig.load(null, Map.of(), List.of(key + "=" + bad)), key + "=" + bad);
                assertEquals(key, e.key());
            }
        }
        // real literals stay accepted
        for (String good : List.of("127.0.0.1", "0.0.0.0", "::", "::1", "fe80::1", "2001:db8::5")) {
            assertEquals(good, EdgeConfig.load(null, Map.of(), List.of("sip.address=" + good)).sipAddress());
        }
    }

    @Test
    void theFlowTimerIsZeroForNoneOrWithinItsRange() {
        assertEquals(120, EdgeConfig.defaults().keepalive().flowTimerSeconds());
        assertEquals(0, EdgeConfig.load(null, Map.of(), List.of("sip.flow-timer-seconds=0")).keepalive()
                .flowTimerSeconds());
        assertEquals(45, EdgeConfig.load(null, Map.of("SIPEDGE_SIP_FLOW_TIMER_SECONDS", "45"), List.of())
                .keepalive().flowTimerSeconds());
        for (String bad : List.of("-1", "5", "3601", "two minutes")) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> EdgeConfig.load(null, Map.of(), List.of("sip.flow-timer-seconds=" + bad)), bad);
            assertEquals("sip.flow-timer-seconds", e.key());
        }
    }

    @Test
    void qualifyIsOnEveryThirtySecondsWithThreeMissesAndZeroTurnsItOff() {
        EdgeConfig.Keepalive k = EdgeConfig.defaults().keepalive();
        assertEquals(30, k.qualifyIntervalSeconds());
        assertEquals(3, k.qualifyMisses());
        EdgeConfig off = EdgeConfig.load(null, Map.of("SIPEDGE_SIP_QUALIFY_INTERVAL_SECONDS", "0",
                "SIPEDGE_SIP_QUALIFY_MISSES", "5"), List.of());
        assertEquals(0, off.keepalive().qualifyIntervalSeconds());
        assertEquals(5, off.keepalive().qualifyMisses());
        for (String bad : List.of("sip.qualify-interval-seconds=-1", "sip.qualify-interval-seconds=3601",
                "sip.qualify-misses=0", "sip.qualify-misses=11")) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> EdgeConfig.load(null, Map.of(), List.of(bad)), bad);
            assertEquals(bad.substring(0, bad.indexOf('=')), e.key());
        }
    }

    @Test
    void mailIsOffByDefaultAndNeedsASenderAndAUserForItsPassword() {
        EdgeConfig d = EdgeConfig.defaults();
        assertFalse(d.mail().enabled());
        assertEquals(587, d.mail().smtpPort());
        assertTrue(d.mail().starttls());
        assertEquals(List.of(), d.passwordReset().callbackUrls(), "no reset link can be mailed until one is listed");
        assertEquals(1800, d.passwordReset().tokenTtl());
        EdgeConfig on = EdgeConfig.load(null, Map.of("SIPEDGE_MAIL_PASSWORD", "relay-secret-77"), List.of(
                "mail.smtp-host=smtp.example.com", "mail.from=edge@example.com", "mail.username=edge",
                "api.reset-callback-urls=https://portal.example.com/reset, http://127.0.0.1/cb"));
        assertTrue(on.mail().enabled());
        assertEquals("relay-secret-77", on.mail().password());
        assertFalse(on.mail().toString().contains("relay-secret-77"));
        assertEquals(List.of("https://portal.example.com/reset", "http://127.0.0.1/cb"),
                on.passwordReset().callbackUrls());
        for (List<String> bad : List.of(List.of("mail.smtp-host=smtp.example.com"),
                List.of("mail.password=x"), List.of("mail.from=not-an-address"), List.of("mail.starttls=maybe"),
                List.of("api.reset-callback-urls=javascript:alert(1)"),
                List.of("api.reset-callback-urls=https://portal.example.com/#frag"))) {
            ConfigException e = assertThrows(ConfigException.class, () -> EdgeConfig.load(null, Map.of(), bad),
                    bad.toString());
            String expected = bad.get(0).startsWith("mail.smtp-host") ? "mail.from"
                    : bad.get(0).startsWith("mail.password") ? "mail.username" : bad.get(0).split("=")[0];
            assertEquals(expected, e.key(), bad.toString());
        }
    }

    @Test
    void maxExpiresBelowTheBuiltInDefaultExpiresAloneIsAccepted() {
        EdgeConfig c = EdgeConfig.load(null, Map.of(), List.of("registrar.max-expires=1800"));
        assertEquals(1800, c.maxExpires());
        assertEquals(1800, c.defaultExpires(), "an unset default-expires is clamped into [min, max]");
        EdgeConfig d = EdgeConfig.load(null, Map.of(), List.of("registrar.min-expires=7200",
                "registrar.max-expires=86400"));
        assertEquals(7200, d.defaultExpires());
        // an explicitly set default-expires outside [min, max] is still an error
        assertThrows(ConfigException.class, () -> EdgeConfig.load(null, Map.of(),
                List.of("registrar.max-expires=1800", "registrar.default-expires=3600")));
    }

    @Test
    void refusedSecondStartLeavesTheRunningEdgesAdminKeyAlone() throws Exception {
        Path data = tmp.resolve("data");
        EdgeConfig first = EdgeConfig.load(null, Map.of(), List.of("sip.address=127.0.0.1", "sip.port=0",
                "sip.tls-port=-1", "sip.ws-port=-1", "sip.wss-port=-1", "http.address=127.0.0.1", "http.port=-1", "data-dir=" + data,
                "admin-key=first-key"));
        try (Edge running = Edge.start(first, InstantSource.system())) {
            assertTrue(running.sipPort() > 0);
            Path hash = data.resolve("admin.key.sha256");
            assertEquals(AdminKey.sha256("first-key"), Files.readString(hash).strip());
            Outcome o = run(Map.of(), "--set", "sip.tls-port=-1", "--set", "http.port=-1",
                    "--set", "admin-key=second-key");
            assertEquals(Main.EXIT_FAILURE, o.code(), "the data directory is in use\n" + o.describe());
            assertEquals(AdminKey.sha256("first-key"), Files.readString(hash).strip(),
                    "a start that was refused must not change the running edge's admin key");
        }
    }

    @Test
    void helpListsEverySettingAndTheImportCommand() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Main.run(new String[] {"--help"}, Map.of(), o, e);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code);
        assertEquals("", err.toString(StandardCharsets.UTF_8));
        for (Setting<?> s : EdgeConfig.SETTINGS) {
            assertTrue(text.contains(s.key()), "--help lacks " + s.key() + "\n" + text);
            assertTrue(text.contains(s.envName()), "--help lacks " + s.envName() + "\n" + text);
        }
        assertTrue(text.contains("import FILE"), "--help lacks the import command\n" + text);
        assertTrue(text.contains("--skip-invalid"), text);
    }
}
