package io.sipedge.model;

/**
 * A caller id (Kazoo's {@code caller_id.internal|external}): the number and the name shown to the
 * called party. Either part may be null; an empty caller id is represented by null, not by this.
 */
public record CallerId(String number, String name) {
    /** Null when both parts are absent, so "no caller id" has exactly one representation. */
    public static CallerId ofNullable(String number, String name) {
        return (number == null || number.isEmpty()) && (name == null || name.isEmpty())
                ? null : new CallerId(emptyToNull(number), emptyToNull(name));
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
