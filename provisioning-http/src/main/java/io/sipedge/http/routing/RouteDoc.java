package io.sipedge.http.routing;

import static java.util.Objects.requireNonNull;

/**
 * How a route is described and guarded: an OpenAPI summary and tag, who may call it, whether it
 * takes a {@code {"data": …}} body, and the component schemas of its request and response data
 * (null for none), the {@code error} value of its 401 (null: the code, "401"), and the media type
 * of a response sent without the envelope (null: the JSON envelope), and whether it is also served on
 * the public listener when the operator API has a listener of its own ({@code http.admin-port}).
 */
public record RouteDoc(String summary, String tag, Access access, String requestSchema, String responseSchema,
                       String unauthorizedError, String produces, boolean secretPath, boolean publicListener) {
    public RouteDoc {
        requireNonNull(summary, "summary");
        requireNonNull(tag, "tag");
        requireNonNull(access, "access");
    }

    public RouteDoc(String summary, String tag, Access access, String requestSchema, String responseSchema) {
        this(summary, tag, access, requestSchema, responseSchema, null, null, false, false);
    }

    public RouteDoc(String summary, String tag, Access access, String requestSchema, String responseSchema,
                    String unauthorizedError) {
        this(summary, tag, access, requestSchema, responseSchema, unauthorizedError, null, false, false);
    }

    /** The route answers {@code contentType} (XML, PNG, text) as it is, not the JSON envelope. */
    public RouteDoc producing(String contentType) {
        return new RouteDoc(summary, tag, access, requestSchema, responseSchema, unauthorizedError, contentType,
                secretPath, publicListener);
    }

    /** The path carries a secret (a provisioning token): the access log shows the template instead. */
    public RouteDoc withSecretPath() {
        return new RouteDoc(summary, tag, access, requestSchema, responseSchema, unauthorizedError, produces, true,
                publicListener);
    }

    /**
     * Phones and their users need the route (provisioning, health): it is served on the public
     * listener too when the operator API has its own. A route is on the admin listener only unless
     * it says so, so a new operator route can never face the internet by omission.
     */
    public RouteDoc onPublicListener() {
        return new RouteDoc(summary, tag, access, requestSchema, responseSchema, unauthorizedError, produces,
                secretPath, true);
    }

    /**
     * The same route answering an unauthenticated call with {@code "error": value} instead of
     * {@code "401"} (the sip-settings seed's {@code {"error":"Log In"}}).
     */
    public RouteDoc withUnauthorizedError(String value) {
        return new RouteDoc(summary, tag, access, requestSchema, responseSchema, value, produces, secretPath,
                publicListener);
    }

    /** Who may call a route. */
    public enum Access {
        /** Anyone (health, readiness, the OpenAPI document, getting a token). */
        PUBLIC,
        /** Any valid token; account tokens see only their own account. */
        TOKEN,
        /** Only a token issued from the admin key. */
        ADMIN,
        /** A device's own SIP credentials by HTTP Digest, which the handler checks itself. */
        DEVICE,
        /**
         * A signed-in user's bearer token or session cookie (issue 17), which the handler checks
         * itself: an operator token is no use there, and a user's token opens no operator route.
         */
        USER
    }
}
