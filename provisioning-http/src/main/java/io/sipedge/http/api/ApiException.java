package io.sipedge.http.api;

import io.sipedge.model.rules.Violation;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An expected failure, rendered as the error envelope: {@code status:"error"}, {@code error} (the
 * code as a string, as Kazoo's crossbar does), {@code message}, and {@code data} (for validation:
 * {@code {field: {rule: {"message": …}}}}). Stackless: these are answers, not bugs.
 */
public final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String error;
    private final transient Map<String, Object> data;
    private final transient Map<String, String> headers;

    public ApiException(int status, String message, Map<String, Object> data) {
        this(status, Integer.toString(status), message, data, Map.of());
    }

    public ApiException(int status, String error, String message, Map<String, Object> data,
                        Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.error = error;
        this.data = data == null ? Map.of() : data;
        this.headers = headers;
    }

    public int status() {
        return status;
    }

    /** The envelope's {@code error} value: the status code as text, or a route's own token. */
    public String error() {
        return error;
    }

    public Map<String, Object> data() {
        return data;
    }

    public Map<String, String> headers() {
        return headers;
    }

    /** 400 with one entry per broken rule, keyed by field then rule. Values are never echoed. */
    public static ApiException invalid(List<Violation> violations) {
        Map<String, Object> data = new LinkedHashMap<>();
        for (Violation v : violations) {
            @SuppressWarnings("unchecked")
            Map<String, Object> rules = (Map<String, Object>) data.computeIfAbsent(v.field(),
                    k -> new LinkedHashMap<String, Object>());
            rules.putIfAbsent(v.rule(), Map.of("message", v.message()));
        }
        return new ApiException(400, "validation failed", data);
    }

    public static ApiException invalid(String field, String rule, String message) {
        return invalid(List.of(new Violation(field, rule, message)));
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, message, null);
    }

    /** 404 for a missing or not-yours resource: the answer never tells which. */
    public static ApiException notFound(String what) {
        return new ApiException(404, "bad identifier: " + what + " not found", null);
    }

    public static ApiException unauthorized() {
        return new ApiException(401, "invalid credentials", null);
    }

    public static ApiException forbidden() {
        return new ApiException(403, "forbidden: this needs the admin's token", null);
    }
}
