package io.sipedge.sip.proxy;

import java.util.ArrayList;
import java.util.List;

/**
 * One branch's client transaction (RFC 3261 §17.1, with RFC 6026's Accepted state), plus the
 * proxy's Timer C for an INVITE (§16.8). It performs nothing: each event returns the actions for
 * the proxy core to carry out, so every timer is a row of a table test and nothing waits. Timers
 * are never cancelled: one that fires in a state where it no longer applies is ignored, and Timer
 * C, pushed back by each provisional response, re-arms itself for what is left.
 */
final class ClientTransaction {

    enum Timer {
        /** INVITE retransmission over UDP. */
        A,
        /** INVITE timeout while Calling. */
        B,
        /** The proxy's ringing limit for an INVITE branch. */
        C,
        /** Wait for final response retransmissions after the ACK of a non-2xx. */
        D,
        /** Non-INVITE retransmission over UDP. */
        E,
        /** Non-INVITE timeout. */
        F,
        /** Wait for response retransmissions after a non-INVITE final. */
        K,
        /** Wait for 2xx retransmissions in Accepted (RFC 6026). */
        M,
        /** How long a cancelled INVITE may wait for its final response (§9.1). */
        CANCELLED
    }

    /** What the proxy core does next. */
    sealed interface Action {
        /** Send the request (again). */
        record Send() implements Action {
        }

        /** Send the ACK of the non-2xx final response (built from the request and that response). */
        record SendAck() implements Action {
        }

        /** Call {@link #timer} with {@code timer} after {@code millis}. */
        record Schedule(Timer timer, long millis) implements Action {
        }

        /** A response for the response context: each provisional, each final, each 2xx retransmission. */
        record Deliver(int code) implements Action {
        }

        /** No final came in time (Timer B, F or C): the branch ends as a 408. */
        record TimedOut() implements Action {
        }

        /** The flow failed: the branch ends as a dead flow. */
        record FlowFailed() implements Action {
        }

        /** Release this transaction: nothing more will match it. */
        record Terminated() implements Action {
        }
    }

    private enum State { NEW, CALLING, PROCEEDING, ACCEPTED, COMPLETED, TERMINATED }

    private final boolean invite;
    private final boolean reliable;
    private final TransactionTimers timers;
    private State state = State.NEW;
    private long retransmitInterval;
    private long timerCDeadline;
    /** Timer C already gave the branch up: later responses are still handled, but nothing times out again. */
    private boolean givenUp;

    ClientTransaction(boolean invite, boolean reliable, TransactionTimers timers) {
        this.invite = invite;
        this.reliable = reliable;
        this.timers = timers;
    }

    boolean terminated() {
        return state == State.TERMINATED;
    }

    /** Sends the request at {@code now}. */
    List<Action> start(long now) {
        List<Action> out = new ArrayList<>(4);
        if (state != State.NEW) {
            return out;
        }
        state = State.CALLING;
        out.add(new Action.Send());
        retransmitInterval = timers.t1();
        if (!reliable) {
            out.add(new Action.Schedule(invite ? Timer.A : Timer.E, retransmitInterval));
        }
        out.add(new Action.Schedule(invite ? Timer.B : Timer.F, timers.transactionTimeout()));
        if (invite) {
            timerCDeadline = now + timers.timerC();
            out.add(new Action.Schedule(Timer.C, timers.timerC()));
        }
        return out;
    }

    /** A response with status {@code code} matched this transaction at {@code now}. */
    List<Action> response(int code, long now) {
        List<Action> out = new ArrayList<>(3);
        switch (state) {
            case CALLING, PROCEEDING -> {
                if (code < 200) {
                    state = State.PROCEEDING;
                    if (invite) {
                        timerCDeadline = now + timers.timerC(); // each provisional pushes Timer C back
                    }
                    out.add(new Action.Deliver(code));
                } else if (code < 300 && invite) {
                    state = State.ACCEPTED;
                    out.add(new Action.Deliver(code));
                    // Over a connection the 2xx a callee sends again need no transaction: they go upstream by
                    // the flow in the edge's Via.
                    out.add(new Action.Schedule(Timer.M, reliable ? 0 : timers.linger()));
                } else {
                    state = State.COMPLETED;
                    if (invite) {
                        out.add(new Action.SendAck());
                    }
                    out.add(new Action.Deliver(code));
                    long wait = reliable ? 0 : invite ? timers.linger() : timers.t4();
                    out.add(new Action.Schedule(invite ? Timer.D : Timer.K, wait));
                }
            }
            case ACCEPTED -> {
                if (code >= 200 && code < 300) {
                    out.add(new Action.Deliver(code)); // a retransmitted or another 2xx: the core relays it
                }
            }
            case COMPLETED -> {
                if (invite && code >= 300) {
                    out.add(new Action.SendAck()); // the final again: our ACK was lost
                }
            }
            default -> {
            }
        }
        return out;
    }

    /** {@code timer} fired at {@code now}. */
    List<Action> timer(Timer timer, long now) {
        List<Action> out = new ArrayList<>(2);
        switch (timer) {
            case A -> {
                if (state == State.CALLING) {
                    retransmitInterval *= 2;
                    out.add(new Action.Send());
                    out.add(new Action.Schedule(Timer.A, retransmitInterval));
                }
            }
            case E -> {
                if (state == State.CALLING || state == State.PROCEEDING) {
                    retransmitInterval = state == State.PROCEEDING ? timers.t2()
                            : Math.min(retransmitInterval * 2, timers.t2());
                    out.add(new Action.Send());
                    out.add(new Action.Schedule(Timer.E, retransmitInterval));
                }
            }
            case B, F -> {
                if (state == State.CALLING || (timer == Timer.F && state == State.PROCEEDING)) {
                    state = State.TERMINATED;
                    if (!givenUp) {
                        out.add(new Action.TimedOut());
                    }
                    out.add(new Action.Terminated());
                }
            }
            case C -> {
                if ((state == State.CALLING || state == State.PROCEEDING) && !givenUp) {
                    if (now < timerCDeadline) {
                        out.add(new Action.Schedule(Timer.C, timerCDeadline - now));
                    } else {
                        givenUp = true; // the core cancels the branch; its 487 still completes this
                        out.add(new Action.TimedOut());
                    }
                }
            }
            case D, K, M, CANCELLED -> {
                boolean applies = switch (timer) {
                    case D, K -> state == State.COMPLETED;
                    case M -> state == State.ACCEPTED;
                    default -> state == State.CALLING || state == State.PROCEEDING;
                };
                if (applies) {
                    state = State.TERMINATED;
                    out.add(new Action.Terminated());
                }
            }
        }
        return out;
    }

    /** The core sent a CANCEL for this INVITE: it may wait 64·T1 more for its final response. */
    List<Action> cancelled() {
        List<Action> out = new ArrayList<>(1);
        if (invite && (state == State.CALLING || state == State.PROCEEDING)) {
            out.add(new Action.Schedule(Timer.CANCELLED, timers.transactionTimeout()));
        }
        return out;
    }

    /** Sending failed: the connection is gone, or the flow cannot be reached. */
    List<Action> transportError() {
        List<Action> out = new ArrayList<>(2);
        if (state == State.TERMINATED || state == State.NEW) {
            return out;
        }
        boolean pending = state == State.CALLING || state == State.PROCEEDING;
        state = State.TERMINATED;
        if (pending && !givenUp) {
            out.add(new Action.FlowFailed());
        }
        out.add(new Action.Terminated());
        return out;
    }
}
