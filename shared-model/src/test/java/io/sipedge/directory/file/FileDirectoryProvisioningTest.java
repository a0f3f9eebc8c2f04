package io.sipedge.directory.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.directory.DeviceSpec;
import io.sipedge.model.Device;
import io.sipedge.model.DigestAlgorithm;
import io.sipedge.model.Features;
import io.sipedge.model.Provisioned;
import io.sipedge.model.ProvisioningToken;
import io.sipedge.model.ProvisioningToken.Kind;
import io.sipedge.model.Tenant;
import io.sipedge.model.TenantProvisioning;
import io.sipedge.model.XmppAccount;
import io.sipedge.testing.MutableClock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Provisioning tokens, the provisioned record and the new profile fields, across restarts. */
class FileDirectoryProvisioningTest {
    private static final String TOKEN = "tok-EXAMPLE-not-random-but-fine-for-a-test-0001";

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

    private ProvisioningToken token(Device dev, boolean singleUse, Duration ttl) {
        Instant now = clock.instant();
        return new ProvisioningToken(FileDirectory.sha256Hex(TOKEN), dev.id(), Kind.PROVISIONING, now, now.plus(ttl),
                singleUse);
    }

    private Provisioned fetch() {
        return new Provisioned(clock.instant(), "192.0.2.7", "Linphone/5.1");
    }

    @Test
    void aSingleUseTokenProvisionsOnceAndOnlyItsHashIsOnDisk() throws IOException {
        FileDirectory d = open();
        Tenant t = d.createTenant("T", "example.com", false);
        Device dev = d.createDevice(t.id(), new DeviceSpec("alice", null, "Secret-pw-1", false));
        d.putProvisioningToken(token(dev, true, Duration.ofHours(1)));
        d.close();
        opened.clear();
        assertFalse(onDisk().contains(TOKEN), "the clear token is on disk");
        d = open();

        assertTrue(d.provision(TOKEN, Kind.AUTH, fetch(), null).isEmpty(), "another kind");
        clock.advance(Duration.ofMinutes(5));
        Device p = d.provision(TOKEN, Kind.PROVISIONING, fetch(), null).orElseThrow();
        assertTrue(p.enabled());
        assertEquals("192.0.2.7", p.provisioned().ip());
        assertEquals(clock.instant(), p.provisioned().at());
        assertTrue(d.provision(TOKEN, Kind.PROVISIONING, fetch(), null).isEmpty(), "used up");
        d.close();
        opened.clear();
        d = open();
        assertTrue(d.provision(TOKEN, Kind.PROVISIONING, fetch(), null).isEmpty(), "used up after a restart");
        assertEquals("Linphone/5.1", d.device(dev.id()).orElseThrow().provisioned().userAgent());
    }

    @Test
    void reusableTokensExpireAndResetPasswordChangesTheHa1s() {
        FileDirectory d = open();
        Tenant t = d.createTenant("T", "example.com", false);
        Device dev = d.createDevice(t.id(), new DeviceSpec("bob", "b0b", "Secret-pw-2", true));
        d.putProvisioningToken(token(dev, false, Duration.ofMinutes(10)));
        Device first = d.provision(TOKEN, Kind.PROVISIONING, fetch(), null).orElseThrow();
        clock.advance(Duration.ofMinutes(1));
        Device second = d.provision(TOKEN, Kind.PROVISIONING, fetch(), "New-password-42").orElseThrow();
        assertEquals(first.provisioned(), second.provisioned(), "the first provisioning is kept");
        assertNotEquals(first.secret().ha1Md5(), second.secret().ha1Md5());
        assertEquals(DigestAlgorithm.MD5.ha1("b0b", "example.com", "New-password-42"), second.secret().ha1Md5());
        assertEquals("New-password-42", d.revealPassword(second));
        clock.advance(Duration.ofMinutes(9));
        assertTrue(d.provision(TOKEN, Kind.PROVISIONING, fetch(), null).isEmpty(), "expired");
        assertTrue(d.revokeProvisioningTokens(dev.id(), Kind.PROVISIONING));
        assertFalse(d.revokeProvisioningTokens(dev.id(), Kind.PROVISIONING));
    }

    @Test
    void revokedAndReplacedTokensAreRefusedAndDeviceDeletionDropsThem() {
        FileDirectory d = open();
        Tenant t = d.createTenant("T", "example.com", false);
        Device dev = d.createDevice(t.id(), new DeviceSpec("carol", null, "Secret-pw-3", true));
        d.putProvisioningToken(token(dev, false, Duration.ofHours(1)));
        d.revokeProvisioningTokens(dev.id(), Kind.PROVISIONING);
        assertTrue(d.provision(TOKEN, Kind.PROVISIONING, fetch(), null).isEmpty(), "revoked");
        d.putProvisioningToken(token(dev, false, Duration.ofHours(1)));
        d.putProvisioningToken(new ProvisioningToken(FileDirectory.sha256Hex("other"), dev.id(), Kind.PROVISIONING,
                clock.instant(), clock.instant().plusSeconds(60), true));
        assertTrue(d.provision(TOKEN, Kind.PROVISIONING, fetch(), null).isEmpty(), "replaced");
        d.deleteDevice(dev.id());
        assertTrue(d.provision("other", Kind.PROVISIONING, fetch(), null).isEmpty(), "device deleted");
    }

    @Test
    void tenantSettingsFeaturesAndXmppSurviveARestart() throws IOException {
        FileDirectory d = open();
        Tenant t = d.createTenant("T", "example.com", false);
        assertTrue(t.provisioning().linphoneHeaderRequired(), "on by default");
        d.updateTenantProvisioning(t.id(), new TenantProvisioning(false, "acme", "pbx"));
        String sealed = d.sealSecret("xmpp-Secret-77");
        Device dev = d.createDevice(t.id(), new DeviceSpec("dave", null, "Secret-pw-4", true,
                io.sipedge.model.DeviceProfile.defaultsFor("dave")));
        var p = dev.profile();
        d.updateDevice(dev.id(), new DeviceSpec("dave", null, null, true, new io.sipedge.model.DeviceProfile(p.name(),
                p.deviceType(), p.ownerId(), null, null, p.transport(), p.registrationInterval(),
                new Features(true, null, false, null), List.of(new XmppAccount("dave@chat.example.com", sealed,
                        "chat.example.com", null, 5222, null, true, true, 5, null, null)))));
        d.close();
        opened.clear();
        assertFalse(onDisk().contains("xmpp-Secret-77"));
        d = open();
        Tenant u = d.tenant(t.id()).orElseThrow();
        assertEquals(new TenantProvisioning(false, "acme", "pbx"), u.provisioning());
        Device e = d.device(dev.id()).orElseThrow();
        assertEquals(new Features(true, null, false, null), e.profile().features());
        assertEquals("xmpp-Secret-77", d.revealSecret(e.profile().xmppAccounts().get(0).sealedPassword()));
        assertNull(e.provisioned());
    }

    private String onDisk() throws IOException {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> files = Files.walk(data)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                sb.append(new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1));
            }
        }
        return sb.toString();
    }
}
