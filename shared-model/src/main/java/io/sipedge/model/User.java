package io.sipedge.model;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Locale;

/**
 * A person of a tenant who signs in to the API (issue 17). Not a device: a device registers over
 * SIP with its own credentials; a user owns devices through their {@code owner_id}.
 *
 * @param id           stable identifier (32 lower-case hex characters)
 * @param tenantId     the owning tenant
 * @param username     sign-in name, unique among the tenant's users (the device username rules)
 * @param firstName    optional
 * @param lastName     optional
 * @param email        optional; where a password reset would be sent
 * @param passwordHash Argon2id PHC string ({@code io.sipedge.directory.PasswordHash}); never the password
 * @param role         what the user may do once signed in
 * @param enabled      a disabled user cannot sign in
 * @param ms365Binding the Microsoft Entra object id or UPN the user signs in as, or null
 * @param createdAt    creation time
 * @param updatedAt    last change
 */
public record User(String id, String tenantId, String username, String firstName, String lastName, String email,
                   String passwordHash, Role role, boolean enabled, String ms365Binding, Instant createdAt,
                   Instant updatedAt) {

    /** {@code admin} manages the account's users and devices; {@code user} only their own devices. */
    public enum Role {
        ADMIN, USER;

        /** The API's spelling. */
        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The role spelled {@code value} in the API, or null. */
        public static Role fromWire(String value) {
            for (Role r : values()) {
                if (r.wire().equals(value)) {
                    return r;
                }
            }
            return null;
        }
    }

    public User {
        requireNonNull(id, "id");
        requireNonNull(tenantId, "tenantId");
        requireNonNull(username, "username");
        requireNonNull(passwordHash, "passwordHash");
        requireNonNull(role, "role");
        requireNonNull(createdAt, "createdAt");
        if (updatedAt == null) {
            updatedAt = createdAt;
        }
    }

    /** Records print every component: this one keeps the password hash out of logs. */
    @Override
    public String toString() {
        return "User[id=" + id + ", tenantId=" + tenantId + ", username=" + username + ", role=" + role.wire()
                + ", enabled=" + enabled + ", passwordHash=<redacted>]";
    }
}
