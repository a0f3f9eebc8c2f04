package io.sipedge.launcher;

import java.util.List;

/**
 * A configuration value that breaks its rule; the message is one line naming the key and the rule.
 * Loading a configuration reports every problem it finds at once ({@link #problems()}), so an
 * operator fixes a file in one round rather than one error per start.
 */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String key;
    /** Null for a single problem (this one). */
    private final transient List<ConfigException> problems;

    public ConfigException(String key, String message) {
        super(key + ": " + message);
        this.key = key;
        this.problems = null;
    }

    private ConfigException(List<ConfigException> problems) {
        super(problems.get(0).getMessage() + " (and " + (problems.size() - 1) + " more)");
        this.key = problems.get(0).key;
        this.problems = List.copyOf(problems);
    }

    /** Throws the problems found, if any: the one itself, or one exception carrying them all. */
    static void throwIfAny(List<ConfigException> found) {
        List<ConfigException> all = found.stream().flatMap(e -> e.problems().stream()).toList();
        if (all.size() == 1) {
            throw all.get(0);
        }
        if (all.size() > 1) {
            throw new ConfigException(all);
        }
    }

    /** The key of the (first) problem. */
    public String key() {
        return key;
    }

    /** Every problem, one line each, in the order found; a single problem is just this one. */
    public List<ConfigException> problems() {
        return problems == null ? List.of(this) : problems;
    }
}
