package io.sipedge.http.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sipedge.http.auth.Secrets;
import io.sipedge.http.auth.TokenService;
import io.sipedge.model.rules.Violation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code PUT /v2/api_auth}: an API key (the admin's or an account's) for a token. */
final class AuthResource {
    private final ApiContext ctx;

    AuthResource(ApiContext ctx) {
        this.ctx = ctx;
    }

    ApiResponse authenticate(ApiRequest req) {
        ObjectNode data = req.data();
        List<Violation> v = new ArrayList<>();
        Fields.onlyKnown(data, Set.of("api_key"), "", v);
        String key = Fields.string(data, "api_key", "api_key", v);
        if (key == null && v.isEmpty()) {
            v.add(new Violation("api_key", "required", "is required"));
        }
        if (!v.isEmpty()) {
            throw ApiException.invalid(v);
        }
        Principal who;
        if (Secrets.matches(key, ctx.adminKeySha256())) {
            who = Principal.ADMIN;
        } else {
            who = ctx.directory().tenantByApiKey(key).map(t -> Principal.account(t.id()))
                    .orElseThrow(ApiException::unauthorized);
        }
        TokenService.Issued issued = ctx.tokens().issue(who).orElseThrow(() -> new ApiException(429, "429",
                "too many live tokens: reuse the token you have", null, Map.of("Retry-After", "60")));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("account_id", who.accountId());
        out.put("is_admin", who.isAdmin());
        out.put("expires_at", io.sipedge.http.render.Json.time(issued.expiresAt()));
        out.put("expires_in", ctx.tokens().ttl().toSeconds());
        return ApiResponse.issuedToken(201, out, issued.token());
    }
}
