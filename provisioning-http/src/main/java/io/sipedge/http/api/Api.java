package io.sipedge.http.api;

import io.sipedge.http.auth.MicrosoftIdentity;
import io.sipedge.http.auth.SignInLimiter;
import io.sipedge.http.metrics.EdgeMetrics;
import io.sipedge.http.routing.Route;
import io.sipedge.http.routing.RouteDoc;
import io.sipedge.http.routing.RouteDoc.Access;
import io.sipedge.http.routing.Router;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The operator API's route table: every route, its guard and its documentation in one place. The
 * OpenAPI document is generated from this table (see {@link OpenApi}), so the two cannot drift.
 * Paths and verbs follow the devices seed where it speaks and Kazoo's crossbar elsewhere.
 */
public final class Api {
    private static final String A = "/v2/accounts/{account}";
    private static final String D = A + "/devices/{device}";
    private static final String U = A + "/users/{user}";

    private Api() {
    }

    /**
     * Every route: what one listener serves when the operator API has no listener of its own, and
     * what the admin listener serves when it has.
     */
    public static Router<Handler> router(ApiContext ctx) {
        return router(ctx, PasswordResets.disabled());
    }

    /**
     * As {@link #router(ApiContext)}, with password reset by e-mail: its callback allowlist, its
     * tokens and its mailer (README, "Password reset").
     */
    public static Router<Handler> router(ApiContext ctx, PasswordResets resets) {
        AuthResource auth = new AuthResource(ctx);
        PasswordResetResource reset = new PasswordResetResource(ctx, resets);
        AccountsResource accounts = new AccountsResource(ctx);
        DevicesResource devices = new DevicesResource(ctx);
        UsersResource users = new UsersResource(ctx);
        Ms365Resource ms365 = new Ms365Resource(ctx);
        StatusResource status = new StatusResource(ctx);
        SipSettingsResource sip = new SipSettingsResource(ctx);
        OpsResource ops = new OpsResource(ctx);
        ProvisioningResource prov = new ProvisioningResource(ctx);
        SclocResource scloc = new SclocResource(ctx);
        SecurityResource security = new SecurityResource(ctx);
        SignInResource signIn = new SignInResource(ctx, ctx.userSessions(), new SignInLimiter(ctx.clock()));
        MeResource me = new MeResource(ctx, signIn, status, prov, scloc);
        MicrosoftSignInResource microsoft = new MicrosoftSignInResource(ctx, signIn, new MicrosoftIdentity());
        PortalResource portal = new PortalResource();
        byte[][] openapi = new byte[1][];
        Router.Builder<Handler> table = Router.<Handler>builder()
                .add("GET", "/healthz", ops::healthz, doc("Liveness: the process answers", "operations",
                        Access.PUBLIC, null, "Health").onPublicListener())
                .add("GET", "/readyz", ops::readyz, doc("Readiness: SIP listeners bound and stores loaded; 503 until then",
                        "operations", Access.PUBLIC, null, "Ready").onPublicListener())
                .add("GET", "/openapi.json", r -> ApiResponse.raw(openapi[0]), doc("This OpenAPI 3 document (not enveloped)",
                        "operations", Access.PUBLIC, null, null).producing("application/json"))
                // Public like /healthz: Prometheus scrapes without credentials, and the text holds only
                // counts, never a user, AOR, address or token (README, "Metrics").
                .add("GET", "/metrics", ops::metrics, doc("Prometheus metrics in the text format 0.0.4 (not enveloped)",
                        "operations", Access.PUBLIC, null, null).producing(EdgeMetrics.CONTENT_TYPE))
                .add("GET", "/v2/security/bans", security::list, doc("Bans the SIP guard holds: whole source "
                        + "addresses, and users banned from an address", "security", Access.ADMIN, null, "Ban[]"))
                .add("DELETE", "/v2/security/bans/{ip}", security::lift, doc("Lift every ban of a source address",
                        "security", Access.ADMIN, null, "Unban"))
                .add("PUT", "/v2/api_auth", auth::authenticate, doc("Exchange an API key (admin or account) for an auth token",
                        "auth", Access.PUBLIC, "ApiAuthInput", "ApiAuth"))
                // Users' routes (the tenant-auth seed): on the public listener, where users are; the
                // tag "auth" puts them under the client guard's per-source credential limit.
                .add("POST", "/api/auth/forget_password", reset::forget, doc("Ask for a password reset mail: "
                        + "200 and no body whether or not the user exists (the mail goes out later, if at all)",
                        "auth", Access.PUBLIC, "ForgetPasswordInput", null).onPublicListener())
                .add("POST", "/api/auth/reset_password", reset::reset, doc("Set a new password with the token "
                        + "of a reset mail (single use); 200 and no body", "auth", Access.PUBLIC,
                        "ResetPasswordInput", null).onPublicListener())

                // Users sign in (issue 17, the tenant-auth seed's shapes, not enveloped): on the public
                // listener too, as users are not operators; through the client guard like every credential.
                .add("POST", "/api/auth/sign_in", signIn::signIn, seed("A user signs in with username, password "
                        + "and the tenant's SIP domain: bearer access and refresh tokens", Access.PUBLIC,
                        "SignInInput", "SignInTokens"))
                .add("POST", "/api/auth/refresh_token", signIn::refresh, seed("New tokens for a refresh token, "
                        + "which is spent (rotation); a spent one presented again ends its session", Access.PUBLIC,
                        "RefreshInput", "SignInTokens"))
                .add("POST", "/api/auth/sign_out", signIn::signOut, seed("End the session of the bearer token "
                        + "(its access and refresh tokens)", Access.USER, null, null))
                .add("GET", "/api/auth/user", signIn::user, seed("The signed-in user", Access.USER, null,
                        "SignedInUser"))
                .add("POST", "/api/login", signIn::login, seed("Legacy sign-in: the same fields, no body, a "
                        + "session cookie (HttpOnly; Secure; SameSite=Lax; Path=/api)", Access.PUBLIC, "SignInInput",
                        null))
                .add("GET", "/api/login", signIn::loginStatus, seed("The user of the session cookie, else 401",
                        Access.USER, null, "SignedInUser"))
                .add("POST", "/api/logout", signIn::logout, seed("End the cookie's session and clear the cookie",
                        Access.PUBLIC, null, null))
                // Sign-in with Microsoft: OpenID Connect code flow against the account's Entra ID directory.
                .add("POST", "/api/auth/sign_in/microsoft", microsoft::start, seed("Start a sign-in with Microsoft: "
                        + "the authorization URL to send the browser to; callback_url must be on the account's "
                        + "allowlist", Access.PUBLIC, "MicrosoftSignInInput", "MicrosoftSignInUrl"))
                .add("GET", Ms365Resource.CALLBACK_PATH, microsoft::callback, new RouteDoc("Where Microsoft returns "
                        + "the browser (the redirect URI of the app registration): 302 to the callback_url with a "
                        + "one-time code, or with error= and error_description=", "sign in", Access.PUBLIC, null, null)
                        .onPublicListener())
                .add("POST", "/api/auth/token", microsoft::token, seed("Exchange the one-time code of a Microsoft "
                        + "sign-in for tokens (as sign_in)", Access.PUBLIC, "CodeInput", "SignInTokens"))
                .add("POST", "/api/login/by_microsoft", microsoft::startLegacy, new RouteDoc("Legacy: form field "
                        + "domain; 302 to Microsoft, and back to /portal with the session cookie", "sign in",
                        Access.PUBLIC, "MicrosoftLoginForm", null).onPublicListener())
                .add("GET", "/api/info", signIn::info, seed("Which sign-in methods a tenant offers (domain=)",
                        Access.PUBLIC, null, "TenantInfo"))
                // A signed-in user's own devices (issue 17): the operator's status and token, never
                // another user's device (a 404 as for an unknown id).
                .add("GET", "/api/me/devices", me::devices, seed("The signed-in user's devices (owner_id is "
                        + "their id) with registration status; no secrets", Access.USER, null, "MyDevice[]"))
                .add("POST", "/api/me/devices/{device}/provisioning_token", me::provisioningToken, seed("A "
                        + "provisioning token for one of the user's own devices (replaces its previous one): "
                        + "the operator's Linphone URL, QR code URL and expiry, and the scloc payload",
                        Access.USER, "ProvisioningTokenInput", "MyProvisioningToken"))
                .add("GET", "/api/me/devices/{device}/qrcode", me::qrcode, seed("The scloc QR code of one of the "
                        + "user's own devices (format=scloc; output=text for the payload), as the operator's",
                        Access.USER, null, null).producing("image/png, text/plain"))
                // The self-service page (issue 17): static files bundled in the jar, on the public
                // listener where users are. Not a credential route: a client locked out for wrong
                // passwords still gets the page, which then shows the sign-in's own 429.
                .add("GET", "/portal", portal::page, doc("The self-service page: sign in, see your devices, "
                        + "show a device's QR code (HTML; /portal/ too)", "portal", Access.PUBLIC, null, null)
                        .producing("text/html").onPublicListener())
                .add("GET", "/portal/{asset}", portal::asset, doc("The page's script and style sheet (portal.js, "
                        + "portal.css); any other name is a 404", "portal", Access.PUBLIC, null, null)
                        .producing("text/javascript, text/css").onPublicListener())

                .add("PUT", "/v2/accounts", accounts::create, doc("Create an account (tenant): name and realm (SIP domain)",
                        "accounts", Access.ADMIN, "AccountInput", "Account"))
                .add("GET", "/v2/accounts", accounts::list, doc("List accounts (paged)", "accounts", Access.ADMIN, null,
                        "Account[]"))
                .add("GET", A, accounts::get, doc("Read an account", "accounts", Access.TOKEN, null, "Account"))
                .add("POST", A, accounts::update, doc("Update an account (name required; realm cannot change)", "accounts",
                        Access.TOKEN, "AccountInput", "Account"))
                .add("PATCH", A, accounts::patch, doc("Change some fields of an account", "accounts", Access.TOKEN,
                        "AccountInput", "Account"))
                .add("DELETE", A, accounts::delete, doc("Delete an account, its devices, its users and the registrations",
                        "accounts", Access.ADMIN, null, "Account"))
                .add("GET", A + "/api_key", accounts::getApiKey, doc("Read the account's API key", "accounts",
                        Access.ADMIN, null, "ApiKey"))
                .add("PUT", A + "/api_key", accounts::rotateApiKey, doc("Replace the account's API key; tokens from "
                        + "the old key stop working", "accounts", Access.ADMIN, null, "ApiKey"))

                .add("PUT", A + "/devices", devices::create, doc("Create a device", "devices", Access.TOKEN,
                        "DeviceInput", "Device"))
                .add("GET", A + "/devices", devices::list, doc("List devices (filter_<field>, paging)", "devices",
                        Access.TOKEN, null, "Device[]"))
                .add("GET", A + "/devices/status", status::devices, doc("Registered or not, for every device",
                        "status", Access.TOKEN, null, "DeviceRegistered[]"))
                .add("GET", D, devices::get, doc("Read a device", "devices", Access.TOKEN, null, "Device"))
                .add("POST", D, devices::update, doc("Update a device: each top-level field given replaces the stored one",
                        "devices", Access.TOKEN, "DeviceInput", "Device"))
                .add("PATCH", D, devices::patch, doc("Patch a device (JSON merge patch; null removes)", "devices",
                        Access.TOKEN, "DeviceInput", "Device"))
                .add("DELETE", D, devices::delete, doc("Delete a device; its registrations end at once", "devices",
                        Access.TOKEN, null, "Device"))
                .add("GET", D + "/status", status::device, doc("Registration status of a device", "status",
                        Access.TOKEN, null, "DeviceStatus"))
                .add("GET", D + "/sip_settings", sip::get, doc("SIP settings to configure the phone with",
                        "sip settings", Access.TOKEN, null, "SipSettings").withUnauthorizedError("Log In"))
                .add("POST", D + "/sip_settings", sip::update, doc("Change a device's SIP settings", "sip settings",
                        Access.TOKEN, "SipSettings", "SipSettings").withUnauthorizedError("Log In"))

                .add("PUT", A + "/users", users::create, doc("Create a user (signs in to the API; the password is "
                        + "stored as an Argon2id hash)", "users", Access.TOKEN, "UserInput", "User"))
                .add("GET", A + "/users", users::list, doc("List users (paging)", "users", Access.TOKEN, null, "User[]"))
                .add("GET", U, users::get, doc("Read a user", "users", Access.TOKEN, null, "User"))
                .add("POST", U, users::update, doc("Update a user: each top-level field given replaces the stored one",
                        "users", Access.TOKEN, "UserInput", "User"))
                .add("PATCH", U, users::patch, doc("Patch a user (JSON merge patch; null removes)", "users",
                        Access.TOKEN, "UserInput", "User"))
                .add("DELETE", U, users::delete, doc("Delete a user (their devices stay)", "users", Access.TOKEN,
                        null, "User"))
                .add("GET", U + "/devices", users::devices, doc("The devices whose owner_id is the user's id (paging)",
                        "users", Access.TOKEN, null, "Device[]"))

                .add("PUT", A + "/ms365", ms365::put, doc("Create or replace the account's Microsoft sign-in "
                        + "settings; client_secret is write-only and, when omitted, the stored one is kept", "microsoft",
                        Access.TOKEN, "Ms365SettingsInput", "Ms365Settings"))
                .add("GET", A + "/ms365", ms365::get, doc("Read the account's Microsoft sign-in settings (never the "
                        + "secret) and the redirect URI to register in Entra ID", "microsoft", Access.TOKEN, null,
                        "Ms365Settings"))
                .add("DELETE", A + "/ms365", ms365::delete, doc("Remove the account's Microsoft sign-in settings and "
                        + "their secret", "microsoft", Access.TOKEN, null, "Ms365Settings"))

                .add("GET", A + "/registrations", status::registrations, doc("Every live binding of the account",
                        "status", Access.TOKEN, null, "Registration[]"))
                .add("GET", A + "/registrations/count", status::count, doc("Number of live bindings of the account",
                        "status", Access.TOKEN, null, "Count"))
                .add("DELETE", A + "/registrations/{username}", status::kick, doc("Remove every binding of a user (kick)",
                        "status", Access.TOKEN, null, "Kick"))

                .add("POST", D + "/provisioning_token", prov::issue, doc("Issue a provisioning token (replaces the "
                        + "device's previous one): its URL and QR code URL", "provisioning", Access.TOKEN,
                        "ProvisioningTokenInput", "ProvisioningToken"))
                .add("DELETE", D + "/provisioning_token", prov::revoke, doc("Revoke the device's provisioning token",
                        "provisioning", Access.TOKEN, null, "Revoked"))
                .add("POST", D + "/auth_token", prov::issueAuthToken, doc("Issue a one-use auth token for "
                        + "/provisioning/auth_token/{auth_token}", "provisioning", Access.TOKEN, "AuthTokenInput",
                        "AuthToken"))
                .add("DELETE", D + "/auth_token", prov::revokeAuthToken, doc("Revoke the device's auth token",
                        "provisioning", Access.TOKEN, null, "Revoked"))
                .add("GET", D + "/qrcode", scloc::device, doc("scloc QR code of the device (format=scloc; "
                        + "output=text for the payload)", "provisioning", Access.TOKEN, null, null)
                        .producing("image/png, text/plain"))
                .add("GET", A + "/users/{owner_id}/qrcode", scloc::user, doc("One scloc QR code with every device "
                        + "of an owner (format=scloc)", "provisioning", Access.TOKEN, null, null)
                        .producing("image/png, text/plain"))
                .add("GET", "/provisioning", prov::server, doc("Server-level Linphone configuration, no credentials",
                        "provisioning", Access.PUBLIC, null, null).producing("application/xml").onPublicListener())
                .add("GET", "/provisioning/me", prov::me, doc("The device's Linphone configuration, by HTTP Digest "
                        + "with its own SIP credentials", "provisioning", Access.DEVICE, null, null)
                        .producing("application/xml").onPublicListener())
                .add("GET", "/provisioning/{token}", prov::byToken, doc("Linphone remote provisioning: needs the "
                        + "x-linphone-provisioning header unless the account turned it off", "provisioning",
                        Access.PUBLIC, null, null).producing("application/xml").withSecretPath().onPublicListener())
                .add("GET", "/provisioning/qrcode/{token}", prov::qrcode, doc("QR code (PNG) of the provisioning URL; "
                        + "the URL is in X-Qrcode-URL", "provisioning", Access.PUBLIC, null, null)
                        .producing("image/png").withSecretPath().onPublicListener())
                .add("GET", "/provisioning/auth_token/{auth_token}", prov::byAuthToken, doc("Linphone remote "
                        + "provisioning with a one-use auth token", "provisioning", Access.PUBLIC, null, null)
                        .producing("application/xml").withSecretPath().onPublicListener());
        Router<Handler> router = serialiseWrites(table.build());
        openapi[0] = OpenApi.document(router);
        return router;
    }

    /**
     * What the public listener serves when the operator API has a listener of its own: what phones
     * and their users fetch (provisioning by token or by the device's own Digest, the QR image of
     * a provisioning link), users' own routes under {@code /api/} (sign-in, password reset), their
     * self-service page {@code /portal} and health for load balancers. {@code /v2/...},
     * {@code /metrics} and {@code /openapi.json} are not there at all: a 404, as for a path that
     * never existed, so the public side does not even reveal that an operator API exists.
     */
    public static Router<Handler> publicRoutes(Router<Handler> all) {
        return all.only(r -> r.doc().publicListener());
    }

    /**
     * Every Directory-changing route runs under one lock. Updates read, merge and write back (PATCH,
     * sip_settings), so two at once could lose one; the Directory serialises its writes anyway, so
     * the lock costs no throughput. Reads, token issue and kicks (LocationStore only) stay parallel.
     */
    private static Router<Handler> serialiseWrites(Router<Handler> router) {
        ReentrantLock writes = new ReentrantLock();
        Router.Builder<Handler> out = Router.builder();
        for (Route<Handler> r : router.routes()) {
            // Sign-in changes no Directory record, and its Argon2id check must not hold up every write.
            boolean write = !r.method().equals("GET") && !r.pattern().template().equals("/v2/api_auth")
                    && !r.pattern().template().startsWith("/api/")
                    && !r.pattern().template().endsWith("/registrations/{username}");
            Handler h = r.handler();
            out.add(r.method(), r.pattern().template(), !write ? h : req -> {
                writes.lock();
                try {
                    return h.handle(req);
                } finally {
                    writes.unlock();
                }
            }, r.doc());
        }
        return out.build();
    }

    /** A sign-in route: served on the public listener, its body sent as it is (the seed's shapes). */
    private static RouteDoc seed(String summary, Access access, String request, String response) {
        return new RouteDoc(summary, "sign in", access, request, response).producing("application/json")
                .onPublicListener();
    }

    private static RouteDoc doc(String summary, String tag, Access access, String request, String response) {
        return new RouteDoc(summary, tag, access, request, response);
    }
}
