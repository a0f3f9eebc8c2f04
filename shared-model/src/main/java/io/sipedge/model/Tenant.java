package io.sipedge.model;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Locale;

/**
 * A tenant (an operator API "account"): its SIP domain (an FQDN or an IP literal) is also its
 * digest realm.
 *
 * @param id        stable identifier (32 lower-case hex characters, as Kazoo account ids)
 * @param name      display name for operators
 * @param domain    SIP domain, lower case; equals the realm of every challenge
 * @param md5Only   offer only MD5 digest challenges: many softphones still do not speak SHA-256
 * @param createdAt creation time
 * @param updatedAt last change; the creation time for records written before it existed
 * @param apiKey    the account's operator API key (hash and sealed copy), or null when it has none yet
 * @param provisioning provisioning settings; the defaults for records written before they existed
 */
public record Tenant(String id, String name, String domain, boolean md5Only, Instant createdAt, Instant updatedAt,
                     ApiKey apiKey, TenantProvisioning provisioning) {
    public Tenant {
        requireNonNull(id, "id");
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

    /** A tenant with the default provisioning settings. */
    public Tenant(String id, String name, String domain, boolean md5Only, Instant createdAt, Instant updatedAt,
                  ApiKey apiKey) {
        this(id, name, domain, md5Only, createdAt, updatedAt, apiKey, null);
    }

    /** A tenant without an API key, never updated. */
    public Tenant(String id, String name, String domain, boolean md5Only, Instant createdAt) {
        this(id, name, domain, md5Only, createdAt, createdAt, null);
    }

    public Tenant withMd5Only(boolean value) {
        return new Tenant(id, name, domain, value, createdAt, updatedAt, apiKey, provisioning);
    }
}
