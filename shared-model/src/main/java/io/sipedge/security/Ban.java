package io.sipedge.security;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * A source the SIP side refuses until {@code until}: a whole address, or one user from it.
 *
 * @param address  the source IP as flows record it ({@code InetAddress.getHostAddress()})
 * @param user     {@code user@realm} for a ban of one user's credentials from the address; empty
 *                 for the whole address
 * @param reason   why, in the security log's words ({@code failures}, {@code users}, ...)
 * @param failures the failed authentications that caused it
 */
public record Ban(String address, String user, String reason, int failures, Instant since, Instant until) {
    public Ban {
        requireNonNull(address, "address");
        requireNonNull(user, "user");
        requireNonNull(reason, "reason");
        requireNonNull(since, "since");
        requireNonNull(until, "until");
    }

    /** True for a ban of the whole address, false for one user's from it. */
    public boolean wholeAddress() {
        return user.isEmpty();
    }

    boolean activeAt(Instant now) {
        return now.isBefore(until);
    }
}
