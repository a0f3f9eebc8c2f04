package io.sipedge.http.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.QueryStringEncoder;
import io.sipedge.directory.DirectoryException;
import io.sipedge.directory.UserSpec;
import io.sipedge.http.auth.CallbackUrls;
import io.sipedge.http.auth.MicrosoftIdentity;
import io.sipedge.http.auth.MicrosoftIdentity.Refused;
import io.sipedge.http.auth.MicrosoftIdentity.Verified;
import io.sipedge.http.auth.Secrets;
import io.sipedge.http.auth.SingleUse;
import io.sipedge.http.auth.UserSessions.SignedIn;
import io.sipedge.model.Ms365Settings;
import io.sipedge.model.Tenant;
import io.sipedge.model.User;
import io.sipedge.model.rules.Violation;
import io.sipedge.observe.SecurityEvent;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Sign-in with Microsoft (issue 17, the tenant-auth seed's shapes): the OpenID Connect
 * authorization code flow against the account's Entra ID directory, with PKCE, {@code state} and
 * {@code nonce} kept server-side, single-use, for {@link #FLOW_TTL}.
 *
 * <ol>
 * <li>{@code POST /api/auth/sign_in/microsoft {domain, callback_url[, state]}}: the callback must
 *     be on the account's allowlist (no open redirect); answers {@code {url}}, Microsoft's sign-in
 *     page. The client's own {@code state}, if given, comes back on the redirect unchanged: a client
 *     compares it with what it sent, so a link that starts someone else's sign-in cannot sign its
 *     user in as that someone (login CSRF).</li>
 * <li>{@code GET /api/auth/callback/microsoft?code&state}: the edge redeems the code, validates the
 *     id_token ({@link MicrosoftIdentity}), finds the user bound to {@code (tid, oid)} and redirects
 *     to the callback with a one-time {@code code}; any failure redirects there with {@code error=}.</li>
 * <li>{@code POST /api/auth/token {code}}: the same tokens as a password sign-in. Tokens never
 *     travel in a URL: only the one-time code does, valid for {@link #CODE_TTL}, once.</li>
 * </ol>
 *
 * The legacy {@code POST /api/login/by_microsoft} (form {@code domain}) starts the same flow and
 * ends it with the session cookie and a redirect to the portal. It has no client to check a state,
 * so the edge binds the flow to the browser that started it: a cookie ({@value #BINDING_COOKIE},
 * path of the callback only) whose hash the flow keeps, required at the callback.
 *
 * <p>Binding: a user whose {@code ms365_binding} is the token's {@code oid}; failing that, one whose
 * binding an admin set to the token's UPN ({@code preferred_username}), which is then replaced by
 * the {@code oid}: a UPN can be renamed and reassigned, an object id cannot.
 */
final class MicrosoftSignInResource {
    /** How long a user has to complete Microsoft's sign-in page. */
    static final Duration FLOW_TTL = Duration.ofMinutes(10);
    /** How long the client has to exchange the one-time code. */
    static final Duration CODE_TTL = Duration.ofSeconds(60);
    /** Sign-ins in flight at once: far above real use; past it new ones get 503 (bounded memory). */
    static final int MAX_FLOWS = 10_000;
    /** Where the legacy cookie flow lands. */
    static final String PORTAL = "/portal";
    private static final Set<String> START_FIELDS = Set.of("domain", "callback_url", "state");
    /** Binds a legacy flow to its browser: set at the start, checked and cleared at the callback. */
    static final String BINDING_COOKIE = "sipedge_signin";
    /** A client's state comes back in a URL: bounded, and URL-safe characters only. */
    private static final int MAX_CLIENT_STATE = 512;
    /** The one 401 of a one-time code that is unknown, spent, expired, or whose user is gone. */
    private static final byte[] INVALID_CODE = ("{\"auth_token\":\"\",\"data\":{},\"error\":\"401\","
            + "\"message\":\"invalid, expired or already used code\",\"status\":\"error\"}")
            .getBytes(StandardCharsets.UTF_8);
    /** Errors Microsoft may send back that are passed on as they are (RFC 6749 §4.1.2.1); others become access_denied. */
    private static final Set<String> PROVIDER_ERRORS = Set.of("access_denied", "temporarily_unavailable",
            "server_error", "interaction_required", "login_required", "consent_required");

    /**
     * A sign-in in flight, keyed by its {@code state}. {@code callbackUrl} and {@code clientState}
     * (may be null) for the API flow; for the legacy cookie flow {@code callbackUrl} is null and
     * {@code browserBinding} holds the SHA-256 of the browser's binding cookie.
     */
    private record Flow(String tenantId, String callbackUrl, String clientState, byte[] browserBinding, String nonce,
                        String codeVerifier) {
        @Override
        public String toString() {
            return "Flow[" + tenantId + "]";
        }
    }

    private final ApiContext ctx;
    private final SignInResource signIn;
    private final MicrosoftIdentity identity;
    private final SingleUse<Flow> flows = new SingleUse<>(FLOW_TTL, MAX_FLOWS);
    private final SingleUse<SignedIn> codes = new SingleUse<>(CODE_TTL, MAX_FLOWS);

    MicrosoftSignInResource(ApiContext ctx, SignInResource signIn, MicrosoftIdentity identity) {
        this.ctx = ctx;
        this.signIn = signIn;
        this.identity = identity;
    }

    /** The redirect URI registered in Entra ID: this edge's public URL of the callback. */
    URI redirectUri() {
        return URI.create(ctx.provisioning().baseUrl() + Ms365Resource.CALLBACK_PATH);
    }

    // ---------------------------------------------------------------- start

    ApiResponse start(ApiRequest req) {
        ObjectNode body = SignInResource.body(req);
        List<Violation> v = new ArrayList<>();
        Fields.onlyKnown(body, START_FIELDS, "", v);
        String domain = SignInResource.required(body, "domain", SignInResource.MAX_FIELD, v);
        String callback = SignInResource.required(body, "callback_url", 2048, v);
        String clientState = Fields.string(body, "state", "state", v);
        if (clientState != null && (clientState.isEmpty() || clientState.length() > MAX_CLIENT_STATE
                || !clientState.chars().allMatch(MicrosoftSignInResource::unreserved))) {
            v.add(new Violation("state", "format", "must be 1 to " + MAX_CLIENT_STATE
                    + " URL-safe characters (letters, digits, - . _ ~)"));
        }
        if (!v.isEmpty()) {
            throw ApiException.invalid(v);
        }
        Tenant t = microsoftTenant(domain);
        callbacks(t).check("callback_url", callback).ifPresent(bad -> {
            throw ApiException.invalid(List.of(bad));
        });
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("url", authorizationUrl(t, new Flow(t.id(), callback, clientState, null, Secrets.randomToken(),
                Secrets.randomToken()), req).toString());
        return SignInResource.json(200, out);
    }

    /**
     * Where the account's users may be sent back to: its {@code allowed_callback_urls}, and always
     * this edge's own portal at its public URL, which is no more an open redirect than the
     * callback itself is.
     */
    private CallbackUrls callbacks(Tenant t) {
        List<String> urls = new ArrayList<>(t.ms365().allowedCallbackUrls());
        urls.add(ctx.provisioning().baseUrl() + PORTAL);
        return CallbackUrls.of(urls, "the account's allowed_callback_urls, or this edge's " + PORTAL);
    }

    /** RFC 3986 unreserved characters: what a state may hold and still travel in a URL as it is. */
    private static boolean unreserved(int c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.'
                || c == '_' || c == '~';
    }

    /** Legacy: form {@code domain} (or the same as JSON) → 302 to Microsoft; the flow ends with the session cookie. */
    ApiResponse startLegacy(ApiRequest req) {
        String domain = formField(req, "domain");
        if (domain == null || domain.isEmpty()) {
            throw ApiException.invalid("domain", "required", "is required");
        }
        if (domain.length() > SignInResource.MAX_FIELD) {
            throw ApiException.invalid("domain", "maxLength", "must be at most " + SignInResource.MAX_FIELD
                    + " characters");
        }
        Tenant t = microsoftTenant(domain);
        String binding = Secrets.randomToken();
        URI url = authorizationUrl(t, new Flow(t.id(), null, null, Secrets.sha256(binding), Secrets.randomToken(),
                Secrets.randomToken()), req);
        return redirect(url.toString(), bindingCookie(binding, FLOW_TTL));
    }

    /**
     * The cookie that ties a legacy flow to its browser: sent back only to the callback (its path),
     * on Microsoft's top-level redirect (SameSite=Lax allows that), never readable by script.
     */
    private static String bindingCookie(String value, Duration maxAge) {
        return BINDING_COOKIE + "=" + value + "; Max-Age=" + maxAge.toSeconds() + "; Path="
                + Ms365Resource.CALLBACK_PATH + "; HttpOnly; Secure; SameSite=Lax";
    }

    private Tenant microsoftTenant(String domain) {
        return ctx.directory().tenantByDomain(domain).filter(Tenant::offersMicrosoftSignIn)
                .orElseThrow(() -> ApiException.invalid("domain", "microsoft",
                        "is not the SIP domain of an account that offers Microsoft sign-in"));
    }

    /** Keeps the flow (nonce and verifier: 43 characters of base64url each, RFC 7636 §4.1) under a new state. */
    private URI authorizationUrl(Tenant t, Flow flow, ApiRequest req) {
        String state = flows.issue(flow, ctx.clock().instant())
                .orElseThrow(() -> new ApiException(503, "503", "too many sign-ins in progress: try again later",
                        null, Map.of("Retry-After", "30")));
        try {
            return identity.authorizationUrl(t.ms365(), redirectUri(), state, flow.nonce(), flow.codeVerifier());
        } catch (Refused e) {
            flows.redeem(state, ctx.clock().instant());
            log(req, t, e.reason(), e.detail());
            throw new ApiException(503, "503", "Microsoft sign-in is unavailable: the account's directory could not be read",
                    null, Map.of("Retry-After", "30"));
        }
    }

    // ---------------------------------------------------------------- callback

    ApiResponse callback(ApiRequest req) {
        Optional<Flow> flow = flows.redeem(req.queryFirst("state"), ctx.clock().instant());
        if (flow.isEmpty()) {
            // Nowhere safe to send the browser: a state we never issued, spent or expired.
            SecurityEvent.of("signin-microsoft-failed").field("ip", req.remoteIp()).field("reason", "unknown-state")
                    .info();
            return ApiResponse.bytes(400, "text/plain; charset=utf-8", ("This sign-in has expired or was already "
                    + "used. Start the sign-in again.\n").getBytes(StandardCharsets.UTF_8), noStore());
        }
        Flow f = flow.get();
        if (f.browserBinding() != null && !Secrets.matches(SignInResource.cookie(req, BINDING_COOKIE), f.browserBinding())) {
            // A legacy sign-in finished in another browser than the one that began it: a forwarded link.
            SecurityEvent.of("signin-microsoft-failed").field("ip", req.remoteIp()).field("account", f.tenantId())
                    .field("reason", "other-browser").info();
            return ApiResponse.bytes(400, "text/plain; charset=utf-8", ("This sign-in was started in another "
                    + "browser. Start the sign-in again here.\n").getBytes(StandardCharsets.UTF_8), noStore());
        }
        Optional<Tenant> tenant = ctx.directory().tenant(f.tenantId()).filter(Tenant::offersMicrosoftSignIn);
        String providerError = req.queryFirst("error");
        if (tenant.isEmpty()) {
            return failed(req, f, null, new Refused("access_denied", "microsoft-disabled", null));
        }
        if (providerError != null) {
            String error = PROVIDER_ERRORS.contains(providerError) ? providerError : "access_denied";
            return failed(req, f, tenant.get(), new Refused(error, "provider-error", providerError));
        }
        String code = req.queryFirst("code");
        if (code == null || code.isEmpty() || code.length() > 4096) {
            return failed(req, f, tenant.get(), new Refused("invalid_request", "no-code", null));
        }
        Tenant t = tenant.get();
        try {
            Ms365Settings s = t.ms365();
            Verified who = identity.redeem(s, ctx.directory().revealMs365ClientSecret(t).orElse(null),
                    s.certificatePem(), ctx.directory().revealMs365CertificateKey(t).orElse(null), code, redirectUri(),
                    f.codeVerifier(), f.nonce());
            User user = boundUser(t, who);
            SecurityEvent.of("signin-microsoft").field("ip", req.remoteIp()).field("account", t.id())
                    .field("user", user.id()).info();
            SignedIn signedIn = new SignedIn(t.id(), user.id());
            if (f.callbackUrl() == null) {
                return redirect(PORTAL, signIn.sessionCookie(signedIn), bindingCookie("", Duration.ZERO));
            }
            String oneTime = codes.issue(signedIn, ctx.clock().instant())
                    .orElseThrow(() -> new Refused("temporarily_unavailable", "too-many-codes", null));
            Map<String, String> q = new LinkedHashMap<>();
            q.put("code", oneTime);
            if (f.clientState() != null) {
                q.put("state", f.clientState());
            }
            return redirect(withQuery(f.callbackUrl(), q));
        } catch (Refused e) {
            return failed(req, f, t, e);
        }
    }

    /**
     * The user bound to the verified Microsoft identity: by object id, else (first sign-in) by the
     * UPN an admin set, which is then replaced by the object id. Disabled users are refused.
     */
    private User boundUser(Tenant t, Verified who) throws Refused {
        Optional<User> byOid = ctx.directory().userByMs365Binding(t.id(), who.objectId());
        User u;
        if (byOid.isPresent()) {
            u = byOid.get();
        } else {
            Optional<User> byUpn = who.upn() == null || who.upn().isEmpty() ? Optional.empty()
                    : ctx.directory().userByMs365Binding(t.id(), who.upn());
            if (byUpn.isEmpty()) {
                throw new Refused("access_denied", "not-bound", "oid " + who.objectId());
            }
            u = byUpn.get();
            if (u.enabled()) {
                u = link(u, who.objectId());
            }
        }
        if (!u.enabled()) {
            throw new Refused("access_denied", "disabled", "user " + u.id());
        }
        return u;
    }

    private User link(User u, String objectId) throws Refused {
        try {
            return ctx.directory().updateUser(u.id(), new UserSpec(u.username(), u.firstName(), u.lastName(), u.email(),
                    null, u.role(), u.enabled(), objectId));
        } catch (DirectoryException e) {
            throw new Refused("server_error", "link-failed", "user " + u.id() + ": " + e.getMessage());
        }
    }

    private ApiResponse failed(ApiRequest req, Flow f, Tenant t, Refused e) {
        log(req, t, e.reason(), e.detail());
        Map<String, String> q = new LinkedHashMap<>();
        q.put("error", e.error());
        q.put("error_description", description(e));
        if (f.clientState() != null) {
            q.put("state", f.clientState());
        }
        if (f.callbackUrl() == null) {
            return redirect(withQuery(PORTAL, q), null, bindingCookie("", Duration.ZERO));
        }
        return redirect(withQuery(f.callbackUrl(), q));
    }

    /** What the user may read: enough to know what to do, nothing about the token or the directory. */
    private static String description(Refused e) {
        return switch (e.reason()) {
            case "not-bound" -> "this Microsoft account is not linked to a user of this account";
            case "disabled" -> "this user is disabled";
            case "wrong-tenant" -> "this Microsoft account belongs to another directory";
            case "provider-error" -> "Microsoft did not sign the user in";
            case "token-endpoint-unreachable", "discovery-unreachable", "too-many-codes" ->
                    "Microsoft sign-in is unavailable at the moment; try again later";
            default -> "the sign-in with Microsoft could not be completed";
        };
    }

    private static void log(ApiRequest req, Tenant t, String reason, String detail) {
        SecurityEvent.of("signin-microsoft-failed").field("ip", req.remoteIp())
                .field("account", t == null ? "-" : t.id()).field("reason", reason)
                .quoted("detail", detail == null ? "" : detail).info();
    }

    // ---------------------------------------------------------------- one-time code

    ApiResponse token(ApiRequest req) {
        ObjectNode body = SignInResource.body(req);
        List<Violation> v = new ArrayList<>();
        Fields.onlyKnown(body, Set.of("code"), "", v);
        String code = SignInResource.required(body, "code", SignInResource.MAX_FIELD, v);
        if (!v.isEmpty()) {
            throw ApiException.invalid(v);
        }
        Optional<SignedIn> who = codes.redeem(code, ctx.clock().instant())
                .filter(w -> signIn.liveUser(w).isPresent());
        if (who.isEmpty()) {
            return ApiResponse.bytes(401, "application/json", INVALID_CODE, null);
        }
        return signIn.tokens(who.get());
    }

    // ---------------------------------------------------------------- shared

    /** 302 that no cache keeps and whose URL no Referer repeats (it may carry a one-time code). */
    private static ApiResponse redirect(String location, String... setCookies) {
        Map<String, String> h = new LinkedHashMap<>(noStore());
        h.put("Location", location);
        List<String> cookies = List.of(setCookies);
        if (!cookies.isEmpty()) {
            h.put("Set-Cookie", String.join("\n", cookies));
        }
        return ApiResponse.bytes(302, null, new byte[0], h);
    }

    private static Map<String, String> noStore() {
        return Map.of("Cache-Control", "no-store", "Referrer-Policy", "no-referrer");
    }

    /** {@code url} with the parameters added to its query (it may already have one; it has no fragment). */
    static String withQuery(String url, Map<String, String> params) {
        QueryStringEncoder enc = new QueryStringEncoder("");
        params.forEach(enc::addParam);
        String q = enc.toString().substring(1);
        return url + (url.contains("?") ? "&" : "?") + q;
    }

    /** A field of a form body ({@code application/x-www-form-urlencoded}), or of a JSON one. */
    private static String formField(ApiRequest req, String name) {
        byte[] body = req.body();
        if (body.length > 0 && body[0] == '{') {
            return Fields.string(SignInResource.body(req), name, name, new ArrayList<>());
        }
        List<String> values = new QueryStringDecoder(new String(body, StandardCharsets.UTF_8), false)
                .parameters().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
