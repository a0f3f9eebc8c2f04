package io.sipedge.sip.transport;

/**
 * The keepalive of one WebSocket connection, tick by tick: at each tick the connection sends a
 * PING, unless the PINGs of the last {@code misses} ticks all went unanswered, which closes it.
 * A PONG answers every PING sent before it. Confined to the connection's event loop; time is the
 * caller's (one tick per ping interval), so tests drive it without a clock.
 */
final class PingWatch {
    /** What a tick asks for. */
    enum Action { PING, CLOSE }

    private final int misses;
    private boolean awaiting;
    private int missed;

    /** @param misses unanswered PINGs in a row that close the connection, at least 1 */
    PingWatch(int misses) {
        if (misses < 1) {
            throw new IllegalArgumentException("misses must be at least 1: " + misses);
        }
        this.misses = misses;
    }

    /** The interval has passed: send a PING, or close. */
    Action tick() {
        if (awaiting && ++missed >= misses) {
            return Action.CLOSE;
        }
        awaiting = true;
        return Action.PING;
    }

    /** True while a PING is unanswered. */
    boolean awaiting() {
        return awaiting;
    }

    /** A PONG arrived. */
    void pong() {
        awaiting = false;
        missed = 0;
    }
}
