package io.sipedge.sip.registrar;

import io.sipedge.directory.Directory;
import io.sipedge.location.LocationStore;
import io.sipedge.model.Tenant;
import io.sipedge.observe.RegisterOutcome;
import io.sipedge.sip.auth.AuthOutcome;
import io.sipedge.sip.auth.DigestAuthenticator;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registrar: looks up the tenant, authenticates, lets {@link RegisterRules} decide (RFC 3261
 * §10.3), applies the decision to the LocationStore atomically, and replies. The rules are pure;
 * this class is where the directory, the nonces and the store are touched. No javax.sip types and
 * no locks here; {@code now} is read once per request by the caller and passed in.
 */
public final class Registrar {
    private static final Logger log = LoggerFactory.getLogger(Registrar.class);

    private final Directory directory;
    private final LocationStore locations;
    private final DigestAuthenticator auth;
    private final RegisterRules rules;

    public Registrar(Directory directory, LocationStore locations, DigestAuthenticator auth, RegistrarPolicy policy) {
        this.directory = directory;
        this.locations = locations;
        this.auth = auth;
        this.rules = new RegisterRules(policy);
    }

    /** Answers one REGISTER: tenant lookup, authentication, the rules' decision, the store, the reply. */
    public RegisterReply handle(RegisterRequest req, Instant now) {
        // Step 1: is this registrar responsible for the Request-URI's domain? (Not asked for a malformed request.)
        Optional<Tenant> tenant = req.malformed() == null ? directory.tenantByDomain(req.requestUriHost())
                : Optional.empty();
        Optional<RegisterReply> refused = rules.refusalBeforeAuth(req, tenant, now);
        if (refused.isPresent()) {
            RegisterReply r = refused.get();
            if (r.outcome() == RegisterOutcome.DOMAIN_NOT_SERVED && !auth.guard().answersUnknownDomain(req.flow())) {
                return RegisterReply.silent(r.outcome(), now); // scanners try any domain: answered at a bounded rate
            }
            return r;
        }
        Tenant t = tenant.orElseThrow();
        AuthOutcome outcome = authenticate(req, t, now);
        RegisterDecision decision = rules.decide(req, t, outcome, now);
        logMismatch(req, t, outcome, decision);
        if (decision instanceof RegisterDecision.Update u) {
            return u.reply(locations.apply(u.aor(), u.changes(), now), now);
        }
        if (decision instanceof RegisterDecision.Query q) {
            return q.reply(locations.lookup(q.aor(), now), now);
        }
        if (decision instanceof RegisterDecision.Challenge c) {
            return c.reply(auth.nonces().issue(c.realm(), now), auth.offeredTo(t, req.flow().transport()), now);
        }
        return ((RegisterDecision.Refuse) decision).reply();
    }

    /** Steps 3-4: who the credentials belong to, if anyone. */
    private AuthOutcome authenticate(RegisterRequest req, Tenant tenant, Instant now) {
        // Only an authenticated leg needs its identity (the first leg of every registration has none).
        long fingerprint = req.credentials().isEmpty() ? 0 : auth.nonces().fingerprint(req.branch(), req.callId(),
                req.cseq(), req.sourceIp(), req.sourcePort());
        return auth.verify(req.credentials(), tenant, "REGISTER", req.toUser(), req.flow(), fingerprint, now);
    }

    /**
     * Valid credentials used for another user's AOR are logged here, so that the rules stay free of
     * side effects. (Refused credentials go to the security log, through the guard.)
     */
    private static void logMismatch(RegisterRequest req, Tenant tenant, AuthOutcome outcome,
                                    RegisterDecision decision) {
        if (outcome instanceof AuthOutcome.Authenticated a && decision instanceof RegisterDecision.Refuse f
                && f.reply().outcome() == RegisterOutcome.USER_MISMATCH) {
            log.info("REGISTER for {}@{} with the credentials of {}: refused", req.toUser(), tenant.domain(),
                    a.device().username());
        }
    }
}
