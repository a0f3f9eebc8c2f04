package io.sipedge.http.routing;

import static java.util.Objects.requireNonNull;

/**
 * One entry of the route table: a verb, a path template, what handles it, and how it is described
 * in the OpenAPI document.
 *
 * @param <H> the handler type (the routing package knows nothing of HTTP servers or JSON)
 */
public record Route<H>(String method, PathPattern pattern, H handler, RouteDoc doc) {
    public Route {
        requireNonNull(method, "method");
        requireNonNull(pattern, "pattern");
        requireNonNull(handler, "handler");
        requireNonNull(doc, "doc");
    }
}
