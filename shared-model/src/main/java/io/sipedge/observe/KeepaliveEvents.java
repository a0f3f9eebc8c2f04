package io.sipedge.observe;

import io.sipedge.model.Transport;
import java.util.List;
import java.util.Locale;

/**
 * What the edge's own keepalives report for metrics: probes sent, answered and unanswered, and the
 * flows given up on. Calls come from the keepalive's thread and from SIP threads (an answer):
 * increment, never block.
 */
public interface KeepaliveEvents {

    /** Reports nothing. */
    KeepaliveEvents NONE = new KeepaliveEvents() {
    };

    /** Which keepalive probed: the {@code kind} label. */
    enum Kind {
        /** SIP OPTIONS to a binding behind NAT. */
        QUALIFY(Transport.UDP),
        /** A WebSocket PING on the connection. */
        WS_PING(Transport.WS, Transport.WSS);

        private final List<Transport> transports;

        Kind(Transport... transports) {
            this.transports = List.of(transports);
        }

        /** The label value: the name in lower case. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The transports it probes over: metrics register a series for each, and no other. */
        public List<Transport> transports() {
            return transports;
        }
    }

    /** A probe went out. */
    default void probeSent(Kind kind, Transport transport) {
    }

    /** A probe was answered (any response: the phone is there). */
    default void probeAnswered(Kind kind, Transport transport) {
    }

    /** A probe got no answer in time. */
    default void probeUnanswered(Kind kind, Transport transport) {
    }

    /** Probes went unanswered too often in a row: the flow is given up and its bindings removed. */
    default void failed(Kind kind, Transport transport) {
    }
}
