package io.sipedge.model;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * What the Directory keeps of a provisioning token: its SHA-256 only (the token is 256 random bits,
 * so its hash cannot be reversed), so a copy of the data directory holds no usable token.
 *
 * @param sha256    lower-case hex SHA-256 of the token's UTF-8 bytes
 * @param deviceId  the device the token provisions
 * @param kind      which endpoint accepts it
 * @param createdAt issue time
 * @param expiresAt the token is refused from this instant on
 * @param singleUse consumed by its first successful fetch
 */
public record ProvisioningToken(String sha256, String deviceId, Kind kind, Instant createdAt, Instant expiresAt,
                                boolean singleUse) {
    public ProvisioningToken {
        requireNonNull(sha256, "sha256");
        requireNonNull(deviceId, "deviceId");
        requireNonNull(kind, "kind");
        requireNonNull(createdAt, "createdAt");
        requireNonNull(expiresAt, "expiresAt");
    }

    /** {@code GET /provisioning/{token}} takes PROVISIONING; {@code /provisioning/auth_token/{t}} takes AUTH. */
    public enum Kind { PROVISIONING, AUTH }

    public boolean expiredAt(Instant now) {
        return !now.isBefore(expiresAt);
    }

    @Override
    public String toString() {
        return "ProvisioningToken[<redacted>, device=" + deviceId + ", kind=" + kind + ", expiresAt=" + expiresAt + "]";
    }
}
