package io.sipedge.directory;

import io.sipedge.model.ApiKey;
import io.sipedge.model.Device;
import io.sipedge.model.DeviceProfile;
import io.sipedge.model.DigestAlgorithm;
import io.sipedge.model.Provisioned;
import io.sipedge.model.Ms365Settings;
import io.sipedge.model.ProvisioningToken;
import io.sipedge.model.SipSecret;
import io.sipedge.model.Tenant;
import io.sipedge.model.TenantProvisioning;
import io.sipedge.model.User;
import io.sipedge.model.rules.TenantRules;
import io.sipedge.model.rules.Violation;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Directory} that lives in memory only, for tests: the same rules, uniqueness checks,
 * hashing, sealing and listener calls as {@code FileDirectory}, and nothing on disk (a write is
 * "durable" in that it is visible when it returns, until the process ends).
 *
 * <p>Reads take no lock: the state is an immutable snapshot that each write replaces whole, so a
 * batch (an import, a tenant's deletion) is seen entirely or not at all. Writes copy the state and
 * lookups scan it, which suits test sizes, not a million devices.
 */
public final class InMemoryDirectory implements Directory {
    private static final Logger log = LoggerFactory.getLogger(InMemoryDirectory.class);
    /** API keys: 256 random bits, base64url, as {@code FileDirectory} issues them. */
    private static final int API_KEY_BYTES = 32;
    /** Tokens are 256 random bits; a longer string is not one and is not hashed. */
    private static final int TOKEN_MAX_LENGTH = 256;

    private final InstantSource clock;
    private final PasswordSealer sealer = PasswordSealer.withRandomKey();
    private final SecureRandom random = new SecureRandom();
    private final List<DirectoryListener> listeners = new CopyOnWriteArrayList<>();
    private volatile State state = new State(Map.of(), Map.of(), Map.of(), Map.of());

    /** @param clock stamps created and updated times */
    public InMemoryDirectory(InstantSource clock) {
        this.clock = clock;
    }

    /** Records by id, tokens by the SHA-256 of the token; never changed once published. */
    private record State(Map<String, Tenant> tenants, Map<String, Device> devices,
                         Map<String, ProvisioningToken> tokens, Map<String, User> users) {

        User userByUsername(String tenantId, String username) {
            return users.values().stream()
                    .filter(u -> u.tenantId().equals(tenantId) && u.username().equals(username))
                    .findFirst().orElse(null);
        }

        List<User> usersOf(String tenantId) {
            return users.values().stream().filter(u -> u.tenantId().equals(tenantId))
                    .sorted(Comparator.comparing(User::createdAt).thenComparing(User::id)).toList();
        }

        Tenant tenantByDomain(String domain) {
            String lower = domain.toLowerCase(Locale.ROOT);
            return tenants.values().stream().filter(t -> t.domain().equals(lower)).findFirst().orElse(null);
        }

        Device byUsername(String tenantId, String username) {
            return devices.values().stream()
                    .filter(d -> d.tenantId().equals(tenantId) && d.username().equals(username))
                    .findFirst().orElse(null);
        }

        /** Usernames and digest usernames are unique per tenant, so at most one device matches. */
        Device byDigestUsername(String tenantId, String digestUsername) {
            return devices.values().stream()
                    .filter(d -> d.tenantId().equals(tenantId) && d.digestUsername().equals(digestUsername))
                    .findFirst().orElse(null);
        }

        List<Device> devicesOf(String tenantId) {
            return devices.values().stream().filter(d -> d.tenantId().equals(tenantId))
                    .sorted(Comparator.comparing(Device::createdAt).thenComparing(Device::id)).toList();
        }
    }

    /** One write in progress: a private copy of the state, and what to tell listeners once it is published. */
    private static final class Draft {
        final State next;
        final List<Device[]> changed = new ArrayList<>();
        final List<Device> removed = new ArrayList<>();
        final List<Tenant> removedFrom = new ArrayList<>();
        final List<Tenant> removedTenants = new ArrayList<>();

        Draft(State current) {
            next = new State(new HashMap<>(current.tenants()), new HashMap<>(current.devices()),
                    new HashMap<>(current.tokens()), new HashMap<>(current.users()));
        }

        Tenant tenant(String tenantId) {
            Tenant t = next.tenants().get(tenantId);
            if (t == null) {
                throw DirectoryException.notFound("tenant " + tenantId);
            }
            return t;
        }

        Device device(String deviceId) {
            Device d = next.devices().get(deviceId);
            if (d == null) {
                throw DirectoryException.notFound("device " + deviceId);
            }
            return d;
        }

        void checkUnique(String tenantId, String selfId, DeviceSpec spec) {
            Device byName = next.byUsername(tenantId, spec.username());
            if (byName != null && !byName.id().equals(selfId)) {
                throw DirectoryException.conflict("username", "is already used in this tenant");
            }
            Device byDigest = next.byDigestUsername(tenantId, spec.digestUsername());
            if (byDigest != null && !byDigest.id().equals(selfId)) {
                throw DirectoryException.conflict("auth_username", "is already used in this tenant");
            }
        }

        User user(String userId) {
            User u = next.users().get(userId);
            if (u == null) {
                throw DirectoryException.notFound("user " + userId);
            }
            return u;
        }

        void checkUniqueUser(String tenantId, String selfId, UserSpec spec) {
            User byName = next.userByUsername(tenantId, spec.username());
            if (byName != null && !byName.id().equals(selfId)) {
                throw DirectoryException.conflict("username", "is already used by another user in this tenant");
            }
            if (spec.ms365Binding() != null && next.usersOf(tenantId).stream().anyMatch(u -> !u.id().equals(selfId)
                    && spec.ms365Binding().equalsIgnoreCase(u.ms365Binding()))) {
                throw DirectoryException.conflict("ms365_binding", "is already bound to another user in this tenant");
            }
        }

        void putTenant(Tenant t) {
            next.tenants().put(t.id(), t);
        }

        void putDevice(Device d) {
            changed.add(new Device[] {next.devices().put(d.id(), d), d});
        }

        /** Removes the device and its tokens. */
        void removeDevice(Device d) {
            next.devices().remove(d.id());
            next.tokens().values().removeIf(t -> t.deviceId().equals(d.id()));
            removed.add(d);
            removedFrom.add(next.tenants().get(d.tenantId()));
        }

        void removeTenant(Tenant t) {
            next.tenants().remove(t.id());
            removedTenants.add(t);
        }

        /** The device's tokens of {@code kind}; true when there were any. */
        boolean removeTokens(String deviceId, ProvisioningToken.Kind kind) {
            return next.tokens().values().removeIf(t -> t.deviceId().equals(deviceId) && t.kind() == kind);
        }
    }

    // ---------------------------------------------------------------- reads

    @Override
    public Optional<Tenant> tenant(String tenantId) {
        return Optional.ofNullable(state.tenants().get(tenantId));
    }

    @Override
    public Optional<Tenant> tenantByDomain(String domain) {
        return Optional.ofNullable(state.tenantByDomain(domain));
    }

    @Override
    public List<Tenant> tenants() {
        return state.tenants().values().stream().sorted(Comparator.comparing(Tenant::createdAt)).toList();
    }

    @Override
    public Optional<Tenant> tenantByApiKey(String apiKey) {
        if (apiKey == null || apiKey.isEmpty()) {
            return Optional.empty();
        }
        byte[] hash = sha256Hex(apiKey).getBytes(StandardCharsets.US_ASCII);
        return state.tenants().values().stream()
                .filter(t -> t.apiKey() != null
                        && MessageDigest.isEqual(t.apiKey().sha256().getBytes(StandardCharsets.US_ASCII), hash))
                .findFirst();
    }

    @Override
    public Optional<String> revealApiKey(Tenant tenant) {
        Tenant current = state.tenants().get(tenant.id());
        if (current == null || current.apiKey() == null) {
            return Optional.empty();
        }
        return Optional.of(sealer.unseal(current.apiKey().sealed()));
    }

    @Override
    public Optional<Device> device(String deviceId) {
        return Optional.ofNullable(state.devices().get(deviceId));
    }

    @Override
    public Optional<Device> deviceByUsername(String tenantId, String username) {
        return Optional.ofNullable(state.byUsername(tenantId, username));
    }

    @Override
    public Optional<Device> deviceByDigestUsername(String tenantId, String digestUsername) {
        return Optional.ofNullable(state.byDigestUsername(tenantId, digestUsername));
    }

    @Override
    public List<Device> devices(String tenantId) {
        return state.devicesOf(tenantId);
    }

    @Override
    public int deviceCount() {
        return state.devices().size();
    }

    @Override
    public String revealPassword(Device device) {
        return sealer.unseal(device.secret().sealedPassword());
    }

    @Override
    public void addListener(DirectoryListener listener) {
        listeners.add(listener);
    }

    // ---------------------------------------------------------------- writes

    @Override
    public Tenant createTenant(String name, String domain, boolean md5Only, boolean sha256Only) {
        List<Violation> v = TenantRules.domain("domain", domain);
        v.addAll(TenantRules.digest("sha256_only", md5Only, sha256Only));
        if (!v.isEmpty()) {
            throw DirectoryException.invalid(v);
        }
        return write(d -> {
            if (d.next.tenantByDomain(domain) != null) {
                throw DirectoryException.conflict("domain", "is already served by another tenant");
            }
            Instant now = clock.instant();
            Tenant t = new Tenant(newId(), name == null || name.isBlank() ? domain : name, domain, md5Only, sha256Only,
                    now, now, newApiKey());
            d.putTenant(t);
            return t;
        });
    }

    @Override
    public Tenant updateTenant(String tenantId, String name, boolean md5Only, boolean sha256Only) {
        List<Violation> v = TenantRules.digest("sha256_only", md5Only, sha256Only);
        if (!v.isEmpty()) {
            throw DirectoryException.invalid(v);
        }
        return write(d -> {
            Tenant old = d.tenant(tenantId);
            String newName = name == null || name.isBlank() ? old.name() : name;
            if (newName.equals(old.name()) && md5Only == old.md5Only() && sha256Only == old.sha256Only()) {
                return old;
            }
            Tenant t = old.updated(newName, md5Only, sha256Only, clock.instant());
            d.putTenant(t);
            return t;
        });
    }

    @Override
    public Tenant rotateApiKey(String tenantId) {
        return write(d -> {
            Tenant old = d.tenant(tenantId);
            Tenant t = old.withApiKey(newApiKey(), clock.instant());
            d.putTenant(t);
            return t;
        });
    }

    @Override
    public Device createDevice(String tenantId, DeviceSpec spec) {
        validate(spec, true);
        return write(d -> {
            Tenant t = d.tenant(tenantId);
            d.checkUnique(tenantId, null, spec);
            Instant now = clock.instant();
            DeviceProfile profile = spec.profile() != null ? spec.profile()
                    : DeviceProfile.defaultsFor(spec.username());
            Device device = new Device(newId(), tenantId, spec.username(), spec.authUsername(), spec.enabled(),
                    sealer.secretFor(spec.digestUsername(), t.domain(), spec.password()), now, now,
                    profile.withDefaultName(spec.username()));
            d.putDevice(device);
            return device;
        });
    }

    @Override
    public Device updateDevice(String deviceId, DeviceSpec spec) {
        validate(spec, false);
        return write(d -> {
            Device old = d.device(deviceId);
            Tenant t = d.tenant(old.tenantId());
            d.checkUnique(old.tenantId(), deviceId, spec);
            // Re-hash only when the HA1 would change, as FileDirectory does: a fresh seal of the same
            // password would look like a credential change.
            SipSecret secret = spec.password() == null && spec.digestUsername().equals(old.digestUsername())
                    ? old.secret()
                    : sealer.secretFor(spec.digestUsername(), t.domain(),
                            spec.password() != null ? spec.password() : revealPassword(old));
            DeviceProfile profile = spec.profile() != null ? spec.profile() : old.profile();
            Device device = new Device(old.id(), old.tenantId(), spec.username(), spec.authUsername(), spec.enabled(),
                    secret, old.createdAt(), clock.instant(), profile.withDefaultName(spec.username()),
                    old.provisioned());
            d.putDevice(device);
            return device;
        });
    }

    @Override
    public void deleteDevice(String deviceId) {
        write(d -> {
            d.removeDevice(d.device(deviceId));
            return null;
        });
    }

    @Override
    public void deleteTenant(String tenantId) {
        write(d -> {
            Tenant t = d.tenant(tenantId);
            d.next.devicesOf(tenantId).forEach(d::removeDevice);
            d.next.users().values().removeIf(u -> u.tenantId().equals(tenantId));
            d.removeTenant(t);
            return null;
        });
    }

    @Override
    public ImportSummary importLines(List<ImportLine> lines) {
        return write(d -> {
            Instant now = clock.instant();
            int tenantsCreated = 0;
            int created = 0;
            int updated = 0;
            for (ImportLine line : lines) {
                Tenant t = d.next.tenantByDomain(line.domain());
                if (t == null) {
                    String domain = line.domain().toLowerCase(Locale.ROOT);
                    t = new Tenant(newId(), domain, domain, false, false, now, now, newApiKey());
                    d.putTenant(t);
                    tenantsCreated++;
                }
                DeviceSpec spec = new DeviceSpec(line.username(), line.authUsername(), line.password(), true);
                Device old = d.next.byUsername(t.id(), line.username());
                Device holder = d.next.byDigestUsername(t.id(), spec.digestUsername());
                if (holder != null && (old == null || !holder.id().equals(old.id()))) {
                    throw DirectoryException.invalid(List.of(new Violation("line " + line.lineNumber(), "unique",
                            "auth username " + spec.digestUsername() + " belongs to another device")));
                }
                SipSecret secret = sealer.secretFor(spec.digestUsername(), t.domain(), line.password());
                if (old == null) {
                    d.putDevice(new Device(newId(), t.id(), line.username(), line.authUsername(), true, secret, now,
                            now));
                    created++;
                } else {
                    d.putDevice(new Device(old.id(), t.id(), line.username(), line.authUsername(), old.enabled(),
                            secret, old.createdAt(), now, old.profile(), old.provisioned()));
                    updated++;
                }
            }
            return new ImportSummary(tenantsCreated, created, updated);
        });
    }

    // ---------------------------------------------------------------- users

    @Override
    public Optional<User> user(String userId) {
        return Optional.ofNullable(state.users().get(userId));
    }

    @Override
    public Optional<User> userByUsername(String tenantId, String username) {
        return Optional.ofNullable(state.userByUsername(tenantId, username));
    }

    @Override
    public List<User> users(String tenantId) {
        return state.usersOf(tenantId);
    }

    @Override
    public User createUser(String tenantId, UserSpec spec) {
        validate(spec, true);
        String hash = PasswordHash.hash(spec.password()); // slow: before the write lock, as FileDirectory does
        return write(d -> {
            d.tenant(tenantId);
            d.checkUniqueUser(tenantId, null, spec);
            Instant now = clock.instant();
            User u = new User(newId(), tenantId, spec.username(), spec.firstName(), spec.lastName(), spec.email(),
                    hash, spec.role(), spec.enabled(), spec.ms365Binding(), now, now);
            d.next.users().put(u.id(), u);
            return u;
        });
    }

    @Override
    public User updateUser(String userId, UserSpec spec) {
        validate(spec, false);
        String hash = spec.password() == null ? null : PasswordHash.hash(spec.password());
        return write(d -> {
            User old = d.user(userId);
            d.checkUniqueUser(old.tenantId(), userId, spec);
            User u = new User(old.id(), old.tenantId(), spec.username(), spec.firstName(), spec.lastName(),
                    spec.email(), hash != null ? hash : old.passwordHash(), spec.role(), spec.enabled(),
                    spec.ms365Binding(), old.createdAt(), clock.instant());
            d.next.users().put(u.id(), u);
            return u;
        });
    }

    @Override
    public void deleteUser(String userId) {
        write(d -> d.next.users().remove(d.user(userId).id()));
    }

    // ---------------------------------------------------------------- provisioning

    @Override
    public Tenant updateTenantProvisioning(String tenantId, TenantProvisioning settings) {
        return write(d -> {
            Tenant old = d.tenant(tenantId);
            if (old.provisioning().equals(settings)) {
                return old;
            }
            Tenant t = old.withProvisioning(settings, clock.instant());
            d.putTenant(t);
            return t;
        });
    }

    // ---------------------------------------------------------------- Microsoft sign-in

    @Override
    public Tenant putMs365Settings(String tenantId, Ms365Settings settings, Ms365Credentials credentials) {
        return write(d -> {
            Tenant old = d.tenant(tenantId);
            Tenant t = old.withMs365(sealed(old.ms365(), settings, credentials), clock.instant());
            d.putTenant(t);
            return t;
        });
    }

    @Override
    public Tenant deleteMs365Settings(String tenantId) {
        return write(d -> {
            Tenant old = d.tenant(tenantId);
            if (old.ms365() == null) {
                return old;
            }
            Tenant t = old.withMs365(null, clock.instant());
            d.putTenant(t);
            return t;
        });
    }

    /** {@code settings} with {@code given}'s credentials sealed, or {@code stored}'s where none is given. */
    private Ms365Settings sealed(Ms365Settings stored, Ms365Settings settings, Ms365Credentials given) {
        String secret = given.clientSecret() != null ? sealer.seal(given.clientSecret())
                : stored != null ? stored.sealedClientSecret() : null;
        boolean newCert = given.certificatePem() != null;
        String cert = newCert ? given.certificatePem() : stored != null ? stored.certificatePem() : null;
        String key = newCert ? sealer.seal(given.privateKeyPem()) : stored != null ? stored.sealedCertificateKey() : null;
        return settings.withCredentials(secret, cert, key);
    }

    @Override
    public Optional<String> revealMs365CertificateKey(Tenant tenant) {
        Tenant current = state.tenants().get(tenant.id());
        if (current == null || current.ms365() == null || !current.ms365().hasCertificate()) {
            return Optional.empty();
        }
        return Optional.of(sealer.unseal(current.ms365().sealedCertificateKey()));
    }

    @Override
    public Optional<String> revealMs365ClientSecret(Tenant tenant) {
        Tenant current = state.tenants().get(tenant.id());
        if (current == null || current.ms365() == null || !current.ms365().hasClientSecret()) {
            return Optional.empty();
        }
        return Optional.of(sealer.unseal(current.ms365().sealedClientSecret()));
    }

    @Override
    public ProvisioningToken putProvisioningToken(ProvisioningToken token) {
        return write(d -> {
            d.device(token.deviceId());
            d.removeTokens(token.deviceId(), token.kind()); // one token of each kind per device
            d.next.tokens().put(token.sha256(), token);
            return token;
        });
    }

    @Override
    public boolean revokeProvisioningTokens(String deviceId, ProvisioningToken.Kind kind) {
        return write(d -> d.removeTokens(deviceId, kind));
    }

    @Override
    public Optional<ProvisioningToken> provisioningToken(String deviceId, ProvisioningToken.Kind kind) {
        return state.tokens().values().stream().filter(t -> t.deviceId().equals(deviceId) && t.kind() == kind)
                .findFirst();
    }

    @Override
    public Optional<ProvisioningToken> findProvisioningToken(String token, ProvisioningToken.Kind kind, Instant now) {
        State s = state;
        ProvisioningToken t = live(s, token, kind, now);
        return t == null || !s.devices().containsKey(t.deviceId()) ? Optional.empty() : Optional.of(t);
    }

    @Override
    public Optional<Device> provision(String token, ProvisioningToken.Kind kind, Provisioned fetch,
                                      String newPassword) {
        return write(d -> {
            ProvisioningToken t = live(d.next, token, kind, fetch.at());
            Device old = t == null ? null : d.next.devices().get(t.deviceId());
            if (old == null) {
                return Optional.empty();
            }
            if (newPassword != null) {
                validate(new DeviceSpec(old.username(), old.authUsername(), newPassword, true), true);
            }
            Tenant tenant = d.tenant(old.tenantId());
            SipSecret secret = newPassword == null ? old.secret()
                    : sealer.secretFor(old.digestUsername(), tenant.domain(), newPassword);
            Provisioned first = old.provisioned() != null ? old.provisioned() : fetch;
            Device device = new Device(old.id(), old.tenantId(), old.username(), old.authUsername(), true, secret,
                    old.createdAt(), fetch.at(), old.profile(), first);
            if (t.singleUse()) {
                d.next.tokens().remove(t.sha256());
            }
            if (!device.equals(old)) {
                d.putDevice(device);
            }
            return Optional.of(device);
        });
    }

    @Override
    public String sealSecret(String clear) {
        return sealer.seal(clear);
    }

    @Override
    public String revealSecret(String sealed) {
        return sealer.unseal(sealed);
    }

    /** Nothing to release. */
    @Override
    public void close() {
    }

    // ---------------------------------------------------------------- internals

    /**
     * Applies one write to a copy of the state, publishes the copy, then tells listeners, as
     * FileDirectory does after its fsync. A write that throws publishes nothing.
     */
    private synchronized <T> T write(Function<Draft, T> change) {
        Draft d = new Draft(state);
        T result = change.apply(d);
        state = d.next;
        for (DirectoryListener l : listeners) {
            for (Device[] c : d.changed) {
                Tenant t = d.next.tenants().get(c[1].tenantId());
                safely(() -> l.deviceChanged(c[0], c[1], t));
            }
            for (int i = 0; i < d.removed.size(); i++) {
                Device device = d.removed.get(i);
                Tenant t = d.removedFrom.get(i);
                safely(() -> l.deviceRemoved(device, t));
            }
            for (Tenant t : d.removedTenants) {
                safely(() -> l.tenantRemoved(t));
            }
        }
        return result;
    }

    private static void safely(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            log.warn("directory listener failed: {}", e.toString());
        }
    }

    /** The token of {@code kind} whose clear value is {@code token} if it is live at {@code now}, else null. */
    private static ProvisioningToken live(State s, String token, ProvisioningToken.Kind kind, Instant now) {
        if (token == null || token.isEmpty() || token.length() > TOKEN_MAX_LENGTH) {
            return null;
        }
        String hash = sha256Hex(token);
        ProvisioningToken t = s.tokens().get(hash);
        // The map found a candidate by hash; the final comparison does not short-circuit.
        if (t == null || t.kind() != kind || t.expiredAt(now) || !MessageDigest.isEqual(
                t.sha256().getBytes(StandardCharsets.US_ASCII), hash.getBytes(StandardCharsets.US_ASCII))) {
            return null;
        }
        return t;
    }

    private static void validate(UserSpec spec, boolean passwordRequired) {
        List<Violation> v = spec.violations(passwordRequired);
        if (!v.isEmpty()) {
            throw DirectoryException.invalid(v);
        }
    }

    private static void validate(DeviceSpec spec, boolean passwordRequired) {
        List<Violation> v = spec.violations(passwordRequired);
        if (!v.isEmpty()) {
            throw DirectoryException.invalid(v);
        }
    }

    private ApiKey newApiKey() {
        byte[] b = new byte[API_KEY_BYTES];
        random.nextBytes(b);
        String key = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        return new ApiKey(sha256Hex(key), sealer.seal(key));
    }

    private String newId() {
        byte[] b = new byte[16];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static String sha256Hex(String text) {
        return DigestAlgorithm.SHA_256.hashHex(text);
    }
}
