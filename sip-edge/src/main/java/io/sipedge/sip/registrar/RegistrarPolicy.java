package io.sipedge.sip.registrar;

import io.sipedge.location.BindingChanges.OverflowPolicy;

/**
 * The registrar's limits.
 *
 * @param minExpires     shortest non-zero registration accepted; shorter gets 423 (RFC 3261 §10.3 step 7)
 * @param maxExpires     longest registration granted; longer requests are shortened to it
 * @param defaultExpires used when neither the contact nor the request says
 * @param maxContacts    most bindings one AOR may hold
 * @param overflow       what happens past {@code maxContacts}
 * @param flowTimer      the Flow-Timer, in seconds, of a 200 to an RFC 5626 registration over a
 *                       connection (RFC 5626 §5.4); 0 sends none
 */
public record RegistrarPolicy(long minExpires, long maxExpires, long defaultExpires, int maxContacts,
                              OverflowPolicy overflow, int flowTimer) {
    public RegistrarPolicy {
        if (minExpires < 1 || maxExpires < minExpires || defaultExpires < minExpires || defaultExpires > maxExpires) {
            throw new IllegalArgumentException("need 1 <= min-expires <= default-expires <= max-expires");
        }
        if (maxContacts < 1) {
            throw new IllegalArgumentException("max-contacts must be at least 1");
        }
        if (flowTimer < 0) {
            throw new IllegalArgumentException("the flow timer must not be negative");
        }
    }
}
