package io.sipedge.directory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.directory.file.FileDirectory;
import io.sipedge.model.Tenant;
import io.sipedge.model.User;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import java.time.InstantSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Directory contract against the file-backed directory: the reference {@link InMemoryDirectory} is held to. */
class FileDirectoryContractTest extends DirectoryContract {
    @TempDir
    Path data;

    @Override
    Directory open(InstantSource clock) {
        return FileDirectory.open(data, clock);
    }

    @Override
    Directory reopen(Directory current, InstantSource clock) {
        current.close();
        return FileDirectory.open(data, clock);
    }

    @Test
    void theRecordsOnDiskHoldTheUsersHashAndNeverThePassword() throws Exception {
        Tenant t = dir.createTenant("", "example.com", false);
        User u = dir.createUser(t.id(), new UserSpec("alice", null, null, null, USER_PW, User.Role.USER, true, null));
        dir = reopen(dir, clock); // compacts: the user is in the snapshot too
        dir.updateUser(u.id(), new UserSpec("alice", null, null, null, "second Pw 123", User.Role.USER, true, null));
        StringBuilder all = new StringBuilder();
        try (Stream<Path> files = Files.list(data.resolve(FileDirectory.DIRECTORY))) {
            for (Path p : files.filter(p -> p.toString().endsWith(".json") || p.toString().endsWith(".log")).toList()) {
                all.append(Files.readString(p, StandardCharsets.UTF_8));
            }
        }
        assertTrue(all.toString().contains(u.passwordHash()), "the hash is not on disk");
        assertFalse(all.toString().contains(USER_PW));
        assertFalse(all.toString().contains("second Pw 123"));
    }

    @Test
    void theRecordsOnDiskHoldTheMicrosoftClientSecretOnlySealed() throws Exception {
        Tenant t = dir.createTenant("", "ms-disk.example.com", false);
        dir.putMs365Settings(t.id(), ms365(true, null), MS_SECRET);
        dir = reopen(dir, clock); // compacts: the settings are in the snapshot
        dir.putMs365Settings(t.id(), ms365(true, null), new Ms365Credentials("second-" + MS_SECRET, CERT, KEY));
        String all = onDisk();
        assertFalse(all.contains("MIIEvKeyMaterial42"), "the certificate's private key is on disk in clear");
        assertTrue(all.contains(dir.tenant(t.id()).orElseThrow().ms365().sealedClientSecret()), "not on disk");
        assertFalse(all.contains(MS_SECRET), "the clear client secret is on disk");
    }

    @Test
    void aSnapshotWrittenBeforeMicrosoftSettingsExistedStillLoads() throws Exception {
        Tenant t = dir.createTenant("", "old.example.com", false);
        dir = reopen(dir, clock); // compacts: the tenant is in the snapshot, the journal empty
        dir.close();
        Path snapshot = data.resolve(FileDirectory.DIRECTORY).resolve("snapshot.json");
        String text = Files.readString(snapshot, StandardCharsets.UTF_8);
        assertTrue(text.contains("\"ms365\":null"), text);
        Files.writeString(snapshot, text.replace(",\"ms365\":null", ""), StandardCharsets.UTF_8);
        dir = FileDirectory.open(data, clock);
        assertEquals(t, dir.tenant(t.id()).orElseThrow());
        assertFalse(dir.tenant(t.id()).orElseThrow().offersMicrosoftSignIn());
    }

    private String onDisk() throws Exception {
        StringBuilder all = new StringBuilder();
        try (Stream<Path> files = Files.list(data.resolve(FileDirectory.DIRECTORY))) {
            for (Path p : files.filter(p -> p.toString().endsWith(".json") || p.toString().endsWith(".log")).toList()) {
                all.append(Files.readString(p, StandardCharsets.UTF_8));
            }
        }
        return all.toString();
    }
}
