package io.sipedge.observe;

/**
 * What the SIP side reports for metrics, without knowing who listens: sip-edge calls it,
 * provisioning-http implements it with Micrometer, the launcher connects the two. Calls come from
 * SIP threads on the REGISTER path, so an implementation must only increment meters it registered
 * beforehand: no look-ups by tag, no string building, no allocation, no locks, no I/O.
 */
@FunctionalInterface
public interface EdgeEvents {

    /** Reports nothing: for an edge without the HTTP side, and for tests. */
    EdgeEvents NONE = (outcome, elapsedNanos) -> {
    };

    /**
     * One REGISTER was answered (or failed, {@link RegisterOutcome#ERROR}). Called exactly once per
     * REGISTER that reached the edge's handler.
     *
     * @param elapsedNanos from the handler receiving the request to the answer being handed to the
     *                     transport ({@link System#nanoTime()} difference)
     */
    void registerHandled(RegisterOutcome outcome, long elapsedNanos);
}
