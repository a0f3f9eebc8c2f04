package io.sipedge.http.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sipedge.directory.DeviceSpec;
import io.sipedge.directory.DirectoryException;
import io.sipedge.http.render.Json;
import io.sipedge.model.CallerId;
import io.sipedge.model.Device;
import io.sipedge.model.DeviceProfile;
import io.sipedge.model.Features;
import io.sipedge.model.Tenant;
import io.sipedge.model.XmppAccount;
import io.sipedge.model.rules.DeviceRules;
import io.sipedge.model.rules.TenantRules;
import io.sipedge.model.rules.Violation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Devices of an account, as the devices seed shows them: {@code PUT} creates, {@code GET} lists
 * (with {@code filter_<field>} and paging) or reads one, {@code POST} updates, {@code PATCH}
 * patches, {@code DELETE} deletes. {@code sip.password} is write-only; {@code sip.realm} is the
 * account's and read-only.
 *
 * <p>Update semantics where the seed is silent: {@code POST} replaces each top-level field it
 * names, as a whole, and keeps the ones it does not name (so the seed's
 * {@code {"name": …, "enabled": true}} works); {@code PATCH} is a JSON merge patch (RFC 7396):
 * nested objects merge and {@code null} removes an optional field. A password that is not sent is
 * kept.
 */
final class DevicesResource {
    private static final Set<String> TOP = Set.of("id", "name", "device_type", "owner_id", "enabled", "sip",
            "caller_id", "created_at", "updated_at", "features", "xmppaccounts", "provisioned", "provisioning");
    private static final Set<String> FEATURES = Set.of("srtp", "messaging", "video", "callrecording");
    private static final Set<String> XMPP = Set.of("jid", "password", "domain", "server", "port", "resource", "usetls",
            "verifycert", "priority", "displayname", "accountname");
    /** More would not fit a QR code anyway. */
    static final int MAX_XMPP_ACCOUNTS = 8;
    private static final java.util.regex.Pattern JID = java.util.regex.Pattern.compile("[^@\\s/]{1,255}@[^@\\s/]{1,255}");
    private static final int XMPP_TEXT_MAX = 255;
    private static final Set<String> SIP = Set.of("username", "password", "realm", "auth_username");
    private static final Set<String> CALLER_ID = Set.of("internal", "external");
    private static final Set<String> CALLER_ID_PARTS = Set.of("number", "name");

    private final ApiContext ctx;

    DevicesResource(ApiContext ctx) {
        this.ctx = ctx;
    }

    static Map<String, Object> render(Device d, Tenant t) {
        DeviceProfile p = d.profile();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", d.id());
        m.put("name", p.name());
        m.put("device_type", p.deviceType());
        if (p.ownerId() != null) {
            m.put("owner_id", p.ownerId());
        }
        m.put("enabled", d.enabled());
        Map<String, Object> sip = new LinkedHashMap<>();
        sip.put("username", d.username());
        sip.put("realm", t.domain());
        if (d.authUsername() != null) {
            sip.put("auth_username", d.authUsername());
        }
        m.put("sip", sip);
        Map<String, Object> cid = new LinkedHashMap<>();
        putCallerId(cid, "internal", p.internalCallerId());
        putCallerId(cid, "external", p.externalCallerId());
        if (!cid.isEmpty()) {
            m.put("caller_id", cid);
        }
        Map<String, Object> features = new LinkedHashMap<>();
        putFlag(features, "srtp", p.features().srtp());
        putFlag(features, "messaging", p.features().messaging());
        putFlag(features, "video", p.features().video());
        putFlag(features, "callrecording", p.features().callRecording());
        if (!features.isEmpty()) {
            m.put("features", features);
        }
        if (!p.xmppAccounts().isEmpty()) {
            // The password is write-only, like sip.password.
            m.put("xmppaccounts", p.xmppAccounts().stream().map(DevicesResource::renderXmpp).toList());
        }
        m.put("provisioned", d.provisioned() != null);
        if (d.provisioned() != null) {
            Map<String, Object> prov = new LinkedHashMap<>();
            prov.put("provisioned_at", Json.time(d.provisioned().at()));
            prov.put("ip", d.provisioned().ip());
            if (d.provisioned().userAgent() != null) {
                prov.put("user_agent", d.provisioned().userAgent());
            }
            m.put("provisioning", prov);
        }
        m.put("created_at", Json.time(d.createdAt()));
        m.put("updated_at", Json.time(d.updatedAt()));
        return m;
    }

    private static void putFlag(Map<String, Object> out, String key, Boolean value) {
        if (value != null) {
            out.put(key, value);
        }
    }

    private static Map<String, Object> renderXmpp(XmppAccount x) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("jid", x.jid());
        m.put("domain", x.domain());
        if (x.server() != null) {
            m.put("server", x.server());
        }
        m.put("port", x.port());
        if (x.resource() != null) {
            m.put("resource", x.resource());
        }
        m.put("usetls", x.useTls());
        m.put("verifycert", x.verifyCert());
        m.put("priority", x.priority());
        if (x.displayName() != null) {
            m.put("displayname", x.displayName());
        }
        if (x.accountName() != null) {
            m.put("accountname", x.accountName());
        }
        return m;
    }

    private static void putCallerId(Map<String, Object> out, String key, CallerId c) {
        if (c == null) {
            return;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        if (c.number() != null) {
            m.put("number", c.number());
        }
        if (c.name() != null) {
            m.put("name", c.name());
        }
        out.put(key, m);
    }

    ApiResponse create(ApiRequest req) {
        Tenant t = Scope.account(ctx.directory(), req);
        DeviceSpec spec = parse(req.data(), t, null);
        try {
            return ApiResponse.created(render(ctx.directory().createDevice(t.id(), spec), t));
        } catch (DirectoryException e) {
            throw mapped(e);
        }
    }

    ApiResponse list(ApiRequest req) {
        Tenant t = Scope.account(ctx.directory(), req);
        List<Map<String, Object>> filters = filters(req);
        List<Device> matching = new ArrayList<>();
        for (Device d : ctx.directory().devices(t.id())) {
            if (filters.isEmpty() || matches(Json.MAPPER.valueToTree(render(d, t)), filters)) {
                matching.add(d);
            }
        }
        Paging.Page<Device> page = Paging.page(matching, Device::createdAt, Device::id, req);
        return ApiResponse.withExtras(page.items().stream().map(d -> render(d, t)).toList(), page.extras());
    }

    ApiResponse get(ApiRequest req) {
        Tenant t = Scope.account(ctx.directory(), req);
        return ApiResponse.ok(render(Scope.device(ctx.directory(), req, t), t));
    }

    ApiResponse update(ApiRequest req) {
        Tenant t = Scope.account(ctx.directory(), req);
        Device d = Scope.device(ctx.directory(), req, t);
        ObjectNode doc = Json.MAPPER.valueToTree(render(d, t));
        ObjectNode body = req.data();
        body.properties().forEach(e -> doc.set(e.getKey(), e.getValue()));
        return save(d, t, doc);
    }

    ApiResponse patch(ApiRequest req) {
        Tenant t = Scope.account(ctx.directory(), req);
        Device d = Scope.device(ctx.directory(), req, t);
        ObjectNode doc = Json.MAPPER.valueToTree(render(d, t));
        mergePatch(doc, req.data());
        return save(d, t, doc);
    }

    ApiResponse delete(ApiRequest req) {
        Tenant t = Scope.account(ctx.directory(), req);
        Device d = Scope.device(ctx.directory(), req, t);
        ctx.directory().deleteDevice(d.id()); // the launcher's listener drops its bindings
        return ApiResponse.ok(render(d, t));
    }

    private ApiResponse save(Device d, Tenant t, ObjectNode doc) {
        DeviceSpec spec = parse(doc, t, d);
        try {
            return ApiResponse.ok(render(ctx.directory().updateDevice(d.id(), spec), t));
        } catch (DirectoryException e) {
            throw mapped(e);
        }
    }

    /** RFC 7396: objects merge recursively, null removes, anything else replaces. */
    static void mergePatch(ObjectNode target, ObjectNode patch) {
        for (Map.Entry<String, JsonNode> e : patch.properties()) {
            JsonNode value = e.getValue();
            if (value.isNull()) {
                target.remove(e.getKey());
            } else if (value.isObject() && target.get(e.getKey()) instanceof ObjectNode existing) {
                mergePatch(existing, (ObjectNode) value);
            } else {
                target.set(e.getKey(), value);
            }
        }
    }

    /**
     * Reads a whole device document into a spec, collecting every broken rule. {@code existing} is
     * null on create (a password is then required) and keeps the password, SIP settings and
     * timestamps otherwise.
     */
    private DeviceSpec parse(ObjectNode doc, Tenant t, Device existing) {
        List<Violation> v = new ArrayList<>();
        Fields.onlyKnown(doc, TOP, "", v);
        String name = Fields.string(doc, "name", "name", v);
        String type = Fields.string(doc, "device_type", "device_type", v);
        String owner = Fields.string(doc, "owner_id", "owner_id", v);
        Boolean enabled = Fields.bool(doc, "enabled", "enabled", v);

        String username = null;
        String password = null;
        String authUsername = null;
        ObjectNode sip = Fields.object(doc, "sip", "sip", v);
        if (sip == null) {
            if (v.stream().noneMatch(x -> x.field().equals("sip"))) {
                v.add(new Violation("sip.username", "required", "is required"));
            }
        } else {
            Fields.onlyKnown(sip, SIP, "sip.", v);
            username = Fields.string(sip, "username", "sip.username", v);
            password = Fields.string(sip, "password", "sip.password", v);
            authUsername = Fields.string(sip, "auth_username", "sip.auth_username", v);
            String realm = Fields.string(sip, "realm", "sip.realm", v);
            if (realm != null && !realm.equalsIgnoreCase(t.domain())) {
                v.add(new Violation("sip.realm", "read_only", "is the account's realm (" + t.domain() + ")"));
            }
            if (v.stream().noneMatch(x -> x.field().equals("sip.username"))) {
                v.addAll(TenantRules.username("sip.username", username));
            }
            if (authUsername != null && !authUsername.isEmpty()) {
                v.addAll(TenantRules.username("sip.auth_username", authUsername));
            }
            if (existing == null || password != null) {
                if (v.stream().noneMatch(x -> x.field().equals("sip.password"))) {
                    v.addAll(TenantRules.password("sip.password", password));
                }
            }
        }
        CallerId internal = null;
        CallerId external = null;
        ObjectNode cid = Fields.object(doc, "caller_id", "caller_id", v);
        if (cid != null) {
            Fields.onlyKnown(cid, CALLER_ID, "caller_id.", v);
            internal = callerId(cid, "internal", v);
            external = callerId(cid, "external", v);
        }
        Features features = features(doc, v);
        List<XmppAccount> xmpp = xmppAccounts(doc, existing, v);
        DeviceProfile base = existing != null ? existing.profile() : DeviceProfile.defaultsFor(username);
        DeviceProfile profile = new DeviceProfile(name == null || name.isEmpty() ? username : name, type, owner,
                internal, external, base.transport(), base.registrationInterval(), features, xmpp);
        if (name != null && name.isEmpty()) {
            v.add(new Violation("name", "required", "must not be empty"));
        }
        if (username != null) {
            v.addAll(DeviceRules.profile(profile).stream().filter(x -> !(x.field().equals("name") && name == null))
                    .toList());
        }
        if (v.isEmpty()) {
            unique(t, existing, username, authUsername, v);
        }
        if (!v.isEmpty()) {
            throw ApiException.invalid(v);
        }
        return new DeviceSpec(username, authUsername == null || authUsername.isEmpty() ? null : authUsername,
                password, enabled == null || enabled, profile);
    }

    private static Features features(ObjectNode doc, List<Violation> v) {
        ObjectNode f = Fields.object(doc, "features", "features", v);
        if (f == null) {
            return Features.UNSET;
        }
        Fields.onlyKnown(f, FEATURES, "features.", v);
        return new Features(Fields.bool(f, "srtp", "features.srtp", v),
                Fields.bool(f, "messaging", "features.messaging", v), Fields.bool(f, "video", "features.video", v),
                Fields.bool(f, "callrecording", "features.callrecording", v));
    }

    /**
     * The scloc seed's XMPP accounts: jid, password and domain required; port 1..65535 (5222);
     * priority -128..127 (5); usetls and verifycert (true); server, resource, displayname and
     * accountname optional. A password left out keeps the stored one of the same jid, so a read,
     * changed and written back device keeps its XMPP passwords. Passwords are sealed at once.
     */
    private List<XmppAccount> xmppAccounts(ObjectNode doc, Device existing, List<Violation> v) {
        JsonNode n = doc.get("xmppaccounts");
        if (n == null || n.isNull()) {
            return List.of();
        }
        if (!n.isArray()) {
            v.add(new Violation("xmppaccounts", "type", "must be an array"));
            return List.of();
        }
        if (n.size() > MAX_XMPP_ACCOUNTS) {
            v.add(new Violation("xmppaccounts", "max_items", "must have at most " + MAX_XMPP_ACCOUNTS + " entries"));
            return List.of();
        }
        List<XmppAccount> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            String at = "xmppaccounts[" + i + "]";
            if (!n.get(i).isObject()) {
                v.add(new Violation(at, "type", "must be an object"));
                continue;
            }
            ObjectNode o = (ObjectNode) n.get(i);
            int before = v.size();
            Fields.onlyKnown(o, XMPP, at + ".", v);
            String jid = xmppText(o, "jid", at, true, v);
            String password = xmppText(o, "password", at, false, v);
            String domain = xmppText(o, "domain", at, true, v);
            String server = xmppText(o, "server", at, false, v);
            String resource = xmppText(o, "resource", at, false, v);
            String displayName = xmppText(o, "displayname", at, false, v);
            String accountName = xmppText(o, "accountname", at, false, v);
            Integer port = Fields.integer(o, "port", at + ".port", v);
            Integer priority = Fields.integer(o, "priority", at + ".priority", v);
            Boolean useTls = Fields.bool(o, "usetls", at + ".usetls", v);
            Boolean verifyCert = Fields.bool(o, "verifycert", at + ".verifycert", v);
            if (jid != null && !JID.matcher(jid).matches()) {
                v.add(new Violation(at + ".jid", "pattern", "must be an XMPP address such as user@chat.example.com"));
            }
            if (port != null && (port < 1 || port > 65535)) {
                v.add(new Violation(at + ".port", "range", "must be from 1 to 65535"));
            }
            if (priority != null && (priority < -128 || priority > 127)) {
                v.add(new Violation(at + ".priority", "range", "must be from -128 to 127"));
            }
            String sealed = null;
            if (password != null) {
                if (password.isEmpty()) {
                    v.add(new Violation(at + ".password", "required", "must not be empty"));
                }
            } else if (jid != null && existing != null) {
                sealed = existing.profile().xmppAccounts().stream().filter(x -> x.jid().equals(jid)).findFirst()
                        .map(XmppAccount::sealedPassword).orElse(null);
            }
            if (password == null && sealed == null && v.stream().noneMatch(x -> x.field().equals(at + ".password"))) {
                v.add(new Violation(at + ".password", "required", "is required"));
            }
            if (v.size() > before) {
                continue;
            }
            if (sealed == null) {
                sealed = ctx.directory().sealSecret(password);
            }
            out.add(new XmppAccount(jid, sealed, domain, server, port == null ? XmppAccount.DEFAULT_PORT : port,
                    resource, useTls == null || useTls, verifyCert == null || verifyCert,
                    priority == null ? XmppAccount.DEFAULT_PRIORITY : priority, displayName, accountName));
        }
        return out;
    }

    private static String xmppText(ObjectNode o, String key, String at, boolean required, List<Violation> v) {
        String field = at + "." + key;
        String s = Fields.string(o, key, field, v);
        if (s == null) {
            if (required && v.stream().noneMatch(x -> x.field().equals(field))) {
                v.add(new Violation(field, "required", "is required"));
            }
            return null;
        }
        if (required && s.isBlank()) {
            v.add(new Violation(field, "required", "must not be blank"));
        } else if (s.length() > XMPP_TEXT_MAX) {
            v.add(new Violation(field, "max_length", "must be at most " + XMPP_TEXT_MAX + " characters"));
        } else if (s.chars().anyMatch(Character::isISOControl)) {
            v.add(new Violation(field, "characters", "must not contain control characters"));
        }
        return s.isEmpty() && !required && !key.equals("password") && !key.equals("resource") ? null : s;
    }

    private static CallerId callerId(ObjectNode cid, String key, List<Violation> v) {
        ObjectNode o = Fields.object(cid, key, "caller_id." + key, v);
        if (o == null) {
            return null;
        }
        Fields.onlyKnown(o, CALLER_ID_PARTS, "caller_id." + key + ".", v);
        return CallerId.ofNullable(Fields.string(o, "number", "caller_id." + key + ".number", v),
                Fields.string(o, "name", "caller_id." + key + ".name", v));
    }

    /** Checked here to report with the other rules; the Directory checks again under its write lock. */
    private void unique(Tenant t, Device self, String username, String authUsername, List<Violation> v) {
        ctx.directory().deviceByUsername(t.id(), username).filter(o -> self == null || !o.id().equals(self.id()))
                .ifPresent(o -> v.add(new Violation("sip.username", "unique", "is already used in this account")));
        String digest = authUsername != null && !authUsername.isEmpty() ? authUsername : username;
        String field = authUsername != null && !authUsername.isEmpty() ? "sip.auth_username" : "sip.username";
        ctx.directory().deviceByDigestUsername(t.id(), digest)
                .filter(o -> (self == null || !o.id().equals(self.id())) && v.stream().noneMatch(x -> x.field().equals(field)))
                .ifPresent(o -> v.add(new Violation(field, "unique",
                        "is already the digest username of another device in this account")));
    }

    private static ApiException mapped(DirectoryException e) {
        if (e.kind() == DirectoryException.Kind.IO) {
            throw e;
        }
        if (e.kind() == DirectoryException.Kind.NOT_FOUND) {
            return ApiException.notFound("device");
        }
        return ApiException.invalid(e.violations().stream().map(x -> new Violation(switch (x.field()) {
            case "username" -> "sip.username";
            case "auth_username" -> "sip.auth_username";
            case "password" -> "sip.password";
            default -> x.field();
        }, x.rule(), x.message())).toList());
    }

    // ------------------------------------------------------------------ filters

    /** {@code filter_<path>=value} and {@code filter_not_<path>=value}, path dotted as in the JSON. */
    private static List<Map<String, Object>> filters(ApiRequest req) {
        List<Map<String, Object>> out = new ArrayList<>();
        req.query().forEach((k, values) -> {
            if (k.startsWith("filter_not_")) {
                out.add(Map.of("path", k.substring("filter_not_".length()), "value", values.get(0), "not", true));
            } else if (k.startsWith("filter_")) {
                out.add(Map.of("path", k.substring("filter_".length()), "value", values.get(0), "not", false));
            }
        });
        return out;
    }

    /** A missing field matches no {@code filter_} and every {@code filter_not_} (Kazoo's rule). */
    private static boolean matches(JsonNode doc, List<Map<String, Object>> filters) {
        for (Map<String, Object> f : filters) {
            JsonNode n = doc;
            for (String part : ((String) f.get("path")).split("\\.")) {
                n = n == null ? null : n.get(part);
            }
            boolean equal = n != null && n.isValueNode() && n.asText().equals(f.get("value"));
            if (equal == (Boolean) f.get("not")) {
                return false;
            }
        }
        return true;
    }
}
