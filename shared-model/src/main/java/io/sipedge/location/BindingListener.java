package io.sipedge.location;

import io.sipedge.model.Aor;
import io.sipedge.model.Binding;

/**
 * Told about every binding change after it is applied, outside any store lock, on the thread that
 * made the change (a SIP thread or the reaper): keep it short and never block.
 */
public interface BindingListener {

    /** Why a binding went away. */
    enum Removal { UNREGISTERED, EXPIRED, EVICTED, REPLACED, REMOVED,
        /** The connection of an RFC 5626 registration closed. */
        FLOW_CLOSED,
        /** The edge's keepalive found its flow dead: probes in a row went unanswered. */
        UNREACHABLE }

    /** A new binding was stored. */
    default void added(Aor aor, Binding binding) {
    }

    /**
     * An existing binding was refreshed (same contact or same RFC 5626 instance), or its connection
     * closed ({@code after.flow().open()} is false).
     */
    default void refreshed(Aor aor, Binding before, Binding after) {
    }

    default void removed(Aor aor, Binding binding, Removal why) {
    }
}
