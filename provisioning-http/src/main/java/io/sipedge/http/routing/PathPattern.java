package io.sipedge.http.routing;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A path template such as {@code /v2/accounts/{account}/devices/{device}}: literal segments and
 * {@code {name}} parameters, each a whole segment. Matching is by segment, so a parameter never
 * spans a '/', and a literal segment beats a parameter (see {@link #moreSpecificThan}).
 */
public final class PathPattern {
    private static final Pattern PARAM = Pattern.compile("\\{([a-z_]+)}");
    private static final Pattern LITERAL = Pattern.compile("[a-z0-9_.-]+");

    private final String template;
    /** Per segment: the literal text, or null for a parameter. */
    private final String[] literals;
    private final String[] names;

    private PathPattern(String template, String[] literals, String[] names) {
        this.template = template;
        this.literals = literals;
        this.names = names;
    }

    public static PathPattern of(String template) {
        if (!template.startsWith("/")) {
            throw new IllegalArgumentException("a path template starts with '/': " + template);
        }
        String[] segs = split(template);
        String[] literals = new String[segs.length];
        String[] names = new String[segs.length];
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < segs.length; i++) {
            var m = PARAM.matcher(segs[i]);
            if (m.matches()) {
                if (seen.contains(m.group(1))) {
                    throw new IllegalArgumentException("parameter {" + m.group(1) + "} twice in " + template);
                }
                seen.add(m.group(1));
                names[i] = m.group(1);
            } else if (LITERAL.matcher(segs[i]).matches()) {
                literals[i] = segs[i];
            } else {
                throw new IllegalArgumentException("bad segment '" + segs[i] + "' in " + template);
            }
        }
        return new PathPattern(template, literals, names);
    }

    public String template() {
        return template;
    }

    /** The parameter names, in order. */
    public List<String> parameterNames() {
        List<String> out = new ArrayList<>();
        for (String n : names) {
            if (n != null) {
                out.add(n);
            }
        }
        return out;
    }

    /** The decoded parameters when {@code segments} (of a request path) match, else null. */
    Map<String, String> match(String[] segments) {
        if (segments.length != literals.length) {
            return null;
        }
        Map<String, String> params = null;
        for (int i = 0; i < segments.length; i++) {
            if (literals[i] != null) {
                if (!literals[i].equals(segments[i])) {
                    return null;
                }
            } else {
                String value = decode(segments[i]);
                if (value == null || value.isEmpty()) {
                    return null;
                }
                if (params == null) {
                    params = new LinkedHashMap<>();
                }
                params.put(names[i], value);
            }
        }
        return params == null ? Map.of() : params;
    }

    /** True when, at the first segment where they differ in kind, this one is literal. */
    boolean moreSpecificThan(PathPattern other) {
        for (int i = 0; i < Math.min(literals.length, other.literals.length); i++) {
            boolean mine = literals[i] != null;
            boolean theirs = other.literals[i] != null;
            if (mine != theirs) {
                return mine;
            }
        }
        return false;
    }

    /** Splits a path into segments; "/" has none. Empty segments are kept (they match nothing). */
    static String[] split(String path) {
        if (path.equals("/")) {
            return new String[0];
        }
        return path.substring(1).split("/", -1);
    }

    /** Percent-decoding of one path segment ('+' is a plus in a path, not a space); null if malformed. */
    private static String decode(String segment) {
        if (segment.indexOf('%') < 0) {
            return segment;
        }
        try {
            return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PathPattern p && p.template.equals(template);
    }

    @Override
    public int hashCode() {
        return Objects.hash(template);
    }

    @Override
    public String toString() {
        return template;
    }
}
