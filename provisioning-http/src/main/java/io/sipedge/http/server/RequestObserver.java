package io.sipedge.http.server;

/**
 * Told about every answered HTTP request, for metrics. Labels are bounded by construction: the
 * method is one of the standard verbs or {@code OTHER}, the route is a template from the route
 * table or {@value #UNMATCHED}, never the raw path (which carries account, device and user ids).
 */
@FunctionalInterface
public interface RequestObserver {
    /** The route of a request that matched none: 404, 405 and unparseable requests. */
    String UNMATCHED = "unmatched";

    RequestObserver NONE = (method, route, status, elapsedNanos) -> {
    };

    /**
     * @param elapsedNanos from the request being read to its answer being written
     */
    void answered(String method, String route, int status, long elapsedNanos);
}
