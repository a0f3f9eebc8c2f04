package io.sipedge.http.api;

import io.sipedge.observe.SecurityEvent;
import io.sipedge.security.Ban;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /v2/security/bans}: the SIP guard's bans, for the admin. Listing shows whole addresses and
 * users banned from an address; deleting an address lifts every ban of it (and says so in the
 * security log, the same logger the SIP guard writes).
 */
final class SecurityResource {
    private final ApiContext ctx;

    SecurityResource(ApiContext ctx) {
        this.ctx = ctx;
    }

    ApiResponse list(ApiRequest req) {
        List<Map<String, Object>> out = ctx.bans().active(ctx.clock().instant()).stream().map(SecurityResource::render)
                .toList();
        return ApiResponse.ok(out);
    }

    ApiResponse lift(ApiRequest req) {
        String address = address(req.param("ip"));
        int lifted = ctx.bans().lift(address, ctx.clock().instant());
        if (lifted == 0) {
            throw ApiException.notFound("ban");
        }
        SecurityEvent.of("unban").field("ip", address).field("lifted", lifted).field("by", "admin").info();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ip", address);
        m.put("lifted", lifted);
        return ApiResponse.ok(m);
    }

    private static Map<String, Object> render(Ban b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ip", b.address());
        m.put("scope", b.wholeAddress() ? "address" : "user");
        m.put("user", b.wholeAddress() ? null : b.user());
        m.put("reason", b.reason());
        m.put("failures", b.failures());
        m.put("since", b.since().toString());
        m.put("until", b.until().toString());
        return m;
    }

    /** The address in the form flows record it (IPv6 in full), or 400: a literal only, never resolved. */
    static String address(String text) {
        boolean literal = text.matches("[0-9.]{7,15}") || text.indexOf(':') >= 0 && text.matches("[0-9A-Fa-f:.]+");
        if (literal) {
            try {
                return InetAddress.getByName(text).getHostAddress();
            } catch (UnknownHostException e) {
                // not an address after all
            }
        }
        throw ApiException.invalid("ip", "address", "must be an IPv4 or IPv6 address");
    }
}
