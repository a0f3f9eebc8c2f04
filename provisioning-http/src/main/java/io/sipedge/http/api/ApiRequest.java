package io.sipedge.http.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sipedge.http.render.Json;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One request as the handlers see it: no Netty types, the body already aggregated and bounded.
 *
 * @param method    the verb, upper case ({@code HEAD} arrives as {@code GET})
 * @param path      the raw path, without the query
 * @param params    decoded path parameters
 * @param query     decoded query parameters
 * @param body      the request body, possibly empty
 * @param token     the presented auth token, or null
 * @param principal who the token speaks for; null on public routes
 * @param requestId the id echoed in the envelope and the access log
 * @param headers   request headers, names in lower case, the first value of each
 * @param remoteIp  the client's address as text ("-" when unknown)
 * @param head      true when the request was a HEAD (served by the GET route, which must then change nothing)
 */
public record ApiRequest(String method, String path, Map<String, String> params, Map<String, List<String>> query,
                         byte[] body, String token, Principal principal, String requestId,
                         Map<String, String> headers, String remoteIp, boolean head) {

    public ApiRequest(String method, String path, Map<String, String> params, Map<String, List<String>> query,
                      byte[] body, String token, Principal principal, String requestId) {
        this(method, path, params, query, body, token, principal, requestId, Map.of(), "-", false);
    }

    /** A request header by name (case-insensitive), or null. */
    public String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /** True when the query has the parameter, with or without a value ({@code ?reset_password}). */
    public boolean hasQuery(String name) {
        return query.containsKey(name);
    }

    public String param(String name) {
        String v = params.get(name);
        if (v == null) {
            throw new IllegalStateException("route has no parameter " + name);
        }
        return v;
    }

    /** The first value of a query parameter, or null. */
    public String queryFirst(String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    /**
     * The {@code data} object of a Kazoo-style body {@code {"data": {...}}}. Malformed JSON, a body
     * that is not an object, or a missing or non-object {@code data} is a 400.
     */
    public ObjectNode data() {
        JsonNode root = json();
        JsonNode data = root.get("data");
        if (data == null || data.isNull()) {
            throw ApiException.invalid("data", "required", "the body must be {\"data\": {...}}");
        }
        if (!data.isObject()) {
            throw ApiException.invalid("data", "type", "must be an object");
        }
        return (ObjectNode) data;
    }

    /** The whole body as a JSON object (400 when malformed or not an object). */
    public ObjectNode json() {
        if (body.length == 0) {
            throw ApiException.badRequest("a JSON body is required");
        }
        JsonNode root = Json.parse(body);
        if (!root.isObject()) {
            throw ApiException.badRequest("the body must be a JSON object");
        }
        return (ObjectNode) root;
    }

    public ApiRequest withPrincipal(Principal p) {
        return new ApiRequest(method, path, params, query, body, token, p, requestId, headers, remoteIp, head);
    }
}
