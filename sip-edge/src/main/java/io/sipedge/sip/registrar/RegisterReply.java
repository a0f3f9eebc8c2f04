package io.sipedge.sip.registrar;

import static java.util.Objects.requireNonNull;

import io.sipedge.model.Binding;
import io.sipedge.model.DigestAlgorithm;
import io.sipedge.observe.RegisterOutcome;
import java.time.Instant;
import java.util.List;

/**
 * The registrar's answer as a value: status and reason, the bindings a 200 lists, the challenges of
 * a 401, the Min-Expires of a 423, what a 200 says of RFC 5626 outbound. {@code sip.wire} turns it
 * into a response. Status 0 is no answer at all ({@link #silent}): the guard's drop.
 *
 * @param now      the time the request was handled; a 200's {@code expires=} values count from it
 * @param outcome  what metrics count it as (the wire cannot tell, e.g., a wrong password from a first challenge)
 * @param outbound {@code Require: outbound} and {@code Flow-Timer} of a 200
 * @param unsupported the option tags a 420's Unsupported header lists
 */
public record RegisterReply(int status, String reason, List<Binding> bindings, List<Challenge> challenges,
                            long minExpires, Instant now, RegisterOutcome outcome, Outbound outbound,
                            List<String> unsupported) {
    public RegisterReply {
        unsupported = List.copyOf(unsupported);
        bindings = List.copyOf(bindings);
        challenges = List.copyOf(challenges);
        requireNonNull(outcome, "outcome");
        requireNonNull(outbound, "outbound");
    }

    /** An answer that says nothing of outbound: every refusal and challenge, and a query. */
    public RegisterReply(int status, String reason, List<Binding> bindings, List<Challenge> challenges,
                         long minExpires, Instant now, RegisterOutcome outcome) {
        this(status, reason, bindings, challenges, minExpires, now, outcome, Outbound.NONE);
    }

    /** An answer without an Unsupported header: all but a 420. */
    public RegisterReply(int status, String reason, List<Binding> bindings, List<Challenge> challenges,
                         long minExpires, Instant now, RegisterOutcome outcome, Outbound outbound) {
        this(status, reason, bindings, challenges, minExpires, now, outcome, outbound, List.of());
    }

    /**
     * RFC 5626 in a 200: {@code Require: outbound} when the registrar applied outbound to the request
     * (§6), and {@code Flow-Timer}, the seconds the phone's keepalives must beat (§4.4, §5.4).
     *
     * @param flowTimer 0 for no Flow-Timer header
     */
    public record Outbound(boolean require, int flowTimer) {
        /** Neither header. */
        public static final Outbound NONE = new Outbound(false, 0);

        public Outbound {
            if (flowTimer < 0 || flowTimer > 0 && !require) {
                throw new IllegalArgumentException("a Flow-Timer only with Require: outbound, and not negative");
            }
        }
    }

    /** One WWW-Authenticate: Digest with {@code qop="auth"}. */
    public record Challenge(String realm, String nonce, DigestAlgorithm algorithm, boolean stale) {
    }

    /** No answer: the request is dropped (a banned user, a domain not served past its rate). */
    static RegisterReply silent(RegisterOutcome outcome, Instant now) {
        return new RegisterReply(0, "", List.of(), List.of(), 0, now, outcome);
    }

    /** False for {@link #silent}: nothing goes on the wire. */
    public boolean answered() {
        return status != 0;
    }

    /** 420 Bad Extension: the Unsupported header lists {@code tags} (RFC 3261 §8.2.2.3). */
    static RegisterReply badExtension(List<String> tags, Instant now) {
        return new RegisterReply(RegisterError.BAD_EXTENSION.code, RegisterError.BAD_EXTENSION.reason, List.of(),
                List.of(), 0, now, RegisterError.BAD_EXTENSION.outcome, Outbound.NONE, tags);
    }

    static RegisterReply error(RegisterError e, Instant now) {
        return new RegisterReply(e.code, e.reason, List.of(), List.of(), 0, now, e.outcome);
    }

    static RegisterReply ok(List<Binding> bindings, Instant now, Outbound outbound) {
        return new RegisterReply(200, "OK", bindings, List.of(), 0, now, RegisterOutcome.ACCEPTED, outbound);
    }
}
