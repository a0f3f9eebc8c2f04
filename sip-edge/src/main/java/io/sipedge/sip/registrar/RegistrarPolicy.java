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
 */
public record RegistrarPolicy(long minExpires, long maxExpires, long defaultExpires, int maxContacts,
                              OverflowPolicy overflow) {
    public RegistrarPolicy {
        if (minExpires < 1 || maxExpires < minExpires || defaultExpires < minExpires || defaultExpires > maxExpires) {
            throw new IllegalArgumentException("need 1 <= min-expires <= default-expires <= max-expires");
        }
        if (maxContacts < 1) {
            throw new IllegalArgumentException("max-contacts must be at least 1");
        }
    }
}
