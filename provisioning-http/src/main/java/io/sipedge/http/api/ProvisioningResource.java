package io.sipedge.http.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sipedge.http.auth.HttpDigest;
import io.sipedge.http.auth.Secrets;
import io.sipedge.http.render.Json;
import io.sipedge.http.render.LinphoneXml;
import io.sipedge.http.render.QrCodes;
import io.sipedge.model.Device;
import io.sipedge.model.DigestAlgorithm;
import io.sipedge.model.Provisioned;
import io.sipedge.model.ProvisioningToken;
import io.sipedge.model.ProvisioningToken.Kind;
import io.sipedge.model.Tenant;
import io.sipedge.model.Transport;
import io.sipedge.model.rules.Violation;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Linphone remote provisioning (linphone-provisioning seed, FlexiAPI's endpoints): operators issue
 * and revoke tokens over the API; phones fetch {@code /provisioning/{token}} and get liblinphone's
 * XML with their account and HA1s in it.
 *
 * <p>Every answer of the public {@code /provisioning} routes is raw (XML, PNG, text), never the JSON
 * envelope, and their failures have fixed bodies: the four ways a token can be bad (unknown,
 * expired, used up, revoked) give byte-identical 404s.
 */
final class ProvisioningResource {
    static final String HEADER = "x-linphone-provisioning";
    static final String QR_HEADER = "X-Qrcode-URL";
    static final Duration MIN_TTL = Duration.ofMinutes(1);
    static final Duration MAX_TTL = Duration.ofDays(30);
    private static final String TEXT = "text/plain; charset=utf-8";
    private static final byte[] NOT_FOUND = "404 Not Found: no such provisioning token\n".getBytes(StandardCharsets.UTF_8);
    private static final byte[] NO_HEADER = ("400 Bad Request: the x-linphone-provisioning header is required\n")
            .getBytes(StandardCharsets.UTF_8);
    private static final Set<String> TOKEN_FIELDS = Set.of("ttl", "single_use");
    /** Reset passwords: 144 random bits as 24 base64url characters, inside the 6..31 rule. */
    private static final int RESET_PASSWORD_BYTES = 18;
    private static final SecureRandom RANDOM = new SecureRandom();
    /** The nat policy every provisioned account refers to. */
    static final String NAT_POLICY_REF = "sipedge";

    private final ApiContext ctx;
    private final HttpDigest digest = new HttpDigest();

    ProvisioningResource(ApiContext ctx) {
        this.ctx = ctx;
    }

    // ------------------------------------------------------------------ operator side

    /** POST …/provisioning_token: {@code {"data": {"ttl": seconds, "single_use": bool}}}, body optional. */
    ApiResponse issue(ApiRequest req) {
        return issue(req, Kind.PROVISIONING, ctx.provisioning().tokenTtl());
    }

    /** POST …/auth_token: a one-use token for {@code /provisioning/auth_token/{auth_token}}. */
    ApiResponse issueAuthToken(ApiRequest req) {
        return issue(req, Kind.AUTH, ctx.provisioning().authTokenTtl());
    }

    private ApiResponse issue(ApiRequest req, Kind kind, Duration defaultTtl) {
        Tenant t = Scope.account(ctx.directory(), req);
        Device d = Scope.device(ctx.directory(), req, t);
        return ApiResponse.created(issue(d, kind, req.body().length > 0 ? req.data() : null, defaultTtl));
    }

    /**
     * A new provisioning token for the device, which replaces its previous one: the operator's route
     * and a signed-in user's own device ({@code /api/me}) issue exactly the same.
     *
     * @param options {@code {"ttl": seconds, "single_use": bool}}, or null for the defaults
     */
    Map<String, Object> issueProvisioning(Device d, ObjectNode options) {
        return issue(d, Kind.PROVISIONING, options, ctx.provisioning().tokenTtl());
    }

    private Map<String, Object> issue(Device d, Kind kind, ObjectNode data, Duration defaultTtl) {
        Duration ttl = defaultTtl;
        boolean singleUse = true;
        if (data != null) {
            List<Violation> v = new ArrayList<>();
            Fields.onlyKnown(data, kind == Kind.AUTH ? Set.of("ttl") : TOKEN_FIELDS, "", v);
            Integer seconds = Fields.integer(data, "ttl", "ttl", v);
            Boolean single = Fields.bool(data, "single_use", "single_use", v);
            if (seconds != null && (seconds < MIN_TTL.toSeconds() || seconds > MAX_TTL.toSeconds())) {
                v.add(new Violation("ttl", "range", "must be from " + MIN_TTL.toSeconds() + " to "
                        + MAX_TTL.toSeconds() + " seconds"));
            }
            if (!v.isEmpty()) {
                throw ApiException.invalid(v);
            }
            ttl = seconds != null ? Duration.ofSeconds(seconds) : ttl;
            singleUse = single == null || single;
        }
        String token = Secrets.randomToken();
        Instant now = ctx.clock().instant();
        ProvisioningToken stored = ctx.directory().putProvisioningToken(new ProvisioningToken(
                HexFormat.of().formatHex(Secrets.sha256(token)), d.id(), kind, now, now.plus(ttl), singleUse));
        Map<String, Object> out = new LinkedHashMap<>();
        String base = ctx.provisioning().baseUrl();
        if (kind == Kind.AUTH) {
            out.put("auth_token", token);
            out.put("url", base + "/provisioning/auth_token/" + token);
        } else {
            out.put("token", token);
            out.put("url", base + "/provisioning/" + token);
            out.put("qrcode_url", base + "/provisioning/qrcode/" + token);
            out.put("single_use", stored.singleUse());
        }
        out.put("expires_at", Json.time(stored.expiresAt()));
        return out;
    }

    ApiResponse revoke(ApiRequest req) {
        return revoke(req, Kind.PROVISIONING);
    }

    ApiResponse revokeAuthToken(ApiRequest req) {
        return revoke(req, Kind.AUTH);
    }

    private ApiResponse revoke(ApiRequest req, Kind kind) {
        Tenant t = Scope.account(ctx.directory(), req);
        Device d = Scope.device(ctx.directory(), req, t);
        return ApiResponse.ok(Map.of("revoked", ctx.directory().revokeProvisioningTokens(d.id(), kind)));
    }

    // ------------------------------------------------------------------ what phones fetch

    /** GET /provisioning/{token}[?reset_password] */
    ApiResponse byToken(ApiRequest req) {
        String token = req.param("token");
        Instant now = ctx.clock().instant();
        Optional<ProvisioningToken> live = ctx.directory().findProvisioningToken(token, Kind.PROVISIONING, now);
        if (req.header(HEADER) == null) {
            // Without the header nothing is consumed, and an unknown token looks like a known one.
            boolean optional = live.flatMap(t -> ctx.directory().device(t.deviceId()))
                    .flatMap(d -> ctx.directory().tenant(d.tenantId()))
                    .map(t -> !t.provisioning().linphoneHeaderRequired()).orElse(false);
            if (!optional) {
                return fixed(400, NO_HEADER);
            }
        }
        return redeem(req, token, Kind.PROVISIONING, live.isPresent());
    }

    /** GET /provisioning/auth_token/{auth_token} */
    ApiResponse byAuthToken(ApiRequest req) {
        String token = req.param("auth_token");
        boolean live = ctx.directory().findProvisioningToken(token, Kind.AUTH, ctx.clock().instant()).isPresent();
        return redeem(req, token, Kind.AUTH, live);
    }

    private ApiResponse redeem(ApiRequest req, String token, Kind kind, boolean live) {
        if (req.head()) {
            // A HEAD tells whether the link works and changes nothing.
            return live ? ApiResponse.bytes(200, LinphoneXml.CONTENT_TYPE, new byte[0], Map.of()) : fixed(404, NOT_FOUND);
        }
        if (!live) {
            return fixed(404, NOT_FOUND);
        }
        String newPassword = req.hasQuery("reset_password") ? newPassword() : null;
        Provisioned fetch = new Provisioned(ctx.clock().instant(), req.remoteIp(), userAgent(req));
        Optional<Device> d = ctx.directory().provision(token, kind, fetch, newPassword);
        if (d.isEmpty()) {
            return fixed(404, NOT_FOUND); // used or revoked between the look-up and now
        }
        Tenant t = ctx.directory().tenant(d.get().tenantId()).orElse(null);
        if (t == null) {
            return fixed(404, NOT_FOUND);
        }
        return xml(accountXml(d.get(), t, true));
    }

    /** GET /provisioning/qrcode/{token}[?reset_password]: a PNG of the provisioning URL; consumes nothing. */
    ApiResponse qrcode(ApiRequest req) {
        String token = req.param("token");
        if (ctx.directory().findProvisioningToken(token, Kind.PROVISIONING, ctx.clock().instant()).isEmpty()) {
            return fixed(404, NOT_FOUND);
        }
        String url = ctx.provisioning().baseUrl() + "/provisioning/" + token
                + (req.hasQuery("reset_password") ? "?reset_password" : "");
        return ApiResponse.bytes(200, "image/png", QrCodes.png(url), Map.of(QR_HEADER, url));
    }

    /** GET /provisioning: the server-level sections only, no account and no credentials. */
    ApiResponse server(ApiRequest req) {
        LinphoneXml x = new LinphoneXml();
        ProvisioningSettings p = ctx.provisioning();
        String proxy = "<sip:" + hostPort(p.sipHost(), p.sipPort()) + ";transport=udp>";
        x.entry("proxy_default_values", "reg_proxy", proxy);
        x.entry("proxy_default_values", "reg_route", proxy);
        x.entry("proxy_default_values", "reg_expires", io.sipedge.model.DeviceProfile.DEFAULT_REGISTRATION_INTERVAL);
        x.entry("proxy_default_values", "reg_sendregister", 1);
        x.entry("proxy_default_values", "nat_policy_ref", ctx.stunHost() != null ? NAT_POLICY_REF : null);
        natPolicy(x);
        return xml(x);
    }

    /** GET /provisioning/me: HTTP Digest with the device's own SIP credentials, in its tenant's realm. */
    ApiResponse me(ApiRequest req) {
        Tenant t = tenantForDigest(req);
        if (t == null) {
            return fixed(400, ("400 Bad Request: name the account's SIP domain with ?domain= or the Host header\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        Instant now = ctx.clock().instant();
        Map<String, String> p = HttpDigest.parse(req.header("authorization"));
        boolean stale = false;
        if (p != null && p.get("username") != null) {
            DigestAlgorithm alg = DigestAlgorithm.fromToken(p.getOrDefault("algorithm", "MD5")).orElse(null);
            Device d = ctx.directory().deviceByDigestUsername(t.id(), p.get("username")).orElse(null);
            if (alg != null && offered(t).contains(alg) && d != null && d.enabled()) {
                HttpDigest.Outcome o = digest.verify(p, t.domain(), req.path(), alg, d.secret().ha1(alg), now);
                if (o == HttpDigest.Outcome.OK) {
                    return xml(accountXml(d, t, false));
                }
                stale = o == HttpDigest.Outcome.STALE;
            }
        }
        List<String> challenges = new ArrayList<>();
        for (DigestAlgorithm a : offered(t)) {
            challenges.add(digest.challenge(t.domain(), a, stale, now));
        }
        // One WWW-Authenticate field per algorithm, the preferred first (RFC 7616 §3.7).
        return ApiResponse.bytes(401, TEXT, "401 Unauthorized\n".getBytes(StandardCharsets.UTF_8),
                Map.of("WWW-Authenticate", String.join("\n", challenges)));
    }

    private Tenant tenantForDigest(ApiRequest req) {
        String domain = req.queryFirst("domain");
        if (domain == null) {
            String host = req.header("host");
            if (host != null) {
                domain = host.startsWith("[") ? host.substring(0, host.indexOf(']') + 1)
                        : host.indexOf(':') >= 0 ? host.substring(0, host.indexOf(':')) : host;
            }
        }
        return domain == null ? null : ctx.directory().tenantByDomain(domain).orElse(null);
    }

    /** SHA-256 first (RFC 7616 §3.7: the preferred one first), then MD5, as far as edge and tenant allow. */
    private List<DigestAlgorithm> offered(Tenant t) {
        List<DigestAlgorithm> out = new ArrayList<>();
        for (DigestAlgorithm a : List.of(DigestAlgorithm.SHA_256, DigestAlgorithm.MD5)) {
            if (t.digestAlgorithms(ctx.provisioning().digestAlgorithms()).contains(a)) {
                out.add(a);
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ the XML

    /**
     * The account's sections: proxy_0, auth_info_0.. (one per digest algorithm the registrar will
     * challenge this tenant with), sip, nat_policy_0 when STUN is configured, misc.
     */
    LinphoneXml accountXml(Device d, Tenant t, boolean transientProvisioning) {
        ProvisioningSettings p = ctx.provisioning();
        Transport tr = d.profile().transport();
        if (tr == Transport.TLS && p.sipTlsPort() <= 0) {
            tr = Transport.TCP; // TLS is off on this edge: the phone is told TCP rather than a dead port
        }
        int port = tr == Transport.TLS ? p.sipTlsPort() : p.sipPort();
        String realm = t.domain(); // the registrar challenges with exactly this realm
        String proxy = "<sip:" + hostPort(p.sipHost(), port) + ";transport=" + tr.token() + ">";
        LinphoneXml x = new LinphoneXml();
        x.entry("proxy_0", "reg_identity", "\"" + d.profile().name().replace("\\", "\\\\").replace("\"", "\\\"")
                + "\" <sip:" + d.username() + "@" + realm + ">");
        x.entry("proxy_0", "reg_proxy", proxy);
        x.entry("proxy_0", "reg_route", proxy);
        x.entry("proxy_0", "realm", realm);
        x.entry("proxy_0", "reg_expires", d.profile().registrationInterval());
        x.entry("proxy_0", "reg_sendregister", 1);
        x.entry("proxy_0", "publish", 0);
        x.entry("proxy_0", "nat_policy_ref", ctx.stunHost() != null ? NAT_POLICY_REF : null);
        int i = 0;
        List<DigestAlgorithm> algs = new ArrayList<>();
        for (DigestAlgorithm a : List.of(DigestAlgorithm.MD5, DigestAlgorithm.SHA_256)) {
            if (t.digestAlgorithms(p.digestAlgorithms()).contains(a)) {
                algs.add(a);
            }
        }
        for (DigestAlgorithm a : algs) {
            String s = "auth_info_" + i++;
            x.entry(s, "username", d.username());
            x.entry(s, "userid", d.authUsername());
            x.entry(s, "realm", realm);
            x.entry(s, "domain", realm);
            x.entry(s, "ha1", d.secret().ha1(a));
            x.entry(s, "algorithm", a.token());
        }
        // Local ports: -1 lets the phone pick one for its transport, 0 turns the others off.
        x.entry("sip", "sip_port", tr == Transport.UDP ? -1 : 0);
        x.entry("sip", "sip_tcp_port", tr == Transport.TCP ? -1 : 0);
        x.entry("sip", "sip_tls_port", tr == Transport.TLS ? -1 : 0);
        x.entry("sip", "default_proxy", 0);
        natPolicy(x);
        if (transientProvisioning) {
            x.entry("misc", "transient_provisioning", 1);
        }
        return x;
    }

    private void natPolicy(LinphoneXml x) {
        if (ctx.stunHost() != null) {
            x.entry("nat_policy_0", "ref", NAT_POLICY_REF);
            x.entry("nat_policy_0", "stun_server", hostPort(ctx.stunHost(), ctx.stunPort()));
            x.entry("nat_policy_0", "protocols", "stun");
        }
    }

    static String hostPort(String host, int port) {
        String h = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
        return h + ":" + port;
    }

    private static ApiResponse xml(LinphoneXml x) {
        return ApiResponse.bytes(200, LinphoneXml.CONTENT_TYPE, x.bytes(), Map.of());
    }

    private static ApiResponse fixed(int status, byte[] body) {
        return ApiResponse.bytes(status, TEXT, body, Map.of());
    }

    private static String userAgent(ApiRequest req) {
        String ua = req.header("user-agent");
        if (ua == null || ua.isBlank()) {
            return null;
        }
        String clean = ua.replaceAll("\\p{Cntrl}", "").strip();
        return clean.length() > 256 ? clean.substring(0, 256) : clean;
    }

    static String newPassword() {
        byte[] b = new byte[RESET_PASSWORD_BYTES];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
