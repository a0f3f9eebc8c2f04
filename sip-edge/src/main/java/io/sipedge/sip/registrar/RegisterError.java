package io.sipedge.sip.registrar;

import io.sipedge.observe.RegisterOutcome;

/**
 * Every way a REGISTER fails, each with its one status code, reason phrase and metrics outcome, so
 * they cannot drift apart (Kamailio keeps them in parallel arrays; here they share a line).
 */
enum RegisterError {
    MALFORMED_HEADER(400, "Bad Request", RegisterOutcome.MALFORMED_REQUEST),
    NO_TO_USER(400, "Invalid To: no user part", RegisterOutcome.NO_TO_USER),
    /** RFC 3261 §10.3 step 6: "*" only alone and only with Expires: 0. */
    STAR_WITH_OTHER_CONTACTS(400, "Invalid Contact: * with other contacts", RegisterOutcome.STAR_WITH_OTHER_CONTACTS),
    STAR_WITH_NONZERO_EXPIRES(400, "Invalid Contact: * needs Expires: 0", RegisterOutcome.STAR_WITH_NONZERO_EXPIRES),
    BAD_EXPIRES(400, "Invalid expires value", RegisterOutcome.BAD_EXPIRES),
    BAD_Q(400, "Invalid q value", RegisterOutcome.BAD_Q),
    /**
     * RFC 3261 §10.3 step 7: same Call-ID, CSeq not higher: "the update MUST be aborted and the
     * request fails". 400 rather than 500: the request is wrong, a retry of it will not succeed,
     * and a 500 would invite clients to retry. (Retransmissions never get here: the server
     * transaction absorbs them.)
     */
    OUT_OF_ORDER(400, "Out of order CSeq", RegisterOutcome.OUT_OF_ORDER),
    /** The Request-URI names a domain no tenant has: this registrar does not serve it. */
    DOMAIN_NOT_SERVED(403, "Domain not served here", RegisterOutcome.DOMAIN_NOT_SERVED),
    TO_DOMAIN_MISMATCH(403, "To domain differs from the Request-URI", RegisterOutcome.TO_DOMAIN_MISMATCH),
    /** Credentials of user A in a REGISTER for user B. */
    USER_MISMATCH(403, "Credentials do not match the To user", RegisterOutcome.USER_MISMATCH),
    /** The user is banned from the source address, and the guard answers bans 403 (else: no answer). */
    BLOCKED(403, "Forbidden", RegisterOutcome.BLOCKED),
    TOO_MANY_CONTACTS(403, "Too many contacts for this AOR", RegisterOutcome.TOO_MANY_CONTACTS),
    UNSUPPORTED_URI(416, "Unsupported URI Scheme", RegisterOutcome.UNSUPPORTED_URI),
    /** RFC 3261 §8.2.2.3: a Require naming an option tag this registrar does not support. */
    BAD_EXTENSION(420, "Bad Extension", RegisterOutcome.BAD_EXTENSION),
    INTERVAL_TOO_BRIEF(423, "Interval Too Brief", RegisterOutcome.INTERVAL_TOO_BRIEF);

    final int code;
    final String reason;
    final RegisterOutcome outcome;

    RegisterError(int code, String reason, RegisterOutcome outcome) {
        this.code = code;
        this.reason = reason;
        this.outcome = outcome;
    }
}
