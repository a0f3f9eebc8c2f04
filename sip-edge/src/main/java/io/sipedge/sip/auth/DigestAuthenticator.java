package io.sipedge.sip.auth;

import io.sipedge.directory.Directory;
import io.sipedge.model.Device;
import io.sipedge.model.DigestAlgorithm;
import io.sipedge.model.Flow;
import io.sipedge.model.Tenant;
import io.sipedge.model.Transport;
import io.sipedge.sip.guard.Guard;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Verifies SIP digest credentials (RFC 3261 §22.4 with RFC 7616 / RFC 8760 algorithms) against the
 * Directory's HA1 values, from memory only, and tells the {@link Guard} of every failure and
 * success (it bans guessers) and asks it first whether the user is banned from the source.
 *
 * <p>An unknown user and a wrong password take the same steps: the response is computed and
 * compared for both (against a random HA1 for an unknown user), the nonce is spent for both, and
 * the guard counts both alike.
 */
public final class DigestAuthenticator {
    private final Directory directory;
    private final NonceService nonces;
    private final List<DigestAlgorithm> offered;
    private final Guard guard;
    /** Per algorithm, an HA1 no user has: what an unknown user's response is checked against. */
    private final Map<DigestAlgorithm, String> noUserHa1 = new EnumMap<>(DigestAlgorithm.class);

    /** @param offered the algorithms challenged, in the order the WWW-Authenticate headers list them */
    public DigestAuthenticator(Directory directory, NonceService nonces, List<DigestAlgorithm> offered) {
        this(directory, nonces, offered, Guard.OFF);
    }

    public DigestAuthenticator(Directory directory, NonceService nonces, List<DigestAlgorithm> offered, Guard guard) {
        this.directory = directory;
        this.nonces = nonces;
        this.offered = List.copyOf(offered);
        this.guard = guard;
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        for (DigestAlgorithm a : DigestAlgorithm.values()) {
            noUserHa1.put(a, a.hashHex(HexFormat.of().formatHex(random)));
        }
    }

    public Guard guard() {
        return guard;
    }

    /** The algorithms a tenant is challenged with, in header order. */
    public List<DigestAlgorithm> offeredTo(Tenant tenant) {
        return tenant.digestAlgorithms(offered);
    }

    /**
     * The algorithms a tenant's phone on {@code transport} is challenged with. Over WebSocket only
     * MD5 when the tenant allows it: the browser stacks (JsSIP, SIP.js) answer MD5 alone, and JsSIP
     * keeps only the last WWW-Authenticate of a response, so a second, SHA-256 challenge made every
     * JsSIP phone give up.
     */
    public List<DigestAlgorithm> offeredTo(Tenant tenant, Transport transport) {
        List<DigestAlgorithm> all = offeredTo(tenant);
        return transport.webSocket() && all.contains(DigestAlgorithm.MD5) ? List.of(DigestAlgorithm.MD5) : all;
    }

    public NonceService nonces() {
        return nonces;
    }

    /**
     * @param claimedUser  who the request says it is for (To of a REGISTER, From of another request):
     *                     what a ban is checked against when it carries no credentials
     * @param flow         where it came from: bans and failure counts are per source address
     * @param fingerprint  the request's {@link NonceService#fingerprint}, which tells a retransmission
     *                     of an accepted request from a replay of its credentials
     */
    public AuthOutcome verify(List<DigestCredentials> all, Tenant tenant, String method, String claimedUser, Flow flow,
                              long fingerprint, Instant now) {
        DigestCredentials c = null;
        for (DigestCredentials candidate : all) {
            if (candidate.realm() != null && candidate.realm().equalsIgnoreCase(tenant.domain())) {
                c = candidate;
                break;
            }
        }
        String user = c != null && c.username() != null ? c.username() : claimedUser;
        if (user != null && guard.blocked(flow, user, tenant.domain())) {
            return guard.refusesBlockedWith403() ? AuthOutcome.FORBIDDEN : AuthOutcome.DROPPED;
        }
        if (c == null) {
            return AuthOutcome.FRESH; // no credentials for this realm: the first leg of every registration
        }
        AuthOutcome outcome = check(c, tenant, method, fingerprint, now);
        if (outcome instanceof AuthOutcome.Rejected r) {
            guard.failed(flow, user == null ? "" : user, tenant.domain(), method, r.reason().name());
        } else if (outcome instanceof AuthOutcome.Authenticated a && !a.retransmission()) {
            guard.succeeded(flow, user, tenant.domain());
        }
        return outcome;
    }

    private AuthOutcome check(DigestCredentials c, Tenant tenant, String method, long fingerprint, Instant now) {
        if (c.username() == null || c.nonce() == null || c.uri() == null || c.response() == null) {
            return new AuthOutcome.Rejected(AuthOutcome.Reason.MALFORMED);
        }
        Optional<DigestAlgorithm> alg = c.algorithm() == null ? Optional.of(DigestAlgorithm.MD5)
                : DigestAlgorithm.fromToken(c.algorithm());
        if (alg.isEmpty() || !offeredTo(tenant).contains(alg.get())) {
            return new AuthOutcome.Rejected(AuthOutcome.Reason.ALGORITHM_NOT_OFFERED);
        }
        long nc;
        if (c.qop() != null) {
            if (!"auth".equals(c.qop().toLowerCase(Locale.ROOT)) || c.nc() == null || c.cnonce() == null) {
                return new AuthOutcome.Rejected(AuthOutcome.Reason.MALFORMED);
            }
            try {
                nc = Long.parseLong(c.nc(), 16);
            } catch (NumberFormatException e) {
                return new AuthOutcome.Rejected(AuthOutcome.Reason.MALFORMED);
            }
            if (nc < 1) {
                return new AuthOutcome.Rejected(AuthOutcome.Reason.MALFORMED);
            }
        } else {
            nc = 0; // RFC 2069 compatibility: no nonce-count, so the nonce is single-use
        }
        NonceService.Nonce nonce = nonces.parse(c.nonce(), tenant.domain());
        NonceService.Validity validity = nonces.check(nonce, now);
        if (validity == NonceService.Validity.INVALID) {
            return new AuthOutcome.Rejected(AuthOutcome.Reason.NONCE_INVALID);
        }
        Device device = directory.deviceByDigestUsername(tenant.id(), c.username()).orElse(null);
        String ha1 = device == null ? noUserHa1.get(alg.get()) : device.secret().ha1(alg.get());
        String expected = expectedResponse(alg.get(), ha1, c, method);
        boolean right = MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                c.response().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII));
        if (device == null || !right) {
            nonces.spend(nonce, now); // one guess per nonce, whatever the nonce-count says
            return new AuthOutcome.Rejected(device == null ? AuthOutcome.Reason.NO_SUCH_USER
                    : AuthOutcome.Reason.WRONG_PASSWORD);
        }
        if (!device.enabled()) {
            return new AuthOutcome.Rejected(AuthOutcome.Reason.DEVICE_DISABLED);
        }
        if (validity == NonceService.Validity.STALE) {
            return AuthOutcome.STALE; // right password, old nonce: the client retries without asking the user
        }
        return switch (nonces.use(nonce, nc, fingerprint, now)) {
            case FRESH -> new AuthOutcome.Authenticated(device, false);
            case RETRANSMISSION -> new AuthOutcome.Authenticated(device, true);
            case FORGOTTEN -> AuthOutcome.STALE;
            case REPLAY -> new AuthOutcome.Rejected(AuthOutcome.Reason.NONCE_REUSED);
        };
    }

    /** RFC 7616 §3.4.1: response = KD(HA1, nonce:nc:cnonce:qop:HA2), or RFC 2069's H(HA1:nonce:HA2). */
    static String expectedResponse(DigestAlgorithm alg, String ha1, DigestCredentials c, String method) {
        String ha2 = alg.hashHex(method + ":" + c.uri());
        if (c.qop() != null) {
            return alg.hashHex(ha1 + ":" + c.nonce() + ":" + c.nc() + ":" + c.cnonce() + ":" + c.qop() + ":" + ha2);
        }
        return alg.hashHex(ha1 + ":" + c.nonce() + ":" + ha2);
    }
}
