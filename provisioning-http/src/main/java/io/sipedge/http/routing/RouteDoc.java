package io.sipedge.http.routing;

import static java.util.Objects.requireNonNull;

/**
 * How a route is described and guarded: an OpenAPI summary and tag, who may call it, whether it
 * takes a {@code {"data": …}} body, and the component schemas of its request and response data
 * (null for none), the {@code error} value of its 401 (null: the code, "401"), and the media type
 * of a response sent without the envelope (null: the JSON envelope).
 */
public record RouteDoc(String summary, String tag, Access access, String requestSchema, String responseSchema,
                       String unauthorizedError, String rawResponseType) {
    public RouteDoc {
        requireNonNull(summary, "summary");
        requireNonNull(tag, "tag");
        requireNonNull(access, "access");
    }

    public RouteDoc(String summary, String tag, Access access, String requestSchema, String responseSchema) {
        this(summary, tag, access, requestSchema, responseSchema, null, null);
    }

    /**
     * The same route answering an unauthenticated call with {@code "error": value} instead of
     * {@code "401"} (the sip-settings seed's {@code {"error":"Log In"}}).
     */
    public RouteDoc withUnauthorizedError(String value) {
        return new RouteDoc(summary, tag, access, requestSchema, responseSchema, value, rawResponseType);
    }

    /** The same route answering 200 with a body of {@code mediaType}, not the envelope. */
    public RouteDoc withRawResponse(String mediaType) {
        return new RouteDoc(summary, tag, access, requestSchema, responseSchema, unauthorizedError, mediaType);
    }

    /** Who may call a route. */
    public enum Access {
        /** Anyone (health, readiness, the OpenAPI document, getting a token). */
        PUBLIC,
        /** Any valid token; account tokens see only their own account. */
        TOKEN,
        /** Only a token issued from the admin key. */
        ADMIN
    }
}
