package io.sipedge.model;

import static java.util.Objects.requireNonNull;

/**
 * What the Directory keeps of an account's API key: its SHA-256 (to find the account a presented
 * key belongs to without keeping the key in clear) and the key sealed like a SIP password (the
 * admin may read it back; see docs/decisions/password-storage.md).
 *
 * @param sha256 lower-case hex SHA-256 of the key's UTF-8 bytes
 * @param sealed the key encrypted by the Directory's sealing key
 */
public record ApiKey(String sha256, String sealed) {
    public ApiKey {
        requireNonNull(sha256, "sha256");
        requireNonNull(sealed, "sealed");
    }

    /** Records print their components; keys must never reach a log line. */
    @Override
    public String toString() {
        return "ApiKey[<redacted>]";
    }
}
