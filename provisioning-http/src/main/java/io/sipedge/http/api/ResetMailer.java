package io.sipedge.http.api;

import java.time.Duration;

/**
 * Sends a password reset link (issue 17). The edge's implementation speaks SMTP to the configured
 * relay; the HTTP side only knows this interface, so it needs no mail library.
 */
public interface ResetMailer {

    /**
     * One reset mail. {@link #toString()} hides the link: it carries the token.
     *
     * @param to       the user's e-mail address
     * @param username who asked, as the user knows themself
     * @param domain   the tenant's SIP domain
     * @param link     the callback URL with {@code token=...}
     * @param validFor how long the link works
     */
    record Mail(String to, String username, String domain, String link, Duration validFor) {
        @Override
        public String toString() {
            return "Mail[to=" + to + ", username=" + username + ", domain=" + domain + ", link=<redacted>]";
        }
    }

    /** Sends it now (blocking); throws when the relay refused it or could not be reached. */
    void send(Mail mail) throws Exception;
}
