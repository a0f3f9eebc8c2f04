package io.sipedge.model;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Locale;

/**
 * A tenant: its SIP domain (an FQDN or an IP literal) is also its digest realm.
 *
 * @param id        stable identifier (32 lower-case hex characters, as Kazoo account ids)
 * @param name      display name for operators
 * @param domain    SIP domain, lower case; equals the realm of every challenge
 * @param md5Only   offer only MD5 digest challenges: many softphones still do not speak SHA-256
 * @param createdAt creation time
 */
public record Tenant(String id, String name, String domain, boolean md5Only, Instant createdAt) {
    public Tenant {
        requireNonNull(id, "id");
        requireNonNull(name, "name");
        domain = requireNonNull(domain, "domain").toLowerCase(Locale.ROOT);
        requireNonNull(createdAt, "createdAt");
    }

    public Tenant withMd5Only(boolean value) {
        return new Tenant(id, name, domain, value, createdAt);
    }
}
