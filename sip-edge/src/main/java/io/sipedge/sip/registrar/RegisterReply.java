package io.sipedge.sip.registrar;

import static java.util.Objects.requireNonNull;

import io.sipedge.model.Binding;
import io.sipedge.model.DigestAlgorithm;
import io.sipedge.observe.RegisterOutcome;
import java.time.Instant;
import java.util.List;

/**
 * The registrar's answer as a value: status and reason, the bindings a 200 lists, the challenges of
 * a 401, the Min-Expires of a 423. {@code sip.wire} turns it into a response.
 *
 * @param now     the time the request was handled; a 200's {@code expires=} values count from it
 * @param outcome what metrics count it as (the wire cannot tell, e.g., a wrong password from a first challenge)
 */
public record RegisterReply(int status, String reason, List<Binding> bindings, List<Challenge> challenges,
                            long minExpires, Instant now, RegisterOutcome outcome) {
    public RegisterReply {
        bindings = List.copyOf(bindings);
        challenges = List.copyOf(challenges);
        requireNonNull(outcome, "outcome");
    }

    /** One WWW-Authenticate: Digest with {@code qop="auth"}. */
    public record Challenge(String realm, String nonce, DigestAlgorithm algorithm, boolean stale) {
    }

    static RegisterReply error(RegisterError e, Instant now) {
        return new RegisterReply(e.code, e.reason, List.of(), List.of(), 0, now, e.outcome);
    }

    static RegisterReply ok(List<Binding> bindings, Instant now) {
        return new RegisterReply(200, "OK", bindings, List.of(), 0, now, RegisterOutcome.ACCEPTED);
    }
}
