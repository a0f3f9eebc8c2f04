package io.sipedge.model;

import static java.util.Objects.requireNonNull;

import java.util.Locale;

/**
 * Address-of-record: the key bindings live under. The domain is canonical (lower case) so lookups
 * compare equal (RFC 3261 §10.3 step 5); the user part is case-sensitive, as in SIP URIs.
 */
public record Aor(String user, String domain) {
    public Aor {
        requireNonNull(user, "user");
        domain = requireNonNull(domain, "domain").toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return "sip:" + user + "@" + domain;
    }
}
