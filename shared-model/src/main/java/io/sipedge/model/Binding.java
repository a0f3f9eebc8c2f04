package io.sipedge.model;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One registered contact of an AOR (RFC 3261 §10.3), with what the edge saw of the request. An
 * immutable value.
 *
 * <p>A final class rather than a record so that the representation can stay compact: an edge holds
 * one of these per registered phone (a million on one heap), so the two times are kept as
 * seconds and nanoseconds instead of two {@link Instant} objects. (The store keeps its own mutable
 * copy, refreshed in place; see {@code io.sipedge.location.StoredBinding}.)
 */
public final class Binding {
    private final String contact;
    private final Flow flow;
    private final long expiresSecond;
    private final int expiresNano;
    private final float q;
    private final String callId;
    private final long cseq;
    private final String instanceId;
    private final int regId;
    private final List<String> path;
    private final String userAgent;
    private final long registeredSecond;
    private final int registeredNano;

    /**
     * @param contact      the Contact URI as registered, without header parameters
     * @param flow         where the REGISTER came from, as the edge saw it (not what the phone claims
     *                     behind a NAT), and the connection it came on: requests to the phone go there
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
    public Binding(String contact, Flow flow, Instant expiresAt,
                   float q, String callId, long cseq, String instanceId, int regId, List<String> path,
                   String userAgent, Instant registeredAt) {
        this.contact = requireNonNull(contact, "contact");
        this.flow = requireNonNull(flow, "flow");
        requireNonNull(expiresAt, "expiresAt");
        this.expiresSecond = expiresAt.getEpochSecond();
        this.expiresNano = expiresAt.getNano();
        this.q = q;
        this.callId = requireNonNull(callId, "callId");
        this.cseq = cseq;
        this.instanceId = instanceId;
        this.regId = regId;
        this.path = path == null || path.isEmpty() ? List.of() : List.copyOf(path);
        this.userAgent = userAgent;
        requireNonNull(registeredAt, "registeredAt");
        this.registeredSecond = registeredAt.getEpochSecond();
        this.registeredNano = registeredAt.getNano();
    }

    public String contact() {
        return contact;
    }

    public Flow flow() {
        return flow;
    }

    /** The IP the REGISTER came from. */
    public String sourceIp() {
        return flow.remoteIp();
    }

    /** The port the REGISTER came from (RFC 3581: replies go back there). */
    public int sourcePort() {
        return flow.remotePort();
    }

    /** The transport the REGISTER came over. */
    public Transport transport() {
        return flow.transport();
    }

    /** The same binding on another flow (its connection closed, say). */
    public Binding withFlow(Flow other) {
        return new Binding(contact, other, expiresAt(), q, callId, cseq, instanceId, regId, path, userAgent,
                registeredAt());
    }

    /** An RFC 5626 registration (instance and reg-id): it lives and dies with its flow. */
    public boolean outbound() {
        return instanceId != null && regId > 0;
    }

    /**
     * True when nothing but its flow reaches this contact: an RFC 5626 registration, or a WebSocket
     * client, whose contact host is a made-up {@code .invalid} name (RFC 7118 §5).
     */
    public boolean diesWithFlow() {
        return outbound() || flow.transport().webSocket();
    }

    public Instant expiresAt() {
        return Instant.ofEpochSecond(expiresSecond, expiresNano);
    }

    public float q() {
        return q;
    }

    public String callId() {
        return callId;
    }

    public long cseq() {
        return cseq;
    }

    public String instanceId() {
        return instanceId;
    }

    public int regId() {
        return regId;
    }

    public List<String> path() {
        return path;
    }

    public String userAgent() {
        return userAgent;
    }

    public Instant registeredAt() {
        return Instant.ofEpochSecond(registeredSecond, registeredNano);
    }

    /**
     * True when this is {@code earlier} renewed by the same phone and nothing else: the same
     * contact, flow, Call-ID, q, instance, reg-id, Path and User-Agent; only the expiry, the CSeq
     * and the registration time may have moved (most re-registrations).
     */
    public boolean renews(Binding earlier) {
        return contact.equals(earlier.contact) && flow.equals(earlier.flow) && callId.equals(earlier.callId)
                && Float.compare(q, earlier.q) == 0 && regId == earlier.regId
                && Objects.equals(instanceId, earlier.instanceId) && path.equals(earlier.path)
                && Objects.equals(userAgent, earlier.userAgent);
    }

    /** True once {@code now} reaches the expiry time. */
    public boolean expiredAt(Instant now) {
        long s = now.getEpochSecond();
        return s > expiresSecond || (s == expiresSecond && now.getNano() >= expiresNano);
    }

    /** Orders by registration time, oldest first. */
    public int compareRegisteredAt(Binding other) {
        int c = Long.compare(registeredSecond, other.registeredSecond);
        return c != 0 ? c : Integer.compare(registeredNano, other.registeredNano);
    }

    /** Whole seconds left at {@code now}, never negative (the {@code expires=} of a 200 OK). */
    public long secondsLeft(Instant now) {
        long left = Duration.between(now, expiresAt()).toSeconds();
        return Math.max(0, left);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Binding b && expiresSecond == b.expiresSecond
                && expiresNano == b.expiresNano && Float.compare(q, b.q) == 0 && cseq == b.cseq && regId == b.regId
                && registeredSecond == b.registeredSecond && registeredNano == b.registeredNano
                && contact.equals(b.contact) && flow.equals(b.flow)
                && callId.equals(b.callId) && Objects.equals(instanceId, b.instanceId) && path.equals(b.path)
                && Objects.equals(userAgent, b.userAgent);
    }

    @Override
    public int hashCode() {
        return Objects.hash(contact, flow, expiresSecond, expiresNano, q, callId, cseq,
                instanceId, regId, path, userAgent, registeredSecond, registeredNano);
    }

    @Override
    public String toString() {
        return "Binding[contact=" + contact + ", flow=" + flow
                + ", expiresAt=" + expiresAt() + ", q=" + q + ", callId=" + callId + ", cseq=" + cseq
                + ", instanceId=" + instanceId + ", regId=" + regId + ", path=" + path + ", userAgent=" + userAgent
                + ", registeredAt=" + registeredAt() + "]";
    }
}
