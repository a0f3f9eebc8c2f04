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
 * @param expiresSpread  percent, 0-50: each granted expiry is cut by up to this much (see {@link #spread})
 */
public record RegistrarPolicy(long minExpires, long maxExpires, long defaultExpires, int maxContacts,
                              OverflowPolicy overflow, int flowTimer, int expiresSpread) {
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
        if (expiresSpread < 0 || expiresSpread > 50) {
            throw new IllegalArgumentException("the expires spread is a percentage from 0 to 50");
        }
    }

    /** The same limits with every expiry granted as asked (no spread). */
    public RegistrarPolicy(long minExpires, long maxExpires, long defaultExpires, int maxContacts,
                           OverflowPolicy overflow, int flowTimer) {
        this(minExpires, maxExpires, defaultExpires, maxContacts, overflow, flowTimer, 0);
    }

    /**
     * The expiry granted for {@code expires} seconds (a non-zero expiry within the limits): cut by
     * up to {@link #expiresSpread} percent, never below {@link #minExpires}, like Kamailio's
     * {@code expires_range}. A fleet that registered at once (after an outage, or an office
     * powering up) then refreshes spread over that share of the interval instead of at once. The
     * cut is a hash of the Call-ID and CSeq: it varies from phone to phone and from refresh to
     * refresh, and a retransmission gets the same answer.
     */
    public long spread(long expires, String callId, long cseq) {
        if (expiresSpread == 0 || expires == 0) {
            return expires;
        }
        long range = expires * expiresSpread / 100;
        int h = (callId.hashCode() * 31 + Long.hashCode(cseq)) * 0x9E3779B9; // spreads nearby inputs
        long cut = Math.floorMod(h ^ (h >>> 16), range + 1);
        return Math.max(minExpires, expires - cut);
    }
}
