package io.sipedge.directory;

import io.sipedge.model.Device;
import io.sipedge.model.Provisioned;
import io.sipedge.model.Ms365Settings;
import io.sipedge.model.ProvisioningToken;
import io.sipedge.model.Tenant;
import io.sipedge.model.TenantProvisioning;
import io.sipedge.model.User;
import java.util.List;
import java.util.Optional;

/**
 * Provisioned data: tenants, their devices with SIP credentials, and their users (who sign in to
 * the API; a user's devices are those whose {@code owner_id} is the user's id).
 *
 * <p>Reads are served from memory and are safe from any thread without blocking: the registrar
 * calls them on every authentication. Writes are durable when they return (the record is on disk
 * and fsynced) and are serialised; they may block on disk, so the HTTP side calls them off its
 * event loop.
 */
public interface Directory extends AutoCloseable {

    Optional<Tenant> tenant(String tenantId);

    /** The tenant whose SIP domain (= digest realm) is {@code domain}, compared case-insensitively. */
    Optional<Tenant> tenantByDomain(String domain);

    List<Tenant> tenants();

    /**
     * The tenant whose operator API key is {@code apiKey}. The key is hashed and the hash looked up
     * and compared in constant time; the key itself is never kept in clear.
     */
    Optional<Tenant> tenantByApiKey(String apiKey);

    Optional<Device> device(String deviceId);

    /** The device whose SIP username (AOR user part) is {@code username} in the tenant. */
    Optional<Device> deviceByUsername(String tenantId, String username);

    /** The device whose digest username (auth username, else SIP username) is {@code digestUsername}. */
    Optional<Device> deviceByDigestUsername(String tenantId, String digestUsername);

    List<Device> devices(String tenantId);

    int deviceCount();

    /**
     * Creates a tenant ({@link Tenant#md5Only}, {@link Tenant#sha256Only}: at most one). Throws
     * {@link DirectoryException} on a rule violation or a taken domain.
     */
    Tenant createTenant(String name, String domain, boolean md5Only, boolean sha256Only);

    /** Creates a tenant challenged with the edge's algorithms, or MD5 alone. */
    default Tenant createTenant(String name, String domain, boolean md5Only) {
        return createTenant(name, domain, md5Only, false);
    }

    /**
     * Changes a tenant's name and digest options. (Its domain is its realm: changing it would need
     * every HA1 recomputed, which a later feature does with the sealed passwords.)
     */
    Tenant updateTenant(String tenantId, String name, boolean md5Only, boolean sha256Only);

    /**
     * Gives the tenant a new random API key (256 bits, base64url), replacing any previous one, and
     * returns the tenant as stored. The clear key is read with {@link #revealApiKey}.
     */
    Tenant rotateApiKey(String tenantId);

    /** The tenant's API key in clear (for the admin); empty when the tenant has none yet. */
    Optional<String> revealApiKey(Tenant tenant);

    /** Creates a device; HA1s are computed for the tenant's realm and the password is sealed. */
    Device createDevice(String tenantId, DeviceSpec spec);

    /**
     * Replaces a device's username, auth username, password (when non-null), enabled flag and
     * profile (when non-null). HA1s are recomputed when the password or the digest username changes.
     */
    Device updateDevice(String deviceId, DeviceSpec spec);

    void deleteDevice(String deviceId);

    /** Deletes the tenant, all its devices and all its users. */
    void deleteTenant(String tenantId);

    /**
     * Applies already validated import lines in one durable batch: tenants are created for unknown
     * domains (each with an API key), a known username gets the new password (and auth username), others are created.
     */
    ImportSummary importLines(List<ImportLine> lines);

    /** The clear password, for features that must hand it to the device (scloc QR codes). */
    String revealPassword(Device device);

    void addListener(DirectoryListener listener);

    // ---------------------------------------------------------------- users

    Optional<User> user(String userId);

    /**
     * The user signing in as {@code username} in the tenant (compared exactly, as device usernames
     * are). Users and devices are looked up apart: a user may share a device's username.
     */
    Optional<User> userByUsername(String tenantId, String username);

    /**
     * The user of the tenant whose Microsoft binding (object id or UPN) is {@code binding},
     * compared case-insensitively as GUIDs and UPNs are; at most one, as bindings are unique per tenant.
     */
    default Optional<User> userByMs365Binding(String tenantId, String binding) {
        return binding == null ? Optional.empty()
                : users(tenantId).stream().filter(u -> binding.equalsIgnoreCase(u.ms365Binding())).findFirst();
    }

    /** The tenant's users, oldest first. */
    List<User> users(String tenantId);

    /**
     * Creates a user; the password is hashed ({@link PasswordHash}) and never kept. Throws
     * {@link DirectoryException}: INVALID on a rule, CONFLICT on a username (or Microsoft binding)
     * another user of the tenant has, NOT_FOUND for an unknown tenant.
     */
    User createUser(String tenantId, UserSpec spec);

    /** Replaces a user's fields; a null password keeps the stored hash. */
    User updateUser(String userId, UserSpec spec);

    void deleteUser(String userId);

    /**
     * The enabled user of the tenant whose password this is, else empty. An unknown user costs
     * the same hash as a known one, so the time taken does not tell which usernames exist.
     */
    default Optional<User> checkUserPassword(String tenantId, String username, String password) {
        Optional<User> u = username == null ? Optional.empty() : userByUsername(tenantId, username);
        boolean ok = PasswordHash.verify(password == null ? "" : password,
                u.map(User::passwordHash).orElse(PasswordHash.DUMMY));
        return ok && u.isPresent() && u.get().enabled() ? u : Optional.empty();
    }

    // ---------------------------------------------------------------- provisioning

    /** Replaces a tenant's provisioning settings. */
    Tenant updateTenantProvisioning(String tenantId, TenantProvisioning settings);

    // ---------------------------------------------------------------- Microsoft sign-in (issue 17)

    /**
     * Creates or replaces a tenant's Microsoft sign-in settings and returns the tenant as stored.
     * The client secret and the certificate's private key in {@code credentials} are sealed and
     * stored; each credential left null keeps the one stored before (if any). The credentials
     * {@code settings} carries are ignored: only this Directory seals.
     */
    Tenant putMs365Settings(String tenantId, Ms365Settings settings, Ms365Credentials credentials);

    /** As {@link #putMs365Settings(String, Ms365Settings, Ms365Credentials)} with a client secret alone (null keeps). */
    default Tenant putMs365Settings(String tenantId, Ms365Settings settings, String clientSecret) {
        return putMs365Settings(tenantId, settings, Ms365Credentials.secret(clientSecret));
    }

    /** Removes a tenant's Microsoft sign-in settings, secret included; returns the tenant as stored. */
    Tenant deleteMs365Settings(String tenantId);

    /** The tenant's Microsoft client secret in clear (for the token endpoint); empty when none is stored. */
    Optional<String> revealMs365ClientSecret(Tenant tenant);

    /** The private key of the tenant's Microsoft certificate credential (PKCS#8 PEM); empty when none is stored. */
    Optional<String> revealMs365CertificateKey(Tenant tenant);

    /**
     * Stores a token (by its hash only), replacing the device's previous token of the same kind.
     * The clear token never reaches the Directory.
     */
    ProvisioningToken putProvisioningToken(ProvisioningToken token);

    /** Revokes the device's token of that kind; false when it had none. */
    boolean revokeProvisioningTokens(String deviceId, ProvisioningToken.Kind kind);

    /** The device's live or expired token of that kind, if one is stored. */
    Optional<ProvisioningToken> provisioningToken(String deviceId, ProvisioningToken.Kind kind);

    /**
     * A live token of {@code kind} by its clear value (looked up by hash, compared in constant time):
     * empty when unknown, expired at {@code now}, used up or revoked. Reads only; nothing is consumed.
     */
    Optional<ProvisioningToken> findProvisioningToken(String token, ProvisioningToken.Kind kind, java.time.Instant now);

    /**
     * Redeems a token, atomically and durably: a token of {@code kind} that exists and has not
     * expired at {@code fetch.at()} is consumed if single-use; its device is enabled, recorded as
     * provisioned by {@code fetch} on its first provisioning, and given {@code newPassword} when
     * non-null (validated by the password rules). Empty for an unknown, expired, used-up or revoked
     * token, which callers must not tell apart. The token is looked up by hash and compared in
     * constant time.
     */
    Optional<Device> provision(String token, ProvisioningToken.Kind kind, Provisioned fetch, String newPassword);

    /** Seals a secret (an XMPP password) with the key that seals SIP passwords. */
    String sealSecret(String clear);

    /** Opens what {@link #sealSecret} sealed. */
    String revealSecret(String sealed);

    @Override
    void close();
}
