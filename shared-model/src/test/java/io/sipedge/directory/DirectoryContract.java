package io.sipedge.directory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.directory.DirectoryException.Kind;
import io.sipedge.model.Device;
import io.sipedge.model.Ms365Settings;
import io.sipedge.model.DigestAlgorithm;
import io.sipedge.model.Provisioned;
import io.sipedge.model.ProvisioningToken;
import io.sipedge.model.Tenant;
import io.sipedge.model.User;
import io.sipedge.model.rules.Violation;
import io.sipedge.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Directory} promises, whatever keeps the records: run once per implementation
 * (one subclass each), so the in-memory one used by tests is held to what the file-backed one does.
 */
abstract class DirectoryContract {
    static final String PW = "Clear-Pw-7f3a";

    final MutableClock clock = new MutableClock(Instant.parse("2024-05-01T10:00:00Z"));
    Directory dir;

    abstract Directory open(InstantSource clock) throws Exception;

    /** The same records after a restart where there is one to survive; the in-memory one has none. */
    Directory reopen(Directory current, InstantSource clock) throws Exception {
        return current;
    }

    @BeforeEach
    void openDirectory() throws Exception {
        dir = open(clock);
    }

    @AfterEach
    void closeDirectory() {
        dir.close();
    }

    private Tenant tenant(String domain) {
        clock.advance(Duration.ofSeconds(1));
        return dir.createTenant("", domain, false);
    }

    private Device device(Tenant t, String username, String authUsername) {
        clock.advance(Duration.ofSeconds(1));
        return dir.createDevice(t.id(), new DeviceSpec(username, authUsername, PW, true));
    }

    private static Kind kindOf(Runnable write) {
        return assertThrows(DirectoryException.class, write::run).kind();
    }

    @Test
    void tenantsAreFoundByIdByDomainInAnyCaseAndByTheirCurrentApiKey() {
        Tenant t = dir.createTenant(" ", "Example.COM", true);
        assertEquals("example.com", t.domain());
        assertEquals("Example.COM", t.name(), "a blank name defaults to the domain");
        assertEquals(t, dir.tenant(t.id()).orElseThrow());
        assertEquals(t, dir.tenantByDomain("EXAMPLE.com").orElseThrow());
        String key = dir.revealApiKey(t).orElseThrow();
        assertEquals(t, dir.tenantByApiKey(key).orElseThrow());

        Tenant rotated = dir.rotateApiKey(t.id());
        assertTrue(dir.tenantByApiKey(key).isEmpty(), "the old key still works");
        assertEquals(rotated, dir.tenantByApiKey(dir.revealApiKey(rotated).orElseThrow()).orElseThrow());
        assertTrue(dir.tenantByApiKey("").isEmpty());
        assertEquals(List.of(rotated), dir.tenants());
    }

    @Test
    void domainsFollowTheRulesAndAreUniqueWhateverTheirCase() {
        tenant("example.com");
        assertEquals(Kind.CONFLICT, kindOf(() -> dir.createTenant("x", "EXAMPLE.com", false)));
        DirectoryException e = assertThrows(DirectoryException.class, () -> dir.createTenant("x", "bad_domain", false));
        assertEquals(Kind.INVALID, e.kind());
        assertEquals(List.of("domain"), e.violations().stream().map(Violation::field).toList());
        assertEquals(Kind.NOT_FOUND, kindOf(() -> dir.updateTenant("nope", "x", false, false)));
        assertEquals(1, dir.tenants().size(), "a refused write stored something");
    }

    @Test
    void aDeviceIsFoundByUsernameAndByItsDigestUsernameWithHa1sForTheRealm() {
        Tenant t = tenant("example.com");
        Device dave = device(t, "dave", "dave-auth");
        Device erin = device(t, "erin", null);

        assertEquals(DigestAlgorithm.MD5.ha1("dave-auth", "example.com", PW), dave.secret().ha1Md5());
        assertEquals(DigestAlgorithm.SHA_256.ha1("dave-auth", "example.com", PW), dave.secret().ha1Sha256());
        assertEquals(PW, dir.revealPassword(dave));
        assertFalse(dave.secret().sealedPassword().contains(PW));

        assertEquals(dave, dir.deviceByUsername(t.id(), "dave").orElseThrow());
        assertEquals(dave, dir.deviceByDigestUsername(t.id(), "dave-auth").orElseThrow());
        assertTrue(dir.deviceByDigestUsername(t.id(), "dave").isEmpty(),
                "a SIP username is not a digest username once an auth username is set");
        assertEquals(erin, dir.deviceByDigestUsername(t.id(), "erin").orElseThrow());
        assertEquals(List.of(dave, erin), dir.devices(t.id()));
        assertEquals(2, dir.deviceCount());
        assertEquals("dave", dave.profile().name(), "a device without a profile is named after its user");
    }

    @Test
    void usernamesAndDigestUsernamesAreUniquePerTenant() {
        Tenant t = tenant("example.com");
        Tenant other = tenant("other.example");
        device(t, "alice", null);
        device(t, "bob", "bob-auth");

        DirectoryException taken = assertThrows(DirectoryException.class, () -> device(t, "alice", "x-auth"));
        assertEquals(Kind.CONFLICT, taken.kind());
        assertEquals("username", taken.violations().get(0).field());
        DirectoryException digest = assertThrows(DirectoryException.class, () -> device(t, "carol", "alice"));
        assertEquals("auth_username", digest.violations().get(0).field());
        assertEquals(Kind.CONFLICT, kindOf(() -> device(t, "bob-auth", null)));
        device(other, "alice", null); // another tenant: fine
        assertEquals(3, dir.deviceCount());
    }

    @Test
    void aDeviceSpecBreakingRulesIsInvalidWithEveryViolation() {
        Tenant t = tenant("example.com");
        DirectoryException e = assertThrows(DirectoryException.class,
                () -> dir.createDevice(t.id(), new DeviceSpec("admin", ".x", "short", true)));
        assertEquals(Kind.INVALID, e.kind());
        assertEquals(List.of("username:reserved", "auth_username:period_edge", "password:min_length"),
                e.violations().stream().map(v -> v.field() + ":" + v.rule()).toList());
        assertEquals(Kind.INVALID, kindOf(() -> dir.createDevice(t.id(), new DeviceSpec("carol", null, null, true))));
        assertEquals(Kind.NOT_FOUND, kindOf(() -> dir.createDevice("nope", new DeviceSpec("carol", null, PW, true))));
        assertEquals(0, dir.deviceCount());
    }

    @Test
    void anUpdateRehashesOnlyWhenTheDigestUsernameOrThePasswordChanges() {
        Tenant t = tenant("example.com");
        Device d = device(t, "alice", null);
        clock.advance(Duration.ofSeconds(5));

        Device disabled = dir.updateDevice(d.id(), new DeviceSpec("alice", null, null, false));
        assertEquals(d.secret(), disabled.secret());
        assertFalse(disabled.enabled());
        assertEquals(clock.instant(), disabled.updatedAt());

        Device renamed = dir.updateDevice(d.id(), new DeviceSpec("alice", "alice-auth", null, true));
        assertEquals(DigestAlgorithm.MD5.ha1("alice-auth", "example.com", PW), renamed.secret().ha1Md5());
        Device newPassword = dir.updateDevice(d.id(), new DeviceSpec("alice", "alice-auth", "New-Pw-1234", true));
        assertEquals("New-Pw-1234", dir.revealPassword(newPassword));
        assertEquals(Kind.NOT_FOUND, kindOf(() -> dir.updateDevice("nope", new DeviceSpec("x", null, null, true))));
    }

    @Test
    void deletingATenantDeletesItsDevicesAndTellsListenersInOrder() {
        List<String> heard = new ArrayList<>();
        dir.addListener(new DirectoryListener() {
            @Override
            public void deviceChanged(Device before, Device after, Tenant tenant) {
                heard.add("changed " + after.username() + (before == null ? " (new)" : "") + " @" + tenant.domain());
            }

            @Override
            public void deviceRemoved(Device device, Tenant tenant) {
                heard.add("removed " + device.username() + " @" + tenant.domain());
            }

            @Override
            public void tenantRemoved(Tenant tenant) {
                heard.add("tenant removed " + tenant.domain());
            }
        });
        Tenant t = tenant("example.com");
        Tenant kept = tenant("kept.example");
        device(t, "alice", null);
        device(t, "bob", null);
        Device other = device(kept, "alice", null);

        dir.deleteTenant(t.id());
        assertEquals(List.of("changed alice (new) @example.com", "changed bob (new) @example.com",
                "changed alice (new) @kept.example", "removed alice @example.com", "removed bob @example.com",
                "tenant removed example.com"), heard);
        assertTrue(dir.tenantByDomain("example.com").isEmpty());
        assertEquals(List.of(other), dir.devices(kept.id()));
        assertEquals(1, dir.deviceCount());
    }

    @Test
    void anImportCreatesTenantsUpdatesKnownUsersAndAppliesNothingWhenALineConflicts() {
        Tenant t = tenant("example.com");
        Device alice = device(t, "alice", null);

        ImportSummary s = dir.importLines(List.of(
                new ImportLine(1, "EXAMPLE.com", "alice", "Other-Pw-1", null),
                new ImportLine(2, "new.example", "bob", PW, "bob-auth")));
        assertEquals(new ImportSummary(1, 1, 1), s);
        Device updated = dir.deviceByUsername(t.id(), "alice").orElseThrow();
        assertEquals(alice.id(), updated.id());
        assertEquals("Other-Pw-1", dir.revealPassword(updated));
        Tenant created = dir.tenantByDomain("new.example").orElseThrow();
        assertTrue(dir.revealApiKey(created).isPresent(), "an imported tenant has no API key");
        assertEquals("bob", dir.deviceByDigestUsername(created.id(), "bob-auth").orElseThrow().username());

        DirectoryException e = assertThrows(DirectoryException.class, () -> dir.importLines(List.of(
                new ImportLine(1, "third.example", "carol", PW, null),
                new ImportLine(2, "example.com", "dave", PW, "alice"))));
        assertEquals(Kind.INVALID, e.kind());
        assertEquals("line 2", e.violations().get(0).field());
        assertTrue(dir.tenantByDomain("third.example").isEmpty(), "half an import was applied");
        assertEquals(2, dir.deviceCount());
    }

    @Test
    void aSingleUseTokenProvisionsOnceAndANewOneReplacesTheOld() {
        Tenant t = tenant("example.com");
        Device d = dir.updateDevice(device(t, "alice", null).id(), new DeviceSpec("alice", null, null, false));
        Instant now = clock.instant();
        ProvisioningToken first = token("first-token", d, now.plusSeconds(60), true);
        dir.putProvisioningToken(first);
        ProvisioningToken second = token("second-token", d, now.plusSeconds(60), true);
        dir.putProvisioningToken(second);
        assertTrue(dir.findProvisioningToken("first-token", ProvisioningToken.Kind.PROVISIONING, now).isEmpty(),
                "a replaced token still works");
        assertEquals(second, dir.provisioningToken(d.id(), ProvisioningToken.Kind.PROVISIONING).orElseThrow());
        assertTrue(dir.findProvisioningToken("second-token", ProvisioningToken.Kind.AUTH, now).isEmpty());

        Provisioned fetch = new Provisioned(now, "192.0.2.7", "Linphone/5.3");
        Device provisioned = dir.provision("second-token", ProvisioningToken.Kind.PROVISIONING, fetch, "Fresh-Pw-99")
                .orElseThrow();
        assertTrue(provisioned.enabled(), "provisioning enables the device");
        assertEquals(fetch, provisioned.provisioned());
        assertEquals("Fresh-Pw-99", dir.revealPassword(provisioned));
        assertTrue(dir.provision("second-token", ProvisioningToken.Kind.PROVISIONING, fetch, null).isEmpty(),
                "a single-use token worked twice");
        assertNull(dir.provisioningToken(d.id(), ProvisioningToken.Kind.PROVISIONING).orElse(null));
    }

    @Test
    void expiredRevokedAndOrphanedTokensAreRefused() {
        Tenant t = tenant("example.com");
        Device d = device(t, "alice", null);
        Instant now = clock.instant();
        dir.putProvisioningToken(token("auth-token", d, now.plusSeconds(60), false));
        assertTrue(dir.findProvisioningToken("auth-token", ProvisioningToken.Kind.AUTH, now).isPresent());
        assertTrue(dir.findProvisioningToken("auth-token", ProvisioningToken.Kind.AUTH, now.plusSeconds(60))
                .isEmpty(), "an expired token is found");
        assertTrue(dir.revokeProvisioningTokens(d.id(), ProvisioningToken.Kind.AUTH));
        assertFalse(dir.revokeProvisioningTokens(d.id(), ProvisioningToken.Kind.AUTH));
        assertTrue(dir.findProvisioningToken("auth-token", ProvisioningToken.Kind.AUTH, now).isEmpty());

        dir.putProvisioningToken(token("orphan-token", d, now.plusSeconds(60), false));
        dir.deleteDevice(d.id());
        assertTrue(dir.findProvisioningToken("orphan-token", ProvisioningToken.Kind.AUTH, now).isEmpty());
        assertEquals(Kind.NOT_FOUND, kindOf(() -> dir.putProvisioningToken(token("x", d, now, false))));
    }

    @Test
    void sealedSecretsOpenOnlyWithTheDirectorysKey() {
        String sealed = dir.sealSecret("xmpp-Secret-77");
        assertNotEquals("xmpp-Secret-77", sealed);
        assertNotEquals(sealed, dir.sealSecret("xmpp-Secret-77"), "no fresh IV per seal");
        assertEquals("xmpp-Secret-77", dir.revealSecret(sealed));
        assertEquals(Kind.IO, kindOf(() -> dir.revealSecret(PasswordSealer.withRandomKey().seal("x"))));
    }

    // ---------------------------------------------------------------- users

    static final String USER_PW = "sign-in Pw 2024";

    private User user(Tenant t, String username) {
        clock.advance(Duration.ofSeconds(1));
        return dir.createUser(t.id(), new UserSpec(username, "Alice", "Liddell", username + "@example.com", USER_PW,
                User.Role.USER, true, null));
    }

    @Test
    void aUserIsCreatedReadUpdatedAndDeletedWithItsPasswordHashedNeverKept() throws Exception {
        Tenant t = tenant("example.com");
        User alice = dir.createUser(t.id(), new UserSpec("alice", "Alice", "Liddell", "alice@example.com", USER_PW,
                User.Role.ADMIN, true, "alice@contoso.onmicrosoft.com"));
        assertEquals(alice, dir.user(alice.id()).orElseThrow());
        assertEquals(alice, dir.userByUsername(t.id(), "alice").orElseThrow());
        assertTrue(dir.userByUsername(t.id(), "Alice").isEmpty(), "usernames compare exactly, as devices' do");
        assertTrue(alice.passwordHash().startsWith("$argon2id$v=19$m=19456,t=2,p=1$"), alice.passwordHash());
        assertFalse(alice.passwordHash().contains(USER_PW));
        assertFalse(alice.toString().contains(alice.passwordHash()), "the hash is printed");
        assertTrue(PasswordHash.verify(USER_PW, alice.passwordHash()));
        assertEquals(alice, dir.checkUserPassword(t.id(), "alice", USER_PW).orElseThrow());
        assertTrue(dir.checkUserPassword(t.id(), "alice", "wrong password").isEmpty());
        assertTrue(dir.checkUserPassword(t.id(), "nobody", USER_PW).isEmpty());

        clock.advance(Duration.ofSeconds(5));
        User renamed = dir.updateUser(alice.id(), new UserSpec("alice.l", null, null, null, null, User.Role.USER,
                false, null));
        assertEquals(alice.passwordHash(), renamed.passwordHash(), "an update without a password re-hashed it");
        assertEquals(alice.createdAt(), renamed.createdAt());
        assertEquals(clock.instant(), renamed.updatedAt());
        assertTrue(dir.userByUsername(t.id(), "alice").isEmpty(), "the old username still finds the user");
        assertEquals(renamed, dir.userByUsername(t.id(), "alice.l").orElseThrow());
        assertTrue(dir.checkUserPassword(t.id(), "alice.l", USER_PW).isEmpty(), "a disabled user signs in");

        User newPw = dir.updateUser(alice.id(), new UserSpec("alice.l", null, null, null, "another Pw 99",
                User.Role.USER, true, null));
        assertTrue(dir.checkUserPassword(t.id(), "alice.l", "another Pw 99").isPresent());
        assertTrue(dir.checkUserPassword(t.id(), "alice.l", USER_PW).isEmpty());

        dir = reopen(dir, clock);
        assertEquals(newPw, dir.user(alice.id()).orElseThrow(), "a user did not survive a restart");
        assertEquals(List.of(newPw), dir.users(t.id()));

        dir.deleteUser(alice.id());
        assertTrue(dir.user(alice.id()).isEmpty());
        assertTrue(dir.users(t.id()).isEmpty());
        assertEquals(Kind.NOT_FOUND, kindOf(() -> dir.deleteUser(alice.id())));
        dir = reopen(dir, clock);
        assertTrue(dir.user(alice.id()).isEmpty(), "a deleted user came back after a restart");
    }

    @Test
    void usernamesAreUniqueAmongATenantsUsersButMayMatchADevice() {
        Tenant t = tenant("example.com");
        Tenant other = tenant("other.example");
        User bob = user(t, "bob");
        DirectoryException taken = assertThrows(DirectoryException.class, () -> user(t, "bob"));
        assertEquals(Kind.CONFLICT, taken.kind());
        assertEquals("username", taken.violations().get(0).field());
        user(other, "bob");
        device(t, "bob", null); // a device is not a user
        user(t, "carol");
        assertEquals(Kind.CONFLICT, kindOf(() -> dir.updateUser(bob.id(), new UserSpec("carol", null, null, null,
                null, User.Role.USER, true, null))));
        dir.createUser(t.id(), new UserSpec("dan", null, null, null, USER_PW, User.Role.USER, true,
                "0b7e2c4a-1d2f-4e5a-9b8c-7d6e5f4a3b2c"));
        DirectoryException bound = assertThrows(DirectoryException.class, () -> dir.createUser(t.id(),
                new UserSpec("erin", null, null, null, USER_PW, User.Role.USER, true,
                        "0B7E2C4A-1D2F-4E5A-9B8C-7D6E5F4A3B2C")));
        assertEquals("ms365_binding", bound.violations().get(0).field());
        assertEquals("dan", dir.userByMs365Binding(t.id(), "0B7E2C4A-1D2F-4E5A-9B8C-7D6E5F4A3B2C").orElseThrow()
                .username());
        assertTrue(dir.userByMs365Binding(other.id(), "0b7e2c4a-1d2f-4e5a-9b8c-7d6e5f4a3b2c").isEmpty());
        assertEquals(3, dir.users(t.id()).size());
        assertEquals(Kind.NOT_FOUND, kindOf(() -> dir.createUser("nope", new UserSpec("x", null, null, null, USER_PW,
                User.Role.USER, true, null))));
    }

    @Test
    void aUserSpecBreakingRulesIsInvalidWithEveryViolation() {
        Tenant t = tenant("example.com");
        DirectoryException e = assertThrows(DirectoryException.class, () -> dir.createUser(t.id(),
                new UserSpec("Root", null, null, "not-an-email", "short", null, true, "neither")));
        assertEquals(Kind.INVALID, e.kind());
        assertEquals(List.of("username reserved", "email email", "password min_length", "role enum",
                "ms365_binding ms365_binding"), e.violations().stream().map(v -> v.field() + " " + v.rule()).toList());
        assertEquals(List.of("username period_edge"), assertThrows(DirectoryException.class, () -> dir.createUser(
                t.id(), new UserSpec(".bob", null, null, null, USER_PW, User.Role.USER, true, null))).violations()
                .stream().map(v -> v.field() + " " + v.rule()).toList());
        assertTrue(dir.users(t.id()).isEmpty());
    }

    @Test
    void deletingATenantDeletesItsUsers() throws Exception {
        Tenant t = tenant("example.com");
        Tenant kept = tenant("kept.example");
        User gone = user(t, "alice");
        User stays = user(kept, "alice");
        dir.deleteTenant(t.id());
        assertTrue(dir.user(gone.id()).isEmpty());
        assertTrue(dir.users(t.id()).isEmpty());
        dir = reopen(dir, clock);
        assertTrue(dir.user(gone.id()).isEmpty());
        assertEquals(List.of(stays), dir.users(kept.id()));
    }

    /** A token of the kind its reuse says: single-use ones provision, reusable ones authenticate. */
    private static ProvisioningToken token(String clear, Device d, Instant expires, boolean singleUse) {
        return new ProvisioningToken(DigestAlgorithm.SHA_256.hashHex(clear), d.id(),
                singleUse ? ProvisioningToken.Kind.PROVISIONING : ProvisioningToken.Kind.AUTH,
                expires.minusSeconds(60), expires, singleUse);
    }

    // ---------------------------------------------------------------- Microsoft sign-in settings

    static final String MS_SECRET = "Ms-Client-Secret~42";
    static final String DIR_ID = "72F988BF-86F1-41AF-91AB-2D7CD011DB47";
    static final String APP_ID = "00000000-1111-2222-3333-444444444444";

    static Ms365Settings ms365(boolean enabled, String issuer) {
        return new Ms365Settings(enabled, DIR_ID, APP_ID, issuer, List.of("https://app.example.com/cb"), "ignored",
                null, null);
    }

    @Test
    void microsoftSettingsAreSetReplacedAndDeletedWithTheSecretSealedAndKeptWhenNotGiven() throws Exception {
        Tenant t = tenant("ms.example.com");
        assertNull(t.ms365());
        assertFalse(t.offersMicrosoftSignIn());
        assertTrue(dir.revealMs365ClientSecret(t).isEmpty());

        Tenant set = dir.putMs365Settings(t.id(), ms365(true, null), MS_SECRET);
        Ms365Settings s = set.ms365();
        assertEquals(DIR_ID.toLowerCase(java.util.Locale.ROOT), s.directoryId());
        assertEquals("https://login.microsoftonline.com/" + s.directoryId() + "/v2.0", s.issuer());
        assertEquals(List.of("https://app.example.com/cb"), s.allowedCallbackUrls());
        assertTrue(s.hasClientSecret());
        assertNotEquals(MS_SECRET, s.sealedClientSecret());
        assertNotEquals("ignored", s.sealedClientSecret(), "a caller's sealed value was stored");
        assertFalse(s.toString().contains(s.sealedClientSecret()));
        assertTrue(set.offersMicrosoftSignIn());
        assertEquals(set, dir.tenant(t.id()).orElseThrow());
        assertEquals(MS_SECRET, dir.revealMs365ClientSecret(set).orElseThrow());

        Tenant replaced = dir.putMs365Settings(t.id(), ms365(false, "http://127.0.0.1:9/issuer"),
                Ms365Credentials.KEEP);
        assertEquals("http://127.0.0.1:9/issuer", replaced.ms365().issuer());
        assertFalse(replaced.offersMicrosoftSignIn());
        assertEquals(s.sealedClientSecret(), replaced.ms365().sealedClientSecret(), "no secret given: kept");
        dir = reopen(dir, clock);
        assertEquals(replaced, dir.tenant(t.id()).orElseThrow());
        assertEquals(MS_SECRET, dir.revealMs365ClientSecret(replaced).orElseThrow());

        dir.putMs365Settings(t.id(), ms365(true, null), "second-secret");
        assertEquals("second-secret", dir.revealMs365ClientSecret(t).orElseThrow());

        Tenant deleted = dir.deleteMs365Settings(t.id());
        assertNull(deleted.ms365());
        assertFalse(deleted.offersMicrosoftSignIn());
        assertTrue(dir.revealMs365ClientSecret(t).isEmpty());
        dir = reopen(dir, clock);
        assertNull(dir.tenant(t.id()).orElseThrow().ms365());
        assertEquals(Kind.NOT_FOUND, assertThrows(DirectoryException.class,
                () -> dir.putMs365Settings("0".repeat(32), ms365(true, null), MS_SECRET)).kind());
    }

    static final String CERT = "-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----\n";
    static final String KEY = "-----BEGIN PRIVATE KEY-----\nMIIEvKeyMaterial42\n-----END PRIVATE KEY-----\n";

    @Test
    void aCertificateCredentialIsStoredWithItsKeySealedAndKeptBesideTheSecret() throws Exception {
        Tenant t = tenant("ms-cert.example.com");
        assertTrue(dir.revealMs365CertificateKey(t).isEmpty());
        Tenant set = dir.putMs365Settings(t.id(), ms365(true, null), new Ms365Credentials(null, CERT, KEY));
        assertTrue(set.ms365().hasCertificate());
        assertFalse(set.ms365().hasClientSecret());
        assertEquals(CERT, set.ms365().certificatePem());
        assertFalse(set.ms365().sealedCertificateKey().contains("MIIEvKeyMaterial42"));
        assertFalse(set.ms365().toString().contains(set.ms365().sealedCertificateKey()));
        assertEquals(KEY, dir.revealMs365CertificateKey(set).orElseThrow());

        Tenant both = dir.putMs365Settings(t.id(), ms365(true, null), MS_SECRET);
        assertEquals(set.ms365().sealedCertificateKey(), both.ms365().sealedCertificateKey(), "no certificate given: kept");
        assertTrue(both.ms365().hasClientSecret());
        dir = reopen(dir, clock);
        assertEquals(both, dir.tenant(t.id()).orElseThrow());
        assertEquals(KEY, dir.revealMs365CertificateKey(t).orElseThrow());
        assertEquals(MS_SECRET, dir.revealMs365ClientSecret(t).orElseThrow());
        dir.deleteMs365Settings(t.id());
        assertTrue(dir.revealMs365CertificateKey(t).isEmpty());
    }
}
