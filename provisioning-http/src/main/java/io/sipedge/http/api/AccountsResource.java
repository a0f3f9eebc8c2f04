package io.sipedge.http.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sipedge.directory.DirectoryException;
import io.sipedge.http.render.Json;
import io.sipedge.model.Tenant;
import io.sipedge.model.TenantProvisioning;
import io.sipedge.model.rules.TenantRules;
import io.sipedge.model.rules.Violation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Accounts (tenants): {@code name}, {@code realm} (the SIP domain, FQDN or IP literal, unique, the
 * digest realm; fixed after creation), {@code md5_only} and {@code sha256_only} (the algorithm its
 * phones are challenged with, when not the edge's; at most one of them). Accounts created by the
 * bulk import are the same records.
 */
final class AccountsResource {
    static final int NAME_MAX = 128;
    private static final Set<String> FIELDS = Set.of("name", "realm", "md5_only", "sha256_only", "id", "created_at",
            "updated_at", "linphone_header_required", "scloc_provider_id", "scloc_subdomain");
    /** One DNS label: what a PBX subdomain is. */
    private static final java.util.regex.Pattern SUBDOMAIN = java.util.regex.Pattern.compile(
            "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

    private final ApiContext ctx;

    AccountsResource(ApiContext ctx) {
        this.ctx = ctx;
    }

    static Map<String, Object> render(Tenant t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", t.id());
        m.put("name", t.name());
        m.put("realm", t.domain());
        m.put("md5_only", t.md5Only());
        m.put("sha256_only", t.sha256Only());
        m.put("linphone_header_required", t.provisioning().linphoneHeaderRequired());
        if (t.provisioning().sclocProviderId() != null) {
            m.put("scloc_provider_id", t.provisioning().sclocProviderId());
        }
        if (t.provisioning().sclocSubdomain() != null) {
            m.put("scloc_subdomain", t.provisioning().sclocSubdomain());
        }
        m.put("created_at", Json.time(t.createdAt()));
        m.put("updated_at", Json.time(t.updatedAt()));
        return m;
    }

    ApiResponse create(ApiRequest req) {
        ObjectNode data = req.data();
        List<Violation> v = new ArrayList<>();
        Fields.onlyKnown(data, FIELDS, "", v);
        String name = name(data, v, true);
        String realm = Fields.string(data, "realm", "realm", v);
        Boolean md5 = Fields.bool(data, "md5_only", "md5_only", v);
        Boolean sha256 = Fields.bool(data, "sha256_only", "sha256_only", v);
        if (v.stream().noneMatch(x -> x.field().equals("realm"))) {
            v.addAll(TenantRules.domain("realm", realm));
        }
        v.addAll(TenantRules.digest("sha256_only", md5 != null && md5, sha256 != null && sha256));
        TenantProvisioning prov = provisioning(data, TenantProvisioning.DEFAULTS, v);
        if (!v.isEmpty()) {
            throw ApiException.invalid(v);
        }
        try {
            Tenant t = ctx.directory().createTenant(name, realm.toLowerCase(Locale.ROOT), md5 != null && md5,
                    sha256 != null && sha256);
            if (!prov.equals(t.provisioning())) {
                t = ctx.directory().updateTenantProvisioning(t.id(), prov);
            }
            return ApiResponse.created(render(t));
        } catch (DirectoryException e) {
            throw mapped(e);
        }
    }

    ApiResponse list(ApiRequest req) {
        Paging.Page<Tenant> page = Paging.page(ctx.directory().tenants(), Tenant::createdAt, Tenant::id, req);
        return ApiResponse.withExtras(page.items().stream().map(AccountsResource::render).toList(), page.extras());
    }

    ApiResponse get(ApiRequest req) {
        return ApiResponse.ok(render(Scope.account(ctx.directory(), req)));
    }

    /** POST: the writable fields given replace the stored ones; {@code name} is required. */
    ApiResponse update(ApiRequest req) {
        return change(req, true);
    }

    /** PATCH: only the fields given change. */
    ApiResponse patch(ApiRequest req) {
        return change(req, false);
    }

    private ApiResponse change(ApiRequest req, boolean full) {
        Tenant t = Scope.account(ctx.directory(), req);
        ObjectNode data = req.data();
        List<Violation> v = new ArrayList<>();
        Fields.onlyKnown(data, FIELDS, "", v);
        String name = name(data, v, full);
        String realm = Fields.string(data, "realm", "realm", v);
        Boolean md5 = Fields.bool(data, "md5_only", "md5_only", v);
        Boolean sha256 = Fields.bool(data, "sha256_only", "sha256_only", v);
        boolean newMd5 = md5 != null ? md5 : t.md5Only() && !Boolean.TRUE.equals(sha256);
        boolean newSha256 = sha256 != null ? sha256 : t.sha256Only() && !Boolean.TRUE.equals(md5);
        v.addAll(TenantRules.digest("sha256_only", newMd5, newSha256));
        if (realm != null && !realm.equalsIgnoreCase(t.domain())) {
            // The realm is in every stored HA1 and every AOR: changing it would invalidate all of them.
            v.add(new Violation("realm", "read_only", "cannot change after the account is created"));
        }
        TenantProvisioning prov = provisioning(data, t.provisioning(), v);
        if (!v.isEmpty()) {
            throw ApiException.invalid(v);
        }
        Tenant u = ctx.directory().updateTenant(t.id(), name != null ? name : t.name(), newMd5, newSha256);
        if (!prov.equals(u.provisioning())) {
            u = ctx.directory().updateTenantProvisioning(t.id(), prov);
        }
        return ApiResponse.ok(render(u));
    }

    ApiResponse delete(ApiRequest req) {
        Tenant t = Scope.account(ctx.directory(), req);
        ctx.directory().deleteTenant(t.id()); // the launcher's listener drops the bindings of its devices
        ctx.tokens().revokeAccount(t.id());
        return ApiResponse.ok(render(t));
    }

    /** The admin reads an account's key; an account created before keys existed gets one now. */
    ApiResponse getApiKey(ApiRequest req) {
        Tenant t = Scope.account(ctx.directory(), req);
        String key = ctx.directory().revealApiKey(t).orElse(null);
        if (key == null) {
            key = ctx.directory().revealApiKey(ctx.directory().rotateApiKey(t.id())).orElseThrow();
        }
        return ApiResponse.ok(Map.of("api_key", key));
    }

    /** A new key replaces the old one, and every token issued from the old one stops working. */
    ApiResponse rotateApiKey(ApiRequest req) {
        Tenant t = Scope.account(ctx.directory(), req);
        Tenant u = ctx.directory().rotateApiKey(t.id());
        ctx.tokens().revokeAccount(t.id());
        return ApiResponse.ok(Map.of("api_key", ctx.directory().revealApiKey(u).orElseThrow()));
    }

    /**
     * The provisioning fields given replace those of {@code base}; JSON null clears a provider id or
     * subdomain (and is the default for the header rule: on).
     */
    private static TenantProvisioning provisioning(ObjectNode data, TenantProvisioning base, List<Violation> v) {
        Boolean header = Fields.bool(data, "linphone_header_required", "linphone_header_required", v);
        String provider = Fields.string(data, "scloc_provider_id", "scloc_provider_id", v);
        String sub = Fields.string(data, "scloc_subdomain", "scloc_subdomain", v);
        if (provider != null && !provider.isEmpty() && !SclocResource.PROVIDER_ID.matcher(provider).matches()) {
            v.add(new Violation("scloc_provider_id", "pattern", "must be 1 to 64 letters, digits, '.', '_' or '-'"));
        }
        if (sub != null && !sub.isEmpty() && !SUBDOMAIN.matcher(sub).matches()) {
            v.add(new Violation("scloc_subdomain", "pattern", "must be one DNS label (letters, digits, '-')"));
        }
        return new TenantProvisioning(
                data.has("linphone_header_required") ? header == null || header : base.linphoneHeaderRequired(),
                data.has("scloc_provider_id") ? provider : base.sclocProviderId(),
                data.has("scloc_subdomain") ? sub : base.sclocSubdomain());
    }

    private static String name(ObjectNode data, List<Violation> v, boolean required) {
        String name = Fields.string(data, "name", "name", v);
        if (name == null) {
            if (required && v.stream().noneMatch(x -> x.field().equals("name"))) {
                v.add(new Violation("name", "required", "is required"));
            }
            return null;
        }
        if (name.isBlank()) {
            v.add(new Violation("name", "required", "must not be blank"));
        } else if (name.length() > NAME_MAX) {
            v.add(new Violation("name", "max_length", "must be at most " + NAME_MAX + " characters"));
        } else if (name.chars().anyMatch(Character::isISOControl)) {
            v.add(new Violation("name", "characters", "must not contain control characters"));
        }
        return name;
    }

    private static ApiException mapped(DirectoryException e) {
        if (e.kind() == DirectoryException.Kind.CONFLICT) {
            return ApiException.invalid("realm", "unique", "is already the realm of another account");
        }
        if (e.kind() == DirectoryException.Kind.INVALID) {
            return ApiException.invalid(e.violations().stream()
                    .map(x -> x.field().equals("domain") ? new Violation("realm", x.rule(), x.message()) : x)
                    .toList());
        }
        throw e; // I/O: the dispatcher answers 500 and logs it
    }
}
