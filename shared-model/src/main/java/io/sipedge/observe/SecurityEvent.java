package io.sipedge.observe;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * One line of the security log, the logger {@value #LOGGER} (README: "Security"): {@code key=value}
 * fields in the order they are added, {@code event} first; the same fields go along as key-value
 * pairs, so the JSON log format carries them as data. Values from the network are
 * {@link #quoted}: in quotes, with control characters, quotes and backslashes escaped.
 */
public final class SecurityEvent {
    public static final String LOGGER = "security";
    private static final Logger log = LoggerFactory.getLogger(LOGGER);

    private final StringBuilder text = new StringBuilder(96);
    private final List<String[]> pairs = new ArrayList<>(8);

    private SecurityEvent(String event) {
        field("event", event);
    }

    public static SecurityEvent of(String event) {
        return new SecurityEvent(event);
    }

    /** True when INFO lines of the security log are written at all. */
    public static boolean enabled() {
        return log.isInfoEnabled();
    }

    /** A value the edge made (an address, a number, a word): written as it is. */
    public SecurityEvent field(String key, Object value) {
        String v = String.valueOf(value);
        text.append(text.length() == 0 ? "" : " ").append(key).append('=').append(v);
        pairs.add(new String[] {key, v});
        return this;
    }

    /** A value from the network (a user name, a User-Agent): quoted, its dangerous characters escaped. */
    public SecurityEvent quoted(String key, String value) {
        String v = LogText.printable(value);
        text.append(' ').append(key).append("=\"").append(v).append('"');
        pairs.add(new String[] {key, v});
        return this;
    }

    public void info() {
        write(log.atInfo());
    }

    public void warn() {
        write(log.atWarn());
    }

    private void write(LoggingEventBuilder b) {
        for (String[] p : pairs) {
            b = b.addKeyValue(p[0], p[1]);
        }
        b.setMessage(text.toString()).log();
    }
}
