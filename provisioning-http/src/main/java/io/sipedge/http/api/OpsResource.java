package io.sipedge.http.api;

import io.sipedge.http.metrics.EdgeMetrics;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code /healthz} (the process answers), {@code /readyz} (SIP listening and stores loaded) and
 * {@code /metrics} (Prometheus text).
 */
final class OpsResource {
    private final ApiContext ctx;

    OpsResource(ApiContext ctx) {
        this.ctx = ctx;
    }

    ApiResponse healthz(ApiRequest req) {
        return ApiResponse.ok(Map.of("alive", true));
    }

    /** 503 until every check passes, with the checks in {@code data} either way. */
    ApiResponse readyz(ApiRequest req) {
        Map<String, Boolean> checks = new LinkedHashMap<>(ctx.readiness().get());
        boolean ready = checks.values().stream().allMatch(Boolean::booleanValue);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("ready", ready);
        data.put("checks", checks);
        if (!ready) {
            throw new ApiException(503, "503", "not ready", data, Map.of("Retry-After", "1"));
        }
        return ApiResponse.ok(data);
    }

    /** The registry as Prometheus scrapes it; rendered on the worker pool, never on the event loop. */
    ApiResponse metrics(ApiRequest req) {
        return ApiResponse.raw(ctx.metrics().get(), EdgeMetrics.CONTENT_TYPE);
    }
}
