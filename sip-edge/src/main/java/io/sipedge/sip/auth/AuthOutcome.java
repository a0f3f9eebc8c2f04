package io.sipedge.sip.auth;

import io.sipedge.model.Device;

/**
 * What digest verification concluded. The reason of a rejection feeds logs and metrics and never
 * the wire: an unknown user, a disabled one and a wrong password all get the same fresh challenge.
 */
public sealed interface AuthOutcome {

    /** Shared instances for the cases without data. */
    AuthOutcome FRESH = new Challenge(false);
    AuthOutcome STALE = new Challenge(true);
    AuthOutcome DROPPED = new Blocked(false);
    AuthOutcome FORBIDDEN = new Blocked(true);

    /**
     * The credentials are right for this device. {@code retransmission}: the same request was
     * accepted moments ago (a UDP retransmission, answered statelessly again).
     */
    record Authenticated(Device device, boolean retransmission) implements AuthOutcome {
    }

    /** Answer 401 with a new challenge; {@code stale} = the password was right but the nonce has expired. */
    record Challenge(boolean stale) implements AuthOutcome {
    }

    /**
     * The user is banned from the request's source address (the guard's decision): no answer, or
     * 403 when {@code forbidden}. Credentials were not checked.
     */
    record Blocked(boolean forbidden) implements AuthOutcome {
    }

    /** Refused; answered like {@link #FRESH} on the wire. */
    record Rejected(Reason reason) implements AuthOutcome {
    }

    /** Why credentials were refused (Kamailio's auth outcome list, as a checklist). */
    enum Reason { NO_SUCH_USER, WRONG_PASSWORD, DEVICE_DISABLED, NONCE_REUSED, NONCE_INVALID, MALFORMED,
        ALGORITHM_NOT_OFFERED }
}
