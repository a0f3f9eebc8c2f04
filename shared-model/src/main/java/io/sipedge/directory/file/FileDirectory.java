package io.sipedge.directory.file;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.sipedge.directory.DeviceSpec;
import io.sipedge.directory.Directory;
import io.sipedge.directory.DirectoryException;
import io.sipedge.directory.DirectoryListener;
import io.sipedge.directory.ImportLine;
import io.sipedge.directory.ImportSummary;
import io.sipedge.directory.PasswordHash;
import io.sipedge.directory.Ms365Credentials;
import io.sipedge.directory.PasswordSealer;
import io.sipedge.directory.UserSpec;
import io.sipedge.model.ApiKey;
import io.sipedge.model.DigestAlgorithm;
import io.sipedge.model.Device;
import io.sipedge.model.DeviceProfile;
import io.sipedge.model.Provisioned;
import io.sipedge.model.Ms365Settings;
import io.sipedge.model.ProvisioningToken;
import io.sipedge.model.TenantProvisioning;
import io.sipedge.model.SipSecret;
import io.sipedge.model.Tenant;
import io.sipedge.model.User;
import io.sipedge.model.rules.TenantRules;
import io.sipedge.model.rules.Violation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded, file-backed {@link Directory}: every record lives in memory for reads, and every
 * write is appended to a journal and fsynced before the call returns.
 *
 * <p>On disk, under {@code <data>/directory/}:
 * <ul>
 *   <li>{@code snapshot.json}: the whole state at some generation G, replaced only by atomic
 *       rename (temp file, fsync, rename, fsync of the directory);</li>
 *   <li>{@code journal-G.log}: the changes since that snapshot, one per line as
 *       {@code <crc32c hex> <json>\n}. A kill -9 can only tear the last line (appends are
 *       sequential and each acknowledged write was fsynced); loading drops such a torn tail, which
 *       by construction was never acknowledged, and truncates it away;</li>
 *   <li>users (issue 17) travel in the same snapshot and journal; they carry an Argon2id hash of
 *       their sign-in password, never the password and never a sealed copy of it;</li>
 *   <li>{@code seal.key}: the key that seals passwords (see {@link PasswordSealer});</li>
 *   <li>{@code lock}: held while a process has the directory open, so the edge and an offline
 *       import never write the same journal at once.</li>
 * </ul>
 * Compaction writes snapshot G+1, starts journal G+1 and deletes journal G. A crash at any point
 * leaves either the old snapshot with its journal or the new snapshot (with an empty or missing
 * journal); both load to the same state.
 */
public final class FileDirectory implements Directory {
    private static final Logger log = LoggerFactory.getLogger(FileDirectory.class);
    /** The subdirectory of the data directory that holds these files. */
    public static final String DIRECTORY = "directory";
    /** API keys: 256 random bits, base64url (43 characters). */
    private static final int API_KEY_BYTES = 32;
    /** Past this many journal lines the next write compacts, bounding start-up replay time. */
    private static final int COMPACT_AFTER_ENTRIES = 50_000;
    /**
     * Directories open in this JVM. A file lock guards against other processes only; worse, closing
     * any channel to the lock file drops this process's lock, so a second open in the same JVM must
     * be refused before it touches the file.
     */
    private static final java.util.Set<Path> OPEN_IN_THIS_JVM = ConcurrentHashMap.newKeySet();

    private final Path dir;
    private final InstantSource clock;
    private final ObjectMapper json;
    private final PasswordSealer sealer;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final SecureRandom random = new SecureRandom();
    private final List<DirectoryListener> listeners = new CopyOnWriteArrayList<>();

    private final Map<String, Tenant> tenantsById = new ConcurrentHashMap<>();
    private final Map<String, Tenant> tenantsByDomain = new ConcurrentHashMap<>();
    private final Map<String, Tenant> tenantsByKeyHash = new ConcurrentHashMap<>();
    private final Map<String, Device> devicesById = new ConcurrentHashMap<>();
    /**
     * Username indexes, per tenant: keyed by the devices' own strings, where a map keyed by
     * tenant and user would hold a concatenated key per device and index.
     */
    private final Map<String, TenantDevices> devicesByTenant = new ConcurrentHashMap<>();
    /** Provisioning and auth tokens by the SHA-256 of the token. */
    private final Map<String, ProvisioningToken> tokensByHash = new ConcurrentHashMap<>();
    private final Map<String, User> usersById = new ConcurrentHashMap<>();
    /** Users by tenant, then by username (there are few users beside the devices; one map each). */
    private final Map<String, Map<String, User>> usersByTenant = new ConcurrentHashMap<>();

    private long generation;
    private FileChannel journal;
    private int journalEntries;
    /** The last instant {@link #shared(Device)} saw, to share equal ones. */
    private Instant lastInstant;

    /** One journal line: an upsert of a tenant, a device, a token or a user, or a deletion by id. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Entry(String op, Tenant tenant, Device device, String id, List<Entry> entries, ProvisioningToken token,
                 User user) {
        Entry(String op, Tenant tenant, Device device, String id) {
            this(op, tenant, device, id, null, null, null);
        }

        Entry(String op, Tenant tenant, Device device, String id, List<Entry> entries) {
            this(op, tenant, device, id, entries, null, null);
        }

        static Entry token(ProvisioningToken t) {
            return new Entry(TOKEN, null, null, null, null, t, null);
        }

        static Entry deleteToken(String sha256) {
            return new Entry(DELETE_TOKEN, null, null, sha256, null, null, null);
        }

        static Entry user(User u) {
            return new Entry(USER, null, null, null, null, null, u);
        }

        static Entry deleteUser(String userId) {
            return new Entry(DELETE_USER, null, null, userId, null, null, null);
        }

        /** Several changes that must land together: one journal line, so a torn write loses all or none. */
        static final String BATCH = "batch";
        static final String TENANT = "tenant";
        static final String DEVICE = "device";
        static final String DELETE_TENANT = "delete_tenant";
        static final String DELETE_DEVICE = "delete_device";
        static final String TOKEN = "token";
        static final String DELETE_TOKEN = "delete_token";
        static final String USER = "user";
        static final String DELETE_USER = "delete_user";
    }

    /**
     * One tenant's devices by SIP username, and by auth username for the few that have one: a
     * device without one is found by its digest username in {@code byUsername}, so the common case
     * costs one map entry instead of two.
     */
    private static final class TenantDevices {
        final Map<String, Device> byUsername = new ConcurrentHashMap<>();
        final Map<String, Device> byAuthUsername = new ConcurrentHashMap<>();

        Device byDigestUsername(String digestUsername) {
            Device d = byAuthUsername.get(digestUsername);
            if (d != null) {
                return d;
            }
            d = byUsername.get(digestUsername);
            // A device with an auth username is not known under its SIP username for digest.
            return d != null && d.authUsername() == null ? d : null;
        }

        void add(Device d) {
            byUsername.put(d.username(), d);
            if (d.authUsername() != null) {
                byAuthUsername.put(d.authUsername(), d);
            }
        }

        void remove(Device d) {
            byUsername.remove(d.username(), d);
            if (d.authUsername() != null) {
                byAuthUsername.remove(d.authUsername(), d);
            }
        }

        boolean isEmpty() {
            return byUsername.isEmpty() && byAuthUsername.isEmpty();
        }
    }

    /** {@code users} is null in snapshots written before users existed. */
    record Snapshot(long generation, List<Tenant> tenants, List<Device> devices, List<ProvisioningToken> tokens,
                    List<User> users) {
    }

    private FileDirectory(Path dir, InstantSource clock, FileChannel lockChannel, FileLock lock) {
        this.dir = dir;
        this.clock = clock;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.json = new ObjectMapper()
                .registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(SerializationFeature.INDENT_OUTPUT)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        this.sealer = openSealer(dir.resolve("seal.key"));
    }

    /**
     * Opens (creating if needed) the directory store under {@code dataDir/directory}.
     *
     * @throws DirectoryException of kind IO when another process holds it or it cannot be read
     */
    public static FileDirectory open(Path dataDir, InstantSource clock) {
        Path dir = dataDir.resolve(DIRECTORY).toAbsolutePath().normalize();
        if (!OPEN_IN_THIS_JVM.add(dir)) {
            throw new DirectoryException(DirectoryException.Kind.IO, "the directory " + dir
                    + " is already in use in this process", List.of(), null);
        }
        FileChannel lockChannel = null;
        try {
            Files.createDirectories(dir);
            Durable.restrictDirectory(dir);
            lockChannel = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new DirectoryException(DirectoryException.Kind.IO, "the directory " + dir
                        + " is in use by another process (a running edge or import)", List.of(), null);
            }
            FileDirectory d = new FileDirectory(dir, clock, lockChannel, lock);
            try {
                d.load();
            } catch (IOException | RuntimeException e) {
                closeQuietly(d.journal);
                throw e;
            }
            return d;
        } catch (IOException e) {
            closeQuietly(lockChannel);
            OPEN_IN_THIS_JVM.remove(dir);
            throw new DirectoryException(DirectoryException.Kind.IO, "cannot open " + dir + ": " + e.getMessage(),
                    List.of(), e);
        } catch (RuntimeException e) {
            closeQuietly(lockChannel);
            OPEN_IN_THIS_JVM.remove(dir);
            throw e;
        }
    }

    // ---------------------------------------------------------------- reads (memory only)

    @Override
    public Optional<Tenant> tenant(String tenantId) {
        return Optional.ofNullable(tenantsById.get(tenantId));
    }

    @Override
    public Optional<Tenant> tenantByDomain(String domain) {
        return Optional.ofNullable(tenantsByDomain.get(domain.toLowerCase(Locale.ROOT)));
    }

    @Override
    public List<Tenant> tenants() {
        return tenantsById.values().stream().sorted(Comparator.comparing(Tenant::createdAt)).toList();
    }

    @Override
    public Optional<Tenant> tenantByApiKey(String apiKey) {
        if (apiKey == null || apiKey.isEmpty()) {
            return Optional.empty();
        }
        String hash = sha256Hex(apiKey);
        Tenant t = tenantsByKeyHash.get(hash);
        // The map lookup found a candidate by hash; the final comparison does not short-circuit.
        if (t == null || t.apiKey() == null || !MessageDigest.isEqual(
                t.apiKey().sha256().getBytes(StandardCharsets.US_ASCII), hash.getBytes(StandardCharsets.US_ASCII))) {
            return Optional.empty();
        }
        return Optional.of(t);
    }

    @Override
    public Optional<String> revealApiKey(Tenant tenant) {
        Tenant current = tenantsById.get(tenant.id());
        if (current == null || current.apiKey() == null) {
            return Optional.empty();
        }
        return Optional.of(sealer.unseal(current.apiKey().sealed()));
    }

    @Override
    public Optional<Device> device(String deviceId) {
        return Optional.ofNullable(devicesById.get(deviceId));
    }

    @Override
    public Optional<Device> deviceByUsername(String tenantId, String username) {
        return Optional.ofNullable(byUsername(tenantId, username));
    }

    @Override
    public Optional<Device> deviceByDigestUsername(String tenantId, String digestUsername) {
        return Optional.ofNullable(byDigestUsername(tenantId, digestUsername));
    }

    @Override
    public List<Device> devices(String tenantId) {
        // Every device of a tenant is in its username index (usernames are unique per tenant).
        TenantDevices td = devicesByTenant.get(tenantId);
        if (td == null) {
            return List.of();
        }
        return td.byUsername.values().stream()
                .sorted(Comparator.comparing(Device::createdAt).thenComparing(Device::id)).toList();
    }

    @Override
    public int deviceCount() {
        return devicesById.size();
    }

    @Override
    public String revealPassword(Device device) {
        return sealer.unseal(device.secret().sealedPassword());
    }

    @Override
    public void addListener(DirectoryListener listener) {
        listeners.add(listener);
    }

    // ---------------------------------------------------------------- writes (durable on return)

    @Override
    public Tenant createTenant(String name, String domain, boolean md5Only, boolean sha256Only) {
        List<Violation> v = TenantRules.domain("domain", domain);
        v.addAll(TenantRules.digest("sha256_only", md5Only, sha256Only));
        if (!v.isEmpty()) {
            throw DirectoryException.invalid(v);
        }
        writeLock.lock();
        try {
            if (tenantsByDomain.containsKey(domain.toLowerCase(Locale.ROOT))) {
                throw DirectoryException.conflict("domain", "is already served by another tenant");
            }
            Instant now = clock.instant();
            Tenant t = new Tenant(newId(), name == null || name.isBlank() ? domain : name, domain, md5Only,
                    sha256Only, now, now, newApiKey());
            commit(List.of(new Entry(Entry.TENANT, t, null, null)));
            return t;
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public Tenant updateTenant(String tenantId, String name, boolean md5Only, boolean sha256Only) {
        List<Violation> v = TenantRules.digest("sha256_only", md5Only, sha256Only);
        if (!v.isEmpty()) {
            throw DirectoryException.invalid(v);
        }
        writeLock.lock();
        try {
            Tenant old = tenant(tenantId).orElseThrow(() -> DirectoryException.notFound("tenant " + tenantId));
            String newName = name == null || name.isBlank() ? old.name() : name;
            if (newName.equals(old.name()) && md5Only == old.md5Only() && sha256Only == old.sha256Only()) {
                return old;
            }
            Tenant t = old.updated(newName, md5Only, sha256Only, clock.instant());
            commit(List.of(new Entry(Entry.TENANT, t, null, null)));
            return t;
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public Tenant rotateApiKey(String tenantId) {
        writeLock.lock();
        try {
            Tenant old = tenant(tenantId).orElseThrow(() -> DirectoryException.notFound("tenant " + tenantId));
            Tenant t = old.withApiKey(newApiKey(), clock.instant());
            commit(List.of(new Entry(Entry.TENANT, t, null, null)));
            return t;
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public Device createDevice(String tenantId, DeviceSpec spec) {
        validate(spec, true);
        writeLock.lock();
        try {
            Tenant t = tenant(tenantId).orElseThrow(() -> DirectoryException.notFound("tenant " + tenantId));
            checkUnique(tenantId, null, spec.username(), spec.digestUsername());
            Instant now = clock.instant();
            DeviceProfile profile = spec.profile() != null ? spec.profile() : DeviceProfile.defaultsFor(spec.username());
            Device d = new Device(newId(), tenantId, spec.username(), spec.authUsername(), spec.enabled(),
                    secretFor(t, spec.digestUsername(), spec.password()), now, now,
                    profile.withDefaultName(spec.username()));
            commit(List.of(new Entry(Entry.DEVICE, null, d, null)));
            return d;
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public Device updateDevice(String deviceId, DeviceSpec spec) {
        validate(spec, false);
        writeLock.lock();
        try {
            Device old = device(deviceId).orElseThrow(() -> DirectoryException.notFound("device " + deviceId));
            Tenant t = tenantsById.get(old.tenantId());
            checkUnique(old.tenantId(), deviceId, spec.username(), spec.digestUsername());
            // Re-hash only when something the HA1 covers changed: a new seal of the same password would
            // make every unrelated update look like a credential change.
            SipSecret secret = spec.password() == null && spec.digestUsername().equals(old.digestUsername())
                    ? old.secret()
                    : secretFor(t, spec.digestUsername(),
                            spec.password() != null ? spec.password() : revealPassword(old));
            DeviceProfile profile = spec.profile() != null ? spec.profile() : old.profile();
            Device d = new Device(old.id(), old.tenantId(), spec.username(), spec.authUsername(), spec.enabled(),
                    secret, old.createdAt(), clock.instant(), profile.withDefaultName(spec.username()),
                    old.provisioned());
            commit(List.of(new Entry(Entry.DEVICE, null, d, null)));
            return d;
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public void deleteDevice(String deviceId) {
        writeLock.lock();
        try {
            device(deviceId).orElseThrow(() -> DirectoryException.notFound("device " + deviceId));
            List<Entry> batch = new ArrayList<>();
            tokensOf(deviceId).forEach(tk -> batch.add(Entry.deleteToken(tk.sha256())));
            batch.add(new Entry(Entry.DELETE_DEVICE, null, null, deviceId));
            commit(batch);
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public void deleteTenant(String tenantId) {
        writeLock.lock();
        try {
            tenant(tenantId).orElseThrow(() -> DirectoryException.notFound("tenant " + tenantId));
            List<Entry> batch = new ArrayList<>();
            for (Device d : devices(tenantId)) {
                tokensOf(d.id()).forEach(tk -> batch.add(Entry.deleteToken(tk.sha256())));
                batch.add(new Entry(Entry.DELETE_DEVICE, null, null, d.id()));
            }
            users(tenantId).forEach(u -> batch.add(Entry.deleteUser(u.id())));
            batch.add(new Entry(Entry.DELETE_TENANT, null, null, tenantId));
            commit(batch);
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public ImportSummary importLines(List<ImportLine> lines) {
        writeLock.lock();
        try {
            Instant now = clock.instant();
            Map<String, Tenant> newTenants = new java.util.HashMap<>();
            Map<String, Device> staged = new java.util.HashMap<>(); // by tenant+username, for this batch
            Map<String, String> stagedDigest = new java.util.HashMap<>(); // tenant+digest user -> device id
            List<Entry> batch = new ArrayList<>(lines.size() + 16);
            int created = 0;
            int updated = 0;
            for (ImportLine line : lines) {
                String domain = line.domain().toLowerCase(Locale.ROOT);
                Tenant t = tenantsByDomain.get(domain);
                if (t == null) {
                    t = newTenants.computeIfAbsent(domain, dom -> new Tenant(newId(), dom, dom, false, false, now, now,
                            newApiKey()));
                }
                DeviceSpec spec = new DeviceSpec(line.username(), line.authUsername(), line.password(), true);
                String digest = spec.digestUsername();
                Device old = staged.getOrDefault(key(t.id(), line.username()),
                        byUsername(t.id(), line.username()));
                Device holder = byDigestUsername(t.id(), digest);
                String holderId = stagedDigest.getOrDefault(key(t.id(), digest), holder == null ? null : holder.id());
                if (holderId != null && (old == null || !holderId.equals(old.id()))) {
                    throw DirectoryException.invalid(List.of(new Violation("line " + line.lineNumber(), "unique",
                            "auth username " + digest + " belongs to another device")));
                }
                Device d = old == null
                        ? new Device(newId(), t.id(), line.username(), line.authUsername(), true,
                                secretFor(t, digest, line.password()), now, now)
                        : new Device(old.id(), t.id(), line.username(), line.authUsername(), old.enabled(),
                                secretFor(t, digest, line.password()), old.createdAt(), now, old.profile(),
                                old.provisioned());
                if (old == null) {
                    created++;
                } else {
                    updated++;
                }
                staged.put(key(t.id(), line.username()), d);
                if (old != null && !old.digestUsername().equals(digest)) {
                    stagedDigest.remove(key(t.id(), old.digestUsername()));
                }
                stagedDigest.put(key(t.id(), digest), d.id());
                batch.add(new Entry(Entry.DEVICE, null, d, null));
            }
            List<Entry> all = new ArrayList<>(batch.size() + newTenants.size());
            newTenants.values().forEach(t -> all.add(new Entry(Entry.TENANT, t, null, null)));
            all.addAll(batch);
            commit(all);
            return new ImportSummary(newTenants.size(), created, updated);
        } finally {
            writeLock.unlock();
        }
    }

    // ---------------------------------------------------------------- users

    @Override
    public Optional<User> user(String userId) {
        return Optional.ofNullable(usersById.get(userId));
    }

    @Override
    public Optional<User> userByUsername(String tenantId, String username) {
        Map<String, User> byName = usersByTenant.get(tenantId);
        return Optional.ofNullable(byName == null || username == null ? null : byName.get(username));
    }

    @Override
    public List<User> users(String tenantId) {
        Map<String, User> byName = usersByTenant.get(tenantId);
        if (byName == null) {
            return List.of();
        }
        return byName.values().stream().sorted(Comparator.comparing(User::createdAt).thenComparing(User::id)).toList();
    }

    @Override
    public User createUser(String tenantId, UserSpec spec) {
        validate(spec, true);
        // Argon2 takes tens of milliseconds: hash before taking the lock every write waits on.
        String hash = PasswordHash.hash(spec.password());
        writeLock.lock();
        try {
            tenant(tenantId).orElseThrow(() -> DirectoryException.notFound("tenant " + tenantId));
            checkUniqueUser(tenantId, null, spec);
            Instant now = clock.instant();
            User u = new User(newId(), tenantId, spec.username(), spec.firstName(), spec.lastName(), spec.email(),
                    hash, spec.role(), spec.enabled(), spec.ms365Binding(), now, now);
            commit(List.of(Entry.user(u)));
            return u;
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public User updateUser(String userId, UserSpec spec) {
        validate(spec, false);
        String hash = spec.password() == null ? null : PasswordHash.hash(spec.password());
        writeLock.lock();
        try {
            User old = user(userId).orElseThrow(() -> DirectoryException.notFound("user " + userId));
            checkUniqueUser(old.tenantId(), userId, spec);
            User u = new User(old.id(), old.tenantId(), spec.username(), spec.firstName(), spec.lastName(),
                    spec.email(), hash != null ? hash : old.passwordHash(), spec.role(), spec.enabled(),
                    spec.ms365Binding(), old.createdAt(), clock.instant());
            commit(List.of(Entry.user(u)));
            return u;
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public void deleteUser(String userId) {
        writeLock.lock();
        try {
            user(userId).orElseThrow(() -> DirectoryException.notFound("user " + userId));
            commit(List.of(Entry.deleteUser(userId)));
        } finally {
            writeLock.unlock();
        }
    }

    private void checkUniqueUser(String tenantId, String selfId, UserSpec spec) {
        userByUsername(tenantId, spec.username()).filter(u -> !u.id().equals(selfId)).ifPresent(u -> {
            throw DirectoryException.conflict("username", "is already used by another user in this tenant");
        });
        if (spec.ms365Binding() != null && users(tenantId).stream().anyMatch(u -> !u.id().equals(selfId)
                && spec.ms365Binding().equalsIgnoreCase(u.ms365Binding()))) {
            throw DirectoryException.conflict("ms365_binding", "is already bound to another user in this tenant");
        }
    }

    // ---------------------------------------------------------------- provisioning

    @Override
    public Tenant updateTenantProvisioning(String tenantId, TenantProvisioning settings) {
        writeLock.lock();
        try {
            Tenant old = tenant(tenantId).orElseThrow(() -> DirectoryException.notFound("tenant " + tenantId));
            if (old.provisioning().equals(settings)) {
                return old;
            }
            Tenant t = old.withProvisioning(settings, clock.instant());
            commit(List.of(new Entry(Entry.TENANT, t, null, null)));
            return t;
        } finally {
            writeLock.unlock();
        }
    }

    // ---------------------------------------------------------------- Microsoft sign-in

    @Override
    public Tenant putMs365Settings(String tenantId, Ms365Settings settings, Ms365Credentials credentials) {
        writeLock.lock();
        try {
            Tenant old = tenant(tenantId).orElseThrow(() -> DirectoryException.notFound("tenant " + tenantId));
            Tenant t = old.withMs365(sealed(old.ms365(), settings, credentials), clock.instant());
            commit(List.of(new Entry(Entry.TENANT, t, null, null)));
            return t;
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public Tenant deleteMs365Settings(String tenantId) {
        writeLock.lock();
        try {
            Tenant old = tenant(tenantId).orElseThrow(() -> DirectoryException.notFound("tenant " + tenantId));
            if (old.ms365() == null) {
                return old;
            }
            Tenant t = old.withMs365(null, clock.instant());
            commit(List.of(new Entry(Entry.TENANT, t, null, null)));
            return t;
        } finally {
            writeLock.unlock();
        }
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
        Tenant current = tenantsById.get(tenant.id());
        if (current == null || current.ms365() == null || !current.ms365().hasCertificate()) {
            return Optional.empty();
        }
        return Optional.of(sealer.unseal(current.ms365().sealedCertificateKey()));
    }

    @Override
    public Optional<String> revealMs365ClientSecret(Tenant tenant) {
        Tenant current = tenantsById.get(tenant.id());
        if (current == null || current.ms365() == null || !current.ms365().hasClientSecret()) {
            return Optional.empty();
        }
        return Optional.of(sealer.unseal(current.ms365().sealedClientSecret()));
    }

    @Override
    public ProvisioningToken putProvisioningToken(ProvisioningToken token) {
        writeLock.lock();
        try {
            device(token.deviceId()).orElseThrow(() -> DirectoryException.notFound("device " + token.deviceId()));
            List<Entry> batch = new ArrayList<>();
            // One live token of each kind per device: a new one replaces the old.
            tokensOf(token.deviceId()).filter(t -> t.kind() == token.kind())
                    .forEach(t -> batch.add(Entry.deleteToken(t.sha256())));
            batch.add(Entry.token(token));
            commit(batch);
            return token;
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public boolean revokeProvisioningTokens(String deviceId, ProvisioningToken.Kind kind) {
        writeLock.lock();
        try {
            List<Entry> batch = new ArrayList<>();
            tokensOf(deviceId).filter(t -> t.kind() == kind).forEach(t -> batch.add(Entry.deleteToken(t.sha256())));
            if (batch.isEmpty()) {
                return false;
            }
            commit(batch);
            return true;
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public Optional<ProvisioningToken> provisioningToken(String deviceId, ProvisioningToken.Kind kind) {
        return tokensOf(deviceId).filter(t -> t.kind() == kind).findFirst();
    }

    @Override
    public Optional<ProvisioningToken> findProvisioningToken(String token, ProvisioningToken.Kind kind,
                                                             Instant now) {
        if (token == null || token.isEmpty() || token.length() > 256) {
            return Optional.empty();
        }
        String hash = sha256Hex(token);
        ProvisioningToken t = tokensByHash.get(hash);
        if (t == null || t.kind() != kind || t.expiredAt(now) || !devicesById.containsKey(t.deviceId())
                || !MessageDigest.isEqual(t.sha256().getBytes(StandardCharsets.US_ASCII),
                        hash.getBytes(StandardCharsets.US_ASCII))) {
            return Optional.empty();
        }
        return Optional.of(t);
    }

    @Override
    public Optional<Device> provision(String token, ProvisioningToken.Kind kind, Provisioned fetch,
                                      String newPassword) {
        if (token == null || token.isEmpty() || token.length() > 256) {
            return Optional.empty();
        }
        String hash = sha256Hex(token);
        writeLock.lock();
        try {
            ProvisioningToken t = tokensByHash.get(hash);
            // The map found a candidate by hash; the final comparison does not short-circuit.
            if (t == null || t.kind() != kind || t.expiredAt(fetch.at()) || !MessageDigest.isEqual(
                    t.sha256().getBytes(StandardCharsets.US_ASCII), hash.getBytes(StandardCharsets.US_ASCII))) {
                return Optional.empty();
            }
            Device old = devicesById.get(t.deviceId());
            if (old == null) {
                return Optional.empty();
            }
            if (newPassword != null) {
                validate(new DeviceSpec(old.username(), old.authUsername(), newPassword, true), true);
            }
            Tenant tenant = tenantsById.get(old.tenantId());
            SipSecret secret = newPassword == null ? old.secret() : secretFor(tenant, old.digestUsername(), newPassword);
            Provisioned first = old.provisioned() != null ? old.provisioned() : fetch;
            Device d = new Device(old.id(), old.tenantId(), old.username(), old.authUsername(), true, secret,
                    old.createdAt(), fetch.at(), old.profile(), first);
            List<Entry> batch = new ArrayList<>();
            if (t.singleUse()) {
                batch.add(Entry.deleteToken(hash));
            }
            if (!d.equals(old)) {
                batch.add(new Entry(Entry.DEVICE, null, d, null));
            }
            if (!batch.isEmpty()) {
                commit(batch);
            }
            return Optional.of(d);
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public String sealSecret(String clear) {
        return sealer.seal(clear);
    }

    @Override
    public String revealSecret(String sealed) {
        return sealer.unseal(sealed);
    }

    private Stream<ProvisioningToken> tokensOf(String deviceId) {
        return tokensByHash.values().stream().filter(t -> t.deviceId().equals(deviceId));
    }

    @Override
    public void close() {
        writeLock.lock();
        try {
            closeQuietly(journal);
            try {
                lock.release();
            } catch (IOException e) {
                log.debug("releasing the directory lock: {}", e.toString());
            }
            closeQuietly(lockChannel);
            OPEN_IN_THIS_JVM.remove(dir);
        } finally {
            writeLock.unlock();
        }
    }

    // ---------------------------------------------------------------- internals

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

    private void checkUnique(String tenantId, String selfId, String username, String digest) {
        Device byName = byUsername(tenantId, username);
        if (byName != null && !byName.id().equals(selfId)) {
            throw DirectoryException.conflict("username", "is already used in this tenant");
        }
        Device byDigest = byDigestUsername(tenantId, digest);
        if (byDigest != null && !byDigest.id().equals(selfId)) {
            throw DirectoryException.conflict("auth_username", "is already used in this tenant");
        }
    }

    private SipSecret secretFor(Tenant t, String digestUser, String password) {
        return sealer.secretFor(digestUser, t.domain(), password);
    }

    /** Loads the sealing key file, creating it (atomically, owner-only) on first use. */
    private static PasswordSealer openSealer(Path keyFile) {
        try {
            if (!Files.exists(keyFile)) {
                byte[] fresh = new byte[PasswordSealer.KEY_BYTES];
                new SecureRandom().nextBytes(fresh);
                Durable.writeAtomically(keyFile, Base64.getEncoder().encode(fresh), true);
            }
            byte[] k = Base64.getDecoder().decode(Files.readString(keyFile, StandardCharsets.US_ASCII).strip());
            return PasswordSealer.withKey(k);
        } catch (IOException | IllegalArgumentException e) {
            throw new DirectoryException(DirectoryException.Kind.IO,
                    "cannot read the sealing key " + keyFile + ": " + e.getMessage(), List.of(), e);
        }
    }

    private ApiKey newApiKey() {
        byte[] b = new byte[API_KEY_BYTES];
        random.nextBytes(b);
        String key = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        return new ApiKey(sha256Hex(key), sealer.seal(key));
    }

    static String sha256Hex(String text) {
        return DigestAlgorithm.SHA_256.hashHex(text);
    }

    private String newId() {
        byte[] b = new byte[16];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** Key of import's per-batch staging maps (short-lived, unlike the indexes). */
    private static String key(String tenantId, String user) {
        return tenantId + '\n' + user;
    }

    private Device byUsername(String tenantId, String username) {
        TenantDevices td = devicesByTenant.get(tenantId);
        return td == null ? null : td.byUsername.get(username);
    }

    private Device byDigestUsername(String tenantId, String digestUsername) {
        TenantDevices td = devicesByTenant.get(tenantId);
        return td == null ? null : td.byDigestUsername(digestUsername);
    }

    /** Appends the batch, fsyncs, then applies it in memory and tells listeners. Caller holds writeLock. */
    private void commit(List<Entry> batch) {
        List<Device> removed = new ArrayList<>();
        List<Tenant> removedTenantOf = new ArrayList<>();
        List<Device[]> changed = new ArrayList<>();
        List<Tenant> removedTenants = new ArrayList<>();
        long start = -1;
        try {
            String text = line(batch.size() == 1 ? batch.get(0) : new Entry(Entry.BATCH, null, null, null, batch));
            ByteBuffer buf = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            start = journal.size();
            while (buf.hasRemaining()) {
                journal.write(buf);
            }
            journal.force(false);
        } catch (IOException e) {
            // Cut a partial append away, or the next successful write would bury it mid-file.
            if (start >= 0) {
                try {
                    journal.truncate(start);
                } catch (IOException ignored) {
                    log.warn("could not cut a failed journal append; the next start drops it if it is last");
                }
            }
            throw new DirectoryException(DirectoryException.Kind.IO, "journal write failed: " + e.getMessage(),
                    List.of(), e);
        }
        for (Entry e : batch) {
            if (Entry.TOKEN.equals(e.op()) || Entry.DELETE_TOKEN.equals(e.op()) || Entry.USER.equals(e.op())
                    || Entry.DELETE_USER.equals(e.op())) {
                apply(e);
                continue;
            }
            Device before = e.device() != null ? devicesById.get(e.device().id())
                    : Entry.DELETE_DEVICE.equals(e.op()) ? devicesById.get(e.id()) : null;
            Tenant tenantBefore = Entry.DELETE_TENANT.equals(e.op()) ? tenantsById.get(e.id())
                    : before != null ? tenantsById.get(before.tenantId()) : null;
            apply(e);
            if (e.device() != null) {
                changed.add(new Device[] {before, e.device()});
            } else if (before != null) {
                removed.add(before);
                removedTenantOf.add(tenantBefore);
            } else if (tenantBefore != null) {
                removedTenants.add(tenantBefore);
            }
        }
        journalEntries += batch.size();
        for (DirectoryListener l : listeners) {
            for (Device[] c : changed) {
                Tenant t = tenantsById.get(c[1].tenantId());
                safely(() -> l.deviceChanged(c[0], c[1], t));
            }
            for (int i = 0; i < removed.size(); i++) {
                Device d = removed.get(i);
                Tenant t = removedTenantOf.get(i);
                safely(() -> l.deviceRemoved(d, t));
            }
            for (Tenant t : removedTenants) {
                safely(() -> l.tenantRemoved(t));
            }
        }
        if (journalEntries >= COMPACT_AFTER_ENTRIES) {
            compact();
        }
    }

    private static void safely(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            log.warn("directory listener failed: {}", e.toString());
        }
    }

    private String line(Entry e) {
        try {
            String body = json.writeValueAsString(e);
            CRC32C crc = new CRC32C();
            crc.update(body.getBytes(StandardCharsets.UTF_8));
            return String.format("%08x", crc.getValue()) + ' ' + body + '\n';
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private void apply(Entry e) {
        switch (e.op()) {
            case Entry.BATCH -> e.entries().forEach(this::apply);
            case Entry.TENANT -> {
                Tenant old = tenantsById.put(e.tenant().id(), e.tenant());
                if (old != null) {
                    tenantsByDomain.remove(old.domain());
                    if (old.apiKey() != null) {
                        tenantsByKeyHash.remove(old.apiKey().sha256());
                    }
                }
                tenantsByDomain.put(e.tenant().domain(), e.tenant());
                if (e.tenant().apiKey() != null) {
                    tenantsByKeyHash.put(e.tenant().apiKey().sha256(), e.tenant());
                }
            }
            case Entry.DEVICE -> {
                Device d = shared(e.device());
                Device old = devicesById.put(d.id(), d);
                if (old != null) {
                    unindex(old);
                }
                devicesByTenant.computeIfAbsent(d.tenantId(), k -> new TenantDevices()).add(d);
            }
            case Entry.DELETE_DEVICE -> {
                Device old = devicesById.remove(e.id());
                if (old != null) {
                    unindex(old);
                }
            }
            case Entry.TOKEN -> tokensByHash.put(e.token().sha256(), e.token());
            case Entry.DELETE_TOKEN -> tokensByHash.remove(e.id());
            case Entry.USER -> {
                User u = e.user();
                User old = usersById.put(u.id(), u);
                if (old != null) {
                    usersByTenant.computeIfPresent(old.tenantId(), (k, m) -> {
                        m.remove(old.username(), old);
                        return m;
                    });
                }
                usersByTenant.computeIfAbsent(u.tenantId(), k -> new ConcurrentHashMap<>()).put(u.username(), u);
            }
            case Entry.DELETE_USER -> {
                User old = usersById.remove(e.id());
                if (old != null) {
                    usersByTenant.computeIfPresent(old.tenantId(), (k, m) -> {
                        m.remove(old.username(), old);
                        return m.isEmpty() ? null : m;
                    });
                }
            }
            case Entry.DELETE_TENANT -> {
                Tenant old = tenantsById.remove(e.id());
                devicesByTenant.computeIfPresent(e.id(), (k, td) -> td.isEmpty() ? null : td);
                if (old != null) {
                    tenantsByDomain.remove(old.domain());
                    if (old.apiKey() != null) {
                        tenantsByKeyHash.remove(old.apiKey().sha256());
                    }
                }
            }
            default -> throw new IllegalStateException("unknown journal op " + e.op());
        }
    }

    /**
     * The device as it is kept: with its tenant's own id string and, where equal, the instant of
     * the device applied before it. A device read from JSON has its own copies of both, while a
     * bulk import gives thousands of devices the same tenant and the same timestamps.
     * Caller holds writeLock (or is loading).
     */
    private Device shared(Device d) {
        Tenant t = tenantsById.get(d.tenantId());
        String tenantId = t != null ? t.id() : d.tenantId();
        Instant created = shared(d.createdAt());
        Instant updated = shared(d.updatedAt());
        if (tenantId == d.tenantId() && created == d.createdAt() && updated == d.updatedAt()) {
            return d;
        }
        return new Device(d.id(), tenantId, d.username(), d.authUsername(), d.enabled(), d.secret(), created,
                updated, d.profile(), d.provisioned());
    }

    private Instant shared(Instant i) {
        if (i.equals(lastInstant)) {
            return lastInstant;
        }
        lastInstant = i;
        return i;
    }

    private void unindex(Device d) {
        TenantDevices td = devicesByTenant.get(d.tenantId());
        if (td != null) {
            td.remove(d);
        }
    }

    /**
     * Copies the directory under {@code dataDir} into {@code targetDataDir} as it stood at one
     * moment, while an edge may be writing it: the snapshot, then its generation's journal (a
     * prefix of it if an append is under way: loading drops a torn last line), then the snapshot
     * again, and it starts over if a compaction came in between. Takes no lock.
     *
     * @throws IOException when the files cannot be read, or kept changing under ten attempts
     */
    public static void backup(Path dataDir, Path targetDataDir) throws IOException {
        Path from = dataDir.resolve(DIRECTORY);
        Path to = targetDataDir.resolve(DIRECTORY);
        Files.createDirectories(to);
        Durable.restrictDirectory(to);
        ObjectMapper reader = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
        for (int attempt = 0; attempt < 10; attempt++) {
            Path snapshot = from.resolve("snapshot.json");
            byte[] snap = Files.exists(snapshot) ? Files.readAllBytes(snapshot) : null;
            long generation = snap == null ? 0 : reader.readTree(snap).path("generation").asLong();
            Path journal = from.resolve("journal-" + generation + ".log");
            byte[] lines;
            try {
                lines = Files.exists(journal) ? Files.readAllBytes(journal) : new byte[0];
            } catch (NoSuchFileException compacted) {
                continue;
            }
            byte[] after = Files.exists(snapshot) ? Files.readAllBytes(snapshot) : null;
            if (!java.util.Arrays.equals(snap, after)) {
                continue; // compacted meanwhile: the journal read may belong to another snapshot
            }
            Durable.writeAtomically(to.resolve("seal.key"), Files.readAllBytes(from.resolve("seal.key")), true);
            if (snap != null) {
                Durable.writeAtomically(to.resolve("snapshot.json"), snap, true);
            }
            Durable.writeAtomically(to.resolve("journal-" + generation + ".log"), lines, true);
            return;
        }
        throw new IOException("the directory in " + from + " kept changing; try again");
    }

    private void load() throws IOException {
        Path snap = dir.resolve("snapshot.json");
        if (Files.exists(snap)) {
            Snapshot s = json.readValue(snap.toFile(), Snapshot.class);
            generation = s.generation();
            s.tenants().forEach(t -> apply(new Entry(Entry.TENANT, t, null, null)));
            s.devices().forEach(d -> apply(new Entry(Entry.DEVICE, null, d, null)));
            if (s.tokens() != null) {
                s.tokens().forEach(t -> apply(Entry.token(t)));
            }
            if (s.users() != null) {
                s.users().forEach(u -> apply(Entry.user(u)));
            }
        }
        Path jp = journalPath(generation);
        int replayed = 0;
        if (Files.exists(jp)) {
            replayed = replay(jp);
        }
        journal = openJournal(jp);
        Durable.syncDirectory(dir);
        journalEntries = replayed;
        deleteStaleJournals();
        log.info("directory loaded: {} tenants, {} devices ({} journal entries replayed)",
                tenantsById.size(), devicesById.size(), replayed);
        if (replayed > 0) {
            compact();
        }
    }

    /** Replays a journal; a torn last line (kill -9 mid-append) is cut off, anything worse refuses to load. */
    private int replay(Path jp) throws IOException {
        byte[] all = Files.readAllBytes(jp);
        int pos = 0;
        int count = 0;
        while (pos < all.length) {
            int nl = indexOf(all, (byte) '\n', pos);
            String bad = null;
            Entry e = null;
            if (nl < 0) {
                bad = "no end of line";
            } else {
                String text = new String(all, pos, nl - pos, StandardCharsets.UTF_8);
                int sp = text.indexOf(' ');
                if (sp != 8) {
                    bad = "no checksum";
                } else {
                    String body = text.substring(9);
                    CRC32C crc = new CRC32C();
                    crc.update(body.getBytes(StandardCharsets.UTF_8));
                    if (!String.format("%08x", crc.getValue()).equals(text.substring(0, 8))) {
                        bad = "checksum mismatch";
                    } else {
                        e = json.readValue(body, Entry.class);
                    }
                }
            }
            if (bad != null) {
                boolean last = nl < 0 || nl == all.length - 1;
                if (!last) {
                    throw new IOException(jp + " is damaged at byte " + pos + " (" + bad
                            + ") before its end: this is not a torn append; restore from a backup");
                }
                log.warn("dropping a torn, never acknowledged record at the end of {} ({})", jp.getFileName(), bad);
                try (FileChannel ch = FileChannel.open(jp, StandardOpenOption.WRITE)) {
                    ch.truncate(pos);
                    ch.force(true);
                }
                break;
            }
            apply(e);
            count++;
            pos = nl + 1;
        }
        return count;
    }

    private static int indexOf(byte[] a, byte b, int from) {
        for (int i = from; i < a.length; i++) {
            if (a[i] == b) {
                return i;
            }
        }
        return -1;
    }

    /** Writes the whole state as the next generation's snapshot and starts its empty journal. */
    private void compact() {
        try {
            long next = generation + 1;
            // Expired tokens are refused anyway; compaction is where they are finally dropped.
            Instant now = clock.instant();
            Snapshot s = new Snapshot(next, List.copyOf(tenantsById.values()), List.copyOf(devicesById.values()),
                    tokensByHash.values().stream().filter(t -> !t.expiredAt(now)).toList(),
                    List.copyOf(usersById.values()));
            Path jpNext = journalPath(next);
            Files.deleteIfExists(jpNext); // a leftover from a compaction that crashed before its rename
            Durable.writeAtomically(dir.resolve("snapshot.json"), json.writeValueAsBytes(s), true);
            FileChannel old = journal;
            journal = openJournal(jpNext);
            Durable.syncDirectory(dir);
            generation = next;
            journalEntries = 0;
            closeQuietly(old);
            deleteStaleJournals();
        } catch (IOException e) {
            // The journal still holds everything; compaction is retried at the next write or start.
            log.warn("directory compaction failed, will retry: {}", e.toString());
        }
    }

    private void deleteStaleJournals() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                String n = p.getFileName().toString();
                if (n.startsWith("journal-") && n.endsWith(".log") && !p.equals(journalPath(generation))) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** Opens a journal for appending, owner-only: it holds HA1s, which authenticate like passwords. */
    private static FileChannel openJournal(Path p) throws IOException {
        FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        Durable.restrict(p);
        return ch;
    }

    private Path journalPath(long gen) {
        return dir.resolve("journal-" + gen + ".log");
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception e) {
                log.debug("close: {}", e.toString());
            }
        }
    }
}
