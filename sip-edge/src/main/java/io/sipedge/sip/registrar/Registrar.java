package io.sipedge.sip.registrar;

import io.sipedge.directory.Directory;
import io.sipedge.location.BindingChanges;
import io.sipedge.location.BindingChanges.ContactUpdate;
import io.sipedge.location.LocationStore;
import io.sipedge.location.RegistrationResult;
import io.sipedge.model.Aor;
import io.sipedge.model.Binding;
import io.sipedge.model.DigestAlgorithm;
import io.sipedge.model.Tenant;
import io.sipedge.observe.RegisterOutcome;
import io.sipedge.sip.auth.AuthOutcome;
import io.sipedge.sip.auth.DigestAuthenticator;
import io.sipedge.sip.registrar.RegisterRequest.ContactSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RFC 3261 §10.3 as a function over values: validate, authenticate, turn the contacts into binding
 * changes, apply them to the LocationStore atomically, reply. No javax.sip types and no locks here;
 * {@code now} is read once per request by the caller and passed in.
 */
public final class Registrar {
    private static final Logger log = LoggerFactory.getLogger(Registrar.class);
    /** RFC 3261 §20.19: expires values are at most 2^32-1 seconds. */
    private static final long MAX_EXPIRES_VALUE = 4_294_967_295L;

    private final Directory directory;
    private final LocationStore locations;
    private final DigestAuthenticator auth;
    private final RegistrarPolicy policy;

    public Registrar(Directory directory, LocationStore locations, DigestAuthenticator auth, RegistrarPolicy policy) {
        this.directory = directory;
        this.locations = locations;
        this.auth = auth;
        this.policy = policy;
    }

    public RegisterReply handle(RegisterRequest req, Instant now) {
        if (req.malformed() != null) {
            return new RegisterReply(400, "Malformed " + req.malformed() + " header", List.of(), List.of(), 0, now,
                    RegisterError.MALFORMED_HEADER.outcome);
        }
        // Step 1: is this registrar responsible for the Request-URI's domain?
        Tenant tenant = directory.tenantByDomain(req.requestUriHost()).orElse(null);
        if (tenant == null) {
            return RegisterReply.error(RegisterError.DOMAIN_NOT_SERVED, now);
        }
        if (req.toHost() == null || !req.toHost().equalsIgnoreCase(tenant.domain())) {
            return RegisterReply.error(RegisterError.TO_DOMAIN_MISMATCH, now);
        }
        if (req.toUser() == null || req.toUser().isEmpty()) {
            return RegisterReply.error(RegisterError.NO_TO_USER, now);
        }
        // Steps 3-4: authenticate; who may register for whom.
        // Only an authenticated leg needs its identity (the first leg of every registration has none).
        long fingerprint = req.credentials().isEmpty() ? 0 : auth.nonces().fingerprint(req.branch(), req.callId(),
                req.cseq(), req.sourceIp(), req.sourcePort());
        AuthOutcome outcome = auth.verify(req.credentials(), tenant, "REGISTER", fingerprint, now);
        if (outcome instanceof AuthOutcome.Challenge c) {
            return challenge(tenant, c.stale(), now,
                    c.stale() ? RegisterOutcome.CHALLENGED_STALE : RegisterOutcome.CHALLENGED);
        }
        if (outcome instanceof AuthOutcome.Rejected r) {
            log.info("REGISTER for {}@{} from {}:{} refused: {}", req.toUser(), tenant.domain(), req.sourceIp(),
                    req.sourcePort(), r.reason());
            // Indistinguishable from the first challenge on the wire; metrics keep the reason.
            return challenge(tenant, false, now, refusal(r.reason()));
        }
        AuthOutcome.Authenticated ok = (AuthOutcome.Authenticated) outcome;
        if (!ok.device().username().equals(req.toUser())) {
            log.info("REGISTER for {}@{} with the credentials of {}: refused", req.toUser(), tenant.domain(),
                    ok.device().username());
            return RegisterReply.error(RegisterError.USER_MISMATCH, now);
        }
        // The directory's own strings: the location store keeps this key as long as the AOR is bound.
        Aor aor = new Aor(ok.device().username(), tenant.domain());

        // Step 6: Contact: * only alone and only with Expires: 0.
        if (req.star()) {
            if (!req.contacts().isEmpty()) {
                return RegisterReply.error(RegisterError.STAR_WITH_OTHER_CONTACTS, now);
            }
            if (req.expiresHeader() == null || req.expiresHeader() != 0) {
                return RegisterReply.error(RegisterError.STAR_WITH_NONZERO_EXPIRES, now);
            }
            return store(aor, new BindingChanges(true, List.of(), req.callId(), req.cseq(), policy.maxContacts(),
                    policy.overflow()), ok.retransmission(), now);
        }
        // A REGISTER without Contact is a query: the current bindings.
        if (req.contacts().isEmpty()) {
            return RegisterReply.ok(locations.lookup(aor, now), now);
        }
        // Step 7: each contact's expiry, then the changes as one atomic update.
        List<ContactUpdate> updates = new ArrayList<>(req.contacts().size());
        for (ContactSpec c : req.contacts()) {
            Long asked = c.expires() != null ? c.expires() : req.expiresHeader();
            long expires = asked != null ? asked : policy.defaultExpires();
            if (expires < 0 || expires > MAX_EXPIRES_VALUE) {
                return RegisterReply.error(RegisterError.BAD_EXPIRES, now);
            }
            if (expires != 0 && expires < policy.minExpires()) {
                return new RegisterReply(RegisterError.INTERVAL_TOO_BRIEF.code, RegisterError.INTERVAL_TOO_BRIEF.reason,
                        List.of(), List.of(), policy.minExpires(), now, RegisterError.INTERVAL_TOO_BRIEF.outcome);
            }
            expires = Math.min(expires, policy.maxExpires());
            float q = c.q() == null ? 1.0f : c.q();
            if (!(q >= 0f && q <= 1f)) {
                return RegisterReply.error(RegisterError.BAD_Q, now);
            }
            Binding b = new Binding(c.uri(), req.flow(),
                    now.plusSeconds(expires), q, req.callId(), req.cseq(), c.instance(), c.regId(), req.path(),
                    req.userAgent(), now);
            updates.add(new ContactUpdate(b, expires == 0));
        }
        return store(aor, new BindingChanges(false, updates, req.callId(), req.cseq(), policy.maxContacts(),
                policy.overflow()), ok.retransmission(), now);
    }

    /**
     * Applies the changes. A retransmission of a request already applied finds its own Call-ID and
     * CSeq stored, which is "out of order" for the store; it gets what the original got, a 200 with
     * the current bindings, as a server transaction would have retransmitted.
     */
    private RegisterReply store(Aor aor, BindingChanges changes, boolean retransmission, Instant now) {
        RegistrationResult r = locations.apply(aor, changes, now);
        return switch (r.outcome()) {
            case OK -> RegisterReply.ok(r.bindings(), now);
            case OUT_OF_ORDER -> retransmission ? RegisterReply.ok(r.bindings(), now)
                    : RegisterReply.error(RegisterError.OUT_OF_ORDER, now);
            case TOO_MANY_CONTACTS -> new RegisterReply(RegisterError.TOO_MANY_CONTACTS.code,
                    RegisterError.TOO_MANY_CONTACTS.reason + " (limit " + policy.maxContacts() + ")",
                    List.of(), List.of(), 0, now, RegisterError.TOO_MANY_CONTACTS.outcome);
        };
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

    /** 401 with one WWW-Authenticate per offered algorithm, all carrying the same fresh nonce. */
    private RegisterReply challenge(Tenant tenant, boolean stale, Instant now, RegisterOutcome outcome) {
        String nonce = auth.nonces().issue(tenant.domain(), now);
        List<RegisterReply.Challenge> headers = new ArrayList<>(2);
        for (DigestAlgorithm a : auth.offeredTo(tenant)) {
            headers.add(new RegisterReply.Challenge(tenant.domain(), nonce, a, stale));
        }
        return new RegisterReply(401, "Unauthorized", List.of(), headers, 0, now, outcome);
    }
}
