package io.sipedge.directory.file;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.directory.DeviceSpec;
import io.sipedge.directory.DirectoryException;
import io.sipedge.directory.DirectoryException.Kind;
import io.sipedge.directory.DirectoryListener;
import io.sipedge.directory.ImportFile;
import io.sipedge.directory.ImportLine;
import io.sipedge.directory.ImportSummary;
import io.sipedge.model.Device;
import io.sipedge.model.DigestAlgorithm;
import io.sipedge.model.Tenant;
import io.sipedge.model.rules.Violation;
import io.sipedge.testing.MutableClock;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

class FileDirectoryTest {

    private static final String PASSWORD = "Clear-Pw-7f3a";

    @TempDir
    Path data;

    private final MutableClock clock = new MutableClock(Instant.parse("2024-05-01T10:00:00Z"));
    private final List<FileDirectory> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        opened.forEach(FileDirectory::close); // closing twice is harmless
    }

    private FileDirectory open(Path dataDir) {
        FileDirectory d = FileDirectory.open(dataDir, clock);
        opened.add(d);
        return d;
    }

    private FileDirectory open() {
        return open(data);
    }

    private Tenant tenant(FileDirectory d, String domain) {
        clock.advance(Duration.ofSeconds(1));
        return d.createTenant("Tenant " + domain, domain, false);
    }

    private Device device(FileDirectory d, Tenant t, String username, String authUsername, String password) {
        clock.advance(Duration.ofSeconds(1));
        return d.createDevice(t.id(), new DeviceSpec(username, authUsername, password, true));
    }

    private static String hash(String jcaName, String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(jcaName).digest(text.getBytes(UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static void assertHa1(Device d, String digestUser, String realm, String password) {
        String text = digestUser + ":" + realm + ":" + password;
        assertEquals(hash("MD5", text), d.secret().ha1Md5());
        assertEquals(hash("SHA-256", text), d.secret().ha1Sha256());
        assertEquals(d.secret().ha1Md5(), d.secret().ha1(DigestAlgorithm.MD5));
        assertEquals(d.secret().ha1Sha256(), d.secret().ha1(DigestAlgorithm.SHA_256));
    }

    private static DirectoryException assertDirectoryException(Kind kind, Runnable r) {
        DirectoryException e = assertThrows(DirectoryException.class, r::run);
        assertEquals(kind, e.kind(), e::getMessage);
        return e;
    }

    private static Path storeDir(Path dataDir) {
        return dataDir.resolve("directory");
    }

    private static Path journal(Path dataDir) throws IOException {
        try (Stream<Path> s = Files.list(storeDir(dataDir))) {
            List<Path> j = s.filter(p -> p.getFileName().toString().matches("journal-\\d+\\.log")).toList();
            assertEquals(1, j.size(), () -> "journals: " + j);
            return j.get(0);
        }
    }

    private static List<Path> allFiles(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).toList();
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        for (Path p : allFiles(from)) {
            Path target = to.resolve(from.relativize(p).toString());
            Files.createDirectories(target.getParent());
            Files.copy(p, target);
        }
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int k = 0; k < needle.length; k++) {
                if (haystack[i + k] != needle[k]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /** Rewrites journal line {@code index} (0-based) with its CRC's first hex digit changed. */
    private static void breakChecksum(Path journal, int index) throws IOException {
        List<String> lines = new ArrayList<>(List.of(Files.readString(journal, UTF_8).split("\n", -1)));
        assertEquals("", lines.get(lines.size() - 1), "journal must end with a newline");
        String line = lines.get(index);
        assertTrue(line.matches("[0-9a-f]{8} \\{.*}"), line);
        char c = line.charAt(0) == '0' ? '1' : '0';
        lines.set(index, c + line.substring(1));
        Files.writeString(journal, String.join("\n", lines), UTF_8);
    }

    private static int lineCount(Path journal) throws IOException {
        return (int) Files.readString(journal, UTF_8).chars().filter(ch -> ch == '\n').count();
    }

    // ---------------------------------------------------------------- create and read

    @Test
    void createdTenantAndDeviceAreReadableWithCorrectHa1s() {
        FileDirectory d = open();
        Tenant t = d.createTenant("Acme", "SIP.Example.COM", true);
        assertEquals("sip.example.com", t.domain());
        assertEquals("Acme", t.name());
        assertTrue(t.md5Only());
        assertTrue(t.id().matches("[0-9a-f]{32}"), t.id());

        Device dev = device(d, t, "alice", null, PASSWORD);
        assertTrue(dev.id().matches("[0-9a-f]{32}"), dev.id());
        assertEquals(t.id(), dev.tenantId());
        assertEquals("alice", dev.username());
        assertNull(dev.authUsername());
        assertEquals("alice", dev.digestUsername());
        assertTrue(dev.enabled());
        assertEquals(clock.instant(), dev.createdAt());
        assertHa1(dev, "alice", "sip.example.com", PASSWORD);

        assertEquals(t, d.tenant(t.id()).orElseThrow());
        assertEquals(t, d.tenantByDomain("sip.EXAMPLE.com").orElseThrow());
        assertEquals(List.of(t), d.tenants());
        assertEquals(dev, d.device(dev.id()).orElseThrow());
        assertEquals(dev, d.deviceByUsername(t.id(), "alice").orElseThrow());
        assertEquals(dev, d.deviceByDigestUsername(t.id(), "alice").orElseThrow());
        assertTrue(d.deviceByUsername(t.id(), "Alice").isEmpty(), "usernames are case-sensitive");
        assertEquals(List.of(dev), d.devices(t.id()));
        assertEquals(1, d.deviceCount());
    }

    @Test
    void blankTenantNameDefaultsToTheDomain() {
        FileDirectory d = open();
        assertEquals("example.com", d.createTenant(" ", "example.com", false).name());
        assertEquals("example.org", d.createTenant(null, "example.org", false).name());
    }

    @Test
    void authUsernameIsTheDigestUsername() {
        FileDirectory d = open();
        Tenant t = tenant(d, "example.com");
        Device dev = device(d, t, "1001", "alice-auth", PASSWORD);
        assertEquals("alice-auth", dev.authUsername());
        assertEquals("alice-auth", dev.digestUsername());
        assertHa1(dev, "alice-auth", "example.com", PASSWORD);
        assertNotEquals(hash("MD5", "1001:example.com:" + PASSWORD), dev.secret().ha1Md5());
        assertEquals(dev, d.deviceByDigestUsername(t.id(), "alice-auth").orElseThrow());
        assertTrue(d.deviceByDigestUsername(t.id(), "1001").isEmpty());
        assertEquals(dev, d.deviceByUsername(t.id(), "1001").orElseThrow());
    }

    @Test
    void authUsernameEqualToUsernameOrEmptyIsDropped() {
        FileDirectory d = open();
        Tenant t = tenant(d, "example.com");
        assertNull(device(d, t, "alice", "alice", PASSWORD).authUsername());
        assertNull(device(d, t, "bob", "", PASSWORD).authUsername());
    }

    @Test
    void revealPasswordRoundTripsAndSealedValueDiffersPerDevice() {
        FileDirectory d = open();
        Tenant t = tenant(d, "example.com");
        Device a = device(d, t, "alice", null, PASSWORD);
        Device b = device(d, t, "bob", null, PASSWORD);
        assertEquals(PASSWORD, d.revealPassword(a));
        assertEquals(PASSWORD, d.revealPassword(b));
        assertNotEquals(a.secret().sealedPassword(), b.secret().sealedPassword(), "fresh IV per seal");
        assertFalse(a.secret().sealedPassword().contains(PASSWORD));
        assertFalse(a.secret().toString().contains(a.secret().ha1Md5()), "SipSecret prints redacted");
    }

    @Test
    void revealPasswordOfAForeignSealedValueFailsWithoutEchoingIt() {
        FileDirectory d = open();
        Tenant t = tenant(d, "example.com");
        Device a = device(d, t, "alice", null, PASSWORD);
        Path other = data.resolve("other");
        FileDirectory foreign = open(other);
        DirectoryException e = assertDirectoryException(Kind.IO, () -> foreign.revealPassword(a));
        assertFalse(e.getMessage().contains(a.secret().sealedPassword()));
    }

    // ---------------------------------------------------------------- conflicts and validation

    @Test
    void duplicateDomainIsAConflictWhateverItsCase() {
        FileDirectory d = open();
        tenant(d, "example.com");
        DirectoryException e = assertDirectoryException(Kind.CONFLICT, () -> d.createTenant("x", "EXAMPLE.com", false));
        assertEquals(List.of("domain"), e.violations().stream().map(Violation::field).toList());
        assertEquals("unique", e.violations().get(0).rule());
        assertEquals(1, d.tenants().size());
    }

    @Test
    void duplicateUsernameInATenantIsAConflictButFineInAnother() {
        FileDirectory d = open();
        Tenant t1 = tenant(d, "example.com");
        Tenant t2 = tenant(d, "example.org");
        device(d, t1, "alice", null, PASSWORD);
        DirectoryException e = assertDirectoryException(Kind.CONFLICT,
                () -> d.createDevice(t1.id(), new DeviceSpec("alice", null, "other-pw", true)));
        assertEquals("username", e.violations().get(0).field());
        assertEquals(1, d.devices(t1.id()).size());

        Device other = device(d, t2, "alice", null, PASSWORD);
        assertHa1(other, "alice", "example.org", PASSWORD);
        assertEquals(2, d.deviceCount());
    }

    @Test
    void authUsernameCollidingWithAnotherDevicesUsernameIsAConflict() {
        FileDirectory d = open();
        Tenant t = tenant(d, "example.com");
        device(d, t, "alice", null, PASSWORD);
        DirectoryException e = assertDirectoryException(Kind.CONFLICT,
                () -> d.createDevice(t.id(), new DeviceSpec("bob", "alice", PASSWORD, true)));
        assertEquals("auth_username", e.violations().get(0).field());
        assertTrue(d.deviceByUsername(t.id(), "bob").isEmpty());
    }

    @Test
    void usernameCollidingWithAnotherDevicesAuthUsernameIsAConflict() {
        FileDirectory d = open();
        Tenant t = tenant(d, "example.com");
        device(d, t, "1001", "alice", PASSWORD);
        DirectoryException e = assertDirectoryException(Kind.CONFLICT,
                () -> d.createDevice(t.id(), new DeviceSpec("alice", null, PASSWORD, true)));
        assertEquals("auth_username", e.violations().get(0).field());
        assertEquals(1, d.deviceCount());
    }

    @Test
    void invalidDeviceSpecIsInvalidWithEveryViolation() {
        FileDirectory d = open();
        Tenant t = tenant(d, "example.com");
        DirectoryException e = assertDirectoryException(Kind.INVALID,
                () -> d.createDevice(t.id(), new DeviceSpec("al ice", ".auth", "12345", true)));
        Set<String> got = e.violations().stream().map(v -> v.field() + "/" + v.rule()).collect(Collectors.toSet());
        assertEquals(Set.of("username/characters", "auth_username/period_edge", "password/min_length"), got);
        assertFalse(e.getMessage().contains("12345"), e::getMessage);
        assertEquals(0, d.deviceCount());
    }

    @Test
    void createDeviceRequiresAPassword() {
        FileDirectory d = open();
        Tenant t = tenant(d, "example.com");
        DirectoryException e = assertDirectoryException(Kind.INVALID,
                () -> d.createDevice(t.id(), new DeviceSpec("alice", null, null, true)));
        assertEquals("password", e.violations().get(0).field());
        assertEquals("required", e.violations().get(0).rule());
    }

    @Test
    void invalidDomainIsInvalid() {
        FileDirectory d = open();
        DirectoryException e = assertDirectoryException(Kind.INVALID, () -> d.createTenant("x", "exa mple.com", false));
        assertEquals("domain", e.violations().get(0).field());
        assertEquals("domain", e.violations().get(0).rule());
        assertTrue(d.tenants().isEmpty());
    }

    @Test
    void unknownIdsAreNotFound() {
        FileDirectory d = open();
        assertDirectoryException(Kind.NOT_FOUND,
                () -> d.createDevice("nope", new DeviceSpec("alice", null, PASSWORD, true)));
        assertDirectoryException(Kind.NOT_FOUND,
                () -> d.updateDevice("nope", new DeviceSpec("alice", null, PASSWORD, true)));
        assertDirectoryException(Kind.NOT_FOUND, () -> d.deleteDevice("nope"));
        assertDirectoryException(Kind.NOT_FOUND, () -> d.deleteTenant("nope"));
    }

    // ---------------------------------------------------------------- update and delete

    @Test
    void updateWithoutPasswordKeepsItAndRecomputesHa1sForTheNewDigestUsername() {
        FileDirectory d = open();
        Tenant t = tenant(d, "example.com");
        Device before = device(d, t, "alice", null, PASSWORD);
        clock.advance(Duration.ofMinutes(1));
        Device after = d.updateDevice(before.id(), new DeviceSpec("alice2", "alice-auth", null, false));
        assertEquals(before.id(), after.id());
        assertEquals(before.createdAt(), after.createdAt());
        assertEquals(clock.instant(), after.updatedAt());
        assertFalse(after.enabled());
        assertHa1(after, "alice-auth", "example.com", PASSWORD);
        assertEquals(PASSWORD, d.revealPassword(after));
        assertTrue(d.deviceByUsername(t.id(), "alice").isEmpty());
        assertTrue(d.deviceByDigestUsername(t.id(), "alice").isEmpty());
        assertEquals(after, d.deviceByUsername(t.id(), "alice2").orElseThrow());
        assertEquals(after, d.deviceByDigestUsername(t.id(), "alice-auth").orElseThrow());
        // The freed username can be taken again.
        device(d, t, "alice", null, PASSWORD);
    }

    @Test
    void updateWithPasswordChangesHa1AndSealedPassword() {
        FileDirectory d = open();
        Tenant t = tenant(d, "example.com");
        Device before = device(d, t, "alice", null, PASSWORD);
        Device after = d.updateDevice(before.id(), new DeviceSpec("alice", null, "New-Pw-123", true));
        assertHa1(after, "alice", "example.com", "New-Pw-123");
        assertEquals("New-Pw-123", d.revealPassword(after));
    }

    @Test
    void updateToAnotherDevicesUsernameIsAConflict() {
        FileDirectory d = open();
        Tenant t = tenant(d, "example.com");
        device(d, t, "alice", null, PASSWORD);
        Device bob = device(d, t, "bob", null, PASSWORD);
        assertDirectoryException(Kind.CONFLICT, () -> d.updateDevice(bob.id(), new DeviceSpec("alice", null, null, true)));
        assertEquals(bob, d.device(bob.id()).orElseThrow());
    }

    @Test
    void deleteDeviceRemovesItFromEveryIndex() {
        FileDirectory d = open();
        Tenant t = tenant(d, "example.com");
        Device dev = device(d, t, "1001", "alice", PASSWORD);
        d.deleteDevice(dev.id());
        assertTrue(d.device(dev.id()).isEmpty());
        assertTrue(d.deviceByUsername(t.id(), "1001").isEmpty());
        assertTrue(d.deviceByDigestUsername(t.id(), "alice").isEmpty());
        assertEquals(0, d.deviceCount());
    }

    @Test
    void deleteTenantRemovesItsDevicesAndOnlyThem() {
        FileDirectory d = open();
        Tenant t1 = tenant(d, "example.com");
        Tenant t2 = tenant(d, "example.org");
        Device a = device(d, t1, "alice", null, PASSWORD);
        device(d, t1, "bob", null, PASSWORD);
        Device other = device(d, t2, "alice", null, PASSWORD);

        d.deleteTenant(t1.id());
        assertTrue(d.tenant(t1.id()).isEmpty());
        assertTrue(d.tenantByDomain("example.com").isEmpty());
        assertTrue(d.device(a.id()).isEmpty());
        assertTrue(d.devices(t1.id()).isEmpty());
        assertTrue(d.deviceByUsername(t1.id(), "alice").isEmpty());
        assertEquals(List.of(other), d.devices(t2.id()));
        assertEquals(1, d.deviceCount());
        d.close();

        FileDirectory again = open();
        assertEquals(List.of(t2), again.tenants());
        assertEquals(List.of(other), again.devices(t2.id()));
        assertEquals(1, again.deviceCount());
        // The domain is free again.
        again.createTenant("new", "example.com", false);
    }

    // ---------------------------------------------------------------- listeners

    @Test
    void listenersHearChangesAndRemovals() {
        FileDirectory d = open();
        List<String> events = new ArrayList<>();
        d.addListener(new DirectoryListener() {
            @Override
            public void deviceChanged(Device before, Device after) {
                events.add("changed " + (before == null ? "-" : before.username()) + " -> " + after.username());
            }

            @Override
            public void deviceRemoved(Device device) {
                events.add("removed " + device.username());
            }
        });
        d.addListener(new DirectoryListener() {
            @Override
            public void deviceChanged(Device before, Device after) {
                throw new IllegalStateException("a broken listener must not break writes");
            }
        });
        Tenant t = tenant(d, "example.com");
        Device a = device(d, t, "alice", null, PASSWORD);
        d.updateDevice(a.id(), new DeviceSpec("alice2", null, null, true));
        device(d, t, "bob", null, PASSWORD);
        Device carol = device(d, t, "carol", null, PASSWORD);
        d.deleteDevice(carol.id());
        d.deleteTenant(t.id());
        assertEquals(List.of(
                "changed - -> alice",
                "changed alice -> alice2",
                "changed - -> bob",
                "changed - -> carol",
                "removed carol",
                "removed alice2",
                "removed bob"), events);
        assertEquals(0, d.deviceCount());
    }

    @Test
    void listenersHearEveryImportedDevice() {
        FileDirectory d = open();
        List<Device[]> changes = new ArrayList<>();
        d.addListener(new DirectoryListener() {
            @Override
            public void deviceChanged(Device before, Device after) {
                changes.add(new Device[] {before, after});
            }
        });
        d.importLines(List.of(new ImportLine(1, "example.com", "alice", PASSWORD, null)));
        d.importLines(List.of(new ImportLine(1, "example.com", "alice", "Other-Pw-1", null),
                new ImportLine(2, "example.com", "bob", PASSWORD, null)));
        assertEquals(3, changes.size());
        assertNull(changes.get(0)[0]);
        assertEquals(changes.get(0)[1], changes.get(1)[0]);
        assertEquals("alice", changes.get(1)[1].username());
        assertNull(changes.get(2)[0]);
    }

    // ---------------------------------------------------------------- import

    @Test
    void importCreatesTenantsAsNeededAndUpdatesKnownUsernames() {
        FileDirectory d = open();
        Tenant existing = tenant(d, "example.com");
        Device alice = device(d, existing, "alice", null, PASSWORD);
        d.updateDevice(alice.id(), new DeviceSpec("alice", null, null, false));
        clock.advance(Duration.ofMinutes(5));

        ImportSummary s = d.importLines(List.of(
                new ImportLine(1, "example.com", "alice", "New-Pw-alice", "alice-auth"),
                new ImportLine(2, "example.com", "bob", "Pw-bob-1", null),
                new ImportLine(3, "new.example", "carol", "Pw-carol-1", null),
                new ImportLine(4, "new.example", "dave", "Pw-dave-1", "dave-auth"),
                new ImportLine(5, "third.example", "erin", "Pw-erin-1", null)));
        assertEquals(new ImportSummary(2, 4, 1), s);

        Device updated = d.deviceByUsername(existing.id(), "alice").orElseThrow();
        assertEquals(alice.id(), updated.id());
        assertEquals(alice.createdAt(), updated.createdAt());
        assertEquals(clock.instant(), updated.updatedAt());
        assertFalse(updated.enabled(), "an import keeps the enabled flag of a known device");
        assertEquals("alice-auth", updated.authUsername());
        assertHa1(updated, "alice-auth", "example.com", "New-Pw-alice");
        assertNotEquals(alice.secret().ha1Md5(), updated.secret().ha1Md5());
        assertEquals("New-Pw-alice", d.revealPassword(updated));
        assertTrue(d.deviceByDigestUsername(existing.id(), "alice").isEmpty());

        Tenant created = d.tenantByDomain("new.example").orElseThrow();
        assertEquals("new.example", created.name());
        assertFalse(created.md5Only());
        assertEquals(List.of("carol", "dave"), d.devices(created.id()).stream().map(Device::username).sorted().toList());
        Device dave = d.deviceByDigestUsername(created.id(), "dave-auth").orElseThrow();
        assertHa1(dave, "dave-auth", "new.example", "Pw-dave-1");
        assertTrue(dave.enabled());
        assertEquals(3, d.tenants().size());
        assertEquals(5, d.deviceCount());
    }

    @Test
    void importRefusesAnAuthUsernameOfAnotherDeviceAndAppliesNothing() {
        FileDirectory d = open();
        Tenant t = tenant(d, "example.com");
        device(d, t, "alice", null, PASSWORD);
        DirectoryException e = assertDirectoryException(Kind.INVALID, () -> d.importLines(List.of(
                new ImportLine(1, "new.example", "zed", PASSWORD, null),
                new ImportLine(2, "example.com", "carol", PASSWORD, null),
                new ImportLine(7, "example.com", "bob", PASSWORD, "alice"))));
        assertEquals("line 7", e.violations().get(0).field());
        assertEquals(1, d.tenants().size());
        assertEquals(1, d.deviceCount());
    }

    @Test
    void importRefusesTwoNewDevicesWithTheSameDigestUsernameInOneBatch() {
        FileDirectory d = open();
        assertThrows(DirectoryException.class, () -> d.importLines(List.of(
                new ImportLine(1, "example.com", "alice", PASSWORD, "shared"),
                new ImportLine(2, "example.com", "bob", PASSWORD, "shared"))));
        assertThrows(DirectoryException.class, () -> d.importLines(List.of(
                new ImportLine(1, "example.org", "alice", PASSWORD, null),
                new ImportLine(2, "example.org", "bob", PASSWORD, "alice"))));
        assertEquals(0, d.deviceCount());
    }

    @Test
    void importMatchesTenantDomainsCaseInsensitively() {
        FileDirectory d = open();
        Tenant t = tenant(d, "example.com");
        ImportSummary s = d.importLines(List.of(
                new ImportLine(1, "EXAMPLE.COM", "alice", PASSWORD, null),
                new ImportLine(2, "New.Example", "bob", PASSWORD, null),
                new ImportLine(3, "new.example", "carol", PASSWORD, null)));
        assertEquals(new ImportSummary(1, 3, 0), s);
        assertEquals(2, d.tenants().size());
        assertEquals(t, d.tenantByDomain("example.com").orElseThrow());
        assertEquals(1, d.devices(t.id()).size());
    }

    @Test
    void importFileOutputImportsEndToEnd() throws IOException {
        FileDirectory d = open();
        ImportFile.Parsed p = ImportFile.parse(new BufferedReader(new StringReader(String.join("\n",
                "SEQUENTIAL",
                "Example.com;alice;" + PASSWORD,
                "example.com;bob;short",
                "example.com;carol;" + PASSWORD + ";carol-auth"))));
        assertEquals(1, p.bad().size());
        assertEquals(new ImportSummary(1, 2, 0), d.importLines(p.lines()));
        Tenant t = d.tenantByDomain("example.com").orElseThrow();
        assertHa1(d.deviceByDigestUsername(t.id(), "carol-auth").orElseThrow(), "carol-auth", "example.com", PASSWORD);
    }

    @Test
    void hundredThousandLineImportCompletesAndSurvivesReopen() throws IOException {
        int n = 100_000;
        StringBuilder sb = new StringBuilder(n * 40);
        for (int i = 0; i < n; i++) {
            sb.append("t").append(i % 10).append(".example;u").append(i).append(";pass-").append(i).append('\n');
        }
        ImportFile.Parsed p = ImportFile.parse(new BufferedReader(new StringReader(sb.toString())));
        assertEquals(n, p.lines().size());
        assertEquals(List.of(), p.bad());

        FileDirectory d = open();
        assertEquals(new ImportSummary(10, n, 0), d.importLines(p.lines()));
        assertEquals(n, d.deviceCount());
        // More than 50,000 entries compacts: the next write lands in the new generation's journal.
        Tenant t7 = d.tenantByDomain("t7.example").orElseThrow();
        Device extra = device(d, t7, "extra", null, PASSWORD);
        d.close();

        FileDirectory again = open();
        assertEquals(n + 1, again.deviceCount());
        assertEquals(10, again.tenants().size());
        assertEquals(n / 10 + 1, again.devices(t7.id()).size());
        Device last = again.deviceByUsername(again.tenantByDomain("t9.example").orElseThrow().id(), "u99999")
                .orElseThrow();
        assertHa1(last, "u99999", "t9.example", "pass-99999");
        assertEquals("pass-99999", again.revealPassword(last));
        assertEquals(extra, again.device(extra.id()).orElseThrow());
    }

    // ---------------------------------------------------------------- durability and files

    @Test
    void reopenAfterCloseKeepsEverything() {
        FileDirectory d = open();
        Tenant t1 = d.createTenant("Acme", "example.com", true);
        clock.advance(Duration.ofSeconds(1));
        Tenant t2 = tenant(d, "192.0.2.10");
        Device a = device(d, t1, "alice", "alice-auth", PASSWORD);
        Device b = device(d, t2, "bob", null, "Pw-bob-1");
        Device gone = device(d, t1, "gone", null, PASSWORD);
        Device changed = d.updateDevice(a.id(), new DeviceSpec("alice", "alice-auth", null, false));
        d.deleteDevice(gone.id());
        d.close();

        for (int round = 0; round < 2; round++) { // journal replay, then the compacted snapshot
            FileDirectory again = open();
            assertEquals(List.of(t1, t2), again.tenants());
            assertEquals(changed, again.device(a.id()).orElseThrow());
            assertEquals(b, again.deviceByUsername(t2.id(), "bob").orElseThrow());
            assertEquals(changed, again.deviceByDigestUsername(t1.id(), "alice-auth").orElseThrow());
            assertTrue(again.device(gone.id()).isEmpty());
            assertEquals(2, again.deviceCount());
            assertEquals(PASSWORD, again.revealPassword(changed));
            assertEquals("Pw-bob-1", again.revealPassword(b));
            // Uniqueness survives the reload too.
            assertDirectoryException(Kind.CONFLICT, () -> again.createTenant("x", "EXAMPLE.com", false));
            again.close();
        }
    }

    @Test
    void writesAfterReopenAreKeptByTheNextReopen() {
        FileDirectory d = open();
        Tenant t = tenant(d, "example.com");
        device(d, t, "alice", null, PASSWORD);
        d.close();
        FileDirectory second = open();
        Device bob = device(second, t, "bob", null, PASSWORD);
        second.close();
        FileDirectory third = open();
        assertEquals(bob, third.device(bob.id()).orElseThrow());
        assertEquals(2, third.deviceCount());
    }

    @Test
    void secondOpenWhileOpenFailsWithIoAndSucceedsAfterClose() {
        FileDirectory d = open();
        tenant(d, "example.com");
        DirectoryException e = assertDirectoryException(Kind.IO, () -> FileDirectory.open(data, clock));
        assertTrue(e.getMessage().contains("in use"), e::getMessage);
        // The refused open did not disturb the first instance.
        tenant(d, "example.org");
        d.close();
        FileDirectory again = open();
        assertEquals(2, again.tenants().size());
    }

    @Test
    void writeAfterCloseFailsWithIoAndChangesNothing() {
        FileDirectory d = open();
        Tenant t = tenant(d, "example.com");
        d.close();
        assertDirectoryException(Kind.IO, () -> d.createDevice(t.id(), new DeviceSpec("alice", null, PASSWORD, true)));
        assertEquals(0, d.deviceCount());
        assertEquals(0, open().deviceCount());
    }

    @Test
    void concurrentWritersAreSerialisedAndAllDurable() throws Exception {
        FileDirectory d = open();
        Tenant t = tenant(d, "example.com");
        int threads = 4;
        int each = 25;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int k = 0; k < threads; k++) {
                int thread = k;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        d.createDevice(t.id(), new DeviceSpec("u" + thread + "_" + i, null, PASSWORD, true));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(threads * each, d.deviceCount());
        d.close();
        FileDirectory again = open();
        assertEquals(threads * each, again.devices(t.id()).size());
        assertTrue(again.deviceByUsername(t.id(), "u3_24").isPresent());
    }

    @Test
    void passwordNeverAppearsInClearInAnyFile() throws IOException {
        FileDirectory d = open();
        Tenant t = tenant(d, "example.com");
        Device a = device(d, t, "alice", "alice-auth", PASSWORD);
        d.updateDevice(a.id(), new DeviceSpec("alice", null, "Second-Pw-9c1e", true));
        d.importLines(List.of(new ImportLine(1, "example.org", "bob", "Import-Pw-55d0", null)));
        List<String> secrets = List.of(PASSWORD, "Second-Pw-9c1e", "Import-Pw-55d0");
        assertNoneInFiles(secrets);
        d.close();
        open(); // reopen compacts: the snapshot must not hold them either
        assertTrue(Files.exists(storeDir(data).resolve("snapshot.json")));
        assertNoneInFiles(secrets);
    }

    private void assertNoneInFiles(List<String> secrets) throws IOException {
        List<Path> files = allFiles(data);
        assertTrue(files.size() >= 3, () -> "files: " + files);
        for (Path f : files) {
            byte[] bytes = Files.readAllBytes(f);
            for (String s : secrets) {
                assertFalse(contains(bytes, s.getBytes(UTF_8)), () -> f + " holds a clear password");
            }
        }
    }

    @Test
    @EnabledOnOs({OS.LINUX, OS.MAC})
    void sealingKeyAndSnapshotAreOwnerOnly() throws IOException {
        FileDirectory d = open();
        device(d, tenant(d, "example.com"), "alice", null, PASSWORD);
        d.close();
        open(); // compacts into snapshot.json
        Set<PosixFilePermission> ownerOnly = Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        assertEquals(ownerOnly, Files.getPosixFilePermissions(storeDir(data).resolve("seal.key")));
        assertEquals(ownerOnly, Files.getPosixFilePermissions(storeDir(data).resolve("snapshot.json")));
    }

    @Test
    @EnabledOnOs({OS.LINUX, OS.MAC})
    void journalIsOwnerOnlyLikeTheSnapshot() throws IOException {
        FileDirectory d = open();
        device(d, tenant(d, "example.com"), "alice", null, PASSWORD);
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(journal(data));
        assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE), perms);
    }

    @Test
    void journalLinesAreChecksummedJson() throws IOException {
        FileDirectory d = open();
        device(d, tenant(d, "example.com"), "alice", null, PASSWORD);
        String text = Files.readString(journal(data), UTF_8);
        assertTrue(text.endsWith("\n"));
        List<String> lines = text.lines().toList();
        assertEquals(2, lines.size());
        for (String l : lines) {
            assertTrue(l.matches("[0-9a-f]{8} \\{\"op\":\"(tenant|device)\".*}"), l);
        }
    }

    @Test
    void tornTailIsDroppedAndTruncatedOnReopen() throws IOException {
        FileDirectory d = open();
        Tenant t = tenant(d, "example.com");
        Device dev = device(d, t, "alice", null, PASSWORD);
        d.close();
        Path j = journal(data);
        Files.writeString(j, "deadbeef {\"op\":\"dev", UTF_8, StandardOpenOption.APPEND);

        FileDirectory again = open();
        assertEquals(dev, again.device(dev.id()).orElseThrow());
        assertEquals(1, again.deviceCount());
        for (Path f : allFiles(data)) {
            assertFalse(contains(Files.readAllBytes(f), "deadbeef".getBytes(UTF_8)), () -> f + " keeps the torn tail");
        }
        // Writes after the repair land on a clean journal and survive another reopen.
        Device bob = device(again, t, "bob", null, PASSWORD);
        again.close();
        FileDirectory third = open();
        assertEquals(bob, third.device(bob.id()).orElseThrow());
        assertEquals(2, third.deviceCount());
    }

    @Test
    void tornTailIsCutEvenWhenItIsTheOnlyThingInTheJournal() throws IOException {
        FileDirectory d = open();
        d.close();
        Path j = journal(data);
        assertEquals(0, Files.size(j));
        Files.writeString(j, "0badc0de {\"op\":\"tenant\",\"ten", UTF_8);
        FileDirectory again = open();
        assertTrue(again.tenants().isEmpty());
        assertEquals(0, Files.size(journal(data)), "the torn bytes are truncated away");
        Tenant t = tenant(again, "example.com");
        again.close();
        assertEquals(List.of(t), open().tenants());
    }

    @Test
    void lastLineWithWrongChecksumIsDropped() throws IOException {
        FileDirectory d = open();
        Tenant t = tenant(d, "example.com");
        Device a = device(d, t, "alice", null, PASSWORD);
        Device b = device(d, t, "bob", null, PASSWORD);
        d.close();
        Path j = journal(data);
        assertEquals(3, lineCount(j));
        breakChecksum(j, 2);

        FileDirectory again = open();
        assertEquals(a, again.device(a.id()).orElseThrow());
        assertTrue(again.device(b.id()).isEmpty());
        assertEquals(1, again.deviceCount());
        // "bob" is free again and the repaired journal accepts new writes.
        Device bob2 = device(again, t, "bob", null, PASSWORD);
        again.close();
        assertEquals(bob2, open().deviceByUsername(t.id(), "bob").orElseThrow());
    }

    @Test
    void damageBeforeTheLastLineRefusesToOpenAndReleasesTheLock() throws IOException {
        FileDirectory d = open();
        Tenant t = tenant(d, "example.com");
        device(d, t, "alice", null, PASSWORD);
        device(d, t, "bob", null, PASSWORD);
        d.close();
        Path j = journal(data);
        breakChecksum(j, 1);
        byte[] damaged = Files.readAllBytes(j);

        DirectoryException e = assertDirectoryException(Kind.IO, () -> FileDirectory.open(data, clock));
        assertTrue(e.getMessage().contains("damaged"), e::getMessage);
        assertArrayEquals(damaged, Files.readAllBytes(j), "a refused open must not rewrite the journal");
        // The failed open let go of the lock: a second attempt reports the damage, not "in use".
        DirectoryException again = assertDirectoryException(Kind.IO, () -> FileDirectory.open(data, clock));
        assertTrue(again.getMessage().contains("damaged"), again::getMessage);
    }

    @Test
    void garbageLineInTheMiddleRefusesToOpen() throws IOException {
        FileDirectory d = open();
        Tenant t = tenant(d, "example.com");
        device(d, t, "alice", null, PASSWORD);
        d.close();
        Path j = journal(data);
        String text = Files.readString(j, UTF_8);
        int firstNl = text.indexOf('\n');
        Files.writeString(j, text.substring(0, firstNl + 1) + "not a journal line\n" + text.substring(firstNl + 1),
                UTF_8);
        assertDirectoryException(Kind.IO, () -> FileDirectory.open(data, clock));
    }

    @Test
    void copyTakenWhileOpenLoadsEveryAcknowledgedWrite() throws IOException {
        FileDirectory d = open();
        Tenant t = tenant(d, "example.com");
        Device a = device(d, t, "alice", "alice-auth", PASSWORD);
        Device b = device(d, t, "bob", null, PASSWORD);
        Path crash = data.resolve("crash-copy");
        copyTree(storeDir(data), storeDir(crash)); // the state a kill -9 right now would leave
        Device c = device(d, t, "carol", null, PASSWORD);
        d.close();

        FileDirectory copy = open(crash);
        assertEquals(List.of(t), copy.tenants());
        assertEquals(a, copy.device(a.id()).orElseThrow());
        assertEquals(b, copy.device(b.id()).orElseThrow());
        assertTrue(copy.device(c.id()).isEmpty());
        assertEquals(PASSWORD, copy.revealPassword(a));
    }

    @Test
    void copyTakenWhileOpenWithATornLastAppendLoadsTheRest() throws IOException {
        FileDirectory d = open();
        Tenant t = tenant(d, "example.com");
        Device a = device(d, t, "alice", null, PASSWORD);
        Device b = device(d, t, "bob", null, PASSWORD);
        Path crash = data.resolve("crash-copy");
        copyTree(storeDir(data), storeDir(crash));
        d.close();

        Path j = journal(crash);
        byte[] all = Files.readAllBytes(j);
        int lastStart = new String(all, UTF_8).lastIndexOf('\n', all.length - 2) + 1;
        // Every cut inside the last record: after its first byte up to just before its newline.
        for (int cut = lastStart + 1; cut < all.length; cut += Math.max(1, (all.length - lastStart) / 7)) {
            Path attempt = data.resolve("attempt-" + cut);
            copyTree(storeDir(crash), storeDir(attempt));
            Files.write(journal(attempt), Arrays.copyOf(all, cut));
            FileDirectory loaded = open(attempt);
            assertEquals(a, loaded.device(a.id()).orElseThrow(), "cut at " + cut);
            assertTrue(loaded.device(b.id()).isEmpty(), "cut at " + cut);
            loaded.close();
        }
    }

    @Test
    void tornBatchIsNotHalfApplied() throws IOException {
        FileDirectory d = open();
        d.importLines(List.of(
                new ImportLine(1, "example.com", "alice", PASSWORD, null),
                new ImportLine(2, "example.com", "bob", PASSWORD, null),
                new ImportLine(3, "example.com", "carol", PASSWORD, null)));
        d.close();
        Path j = journal(data);
        byte[] all = Files.readAllBytes(j);
        assertEquals(1, lineCount(j)); // tenant + 3 devices, written as one batch line
        Files.write(j, Arrays.copyOf(all, all.length - 10)); // kill -9 mid-append

        FileDirectory again = open();
        assertEquals(0, again.deviceCount(), "an unacknowledged batch must vanish as a whole");
        assertTrue(again.tenants().isEmpty());
    }
}
