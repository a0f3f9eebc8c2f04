package io.sipedge.http.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sipedge.directory.DirectoryException;
import io.sipedge.directory.UserSpec;
import io.sipedge.http.render.Json;
import io.sipedge.model.Device;
import io.sipedge.model.Tenant;
import io.sipedge.model.User;
import io.sipedge.model.rules.Violation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Users of an account (issue 17), shaped and verbed as {@link DevicesResource}: {@code PUT} creates,
 * {@code GET} lists (paged) or reads one, {@code POST} replaces the top-level fields it names,
 * {@code PATCH} is a JSON merge patch, {@code DELETE} deletes. {@code password} is write-only and
 * never stored: the Directory keeps an Argon2id hash, which no answer carries either.
 *
 * <p>A user's devices are the account's devices whose {@code owner_id} is the user's id. Deleting
 * a user leaves those devices as they are: their {@code owner_id} then names no user, as it may
 * for an owner kept outside the edge.
 */
final class UsersResource {
    private static final Set<String> FIELDS = Set.of("id", "username", "first_name", "last_name", "email", "password",
            "role", "enabled", "ms365_binding", "created_at", "updated_at");

    private final ApiContext ctx;

    UsersResource(ApiContext ctx) {
        this.ctx = ctx;
    }

    static Map<String, Object> render(User u) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", u.id());
        m.put("username", u.username());
        putIfSet(m, "first_name", u.firstName());
        putIfSet(m, "last_name", u.lastName());
        putIfSet(m, "email", u.email());
        m.put("role", u.role().wire());
        m.put("enabled", u.enabled());
        putIfSet(m, "ms365_binding", u.ms365Binding());
        m.put("created_at", Json.time(u.createdAt()));
        m.put("updated_at", Json.time(u.updatedAt()));
        return m;
    }

    private static void putIfSet(Map<String, Object> m, String key, String value) {
        if (value != null) {
            m.put(key, value);
        }
    }

    ApiResponse create(ApiRequest req) {
        Tenant t = Scope.account(ctx.directory(), req);
        UserSpec spec = parse(req.data(), t, null);
        try {
            return ApiResponse.created(render(ctx.directory().createUser(t.id(), spec)));
        } catch (DirectoryException e) {
            throw mapped(e);
        }
    }

    ApiResponse list(ApiRequest req) {
        Tenant t = Scope.account(ctx.directory(), req);
        Paging.Page<User> page = Paging.page(ctx.directory().users(t.id()), User::createdAt, User::id, req);
        return ApiResponse.withExtras(page.items().stream().map(UsersResource::render).toList(), page.extras());
    }

    ApiResponse get(ApiRequest req) {
        Tenant t = Scope.account(ctx.directory(), req);
        return ApiResponse.ok(render(Scope.user(ctx.directory(), req, t)));
    }

    /** The account's devices whose {@code owner_id} is this user's id (paged, as the device list). */
    ApiResponse devices(ApiRequest req) {
        Tenant t = Scope.account(ctx.directory(), req);
        User u = Scope.user(ctx.directory(), req, t);
        List<Device> owned = ctx.directory().devices(t.id()).stream()
                .filter(d -> u.id().equals(d.profile().ownerId())).toList();
        Paging.Page<Device> page = Paging.page(owned, Device::createdAt, Device::id, req);
        return ApiResponse.withExtras(page.items().stream().map(d -> DevicesResource.render(d, t)).toList(),
                page.extras());
    }

    ApiResponse update(ApiRequest req) {
        Tenant t = Scope.account(ctx.directory(), req);
        User u = Scope.user(ctx.directory(), req, t);
        ObjectNode doc = Json.MAPPER.valueToTree(render(u));
        req.data().properties().forEach(e -> doc.set(e.getKey(), e.getValue()));
        return save(u, t, doc);
    }

    ApiResponse patch(ApiRequest req) {
        Tenant t = Scope.account(ctx.directory(), req);
        User u = Scope.user(ctx.directory(), req, t);
        ObjectNode doc = Json.MAPPER.valueToTree(render(u));
        DevicesResource.mergePatch(doc, req.data());
        return save(u, t, doc);
    }

    ApiResponse delete(ApiRequest req) {
        Tenant t = Scope.account(ctx.directory(), req);
        User u = Scope.user(ctx.directory(), req, t);
        ctx.directory().deleteUser(u.id());
        return ApiResponse.ok(render(u));
    }

    private ApiResponse save(User u, Tenant t, ObjectNode doc) {
        UserSpec spec = parse(doc, t, u);
        try {
            return ApiResponse.ok(render(ctx.directory().updateUser(u.id(), spec)));
        } catch (DirectoryException e) {
            throw mapped(e);
        }
    }

    /**
     * Reads a whole user document into a spec, collecting every broken rule: the Directory's rules
     * (one list for both sides), type errors, unknown fields and a taken username. {@code existing}
     * is null on create, where a password is required; otherwise a password not sent is kept.
     */
    private UserSpec parse(ObjectNode doc, Tenant t, User existing) {
        List<Violation> v = new ArrayList<>();
        Fields.onlyKnown(doc, FIELDS, "", v);
        String username = Fields.string(doc, "username", "username", v);
        String firstName = Fields.string(doc, "first_name", "first_name", v);
        String lastName = Fields.string(doc, "last_name", "last_name", v);
        String email = Fields.string(doc, "email", "email", v);
        String password = Fields.string(doc, "password", "password", v);
        String roleText = Fields.string(doc, "role", "role", v);
        Boolean enabled = Fields.bool(doc, "enabled", "enabled", v);
        String binding = Fields.string(doc, "ms365_binding", "ms365_binding", v);
        User.Role role = roleText == null ? User.Role.USER : User.Role.fromWire(roleText);
        UserSpec spec = new UserSpec(username, emptyToNull(firstName), emptyToNull(lastName), emptyToNull(email),
                password, role, enabled == null || enabled, emptyToNull(binding));
        // A field already refused for its type is not judged again by its rules.
        spec.violations(existing == null).stream()
                .filter(x -> v.stream().noneMatch(y -> y.field().equals(x.field())))
                .forEach(v::add);
        if (v.isEmpty()) {
            ctx.directory().userByUsername(t.id(), username)
                    .filter(o -> existing == null || !o.id().equals(existing.id()))
                    .ifPresent(o -> v.add(new Violation("username", "unique", "is already used in this account")));
        }
        if (!v.isEmpty()) {
            throw ApiException.invalid(v);
        }
        return spec;
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static ApiException mapped(DirectoryException e) {
        if (e.kind() == DirectoryException.Kind.IO) {
            throw e;
        }
        if (e.kind() == DirectoryException.Kind.NOT_FOUND) {
            return ApiException.notFound("user");
        }
        return ApiException.invalid(e.violations());
    }
}
