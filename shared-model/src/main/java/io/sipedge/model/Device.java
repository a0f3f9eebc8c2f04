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
        // Records written before profiles existed (and bulk-imported devices) get the defaults.
        if (profile == null) {
            profile = DeviceProfile.defaultsFor(username);
        }
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

    public Device withEnabled(boolean value, Instant now) {
        return new Device(id, tenantId, username, authUsername, value, secret, createdAt, now, profile, provisioned);
    }
}
