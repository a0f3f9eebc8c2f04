package io.sipedge.http.routing;

import java.util.List;
import java.util.Map;

/** The result of looking a request up in the {@link Router}. */
public sealed interface RouteMatch<H> {

    /** A route for this verb and path, with the decoded path parameters. */
    record Found<H>(Route<H> route, Map<String, String> params) implements RouteMatch<H> {
    }

    /** The path is known but not with this verb: 405 with {@code Allow}. */
    record MethodNotAllowed<H>(List<String> allow) implements RouteMatch<H> {
    }

    /** No route has this path: 404. */
    record NotFound<H>() implements RouteMatch<H> {
    }
}
