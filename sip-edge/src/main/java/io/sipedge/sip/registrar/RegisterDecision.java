package io.sipedge.sip.registrar;

import io.sipedge.location.BindingChanges;
import io.sipedge.location.RegistrationResult;
import io.sipedge.model.Aor;
import io.sipedge.model.Binding;
import io.sipedge.model.DigestAlgorithm;
import io.sipedge.observe.RegisterOutcome;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@link RegisterRules#decide} concludes: the answer itself, or what the answer still needs
 * from outside the rules (a fresh nonce, the AOR's bindings, the store's result of a change) and
 * how to turn that into the answer. The {@link Registrar} fetches it; nothing here touches a store.
 */
sealed interface RegisterDecision {

    /** Refused by a rule: answer this and store nothing. */
    record Refuse(RegisterReply reply) implements RegisterDecision {
    }

    /**
     * 401: no credentials yet, stale ones, or refused ones. A refusal is answered exactly like a
     * first challenge (an unknown user and a wrong password must look the same to a client); only
     * {@code outcome} tells them apart, for metrics.
     */
    record Challenge(String realm, boolean stale, RegisterOutcome outcome) implements RegisterDecision {
        /** One WWW-Authenticate per offered algorithm, in the configured order, all with the same nonce. */
        RegisterReply reply(String nonce, List<DigestAlgorithm> offered, Instant now) {
            List<RegisterReply.Challenge> headers = new ArrayList<>(offered.size());
            for (DigestAlgorithm a : offered) {
                headers.add(new RegisterReply.Challenge(realm, nonce, a, stale));
            }
            return new RegisterReply(401, "Unauthorized", List.of(), headers, 0, now, outcome);
        }
    }

    /** A REGISTER without Contact asks for the AOR's current bindings and changes nothing. */
    record Query(Aor aor) implements RegisterDecision {
        RegisterReply reply(List<Binding> bindings, Instant now) {
            return RegisterReply.ok(bindings, now, RegisterReply.Outbound.NONE); // no Contact, no reg-id
        }
    }

    /**
     * Changes to apply to the AOR atomically. {@code retransmission}: authentication recognised the
     * request as one already accepted moments ago. {@code outbound}: what its 200 says of RFC 5626.
     */
    record Update(Aor aor, BindingChanges changes, boolean retransmission, RegisterReply.Outbound outbound)
            implements RegisterDecision {
        /**
         * A retransmission of a request already applied finds its own Call-ID and CSeq stored, which
         * is "out of order" for the store; it gets what the original got, a 200 with the current
         * bindings, as a server transaction would have retransmitted.
         */
        RegisterReply reply(RegistrationResult result, Instant now) {
            return switch (result.outcome()) {
                case OK -> RegisterReply.ok(result.bindings(), now, outbound);
                case OUT_OF_ORDER -> retransmission ? RegisterReply.ok(result.bindings(), now, outbound)
                        : RegisterReply.error(RegisterError.OUT_OF_ORDER, now);
                case TOO_MANY_CONTACTS -> new RegisterReply(RegisterError.TOO_MANY_CONTACTS.code,
                        RegisterError.TOO_MANY_CONTACTS.reason + " (limit " + changes.maxContacts() + ")",
                        List.of(), List.of(), 0, now, RegisterError.TOO_MANY_CONTACTS.outcome);
            };
        }
    }
}
