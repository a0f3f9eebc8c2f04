package io.sipedge.location;

import io.sipedge.model.Binding;
import java.util.List;

/**
 * The outcome of {@link LocationStore#apply}: on {@link Outcome#OK} the bindings after the change;
 * otherwise the bindings as they were (nothing changed).
 */
public record RegistrationResult(Outcome outcome, List<Binding> bindings) {
    public RegistrationResult {
        bindings = List.copyOf(bindings);
    }

    public enum Outcome {
        OK,
        /** Same Call-ID as a stored binding with a CSeq that is not higher (RFC 3261 §10.3 step 7). */
        OUT_OF_ORDER,
        /** Would exceed the contact limit under {@link BindingChanges.OverflowPolicy#REJECT}. */
        TOO_MANY_CONTACTS
    }
}
