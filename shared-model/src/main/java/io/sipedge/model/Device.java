package io.sipedge.model;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * A provisioned SIP device (a softphone account) of a tenant.
 *
 * @param id           stable identifier (32 lower-case hex characters)
 * @param tenantId     the owning tenant
 * @param username     the SIP user: the user part of the AOR (To URI) it registers
 * @param authUsername the digest username, when it differs from {@code username}; else null
 * @param enabled      a disabled device cannot register
 * @param secret       HA1s and the sealed password
 * @param createdAt    creation time
 * @param updatedAt    last change
 * @param profile      name, type, owner, caller ids and SIP settings; never null (defaults from the username)
 * @param provisioned  the first successful provisioning fetch, or null when never provisioned
 */
public record Device(String id, String tenantId, String username, String authUsername, boolean enabled,
                     SipSecret secret, Instant createdAt, Instant updatedAt, DeviceProfile profile,
                     Provisioned provisioned) {
    public Device {
        requireNonNull(id, "id");
        requireNonNull(tenantId, "tenantId");
        requireNonNull(username, "username");
        requireNonNull(secret, "secret");
        requireNonNull(createdAt, "createdAt");
        requireNonNull(updatedAt, "updatedAt");
        if (authUsername != null && (authUsername.isEmpty() || authUsername.equals(username))) {
            authUsername = null;
        }
        // Records written before profiles existed (and bulk-imported devices) get the defaults. Most
        // devices have them, so they are kept as null and rebuilt by profile(): a million devices
        // would otherwise carry a million equal profiles.
        if (profile != null && profile.equals(DeviceProfile.defaultsFor(username))) {
            profile = null;
        }
        // Equal instants are common (never updated): keep one object.
        if (updatedAt.equals(createdAt)) {
            updatedAt = createdAt;
        }
    }

    /** Never null: the defaults from the username when the device has no profile of its own. */
    @Override
    public DeviceProfile profile() {
        return profile != null ? profile : DeviceProfile.defaultsFor(username);
    }

    /** A device never provisioned. */
    public Device(String id, String tenantId, String username, String authUsername, boolean enabled,
                  SipSecret secret, Instant createdAt, Instant updatedAt, DeviceProfile profile) {
        this(id, tenantId, username, authUsername, enabled, secret, createdAt, updatedAt, profile, null);
    }

    /** A device with the default profile (bulk import, tests). */
    public Device(String id, String tenantId, String username, String authUsername, boolean enabled,
                  SipSecret secret, Instant createdAt, Instant updatedAt) {
        this(id, tenantId, username, authUsername, enabled, secret, createdAt, updatedAt, null, null);
    }

    /** The username digest credentials carry: the auth username when set, else the SIP username. */
    public String digestUsername() {
        return authUsername != null ? authUsername : username;
    }

    /** As the generated one would print it, but with {@link #profile()} rather than the internal null. */
    @Override
    public String toString() {
        return "Device[id=" + id + ", tenantId=" + tenantId + ", username=" + username + ", authUsername="
                + authUsername + ", enabled=" + enabled + ", secret=" + secret + ", createdAt=" + createdAt
                + ", updatedAt=" + updatedAt + ", profile=" + profile() + ", provisioned=" + provisioned + "]";
    }

    public Device withEnabled(boolean value, Instant now) {
        return new Device(id, tenantId, username, authUsername, value, secret, createdAt, now, profile, provisioned);
    }
}
