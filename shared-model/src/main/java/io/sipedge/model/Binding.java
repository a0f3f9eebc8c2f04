package io.sipedge.model;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * One registered contact of an AOR (RFC 3261 §10.3), with what the edge saw of the request.
 *
 * @param contact      the Contact URI as registered, without header parameters
 * @param sourceIp     the IP the REGISTER came from (not what the phone claims behind a NAT)
 * @param sourcePort   the port the REGISTER came from (RFC 3581: replies go back there)
 * @param transport    the transport the REGISTER came over
 * @param expiresAt    when the binding lapses
 * @param q            the contact's q value, 0..1; 1 when absent
 * @param callId       Call-ID of the REGISTER that last refreshed it
 * @param cseq         CSeq number of that REGISTER
 * @param instanceId   {@code +sip.instance} (RFC 5626 §4.1), or null
 * @param regId        {@code reg-id} (RFC 5626 §4.2), or 0 when absent
 * @param path         Path header values (RFC 3327), in order
 * @param userAgent    User-Agent header, or null
 * @param registeredAt time of the last successful registration of this binding
 */
public record Binding(String contact, String sourceIp, int sourcePort, Transport transport, Instant expiresAt,
                      float q, String callId, long cseq, String instanceId, int regId, List<String> path,
                      String userAgent, Instant registeredAt) {
    public Binding {
        requireNonNull(contact, "contact");
        requireNonNull(sourceIp, "sourceIp");
        requireNonNull(transport, "transport");
        requireNonNull(expiresAt, "expiresAt");
        requireNonNull(callId, "callId");
        requireNonNull(registeredAt, "registeredAt");
        path = path == null ? List.of() : List.copyOf(path);
    }

    /** True once {@code now} reaches the expiry time. */
    public boolean expiredAt(Instant now) {
        return !now.isBefore(expiresAt);
    }

    /** Whole seconds left at {@code now}, never negative (the {@code expires=} of a 200 OK). */
    public long secondsLeft(Instant now) {
        long left = Duration.between(now, expiresAt).toSeconds();
        return Math.max(0, left);
    }
}
