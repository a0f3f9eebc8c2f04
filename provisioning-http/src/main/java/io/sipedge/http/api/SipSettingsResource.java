package io.sipedge.http.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sipedge.directory.DeviceSpec;
import io.sipedge.directory.DirectoryException;
import io.sipedge.model.Device;
import io.sipedge.model.DeviceProfile;
import io.sipedge.model.Tenant;
import io.sipedge.model.Transport;
import io.sipedge.model.rules.DeviceRules;
import io.sipedge.model.rules.TenantRules;
import io.sipedge.model.rules.Violation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The sip-settings seed's view of a device: what a phone is configured with. {@code user} is the
 * SIP username, {@code user_id} the auth (digest) username, {@code realm} the account's,
 * {@code proxy} and {@code stun} edge-wide; {@code transport} and {@code registration_interval}
 * are kept per device. The password reads as the placeholder {@code WebPass}; posting the
 * placeholder back leaves the password as it is.
 */
final class SipSettingsResource {
    static final String PLACEHOLDER = "WebPass";
    /** The seed's character set for user, user_id and password. */
    private static final Pattern SEED_CHARS = Pattern.compile("[0-9a-zA-Z\\s~!@#$%^&;*()_\\-+={\\[}\\]|\"<,>.?/]*");
    private static final Set<String> FIELDS = Set.of("proxy", "realm", "user", "password", "transport", "user_id",
            "stun", "registration_interval");

    private final ApiContext ctx;

    SipSettingsResource(ApiContext ctx) {
        this.ctx = ctx;
    }

    private Map<String, Object> render(Device d, Tenant t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("proxy", ctx.sipProxy() != null ? ctx.sipProxy() : "sip:" + t.domain());
        m.put("realm", t.domain());
        m.put("user", d.username());
        m.put("password", PLACEHOLDER);
        m.put("transport", d.profile().transport().token());
        m.put("user_id", d.authUsername() == null ? "" : d.authUsername());
        if (ctx.stunHost() != null) {
            Map<String, Object> stun = new LinkedHashMap<>();
            stun.put("ip", ctx.stunHost());
            stun.put("port", ctx.stunPort());
            m.put("stun", stun);
        }
        m.put("registration_interval", d.profile().registrationInterval());
        return m;
    }

    ApiResponse get(ApiRequest req) {
        Tenant t = Scope.account(ctx.directory(), req);
        return ApiResponse.ok(render(Scope.device(ctx.directory(), req, t), t));
    }

    /** Accepts the seed's bare settings object as well as the API's {@code {"data": …}}. */
    ApiResponse update(ApiRequest req) {
        Tenant t = Scope.account(ctx.directory(), req);
        Device d = Scope.device(ctx.directory(), req, t);
        ObjectNode root = req.json();
        ObjectNode in = root.has("data") && root.size() == 1 && root.get("data").isObject()
                ? (ObjectNode) root.get("data") : root;
        Map<String, Object> current = render(d, t);
        List<Violation> v = new ArrayList<>();
        Fields.onlyKnown(in, FIELDS, "", v);
        String user = Fields.string(in, "user", "user", v);
        String password = Fields.string(in, "password", "password", v);
        String transport = Fields.string(in, "transport", "transport", v);
        String userId = Fields.string(in, "user_id", "user_id", v);
        Integer interval = Fields.integer(in, "registration_interval", "registration_interval", v);
        for (String readOnly : List.of("proxy", "realm")) {
            if (in.has(readOnly) && !in.get(readOnly).asText().equalsIgnoreCase(String.valueOf(current.get(readOnly)))) {
                v.add(new Violation(readOnly, "read_only", "is set by the edge, not per device"));
            }
        }
        if (in.has("stun") && !in.get("stun").equals(
                io.sipedge.http.render.Json.MAPPER.valueToTree(current.get("stun")))) {
            v.add(new Violation("stun", "read_only", "is set by the edge, not per device"));
        }
        if (user != null) {
            seedRule(v, "user", user, 1, TenantRules.USERNAME_MAX);
            v.addAll(TenantRules.username("user", user));
        }
        if (password != null && !password.equals(PLACEHOLDER)) {
            seedRule(v, "password", password, TenantRules.PASSWORD_MIN, TenantRules.PASSWORD_MAX);
            v.addAll(TenantRules.password("password", password));
        }
        if (userId != null && !userId.isEmpty()) {
            seedRule(v, "user_id", userId, 0, TenantRules.USERNAME_MAX);
            v.addAll(TenantRules.username("user_id", userId));
        }
        Transport tr = d.profile().transport();
        if (transport != null) {
            switch (transport.toLowerCase(Locale.ROOT)) {
                case "udp", "tcp", "tls" -> tr = Transport.parse(transport);
                default -> v.add(new Violation("transport", "enum", "must be udp, tcp or tls"));
            }
        }
        if (interval != null) {
            v.addAll(DeviceRules.registrationInterval("registration_interval", interval));
        }
        if (!v.isEmpty()) {
            throw ApiException.invalid(dedupe(v));
        }
        DeviceProfile p = d.profile();
        DeviceProfile np = p.withSip(tr, interval != null ? interval : p.registrationInterval());
        String newUser = user != null ? user : d.username();
        String newAuth = userId == null ? d.authUsername() : userId.isEmpty() ? null : userId;
        String newPassword = password == null || password.equals(PLACEHOLDER) ? null : password;
        try {
            Device u = ctx.directory().updateDevice(d.id(), new DeviceSpec(newUser, newAuth, newPassword,
                    d.enabled(), np));
            return ApiResponse.ok(render(u, t));
        } catch (DirectoryException e) {
            if (e.kind() == DirectoryException.Kind.IO) {
                throw e;
            }
            throw ApiException.invalid(e.violations().stream().map(x -> new Violation(switch (x.field()) {
                case "username" -> "user";
                case "auth_username" -> "user_id";
                default -> x.field();
            }, x.rule(), x.message())).toList());
        }
    }

    private static void seedRule(List<Violation> v, String field, String value, int min, int max) {
        if (value.length() < min) {
            v.add(new Violation(field, "min_length", "must be at least " + min + " characters"));
        } else if (value.length() > max) {
            v.add(new Violation(field, "max_length", "must be at most " + max + " characters"));
        }
        if (!SEED_CHARS.matcher(value).matches()) {
            v.add(new Violation(field, "characters", "contains a character the SIP settings schema does not allow"));
        }
    }

    /** One message per field and rule, however many checks found it. */
    private static List<Violation> dedupe(List<Violation> v) {
        Map<String, Violation> out = new LinkedHashMap<>();
        for (Violation x : v) {
            out.putIfAbsent(x.field() + "\n" + x.rule(), x);
        }
        return List.copyOf(out.values());
    }
}
