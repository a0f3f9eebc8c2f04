package io.sipedge.http.api;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a handler answers: a status and the envelope's {@code data}, plus optional top-level
 * envelope fields (paging: {@code page_size}, {@code start_key}, {@code next_start_key}). A
 * {@code raw} response (the OpenAPI document, the metrics) is sent as it is, without the envelope.
 *
 * @param authToken   the token to put in the envelope instead of the request's (only {@code PUT /v2/api_auth})
 * @param contentType the Content-Type of a {@code raw} body; null for JSON
 * @param headers     extra response headers
 */
public record ApiResponse(int status, Object data, Map<String, Object> extras, byte[] raw, String authToken,
                          String contentType, Map<String, String> headers) {
    public ApiResponse {
        extras = extras == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(extras));
        headers = headers == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    }

    public ApiResponse(int status, Object data, Map<String, Object> extras, byte[] raw, String authToken) {
        this(status, data, extras, raw, authToken, null, null);
    }

    public ApiResponse(int status, Object data, Map<String, Object> extras, byte[] raw, String authToken,
                       String contentType) {
        this(status, data, extras, raw, authToken, contentType, null);
    }

    /** A body sent as it is, not enveloped (XML, PNG, text), with its content type and extra headers. */
    public static ApiResponse bytes(int status, String contentType, byte[] body, Map<String, String> headers) {
        return new ApiResponse(status, null, null, body, null, contentType, headers);
    }

    public static ApiResponse ok(Object data) {
        return new ApiResponse(200, data, null, null, null, null);
    }

    /** 201: Kazoo's answer to a PUT that created something. */
    public static ApiResponse created(Object data) {
        return new ApiResponse(201, data, null, null, null, null);
    }

    public static ApiResponse withExtras(Object data, Map<String, Object> extras) {
        return new ApiResponse(200, data, extras, null, null, null);
    }

    public static ApiResponse raw(byte[] json) {
        return new ApiResponse(200, null, null, json, null, null);
    }

    /** A body that is not JSON, sent as it is with its own Content-Type. */
    public static ApiResponse raw(byte[] body, String contentType) {
        return new ApiResponse(200, null, null, body, null, contentType);
    }

    public static ApiResponse issuedToken(int status, Object data, String token) {
        return new ApiResponse(status, data, null, null, token, null);
    }
}
