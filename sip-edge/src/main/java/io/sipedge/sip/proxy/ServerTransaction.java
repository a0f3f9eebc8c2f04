package io.sipedge.sip.proxy;

import java.util.ArrayList;
import java.util.List;

/**
 * The server transaction of a request the edge proxies (RFC 3261 §17.2, with RFC 6026's Accepted
 * state: after a 2xx the transaction stays for the linger, 64·T1 in the RFC, to absorb the INVITE's
 * retransmissions, which would otherwise be proxied again as new calls, and lets every further 2xx
 * through; over a reliable transport the caller never retransmits, so it ends at once, and later
 * 2xx go upstream without it). Pure like
 * {@link ClientTransaction}: events in, actions out, timers that no longer apply are ignored.
 */
final class ServerTransaction {

    enum Timer {
        /** Retransmit an INVITE's non-2xx final over UDP until the ACK. */
        G,
        /** Give up waiting for that ACK. */
        H,
        /** Absorb ACK retransmissions after the ACK. */
        I,
        /** Absorb non-INVITE retransmissions after the final. */
        J,
        /** Absorb INVITE retransmissions after a 2xx (RFC 6026). */
        L
    }

    /** What the proxy core does next. */
    sealed interface Action {
        /** Hand the request to the router: once, for the first copy. */
        record Route() implements Action {
        }

        /** Send this response (the core keeps it as the last one sent). */
        record Send(int code) implements Action {
        }

        /** Send the last response again. */
        record Resend() implements Action {
        }

        /** Call {@link #timer} with {@code timer} after {@code millis}. */
        record Schedule(Timer timer, long millis) implements Action {
        }

        /** Release this transaction. */
        record Terminated() implements Action {
        }
    }

    private enum State { NEW, TRYING, PROCEEDING, COMPLETED, CONFIRMED, ACCEPTED, TERMINATED }

    private final boolean invite;
    private final boolean reliable;
    private final TransactionTimers timers;
    private State state = State.NEW;
    private long retransmitInterval;

    ServerTransaction(boolean invite, boolean reliable, TransactionTimers timers) {
        this.invite = invite;
        this.reliable = reliable;
        this.timers = timers;
    }

    boolean terminated() {
        return state == State.TERMINATED;
    }

    /** True once a final response went out: a CANCEL now changes nothing. */
    boolean finalSent() {
        return state == State.COMPLETED || state == State.CONFIRMED || state == State.ACCEPTED
                || state == State.TERMINATED;
    }

    /**
     * A copy of the request arrived: the first is routed (an INVITE answered 100 Trying at once, hop
     * by hop, so the caller stops retransmitting); the others get the last response again, if any.
     */
    List<Action> request() {
        List<Action> out = new ArrayList<>(2);
        switch (state) {
            case NEW -> {
                if (invite) {
                    state = State.PROCEEDING;
                    out.add(new Action.Send(100));
                } else {
                    state = State.TRYING;
                }
                out.add(new Action.Route());
            }
            case PROCEEDING, COMPLETED -> out.add(new Action.Resend());
            default -> {
            }
        }
        return out;
    }

    /** The core answers with {@code code}; refused (no action) when the transaction no longer may. */
    List<Action> respond(int code) {
        List<Action> out = new ArrayList<>(3);
        boolean open = state == State.TRYING || state == State.PROCEEDING;
        if (code < 200) {
            if (open) {
                state = State.PROCEEDING;
                out.add(new Action.Send(code));
            }
            return out;
        }
        if (invite && code < 300) {
            if (open || state == State.ACCEPTED) {
                if (open) {
                    out.add(new Action.Schedule(Timer.L, reliable ? 0 : timers.linger()));
                }
                state = State.ACCEPTED;
                out.add(0, new Action.Send(code)); // every 2xx goes up, the first and any other branch's
            }
            return out;
        }
        if (!open) {
            return out;
        }
        state = State.COMPLETED;
        out.add(new Action.Send(code));
        if (invite) {
            retransmitInterval = timers.t1();
            if (!reliable) {
                out.add(new Action.Schedule(Timer.G, retransmitInterval));
            }
            out.add(new Action.Schedule(Timer.H, timers.transactionTimeout()));
        } else {
            out.add(new Action.Schedule(Timer.J, reliable ? 0 : timers.linger()));
        }
        return out;
    }

    /** The ACK of a non-2xx final (same branch): it ends the retransmissions, and stays here. */
    List<Action> ack() {
        List<Action> out = new ArrayList<>(1);
        if (invite && state == State.COMPLETED) {
            state = State.CONFIRMED;
            out.add(new Action.Schedule(Timer.I, reliable ? 0 : timers.t4()));
        }
        return out;
    }

    /** {@code timer} fired. */
    List<Action> timer(Timer timer) {
        List<Action> out = new ArrayList<>(2);
        switch (timer) {
            case G -> {
                if (state == State.COMPLETED) {
                    retransmitInterval = Math.min(retransmitInterval * 2, timers.t2());
                    out.add(new Action.Resend());
                    out.add(new Action.Schedule(Timer.G, retransmitInterval));
                }
            }
            case H -> end(State.COMPLETED, out);
            case I -> end(State.CONFIRMED, out);
            case J -> end(State.COMPLETED, out);
            case L -> end(State.ACCEPTED, out);
        }
        return out;
    }

    /** The flow back to the caller failed: nothing more can be sent on this transaction. */
    List<Action> transportError() {
        List<Action> out = new ArrayList<>(1);
        if (state != State.TERMINATED) {
            state = State.TERMINATED;
            out.add(new Action.Terminated());
        }
        return out;
    }

    private void end(State from, List<Action> out) {
        if (state == from) {
            state = State.TERMINATED;
            out.add(new Action.Terminated());
        }
    }
}
