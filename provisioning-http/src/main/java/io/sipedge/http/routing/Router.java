package io.sipedge.http.routing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The route table, built once and immutable. A linear scan over a few dozen precompiled patterns
 * is all the operator API needs. For a path several patterns may match (a literal
 * {@code /devices/status} and a parameter {@code /devices/{device}}); the most specific one with
 * the request's verb wins, and the verbs of all of them make up a 405's {@code Allow}.
 * {@code HEAD} is served by the {@code GET} route of a path.
 */
public final class Router<H> {
    private final List<Route<H>> routes;

    private Router(List<Route<H>> routes) {
        this.routes = List.copyOf(routes);
    }

    public static <H> Builder<H> builder() {
        return new Builder<>();
    }

    /** Every route, in the order they were added. */
    public List<Route<H>> routes() {
        return routes;
    }

    /**
     * The routes {@code keep} accepts, with the same handlers (so wrappers such as a shared lock
     * stay shared). A path left out is a 404, exactly like a path that never existed.
     */
    public Router<H> only(Predicate<Route<H>> keep) {
        return new Router<>(routes.stream().filter(keep).toList());
    }

    /** Looks up {@code method} (upper case) and a raw path (no query, still percent-encoded). */
    public RouteMatch<H> match(String method, String path) {
        String normalised = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        String[] segments = PathPattern.split(normalised);
        String verb = method.equals("HEAD") ? "GET" : method;
        TreeSet<String> allow = new TreeSet<>();
        Route<H> best = null;
        Map<String, String> bestParams = null;
        for (Route<H> r : routes) {
            Map<String, String> params = r.pattern().match(segments);
            if (params == null) {
                continue;
            }
            allow.add(r.method());
            if (r.method().equals(verb) && (best == null || r.pattern().moreSpecificThan(best.pattern()))) {
                best = r;
                bestParams = params;
            }
        }
        if (best != null) {
            return new RouteMatch.Found<>(best, bestParams);
        }
        if (allow.isEmpty()) {
            return new RouteMatch.NotFound<>();
        }
        if (allow.contains("GET")) {
            allow.add("HEAD");
        }
        return new RouteMatch.MethodNotAllowed<>(List.copyOf(allow));
    }

    /** Adds routes in order; {@link #build()} refuses a verb and template registered twice. */
    public static final class Builder<H> {
        private final List<Route<H>> routes = new ArrayList<>();

        public Builder<H> add(String method, String template, H handler, RouteDoc doc) {
            routes.add(new Route<>(method.toUpperCase(Locale.ROOT), PathPattern.of(template), handler, doc));
            return this;
        }

        public Router<H> build() {
            List<String> keys = new ArrayList<>();
            for (Route<H> r : routes) {
                String key = r.method() + " " + r.pattern().template().replaceAll("\\{[a-z_]+}", "{}");
                if (keys.contains(key)) {
                    throw new IllegalStateException("route registered twice: " + key);
                }
                keys.add(key);
            }
            return new Router<>(Collections.unmodifiableList(routes));
        }
    }
}
