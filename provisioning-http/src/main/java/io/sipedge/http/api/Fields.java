package io.sipedge.http.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sipedge.model.rules.Violation;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/** Typed reads of JSON request fields that record type errors as violations instead of throwing. */
final class Fields {
    private Fields() {
    }

    /** A string, or null when absent or JSON null; a violation when of another type. */
    static String string(ObjectNode o, String key, String path, List<Violation> out) {
        JsonNode n = o.get(key);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            out.add(new Violation(path, "type", "must be a string"));
            return null;
        }
        return n.textValue();
    }

    static Boolean bool(ObjectNode o, String key, String path, List<Violation> out) {
        JsonNode n = o.get(key);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isBoolean()) {
            out.add(new Violation(path, "type", "must be true or false"));
            return null;
        }
        return n.booleanValue();
    }

    static Integer integer(ObjectNode o, String key, String path, List<Violation> out) {
        JsonNode n = o.get(key);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            out.add(new Violation(path, "type", "must be an integer"));
            return null;
        }
        return n.intValue();
    }

    /** An object, or null when absent or JSON null; a violation when of another type. */
    static ObjectNode object(ObjectNode o, String key, String path, List<Violation> out) {
        JsonNode n = o.get(key);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isObject()) {
            out.add(new Violation(path, "type", "must be an object"));
            return null;
        }
        return (ObjectNode) n;
    }

    /**
     * Unknown keys are refused rather than ignored: a typo such as {@code "pasword"} would
     * otherwise be accepted and silently do nothing.
     */
    static void onlyKnown(ObjectNode o, Set<String> known, String prefix, List<Violation> out) {
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!known.contains(k)) {
                out.add(new Violation(prefix + k, "unknown_field", "is not a field of this resource"));
            }
        }
    }

    static String path(String prefix, String key) {
        return prefix.isEmpty() ? key : prefix + "." + key;
    }
}
