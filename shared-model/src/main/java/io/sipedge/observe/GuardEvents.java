package io.sipedge.observe;

import java.util.Locale;

/**
 * What the SIP guard reports for metrics: messages it dropped or refused and why, failed
 * authentications, bans made. Called from SIP threads for every dropped message: increment meters
 * registered beforehand, no allocation, no lock.
 */
public interface GuardEvents {

    /** Reports nothing. */
    GuardEvents NONE = new GuardEvents() {
    };

    /** Why a message got no answer (or a 403); the {@code reason} label. */
    enum Drop {
        /** Its source address is banned. */
        BANNED,
        /** Its credentials' user is banned from its source address. */
        BLOCKED_USER,
        /** Its source sent faster than its token bucket allows. */
        RATE_LIMITED,
        /** Its User-Agent is a known scanner's. */
        SCANNER,
        /** For a domain the edge does not serve, past the rate at which those are answered. */
        UNKNOWN_DOMAIN;

        /** The label value: the name in lower case. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One message dropped (or refused with 403) for {@code reason}. */
    default void dropped(Drop reason) {
    }

    /** One failed digest authentication (a 401 or 407 to wrong credentials of any kind). */
    default void authFailed() {
    }

    /** One ban made: of a whole address, or of one user from an address. */
    default void banned(boolean wholeAddress) {
    }
}
