package io.sipedge.model;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * A tenant (an operator API "account"): its SIP domain (an FQDN or an IP literal) is also its
 * digest realm.
 *
 * @param id        stable identifier (32 lower-case hex characters, as Kazoo account ids)
 * @param name      display name for operators
 * @param domain    SIP domain, lower case; equals the realm of every challenge
 * @param md5Only   challenge with MD5 alone, whatever the edge's algorithms
 * @param sha256Only challenge with SHA-256 alone (RFC 8760): for a fleet whose every phone speaks it;
 *                  phones that do not cannot register. Never set together with {@code md5Only}.
 * @param createdAt creation time
 * @param updatedAt last change; the creation time for records written before it existed
 * @param apiKey    the account's operator API key (hash and sealed copy), or null when it has none yet
 * @param provisioning provisioning settings; the defaults for records written before they existed
 * @param ms365     Microsoft sign-in settings, or null when the account has none (and for records
 *                  written before they existed)
 */
public record Tenant(String id, String name, String domain, boolean md5Only, boolean sha256Only, Instant createdAt,
                     Instant updatedAt, ApiKey apiKey, TenantProvisioning provisioning, Ms365Settings ms365) {
    public Tenant {
        requireNonNull(id, "id");
        if (md5Only && sha256Only) {
            throw new IllegalArgumentException("md5Only and sha256Only exclude each other");
        }
        requireNonNull(name, "name");
        domain = requireNonNull(domain, "domain").toLowerCase(Locale.ROOT);
        requireNonNull(createdAt, "createdAt");
        if (updatedAt == null) {
            updatedAt = createdAt;
        }
        if (provisioning == null) {
            provisioning = TenantProvisioning.DEFAULTS;
        }
    }

    /** A tenant without Microsoft sign-in settings. */
    public Tenant(String id, String name, String domain, boolean md5Only, boolean sha256Only, Instant createdAt,
                  Instant updatedAt, ApiKey apiKey, TenantProvisioning provisioning) {
        this(id, name, domain, md5Only, sha256Only, createdAt, updatedAt, apiKey, provisioning, null);
    }

    /** A tenant with the default provisioning settings. */
    public Tenant(String id, String name, String domain, boolean md5Only, boolean sha256Only, Instant createdAt,
                  Instant updatedAt, ApiKey apiKey) {
        this(id, name, domain, md5Only, sha256Only, createdAt, updatedAt, apiKey, null);
    }

    /** A tenant without an API key, never updated, challenged with the edge's algorithms or MD5 alone. */
    public Tenant(String id, String name, String domain, boolean md5Only, Instant createdAt) {
        this(id, name, domain, md5Only, false, createdAt, createdAt, null);
    }

    /** The same tenant with another name, digest choice and update time. */
    public Tenant updated(String newName, boolean newMd5Only, boolean newSha256Only, Instant at) {
        return new Tenant(id, newName, domain, newMd5Only, newSha256Only, createdAt, at, apiKey, provisioning, ms365);
    }

    /** The same tenant with another API key. */
    public Tenant withApiKey(ApiKey key, Instant at) {
        return new Tenant(id, name, domain, md5Only, sha256Only, createdAt, at, key, provisioning, ms365);
    }

    /** The same tenant with other provisioning settings. */
    public Tenant withProvisioning(TenantProvisioning settings, Instant at) {
        return new Tenant(id, name, domain, md5Only, sha256Only, createdAt, at, apiKey, settings, ms365);
    }

    /** The same tenant with other Microsoft sign-in settings, or none (null). */
    public Tenant withMs365(Ms365Settings settings, Instant at) {
        return new Tenant(id, name, domain, md5Only, sha256Only, createdAt, at, apiKey, provisioning, settings);
    }

    /**
     * Whether this tenant's users may sign in with their Microsoft account ({@code GET /api/info}):
     * when the account has Microsoft settings and they are enabled.
     */
    public boolean offersMicrosoftSignIn() {
        return ms365 != null && ms365.enabled();
    }

    /**
     * The algorithms this tenant's phones are challenged with, in header order: MD5 or SHA-256 alone
     * when the tenant says so, else {@code edge}'s (the registrar's configured list).
     */
    public List<DigestAlgorithm> digestAlgorithms(List<DigestAlgorithm> edge) {
        return md5Only ? List.of(DigestAlgorithm.MD5) : sha256Only ? List.of(DigestAlgorithm.SHA_256) : edge;
    }
}
