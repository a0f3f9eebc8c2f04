package io.sipedge.model.rules;

import static java.util.Objects.requireNonNull;

/**
 * One broken rule: which field, which rule (a stable machine token such as {@code "max_length"}),
 * and a sentence for humans. The HTTP side renders these as {@code {field: {rule: message}}}.
 */
public record Violation(String field, String rule, String message) {
    public Violation {
        requireNonNull(field, "field");
        requireNonNull(rule, "rule");
        requireNonNull(message, "message");
    }

    @Override
    public String toString() {
        return field + ": " + message + " (" + rule + ")";
    }
}
