package io.sipedge.sip.registrar;

/**
 * Every way a REGISTER fails, each with its one status code and reason phrase, so the two cannot
 * drift apart (Kamailio keeps them in two parallel arrays; here they share a line).
 */
enum RegisterError {
    MALFORMED_HEADER(400, "Bad Request"),
    NO_TO_USER(400, "Invalid To: no user part"),
    /** RFC 3261 §10.3 step 6: "*" only alone and only with Expires: 0. */
    STAR_WITH_OTHER_CONTACTS(400, "Invalid Contact: * with other contacts"),
    STAR_WITH_NONZERO_EXPIRES(400, "Invalid Contact: * needs Expires: 0"),
    BAD_EXPIRES(400, "Invalid expires value"),
    BAD_Q(400, "Invalid q value"),
    /**
     * RFC 3261 §10.3 step 7: same Call-ID, CSeq not higher: "the update MUST be aborted and the
     * request fails". 400 rather than 500: the request is wrong, a retry of it will not succeed,
     * and a 500 would invite clients to retry. (Retransmissions never get here: the server
     * transaction absorbs them.)
     */
    OUT_OF_ORDER(400, "Out of order CSeq"),
    /** The Request-URI names a domain no tenant has: this registrar does not serve it. */
    DOMAIN_NOT_SERVED(403, "Domain not served here"),
    TO_DOMAIN_MISMATCH(403, "To domain differs from the Request-URI"),
    /** Credentials of user A in a REGISTER for user B. */
    USER_MISMATCH(403, "Credentials do not match the To user"),
    TOO_MANY_CONTACTS(403, "Too many contacts for this AOR"),
    UNSUPPORTED_URI(416, "Unsupported URI Scheme"),
    INTERVAL_TOO_BRIEF(423, "Interval Too Brief");

    final int code;
    final String reason;

    RegisterError(int code, String reason) {
        this.code = code;
        this.reason = reason;
    }
}
