package io.sipedge.location;

import static java.util.Objects.requireNonNull;

import io.sipedge.model.Binding;
import java.util.List;

/**
 * What one REGISTER asks of an AOR.
 *
 * @param removeAll   {@code Contact: *} with {@code Expires: 0}: remove every binding
 * @param updates     one entry per Contact; {@link ContactUpdate#remove()} for expires=0
 * @param callId      the request's Call-ID
 * @param cseq        the request's CSeq number
 * @param maxContacts the most bindings one AOR may hold
 * @param overflow    what to do when a request would exceed {@code maxContacts}
 */
public record BindingChanges(boolean removeAll, List<ContactUpdate> updates, String callId, long cseq,
                             int maxContacts, OverflowPolicy overflow) {
    public BindingChanges {
        updates = List.copyOf(updates);
        requireNonNull(callId, "callId");
        requireNonNull(overflow, "overflow");
        if (maxContacts < 1) {
            throw new IllegalArgumentException("maxContacts must be at least 1");
        }
    }

    /** One Contact of the request, as the binding it would become (expiry already resolved). */
    public record ContactUpdate(Binding binding, boolean remove) {
        public ContactUpdate {
            requireNonNull(binding, "binding");
        }
    }

    /** Policy when an AOR would hold more than {@code maxContacts} bindings. */
    public enum OverflowPolicy {
        /** Drop the least recently registered bindings (default: a phone reinstalled twice still works). */
        EVICT_OLDEST,
        /** Refuse the request and keep the bindings as they are. */
        REJECT
    }
}
