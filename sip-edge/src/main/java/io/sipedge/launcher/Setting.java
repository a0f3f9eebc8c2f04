package io.sipedge.launcher;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * One configuration key: its name (lower case, dashed, dotted by section), default, rule and
 * parser. Values arrive as text from YAML scalars, environment variables and flags alike, so each
 * key is parsed and checked in exactly one place.
 *
 * <p>A {@code secret} key (a password, a key) is declared so, not recognised by its name: its value
 * is masked wherever the configuration is shown, including its own error messages, and it may be
 * read from a file named by {@link #fileEnvName()}.
 */
record Setting<T>(String key, String defaultText, String rule, Function<String, T> parser, boolean secret) {

    /** What the configuration shows instead of a secret that is set; an unset one shows as empty. */
    static final String MASK = "***";

    Setting(String key, String defaultText, String rule, Function<String, T> parser) {
        this(key, defaultText, rule, parser, false);
    }

    /** The same key, declared secret. */
    Setting<T> asSecret() {
        return new Setting<>(key, defaultText, rule, parser, true);
    }

    /** The environment variable that overrides this key: SIPEDGE_ + key, upper case, '.' and '-' as '_'. */
    String envName() {
        return "SIPEDGE_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /**
     * The variable naming a file that holds this secret's value ({@code SIPEDGE_ADMIN_KEY_FILE}), as
     * Docker secrets and systemd credentials provide them; null for a key that is not secret.
     */
    String fileEnvName() {
        return secret ? envName() + "_FILE" : null;
    }

    /** The value as the configuration may show it: a secret as {@link #MASK}, or empty when unset. */
    String shown(String text) {
        return secret && !text.isEmpty() ? MASK : text;
    }

    T parse(String text) {
        try {
            return parser.apply(text.strip());
        } catch (RuntimeException e) {
            throw new ConfigException(key, rule + " (got '" + shown(text.strip()) + "')");
        }
    }

    static Setting<Integer> intRange(String key, int dflt, int min, int max) {
        return new Setting<>(key, Integer.toString(dflt), "must be an integer from " + min + " to " + max, s -> {
            int v = Integer.parseInt(s);
            if (v < min || v > max) {
                throw new IllegalArgumentException();
            }
            return v;
        });
    }

    static Setting<Integer> port(String key, int dflt) {
        return new Setting<>(key, Integer.toString(dflt), "must be a port from 0 (ephemeral) to 65535", s -> {
            int v = Integer.parseInt(s);
            if (v < 0 || v > 65535) {
                throw new IllegalArgumentException();
            }
            return v;
        });
    }

    static Setting<Integer> optionalPort(String key, int dflt) {
        return new Setting<>(key, Integer.toString(dflt),
                "must be a port from 0 (ephemeral) to 65535, or -1 to disable", s -> {
                    int v = Integer.parseInt(s);
                    if (v < -1 || v > 65535) {
                        throw new IllegalArgumentException();
                    }
                    return v;
                });
    }

    static Setting<String> text(String key, String dflt) {
        return new Setting<>(key, dflt, "must be text", s -> s);
    }

    static <E extends Enum<E>> Setting<E> oneOf(String key, E dflt, Class<E> type) {
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            names.add(e.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        return new Setting<>(key, dflt.name().toLowerCase(Locale.ROOT).replace('_', '-'),
                "must be one of " + String.join(", ", names),
                s -> Enum.valueOf(type, s.toUpperCase(Locale.ROOT).replace('-', '_')));
    }
}
