package io.sipedge.observe;

import java.util.Locale;

/**
 * How one REGISTER ended, in the fixed vocabulary of metrics: a {@link Result} and a reason, both
 * known at build time, so every meter can be registered once at start and the hot path only picks
 * one by ordinal. Reasons never carry request data (no user, AOR or address).
 *
 * <p>Refusals of credentials ({@link #isAuthFailure()}) are answered on the wire like a first
 * challenge (an unknown user and a wrong password must look the same to a client); only metrics and
 * logs tell them apart.
 */
public enum RegisterOutcome {
    /** 200: bindings stored, removed or listed (a query), or a retransmission answered again. */
    ACCEPTED(Result.ACCEPTED, "none"),

    /** 401 to a request without credentials for the realm: the first leg of every registration. */
    CHALLENGED(Result.CHALLENGED, "no_credentials"),
    /** 401 with {@code stale=true}: right password, expired (or forgotten) nonce. */
    CHALLENGED_STALE(Result.CHALLENGED, "stale_nonce"),

    NO_SUCH_USER(Result.REJECTED, "no_such_user", true),
    WRONG_PASSWORD(Result.REJECTED, "wrong_password", true),
    DEVICE_DISABLED(Result.REJECTED, "device_disabled", true),
    NONCE_REUSED(Result.REJECTED, "nonce_reused", true),
    NONCE_INVALID(Result.REJECTED, "nonce_invalid", true),
    MALFORMED_CREDENTIALS(Result.REJECTED, "malformed_credentials", true),
    ALGORITHM_NOT_OFFERED(Result.REJECTED, "algorithm_not_offered", true),

    /** 400: a header the registrar needs could not be read. */
    MALFORMED_REQUEST(Result.REJECTED, "malformed_request"),
    NO_TO_USER(Result.REJECTED, "no_to_user"),
    STAR_WITH_OTHER_CONTACTS(Result.REJECTED, "star_with_other_contacts"),
    STAR_WITH_NONZERO_EXPIRES(Result.REJECTED, "star_with_nonzero_expires"),
    BAD_EXPIRES(Result.REJECTED, "bad_expires"),
    BAD_Q(Result.REJECTED, "bad_q"),
    OUT_OF_ORDER(Result.REJECTED, "out_of_order"),
    DOMAIN_NOT_SERVED(Result.REJECTED, "domain_not_served"),
    TO_DOMAIN_MISMATCH(Result.REJECTED, "to_domain_mismatch"),
    /** Valid credentials of one user in a REGISTER for another. */
    USER_MISMATCH(Result.REJECTED, "user_mismatch"),
    TOO_MANY_CONTACTS(Result.REJECTED, "too_many_contacts"),
    UNSUPPORTED_URI(Result.REJECTED, "unsupported_uri"),
    /** 420: a Require header names an option tag the registrar does not support. */
    BAD_EXTENSION(Result.REJECTED, "bad_extension"),
    INTERVAL_TOO_BRIEF(Result.REJECTED, "interval_too_brief"),
    /** Its user is banned from its source address (too many failed authentications): dropped, or 403. */
    BLOCKED(Result.REJECTED, "blocked"),

    /** No answer was sent: handling threw (a bug; the log has the exception class and Call-ID). */
    ERROR(Result.ERROR, "internal_error");

    /** The coarse outcome, the {@code result} label. */
    public enum Result {
        ACCEPTED, CHALLENGED, REJECTED, ERROR;

        /** The label value: the name in lower case. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Result result;
    private final String reason;
    private final boolean authFailure;

    RegisterOutcome(Result result, String reason) {
        this(result, reason, false);
    }

    RegisterOutcome(Result result, String reason, boolean authFailure) {
        this.result = result;
        this.reason = reason;
        this.authFailure = authFailure;
    }

    public Result result() {
        return result;
    }

    /** The {@code reason} label: lower case, a fixed word per outcome. */
    public String reason() {
        return reason;
    }

    /** True when digest authentication refused the credentials (counted as an auth failure too). */
    public boolean isAuthFailure() {
        return authFailure;
    }
}
