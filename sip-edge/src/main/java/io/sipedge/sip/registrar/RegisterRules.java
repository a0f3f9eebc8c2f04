package io.sipedge.sip.registrar;

import io.sipedge.location.BindingChanges;
import io.sipedge.location.BindingChanges.ContactUpdate;
import io.sipedge.model.Aor;
import io.sipedge.model.Binding;
import io.sipedge.model.Tenant;
import io.sipedge.model.Transport;
import io.sipedge.observe.RegisterOutcome;
import io.sipedge.sip.auth.AuthOutcome;
import io.sipedge.sip.registrar.RegisterRequest.ContactSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * RFC 3261 §10.3 as pure functions: the request, the tenant its Request-URI names, the outcome of
 * authentication and {@code now} in, the decision out. They read no store, clock or directory and
 * change nothing, so every rule is a table test; the {@link Registrar} fetches their inputs and
 * applies their decisions.
 */
final class RegisterRules {
    private final RegistrarPolicy policy;

    RegisterRules(RegistrarPolicy policy) {
        this.policy = policy;
    }

    /**
     * The refusals that come before authentication, so nobody is challenged for a request that
     * would be refused anyway: a malformed header, a domain not served here (step 1), a To that
     * names no user of that domain. Empty: authenticate the request against the tenant.
     *
     * @param tenant the tenant whose domain is the Request-URI's host; empty when none is
     */
    Optional<RegisterReply> refusalBeforeAuth(RegisterRequest req, Optional<Tenant> tenant, Instant now) {
        if (req.malformed() != null) {
            return Optional.of(new RegisterReply(400, "Malformed " + req.malformed() + " header", List.of(),
                    List.of(), 0, now, RegisterError.MALFORMED_HEADER.outcome));
        }
        if (tenant.isEmpty()) {
            return Optional.of(RegisterReply.error(RegisterError.DOMAIN_NOT_SERVED, now));
        }
        // Step 2: a Require this registrar cannot honour (RFC 3261 §8.2.2.3), before anyone is challenged.
        if (!req.unsupported().isEmpty()) {
            return Optional.of(RegisterReply.badExtension(req.unsupported(), now));
        }
        if (req.toHost() == null || !req.toHost().equalsIgnoreCase(tenant.get().domain())) {
            return Optional.of(RegisterReply.error(RegisterError.TO_DOMAIN_MISMATCH, now));
        }
        if (req.toUser() == null || req.toUser().isEmpty()) {
            return Optional.of(RegisterReply.error(RegisterError.NO_TO_USER, now));
        }
        return Optional.empty();
    }

    /**
     * Steps 3-7 for a request {@link #refusalBeforeAuth} let through: who may register for whom,
     * then {@code Contact: *}, a query, or each contact's expiry and q as one set of changes.
     * Unauthenticated requests are challenged before their contacts are judged.
     */
    RegisterDecision decide(RegisterRequest req, Tenant tenant, AuthOutcome auth, Instant now) {
        if (auth instanceof AuthOutcome.Challenge c) {
            return new RegisterDecision.Challenge(tenant.domain(), c.stale(),
                    c.stale() ? RegisterOutcome.CHALLENGED_STALE : RegisterOutcome.CHALLENGED);
        }
        if (auth instanceof AuthOutcome.Rejected r) {
            return new RegisterDecision.Challenge(tenant.domain(), false, refusal(r.reason()));
        }
        if (auth instanceof AuthOutcome.Blocked b) {
            return new RegisterDecision.Refuse(b.forbidden() ? RegisterReply.error(RegisterError.BLOCKED, now)
                    : RegisterReply.silent(RegisterOutcome.BLOCKED, now));
        }
        AuthOutcome.Authenticated ok = (AuthOutcome.Authenticated) auth;
        if (!ok.device().username().equals(req.toUser())) {
            return refuse(RegisterError.USER_MISMATCH, now);
        }
        // The directory's own strings: the location store keeps this key as long as the AOR is bound.
        Aor aor = new Aor(ok.device().username(), tenant.domain());

        // Step 6: Contact: * only alone and only with Expires: 0.
        if (req.star()) {
            if (!req.contacts().isEmpty()) {
                return refuse(RegisterError.STAR_WITH_OTHER_CONTACTS, now);
            }
            if (req.expiresHeader() == null || req.expiresHeader() != 0) {
                return refuse(RegisterError.STAR_WITH_NONZERO_EXPIRES, now);
            }
            return new RegisterDecision.Update(aor, new BindingChanges(true, List.of(), req.callId(), req.cseq(),
                    policy.maxContacts(), policy.overflow()), ok.retransmission(), RegisterReply.Outbound.NONE);
        }
        if (req.contacts().isEmpty()) {
            return new RegisterDecision.Query(aor);
        }
        // Step 7: each contact's expiry, then the changes as one atomic update.
        List<ContactUpdate> updates = new ArrayList<>(req.contacts().size());
        for (ContactSpec c : req.contacts()) {
            Long asked = c.expires() != null ? c.expires() : req.expiresHeader();
            long expires = asked != null ? asked : policy.defaultExpires();
            if (expires < 0) {
                return refuse(RegisterError.BAD_EXPIRES, now);
            }
            if (expires != 0 && expires < policy.minExpires()) {
                return new RegisterDecision.Refuse(new RegisterReply(RegisterError.INTERVAL_TOO_BRIEF.code,
                        RegisterError.INTERVAL_TOO_BRIEF.reason, List.of(), List.of(), policy.minExpires(), now,
                        RegisterError.INTERVAL_TOO_BRIEF.outcome));
            }
            expires = policy.spread(Math.min(expires, policy.maxExpires()), req.callId(), req.cseq());
            float q = c.q() == null ? 1.0f : c.q();
            if (!(q >= 0f && q <= 1f)) {
                return refuse(RegisterError.BAD_Q, now);
            }
            Binding b = new Binding(c.uri(), req.flow(), now.plusSeconds(expires), q, req.callId(), req.cseq(),
                    c.instance(), c.regId(), req.path(), req.userAgent(), now);
            updates.add(new ContactUpdate(b, expires == 0));
        }
        return new RegisterDecision.Update(aor, new BindingChanges(false, updates, req.callId(), req.cseq(),
                policy.maxContacts(), policy.overflow()), ok.retransmission(), outbound(req, updates));
    }

    /**
     * What the 200 to a request with these contact updates says of RFC 5626 outbound.
     *
     * <p>{@code Require: outbound} (§6): the phone listed the option tag in Supported and a contact
     * has {@code +sip.instance} and {@code reg-id} (a reg-id without an instance is ignored), and
     * the request came straight from the phone (one Via) or through an edge proxy that keeps the
     * phone's flow and says so with an {@code ob} Path (without either, §6 forbids outbound
     * processing). The transport does not matter: §6 says MUST for UDP as for TCP, and the
     * edge answers the STUN keepalives a phone then sends over UDP (§8), so telling a UDP phone
     * does not make it declare its flow failed.
     *
     * <p>{@code Flow-Timer} (§5.4, §6: only a registrar with a direct flow): on a connection (TCP,
     * TLS, WebSocket) when the request keeps an outbound binding (not only removes one) and the
     * timer is configured. Never over UDP: there the keepalives are STUN, whose RFC default of 24-29
     * s keeps NAT mappings that close after 30 s alive; a connection's timer (120 s by default)
     * would stretch them past that. UDP flows the edge checks itself (qualify).
     */
    RegisterReply.Outbound outbound(RegisterRequest req, List<ContactUpdate> updates) {
        if (!req.outboundSupported() || !req.firstHop() && !firstPathHasOb(req.path())) {
            return RegisterReply.Outbound.NONE;
        }
        boolean any = false;
        boolean keeps = false;
        for (ContactUpdate u : updates) {
            if (u.binding().outbound()) {
                any = true;
                keeps |= !u.remove();
            }
        }
        if (!any) {
            return RegisterReply.Outbound.NONE;
        }
        boolean timer = keeps && req.firstHop() && req.transport() != Transport.UDP && policy.flowTimer() > 0;
        return new RegisterReply.Outbound(true, timer ? policy.flowTimer() : 0);
    }

    /**
     * True when the first Path value's URI has the {@code ob} parameter (RFC 5626 §5.1: the edge
     * proxy that added it is the phone's first hop and keeps its flow). Path values are name-addrs
     * (RFC 3327 §4); URI parameters follow the host, after any user part, which may hold ';'.
     */
    static boolean firstPathHasOb(List<String> path) {
        if (path.isEmpty()) {
            return false;
        }
        String value = path.get(0);
        int open = value.indexOf('<');
        int close = value.indexOf('>', open + 1);
        if (open < 0 || close < 0) {
            return false;
        }
        String uri = value.substring(open + 1, close);
        int query = uri.indexOf('?');
        if (query >= 0) {
            uri = uri.substring(0, query);
        }
        String[] hostAndParams = uri.substring(uri.lastIndexOf('@') + 1).split(";");
        for (int i = 1; i < hostAndParams.length; i++) {
            String p = hostAndParams[i];
            int eq = p.indexOf('=');
            if ((eq < 0 ? p : p.substring(0, eq)).strip().equalsIgnoreCase("ob")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Each refusal of credentials as metrics count it. A switch without default: a new reason does
     * not compile until it has its outcome.
     */
    static RegisterOutcome refusal(AuthOutcome.Reason reason) {
        return switch (reason) {
            case NO_SUCH_USER -> RegisterOutcome.NO_SUCH_USER;
            case WRONG_PASSWORD -> RegisterOutcome.WRONG_PASSWORD;
            case DEVICE_DISABLED -> RegisterOutcome.DEVICE_DISABLED;
            case NONCE_REUSED -> RegisterOutcome.NONCE_REUSED;
            case NONCE_INVALID -> RegisterOutcome.NONCE_INVALID;
            case MALFORMED -> RegisterOutcome.MALFORMED_CREDENTIALS;
            case ALGORITHM_NOT_OFFERED -> RegisterOutcome.ALGORITHM_NOT_OFFERED;
        };
    }

    private static RegisterDecision refuse(RegisterError e, Instant now) {
        return new RegisterDecision.Refuse(RegisterReply.error(e, now));
    }
}
