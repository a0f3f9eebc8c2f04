package io.sipedge.observe;

import java.util.List;
import java.util.Locale;

/**
 * What the proxy reports for metrics: each proxied request's final answer, each branch's end,
 * the requests refused because the transaction table was full. Calls come from SIP threads and
 * the proxy's timer while it holds a request's lock: increment meters registered beforehand,
 * never block.
 */
public interface ProxyEvents {

    /** Reports nothing. */
    ProxyEvents NONE = new ProxyEvents() {
    };

    /** The methods counted by name; any other is {@link #OTHER}. The {@code method} label. */
    enum Method {
        INVITE, ACK, BYE, CANCEL, MESSAGE, SUBSCRIBE, NOTIFY, REFER, OPTIONS, INFO, PUBLISH, UPDATE, PRACK, OTHER;

        private static final List<Method> ALL = List.of(values());

        /** The method of a request line (case-sensitive, RFC 3261 §7.1). */
        public static Method of(String method) {
            for (Method m : ALL) {
                if (m != OTHER && m.name().equals(method)) {
                    return m;
                }
            }
            return OTHER;
        }

        /** The label value. */
        public String label() {
            return name();
        }
    }

    /** How one branch of a proxied request ended: the {@code outcome} label. */
    enum BranchOutcome {
        /** A 2xx. */
        SUCCESS,
        /** A 3xx-6xx from the phone. */
        REFUSED,
        /** No final response in time (Timer B, F or C). */
        TIMEOUT,
        /** Its flow was gone: the connection had closed, or the send failed. */
        FLOW_FAILED,
        /** Cancelled by the edge (another branch answered, or the caller cancelled): a 487. */
        CANCELLED;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * A proxied request got its final answer (the first final response upstream), whether from a
     * branch or made by the edge (407, 403, 404, 480, 408...).
     *
     * @param statusClass 2 to 6
     * @param branches    the branches it was forked to (0: answered by the edge without forwarding)
     */
    default void requestAnswered(Method method, int statusClass, int branches) {
    }

    /** One branch ended. */
    default void branchEnded(BranchOutcome outcome) {
    }

    /** A new request was answered 503 because {@code sip.max-transactions} were in progress. */
    default void refusedOverCapacity() {
    }
}
