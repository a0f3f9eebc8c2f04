package io.sipedge.directory;

import io.sipedge.model.rules.Violation;
import java.util.List;

/** The stores' one unchecked exception: a rule broken, a name taken, a missing record, or I/O. */
public class DirectoryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What went wrong, so the HTTP side can map it to 400, 404, 409 or 500. */
    public enum Kind { INVALID, CONFLICT, NOT_FOUND, IO }

    private final Kind kind;
    private final transient List<Violation> violations;

    public DirectoryException(Kind kind, String message, List<Violation> violations, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.violations = List.copyOf(violations);
    }

    public static DirectoryException invalid(List<Violation> violations) {
        return new DirectoryException(Kind.INVALID, violations.toString(), violations, null);
    }

    public static DirectoryException conflict(String field, String message) {
        return new DirectoryException(Kind.CONFLICT, field + ": " + message,
                List.of(new Violation(field, "unique", message)), null);
    }

    public static DirectoryException notFound(String what) {
        return new DirectoryException(Kind.NOT_FOUND, what + " not found", List.of(), null);
    }

    public Kind kind() {
        return kind;
    }

    public List<Violation> violations() {
        return violations;
    }
}
