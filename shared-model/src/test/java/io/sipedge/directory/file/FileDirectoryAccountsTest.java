package io.sipedge.directory.file;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.directory.DeviceSpec;
import io.sipedge.directory.DirectoryException;
import io.sipedge.directory.DirectoryListener;
import io.sipedge.directory.ImportLine;
import io.sipedge.model.CallerId;
import io.sipedge.model.Device;
import io.sipedge.model.DeviceProfile;
import io.sipedge.model.Tenant;
import io.sipedge.model.Transport;
import io.sipedge.testing.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Device profiles, account API keys and the listener's tenant argument, across restarts. */
class FileDirectoryAccountsTest {
    private static final String PASSWORD = "Clear-Pw-7f3a";
    private static final DeviceProfile PROFILE = new DeviceProfile("Alice Softphone", "softphone", "user_123456",
            new CallerId("1001", "Alice Smith"), new CallerId("+14155550100", null), Transport.TLS, 120);

    @TempDir
    Path data;

    private final MutableClock clock = new MutableClock(Instant.parse("2024-05-01T10:00:00Z"));
    private final List<FileDirectory> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        opened.forEach(FileDirectory::close);
    }

    private FileDirectory open() {
        FileDirectory d = FileDirectory.open(data, clock);
        opened.add(d);
        return d;
    }

    private FileDirectory reopen(FileDirectory d) {
        d.close();
        return open();
    }

    @Test
    void profilesSurviveJournalReplayAndSnapshot() {
        FileDirectory d = open();
        Tenant t = d.createTenant("T", "example.com", false);
        Device a = d.createDevice(t.id(), new DeviceSpec("alice", null, PASSWORD, true, PROFILE));
        Device b = d.createDevice(t.id(), new DeviceSpec("bob", null, PASSWORD, true));
        assertEquals(PROFILE, a.profile());
        assertEquals(DeviceProfile.defaultsFor("bob"), b.profile());

        d = reopen(d); // replays the journal, then compacts into a snapshot
        assertEquals(PROFILE, d.device(a.id()).orElseThrow().profile());
        d = reopen(d); // loads the snapshot
        assertEquals(PROFILE, d.device(a.id()).orElseThrow().profile());
        assertEquals("bob", d.device(b.id()).orElseThrow().profile().name());
    }

    @Test
    void updateWithoutProfileKeepsItAndWithoutPasswordKeepsTheSecret() {
        FileDirectory d = open();
        Tenant t = d.createTenant("T", "example.com", false);
        Device a = d.createDevice(t.id(), new DeviceSpec("alice", null, PASSWORD, true, PROFILE));
        clock.advance(Duration.ofSeconds(5));
        Device off = d.updateDevice(a.id(), new DeviceSpec("alice", null, null, false));
        assertEquals(PROFILE, off.profile());
        assertSame(a.secret(), off.secret(), "no password and the same digest user: the stored secret stays");
        assertEquals(clock.instant(), off.updatedAt());

        Device renamed = d.updateDevice(a.id(), new DeviceSpec("alice", "alice-auth", null, true, PROFILE.withName("x")));
        assertNotEquals(a.secret().ha1Md5(), renamed.secret().ha1Md5(), "a new digest user means new HA1s");
        assertEquals(PASSWORD, d.revealPassword(renamed));
        assertEquals("x", renamed.profile().name());
    }

    @Test
    void profileRulesAreCheckedByTheDirectory() {
        FileDirectory d = open();
        Tenant t = d.createTenant("T", "example.com", false);
        DeviceProfile bad = new DeviceProfile("n", "Soft Phone", null, new CallerId("12a", null), null,
                Transport.UDP, 29);
        DirectoryException e = assertThrows(DirectoryException.class,
                () -> d.createDevice(t.id(), new DeviceSpec("alice", null, PASSWORD, true, bad)));
        assertEquals(DirectoryException.Kind.INVALID, e.kind());
        List<String> fields = e.violations().stream().map(v -> v.field() + "/" + v.rule()).toList();
        assertEquals(List.of("device_type/pattern", "caller_id.internal.number/pattern",
                "registration_interval/range"), fields);
        assertEquals(0, d.deviceCount());
    }

    @Test
    void everyTenantGetsAnApiKeyThatFindsItAndRotationRetiresTheOldOne() throws Exception {
        FileDirectory d = open();
        Tenant t = d.createTenant("T", "example.com", false);
        assertNotNull(t.apiKey());
        String key = d.revealApiKey(t).orElseThrow();
        assertTrue(key.matches("[A-Za-z0-9_-]{43}"), "256 bits, base64url: " + key.length());
        assertFalse(t.toString().contains(key));
        assertFalse(t.toString().contains(t.apiKey().sealed()));
        assertEquals(t.id(), d.tenantByApiKey(key).orElseThrow().id());
        assertTrue(d.tenantByApiKey(key + "x").isEmpty());
        assertTrue(d.tenantByApiKey("").isEmpty());

        Tenant rotated = d.rotateApiKey(t.id());
        String key2 = d.revealApiKey(rotated).orElseThrow();
        assertNotEquals(key, key2);
        assertTrue(d.tenantByApiKey(key).isEmpty(), "the old key is dead");
        assertEquals(t.id(), d.tenantByApiKey(key2).orElseThrow().id());

        d = reopen(d);
        assertTrue(d.tenantByApiKey(key).isEmpty());
        assertEquals(t.id(), d.tenantByApiKey(key2).orElseThrow().id());
        assertEquals(key2, d.revealApiKey(d.tenant(t.id()).orElseThrow()).orElseThrow());
        String onDisk = readAll(data.resolve("directory"));
        assertFalse(onDisk.contains(key2), "only the hash and the sealed key are stored");

        d.deleteTenant(t.id());
        assertTrue(d.tenantByApiKey(key2).isEmpty());
    }

    @Test
    void importedTenantsGetApiKeysToo() {
        FileDirectory d = open();
        d.importLines(List.of(new ImportLine(1, "imported.example", "alice", PASSWORD, null)));
        Tenant t = d.tenantByDomain("imported.example").orElseThrow();
        String key = d.revealApiKey(t).orElseThrow();
        assertEquals(t.id(), d.tenantByApiKey(key).orElseThrow().id());
    }

    @Test
    void updateTenantStampsUpdatedAtAndKeepsTheKey() {
        FileDirectory d = open();
        Tenant t = d.createTenant("T", "example.com", false);
        clock.advance(Duration.ofMinutes(1));
        Tenant u = d.updateTenant(t.id(), "New name", false, false);
        assertEquals("New name", u.name());
        assertEquals(clock.instant(), u.updatedAt());
        assertEquals(t.createdAt(), u.createdAt());
        assertEquals(t.apiKey(), u.apiKey());
        assertSame(u, d.updateTenant(t.id(), "New name", false, false), "no change, no write");
    }

    @Test
    void recordsWrittenBeforeProfilesAndKeysLoadWithDefaults() throws Exception {
        Path dir = Files.createDirectories(data.resolve("directory"));
        String tenant = "{\"op\":\"tenant\",\"tenant\":{\"id\":\"t1\",\"name\":\"Old\",\"domain\":\"old.example\","
                + "\"md5Only\":false,\"createdAt\":\"2024-01-01T00:00:00Z\"}}";
        String device = "{\"op\":\"device\",\"device\":{\"id\":\"d1\",\"tenantId\":\"t1\",\"username\":\"alice\","
                + "\"authUsername\":null,\"enabled\":true,\"secret\":{\"ha1Md5\":\"a\",\"ha1Sha256\":\"b\","
                + "\"sealedPassword\":\"c\"},\"createdAt\":\"2024-01-01T00:00:00Z\","
                + "\"updatedAt\":\"2024-01-01T00:00:00Z\"}}";
        Files.writeString(dir.resolve("journal-0.log"), line(tenant) + line(device), UTF_8);
        FileDirectory d = open();
        Tenant t = d.tenant("t1").orElseThrow();
        assertNull(t.apiKey());
        assertEquals(t.createdAt(), t.updatedAt());
        assertTrue(d.revealApiKey(t).isEmpty());
        assertEquals(DeviceProfile.defaultsFor("alice"), d.device("d1").orElseThrow().profile());
        Tenant keyed = d.rotateApiKey("t1");
        assertEquals("t1", d.tenantByApiKey(d.revealApiKey(keyed).orElseThrow()).orElseThrow().id());
    }

    @Test
    void listenersGetTheTenantEvenWhenTheTenantIsDeleted() {
        FileDirectory d = open();
        List<String> events = new ArrayList<>();
        d.addListener(new DirectoryListener() {
            @Override
            public void deviceChanged(Device before, Device after, Tenant tenant) {
                events.add("changed " + after.username() + "@" + tenant.domain());
            }

            @Override
            public void deviceRemoved(Device device, Tenant tenant) {
                events.add("removed " + device.username() + "@" + tenant.domain());
            }

            @Override
            public void tenantRemoved(Tenant tenant) {
                events.add("tenant removed " + tenant.domain());
            }
        });
        Tenant t = d.createTenant("T", "example.com", false);
        d.createDevice(t.id(), new DeviceSpec("alice", null, PASSWORD, true));
        d.deleteTenant(t.id());
        assertEquals(List.of("changed alice@example.com", "removed alice@example.com",
                "tenant removed example.com"), events);
    }

    private static String line(String json) {
        CRC32C crc = new CRC32C();
        crc.update(json.getBytes(UTF_8));
        return String.format("%08x", crc.getValue()) + ' ' + json + '\n';
    }

    private static String readAll(Path dir) throws Exception {
        StringBuilder sb = new StringBuilder();
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) {
                if (Files.isRegularFile(p)) {
                    sb.append(Files.readString(p, java.nio.charset.StandardCharsets.ISO_8859_1));
                }
            }
        }
        return sb.toString();
    }
}
