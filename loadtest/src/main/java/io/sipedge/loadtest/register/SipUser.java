package io.sipedge.loadtest.register;

import java.util.Objects;

/**
 * A user to register: one line of the bulk import file. {@code authUsername} is null when the
 * digest username is the SIP username.
 */
public record SipUser(String domain, String username, String password, String authUsername) {
    public SipUser {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
    }

    /** The username that goes into the Authorization header. */
    public String digestUsername() {
        return authUsername == null ? username : authUsername;
    }
}
