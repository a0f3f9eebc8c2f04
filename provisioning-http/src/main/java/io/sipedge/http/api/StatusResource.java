package io.sipedge.http.api;

import io.sipedge.http.render.Json;
import io.sipedge.model.Aor;
import io.sipedge.model.Binding;
import io.sipedge.model.Device;
import io.sipedge.model.Tenant;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Live registration state, read from the same LocationStore the registrar writes: a binding is
 * visible here as soon as the registrar has stored it, which is before its 200 OK is sent.
 */
final class StatusResource {
    private final ApiContext ctx;

    StatusResource(ApiContext ctx) {
        this.ctx = ctx;
    }

    List<Binding> bindings(Device d, Tenant t, Instant now) {
        return ctx.locations().lookup(new Aor(d.username(), t.domain()), now);
    }

    /** GET …/devices/{device}/status: {@link #render(List, Instant)} of the device's live bindings. */
    ApiResponse device(ApiRequest req) {
        Tenant t = Scope.account(ctx.directory(), req);
        Device d = Scope.device(ctx.directory(), req, t);
        Instant now = ctx.clock().instant();
        return ApiResponse.ok(render(bindings(d, t, now), now));
    }

    /**
     * One device's registration status, for the operator's status route and a user's own device
     * list alike. The seed's {@code registered, ip, port, last_registration} describe the most
     * recently registered binding; {@code contacts} lists them all, highest q first.
     */
    static Map<String, Object> render(List<Binding> all, Instant now) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("registered", !all.isEmpty());
        Binding latest = all.stream().max(Comparator.comparing(Binding::registeredAt)).orElse(null);
        m.put("ip", latest == null ? null : latest.sourceIp());
        m.put("port", latest == null ? null : latest.sourcePort());
        m.put("last_registration", latest == null ? null : Json.time(latest.registeredAt()));
        m.put("transport", latest == null ? null : latest.transport().token());
        m.put("expires", latest == null ? null : latest.secondsLeft(now));
        List<Map<String, Object>> contacts = new ArrayList<>();
        for (Binding b : all) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("contact", b.contact());
            c.put("ip", b.sourceIp());
            c.put("port", b.sourcePort());
            c.put("transport", b.transport().token());
            c.put("reachable", b.flow().open());
            c.put("expires_at", Json.time(b.expiresAt()));
            c.put("user_agent", b.userAgent());
            c.put("instance", b.instanceId());
            contacts.add(c);
        }
        m.put("contacts", contacts);
        return m;
    }

    ApiResponse devices(ApiRequest req) {
        Tenant t = Scope.account(ctx.directory(), req);
        Instant now = ctx.clock().instant();
        List<Map<String, Object>> out = new ArrayList<>();
        for (Device d : ctx.directory().devices(t.id())) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("device_id", d.id());
            m.put("registered", !bindings(d, t, now).isEmpty());
            out.add(m);
        }
        return ApiResponse.ok(out);
    }

    ApiResponse registrations(ApiRequest req) {
        Tenant t = Scope.account(ctx.directory(), req);
        Instant now = ctx.clock().instant();
        List<Map<String, Object>> out = new ArrayList<>();
        for (Device d : ctx.directory().devices(t.id())) {
            for (Binding b : bindings(d, t, now)) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("username", d.username());
                m.put("device_id", d.id());
                m.put("contact", b.contact());
                m.put("contact_ip", b.sourceIp());
                m.put("contact_port", b.sourcePort());
                m.put("transport", b.transport().token());
                m.put("reachable", b.flow().open());
                m.put("expires", b.secondsLeft(now));
                m.put("user_agent", b.userAgent());
                m.put("call_id", b.callId());
                m.put("last_registration", Json.time(b.registeredAt()));
                out.add(m);
            }
        }
        return ApiResponse.ok(out);
    }

    ApiResponse count(ApiRequest req) {
        Tenant t = Scope.account(ctx.directory(), req);
        Instant now = ctx.clock().instant();
        int n = 0;
        for (Device d : ctx.directory().devices(t.id())) {
            n += bindings(d, t, now).size();
        }
        return ApiResponse.ok(Map.of("count", n));
    }

    /** Kicks every binding of a user: the phone must register again (and authenticate) to be reachable. */
    ApiResponse kick(ApiRequest req) {
        Tenant t = Scope.account(ctx.directory(), req);
        String username = req.param("username");
        Device d = ctx.directory().deviceByUsername(t.id(), username)
                .orElseThrow(() -> ApiException.notFound("user"));
        List<Binding> removed = ctx.locations().removeAll(new Aor(d.username(), t.domain()), ctx.clock().instant());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("username", d.username());
        m.put("device_id", d.id());
        m.put("removed", removed.size());
        return ApiResponse.ok(m);
    }
}
