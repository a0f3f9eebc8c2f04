package io.sipedge.http.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sipedge.http.auth.SignInLimiter;
import io.sipedge.http.auth.UserSessions;
import io.sipedge.http.auth.UserSessions.SignedIn;
import io.sipedge.http.render.Json;
import io.sipedge.model.Tenant;
import io.sipedge.model.User;
import io.sipedge.model.rules.Violation;
import io.sipedge.observe.SecurityEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Users sign in (issue 17) in the tenant-auth seed's shapes, under {@code /api}: password sign-in
 * for bearer tokens ({@code /api/auth/...}), the legacy cookie login ({@code /api/login}), and
 * {@code /api/info}. Bodies are the seed's: flat JSON objects in and out, not the operator API's
 * {@code {"data": …}} envelope; a body that is exactly {@code {"data": {…}}} is read as its data
 * too, so a client written for the operator API works. Validation failures keep the operator
 * API's 400 (field and rule).
 *
 * <p>Wrong username, wrong password, unknown domain and disabled user are one answer, byte for
 * byte ({@link #INVALID_CREDENTIALS}), after the same work: the password is always checked, against
 * a dummy hash when there is no such user. Which case it was goes to the security log only.
 */
final class SignInResource {
    static final String COOKIE = "sipedge_session";
    /** The one 401 of a failed sign-in: no request id in it, so every failure reads the same. */
    static final byte[] INVALID_CREDENTIALS = ("{\"auth_token\":\"\",\"data\":{},\"error\":\"401\","
            + "\"message\":\"invalid username, password or domain\",\"status\":\"error\"}")
            .getBytes(StandardCharsets.UTF_8);
    private static final byte[] NOT_SIGNED_IN = ("{\"auth_token\":\"\",\"data\":{},\"error\":\"401\","
            + "\"message\":\"not signed in, or the session ended\",\"status\":\"error\"}")
            .getBytes(StandardCharsets.UTF_8);
    private static final byte[] INVALID_REFRESH = ("{\"auth_token\":\"\",\"data\":{},\"error\":\"401\","
            + "\"message\":\"invalid refresh token\",\"status\":\"error\"}").getBytes(StandardCharsets.UTF_8);
    private static final Set<String> SIGN_IN_FIELDS = Set.of("username", "password", "domain");
    /** Longer than any username or domain the Directory accepts: refused before hashing anything. */
    static final int MAX_FIELD = 256;
    /** Argon2id cost is bounded by the input too: no megabyte passwords. */
    private static final int MAX_PASSWORD = 1024;

    /** Why a sign-in failed: for the security log, never for the wire (STYLE 3.3). */
    enum Failure { UNKNOWN_DOMAIN, NO_SUCH_USER, WRONG_PASSWORD, DISABLED }

    private record Credentials(String username, String password, String domain) {
        @Override
        public String toString() {
            return "Credentials[" + username + "@" + domain + ", password=<redacted>]";
        }
    }

    private final ApiContext ctx;
    private final UserSessions sessions;
    private final SignInLimiter limiter;

    SignInResource(ApiContext ctx, UserSessions sessions, SignInLimiter limiter) {
        this.ctx = ctx;
        this.sessions = sessions;
        this.limiter = limiter;
    }

    // ---------------------------------------------------------------- bearer

    ApiResponse signIn(ApiRequest req) {
        SignedIn who = authenticate(req);
        if (who == null) {
            return invalidCredentials();
        }
        return tokens(who);
    }

    /** A new session for a user who proved who they are: the tokens in the seed's shape. */
    ApiResponse tokens(SignedIn who) {
        return tokens(sessions.signIn(who).orElseThrow(SignInResource::tooManySessions));
    }

    private static ApiResponse tokens(UserSessions.Tokens t) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("token_type", "Bearer");
        out.put("access_token", t.accessToken());
        out.put("refresh_token", t.refreshToken());
        out.put("expires_in", t.expiresIn().toSeconds());
        return json(200, out);
    }

    ApiResponse refresh(ApiRequest req) {
        ObjectNode body = body(req);
        List<Violation> v = new ArrayList<>();
        Fields.onlyKnown(body, Set.of("refresh_token"), "", v);
        String token = required(body, "refresh_token", MAX_FIELD, v);
        if (!v.isEmpty()) {
            throw ApiException.invalid(v);
        }
        UserSessions.Refresh r = sessions.refresh(token);
        if (r instanceof UserSessions.Refresh.Reused reused) {
            SecurityEvent.of("signin-refresh-reused").field("ip", req.remoteIp())
                    .field("user", reused.who().userId()).warn();
            return unauthorized(INVALID_REFRESH);
        }
        if (!(r instanceof UserSessions.Refresh.Rotated rotated)) {
            return unauthorized(INVALID_REFRESH);
        }
        if (liveUser(rotated.who()).isEmpty()) {
            sessions.endUser(rotated.who().userId()); // disabled or deleted since: no new tokens
            return unauthorized(INVALID_REFRESH);
        }
        return tokens(rotated.tokens());
    }

    ApiResponse signOut(ApiRequest req) {
        String token = bearer(req);
        if (token == null || !sessions.signOut(token)) {
            return bearerChallenge(unauthorized(NOT_SIGNED_IN));
        }
        return ApiResponse.bytes(200, null, new byte[0], null);
    }

    ApiResponse user(ApiRequest req) {
        ApiResponse out = current(bearer(req));
        return out.status() == 401 ? bearerChallenge(out) : out;
    }

    // ---------------------------------------------------------------- legacy cookie

    ApiResponse login(ApiRequest req) {
        SignedIn who = authenticate(req);
        if (who == null) {
            return invalidCredentials();
        }
        return ApiResponse.bytes(200, null, new byte[0], Map.of("Set-Cookie", sessionCookie(who)));
    }

    /**
     * A new cookie session for a user who proved who they are: the Set-Cookie value. Path=/api: the
     * cookie goes nowhere else; SameSite=Lax keeps it off cross-site POSTs (CSRF).
     */
    String sessionCookie(SignedIn who) {
        String token = sessions.signInCookie(who).orElseThrow(SignInResource::tooManySessions);
        return COOKIE + "=" + token + "; Max-Age=" + UserSessions.COOKIE_TTL.toSeconds()
                + "; Path=/api; HttpOnly; Secure; SameSite=Lax";
    }

    ApiResponse loginStatus(ApiRequest req) {
        return current(cookie(req));
    }

    ApiResponse logout(ApiRequest req) {
        String token = cookie(req);
        if (token != null) {
            sessions.signOut(token);
        }
        return ApiResponse.bytes(200, null, new byte[0], Map.of("Set-Cookie", COOKIE
                + "=; Max-Age=0; Path=/api; HttpOnly; Secure; SameSite=Lax"));
    }

    // ---------------------------------------------------------------- info

    /** Whether the tenant offers Microsoft sign-in; an unknown domain answers false, as a known one without it. */
    ApiResponse info(ApiRequest req) {
        String domain = req.queryFirst("domain");
        if (domain == null || domain.isBlank()) {
            throw ApiException.invalid("domain", "required", "is required");
        }
        if (domain.length() > MAX_FIELD) {
            throw ApiException.invalid("domain", "maxLength", "must be at most " + MAX_FIELD + " characters");
        }
        boolean microsoft = ctx.directory().tenantByDomain(domain).map(Tenant::offersMicrosoftSignIn).orElse(false);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("domain", domain);
        out.put("microsoft", microsoft);
        return json(200, out);
    }

    // ---------------------------------------------------------------- shared

    /**
     * Checks the credentials, once per call whatever the case: who signed in, or null for the one
     * 401. Throws 400 for malformed fields and 429 while the user is locked out.
     */
    private SignedIn authenticate(ApiRequest req) {
        Credentials c = credentials(req);
        String key = SignInLimiter.key(c.username(), c.domain());
        Duration wait = limiter.refusal(key);
        if (wait != null) {
            throw tooManyFailures(wait);
        }
        Optional<Tenant> tenant = ctx.directory().tenantByDomain(c.domain());
        // An unknown domain still pays for a hash: the dummy's, through a tenant id no user has.
        Optional<User> user = ctx.directory().checkUserPassword(tenant.map(Tenant::id).orElse("-"), c.username(),
                c.password());
        if (user.isPresent()) {
            limiter.succeeded(key);
            return new SignedIn(tenant.get().id(), user.get().id());
        }
        Failure why = tenant.isEmpty() ? Failure.UNKNOWN_DOMAIN
                : ctx.directory().userByUsername(tenant.get().id(), c.username())
                        .map(u -> u.enabled() ? Failure.WRONG_PASSWORD : Failure.DISABLED)
                        .orElse(Failure.NO_SUCH_USER);
        SecurityEvent.of("signin-failed").field("ip", req.remoteIp()).quoted("username", c.username())
                .quoted("domain", c.domain()).field("reason", why.name().toLowerCase(java.util.Locale.ROOT)).info();
        Instant until = limiter.failed(key);
        if (until != null) {
            SecurityEvent.of("signin-lockout").field("ip", req.remoteIp()).quoted("username", c.username())
                    .quoted("domain", c.domain()).field("failures", SignInLimiter.FAILURES).field("until", until)
                    .warn();
        }
        return null;
    }

    private Credentials credentials(ApiRequest req) {
        ObjectNode body = body(req);
        List<Violation> v = new ArrayList<>();
        Fields.onlyKnown(body, SIGN_IN_FIELDS, "", v);
        String username = required(body, "username", MAX_FIELD, v);
        String password = required(body, "password", MAX_PASSWORD, v);
        String domain = required(body, "domain", MAX_FIELD, v);
        if (!v.isEmpty()) {
            throw ApiException.invalid(v);
        }
        return new Credentials(username, password, domain);
    }

    static String required(ObjectNode body, String key, int max, List<Violation> v) {
        String s = Fields.string(body, key, key, v);
        if (s == null) {
            if (!body.hasNonNull(key)) {
                v.add(new Violation(key, "required", "is required"));
            }
            return null;
        }
        if (s.isEmpty()) {
            v.add(new Violation(key, "required", "is required"));
            return null;
        }
        if (s.length() > max) {
            v.add(new Violation(key, "maxLength", "must be at most " + max + " characters"));
            return null;
        }
        return s;
    }

    /** The seed's flat body, or the operator API's {@code {"data": {…}}} envelope around it. */
    static ObjectNode body(ApiRequest req) {
        ObjectNode root = req.json();
        JsonNode data = root.get("data");
        return root.size() == 1 && data != null && data.isObject() ? (ObjectNode) data : root;
    }

    /** The signed-in user and their account. */
    record Session(User user, Tenant tenant) {
    }

    /**
     * Who a request is signed in as: its bearer token, or without one its session cookie. Empty for
     * no token, an unknown or expired one, or a user disabled or deleted since (whose sessions end).
     */
    Optional<Session> session(ApiRequest req) {
        String token = bearer(req);
        return live(token != null ? token : cookie(req));
    }

    /** The 401 of a user route called without a live session (RFC 6750 §3: it names the scheme). */
    static ApiResponse notSignedIn() {
        return bearerChallenge(unauthorized(NOT_SIGNED_IN));
    }

    private Optional<Session> live(String token) {
        Optional<SignedIn> who = token == null ? Optional.empty() : sessions.verify(token);
        if (who.isEmpty()) {
            return Optional.empty();
        }
        Optional<User> user = liveUser(who.get());
        Optional<Tenant> tenant = ctx.directory().tenant(who.get().tenantId());
        if (user.isEmpty() || tenant.isEmpty()) {
            sessions.endUser(who.get().userId()); // disabled or deleted since: the session is over
            return Optional.empty();
        }
        return Optional.of(new Session(user.get(), tenant.get()));
    }

    private ApiResponse current(String token) {
        Optional<Session> session = live(token);
        if (session.isEmpty()) {
            return unauthorized(NOT_SIGNED_IN);
        }
        User u = session.get().user();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", u.id());
        out.put("username", u.username());
        out.put("first_name", u.firstName());
        out.put("last_name", u.lastName());
        out.put("email", u.email());
        out.put("role", u.role().wire());
        out.put("account_id", u.tenantId());
        out.put("domain", session.get().tenant().domain());
        return json(200, out);
    }

    /** The session's user, if it still exists, is enabled and is the tenant's. */
    Optional<User> liveUser(SignedIn who) {
        return ctx.directory().user(who.userId())
                .filter(u -> u.enabled() && u.tenantId().equals(who.tenantId()));
    }

    private static String bearer(ApiRequest req) {
        String auth = req.header("authorization");
        if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String t = auth.substring(7).strip();
        return t.isEmpty() ? null : t;
    }

    private static String cookie(ApiRequest req) {
        return cookie(req, COOKIE);
    }

    /** The value of the request's cookie {@code name}, or null when it has none (or an empty one). */
    static String cookie(ApiRequest req, String name) {
        String header = req.header("cookie");
        if (header == null) {
            return null;
        }
        for (String part : header.split(";")) {
            String p = part.strip();
            if (p.startsWith(name + "=")) {
                String v = p.substring(name.length() + 1);
                return v.isEmpty() ? null : v;
            }
        }
        return null;
    }

    static ApiResponse json(int status, Object body) {
        return ApiResponse.bytes(status, "application/json", Json.bytes(body), null);
    }

    private static ApiResponse unauthorized(byte[] body) {
        return ApiResponse.bytes(401, "application/json", body, null);
    }

    private static ApiResponse invalidCredentials() {
        return unauthorized(INVALID_CREDENTIALS);
    }

    /** RFC 6750 §3: a 401 of a bearer route names the scheme. */
    private static ApiResponse bearerChallenge(ApiResponse r) {
        return ApiResponse.bytes(r.status(), r.contentType(), r.raw(), Map.of("WWW-Authenticate", "Bearer"));
    }

    private static ApiException tooManyFailures(Duration wait) {
        long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
        return new ApiException(429, "429", "too many failed sign-ins for this user: retry after " + seconds + " s",
                null, Map.of("Retry-After", Long.toString(seconds)));
    }

    private static ApiException tooManySessions() {
        return new ApiException(503, "503", "too many live sessions: try again later", null,
                Map.of("Retry-After", "60"));
    }
}
