package io.sipedge.http.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sipedge.directory.UserSpec;
import io.sipedge.http.auth.ResetTokens;
import io.sipedge.model.Tenant;
import io.sipedge.model.User;
import io.sipedge.model.rules.UserRules;
import io.sipedge.model.rules.Violation;
import io.sipedge.observe.SecurityEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /api/auth/forget_password} and {@code POST /api/auth/reset_password} (issue 17, the
 * tenant-auth seed's shapes: plain JSON bodies, not Kazoo's {@code {"data": ...}}; success is a 200
 * with no body, errors keep the API's envelope).
 */
final class PasswordResetResource {
    private static final Logger log = LoggerFactory.getLogger(PasswordResetResource.class);
    private static final byte[] EMPTY = new byte[0];

    private final ApiContext ctx;
    private final PasswordResets resets;

    PasswordResetResource(ApiContext ctx, PasswordResets resets) {
        this.ctx = ctx;
        this.resets = resets;
    }

    /**
     * Always 200 once the body is well formed and the callback allowed: whether the user exists,
     * is enabled or has an e-mail address is decided on the mail thread, after the answer left.
     */
    ApiResponse forget(ApiRequest req) {
        ObjectNode body = req.json();
        List<Violation> v = new ArrayList<>();
        Fields.onlyKnown(body, Set.of("domain", "username", "callback_url"), "", v);
        String domain = required(body, "domain", v);
        String username = required(body, "username", v);
        String callback = required(body, "callback_url", v);
        if (callback != null) {
            resets.callbacks().check("callback_url", callback).ifPresent(v::add);
        }
        if (!v.isEmpty()) {
            throw ApiException.invalid(v);
        }
        Instant now = ctx.clock().instant();
        String ip = req.remoteIp();
        resets.later(() -> {
            try {
                request(domain, username, callback, ip, now);
            } catch (RuntimeException ex) { // a store failure: logged here, the thread lives on
                log.warn("password reset request failed: {}", ex.toString());
            }
        });
        return done();
    }

    /** On the mail thread: find the user, and if they may get one, issue a token and mail the link. */
    private void request(String domain, String username, String callback, String ip, Instant now) {
        SecurityEvent e = SecurityEvent.of("password-reset-requested").field("ip", ip).quoted("domain", domain)
                .quoted("username", username);
        Optional<Tenant> tenant = ctx.directory().tenantByDomain(domain);
        Optional<User> user = tenant.flatMap(t -> ctx.directory().userByUsername(t.id(), username));
        if (user.isEmpty()) {
            e.field("outcome", tenant.isEmpty() ? "unknown-domain" : "unknown-user").info();
            return;
        }
        User u = user.get();
        e.field("account_id", u.tenantId()).field("user_id", u.id());
        if (!u.enabled()) {
            e.field("outcome", "disabled").info();
            return;
        }
        if (u.email() == null || u.email().isEmpty()) {
            e.field("outcome", "no-email").info();
            return;
        }
        ResetMailer mailer = resets.mailer();
        if (mailer == null) {
            e.field("outcome", "mail-off").warn();
            return;
        }
        ResetTokens tokens = resets.tokens();
        String token = tokens.issue(u.tenantId(), u.id(), now);
        String link = callback + (callback.indexOf('?') >= 0 ? "&" : "?") + "token=" + token;
        try {
            mailer.send(new ResetMailer.Mail(u.email(), u.username(), domain, link, tokens.ttl()));
            e.field("outcome", "sent").info();
        } catch (Exception ex) {
            // The exception's text may quote the server's reply, never the link: logged as class and message.
            log.warn("password reset mail to user {} not sent: {}", u.id(), ex.toString());
            e.field("outcome", "mail-failed").warn();
        }
    }

    /**
     * A live token and an acceptable password change the password and spend the token. A weak
     * password is refused before the token is looked at, so the user can try again with the same
     * link. An unknown, spent or expired token is one identical 400 on {@code token}.
     */
    ApiResponse reset(ApiRequest req) {
        ObjectNode body = req.json();
        List<Violation> v = new ArrayList<>();
        Fields.onlyKnown(body, Set.of("token", "new_password"), "", v);
        String token = required(body, "token", v);
        String password = Fields.string(body, "new_password", "new_password", v);
        if (v.stream().noneMatch(x -> x.field().equals("new_password"))) {
            v.addAll(UserRules.password("new_password", password));
        }
        if (!v.isEmpty()) {
            throw ApiException.invalid(v);
        }
        Instant now = ctx.clock().instant();
        Optional<User> user = resets.tokens().redeem(token, now)
                .flatMap(t -> ctx.directory().user(t.userId()).filter(u -> u.tenantId().equals(t.tenantId())))
                .filter(User::enabled);
        if (user.isEmpty()) {
            SecurityEvent.of("password-reset-refused").field("ip", req.remoteIp()).field("reason", "invalid-token")
                    .warn();
            throw ApiException.invalid("token", "invalid", "is unknown, expired or already used");
        }
        User u = user.get();
        ctx.directory().updateUser(u.id(), new UserSpec(u.username(), u.firstName(), u.lastName(), u.email(),
                password, u.role(), u.enabled(), u.ms365Binding()));
        SecurityEvent.of("password-reset-done").field("ip", req.remoteIp()).field("account_id", u.tenantId())
                .field("user_id", u.id()).info();
        return done();
    }

    private static String required(ObjectNode body, String key, List<Violation> v) {
        String s = Fields.string(body, key, key, v);
        if (s == null && v.stream().noneMatch(x -> x.field().equals(key))) {
            v.add(new Violation(key, "required", "is required"));
        }
        return s;
    }

    /** The seed's answer: 200 and no body. */
    private static ApiResponse done() {
        return ApiResponse.bytes(200, "text/plain; charset=utf-8", EMPTY, null);
    }
}
