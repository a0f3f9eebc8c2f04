package io.sipedge.sip.proxy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The response context of one proxied request (RFC 3261 §16.7): its branches, when to start each
 * q group, which branches to cancel, which responses go upstream, and the final one when no 2xx
 * did. It performs nothing: every event returns the actions for the proxy to carry out, so each
 * rule is a row of a table test. One thread drives a context at a time (the proxy holds its
 * transaction's lock).
 *
 * <p>Branches are numbered in target order, the q groups one after the other: the first group
 * starts at once, each next one only when every branch of the one before has ended without a 2xx
 * or 6xx (serial forking by q, RFC 3261 §16.6 and RFC 3841 §4).
 */
final class ResponseContext {
    /** {@link Action.Answer#branch()} of a response the proxy makes itself. */
    static final int GENERATED = -1;

    /** What the proxy does next. */
    sealed interface Action {
        /** Send the request on this branch. */
        record Start(int branch) implements Action {
        }

        /** Send CANCEL on this branch: it has answered provisionally and is still pending. */
        record Cancel(int branch) implements Action {
        }

        /** Forward this branch's response upstream as it is: a provisional one (never a 100) or a 2xx. */
        record Relay(int branch, int code) implements Action {
        }

        /**
         * The final response upstream: that branch's response, or one the proxy makes with this code
         * when {@code branch} is {@link #GENERATED}. For a 401 or 407, {@code challengesFrom} names the
         * branches whose WWW-Authenticate and Proxy-Authenticate values it carries (§16.7 step 7).
         */
        record Answer(int code, int branch, List<Integer> challengesFrom) implements Action {
        }
    }

    private enum State {
        /** In a q group not started yet. */
        IDLE,
        /** Sent; nothing heard. */
        CALLING,
        /** A provisional response came. */
        PROCEEDING,
        /** A final response came, or the proxy gave it one (timeout, dead flow). */
        DONE
    }

    private final boolean invite;
    private final int[] groupEnds;
    private final State[] state;
    private final int[] code;
    private final boolean[] generated;
    /** A CANCEL is due once this branch answers provisionally (§9.1: never before). */
    private final boolean[] cancelDue;
    /** Branch numbers in the order their finals came: the first of a kind wins a tie. */
    private final int[] arrivals;
    private int arrived;
    private int group;
    /** An upstream CANCEL, a 2xx or a 6xx: no further group starts. */
    private boolean stopped;
    /** A final response went upstream (a 2xx relayed counts). */
    private boolean answered;

    /**
     * A context for {@code invite} (else a non-INVITE request, which is never cancelled) over q
     * groups of these sizes, highest q first; at least one branch.
     */
    ResponseContext(boolean invite, List<Integer> groupSizes) {
        if (groupSizes.isEmpty() || groupSizes.stream().anyMatch(n -> n < 1)) {
            throw new IllegalArgumentException("every q group needs a branch: " + groupSizes);
        }
        this.invite = invite;
        this.groupEnds = new int[groupSizes.size()];
        int end = 0;
        for (int i = 0; i < groupEnds.length; i++) {
            end += groupSizes.get(i);
            groupEnds[i] = end;
        }
        this.state = new State[end];
        Arrays.fill(state, State.IDLE);
        this.code = new int[end];
        this.generated = new boolean[end];
        this.cancelDue = new boolean[end];
        this.arrivals = new int[end];
        this.group = -1;
    }

    int branches() {
        return state.length;
    }

    /** True once a final response went upstream. */
    boolean answered() {
        return answered;
    }

    /** True once every started branch has ended: the proxy may release the context. */
    boolean finished() {
        for (State s : state) {
            if (s == State.CALLING || s == State.PROCEEDING) {
                return false;
            }
        }
        return answered;
    }

    /** Starts the first q group. */
    List<Action> start() {
        List<Action> out = new ArrayList<>();
        startNextGroup(out);
        return out;
    }

    /** A provisional response (1xx) from {@code branch}. */
    List<Action> provisional(int branch, int status) {
        List<Action> out = new ArrayList<>(2);
        State s = state[branch];
        if (s != State.CALLING && s != State.PROCEEDING) {
            return out; // late, after the branch ended: nothing to do
        }
        state[branch] = State.PROCEEDING;
        if (cancelDue[branch]) {
            cancelDue[branch] = false;
            out.add(new Action.Cancel(branch));
        } else if (status > 100 && !answered) {
            out.add(new Action.Relay(branch, status)); // 100 is hop by hop: the proxy sent its own
        }
        return out;
    }

    /** A final response (200-699) from {@code branch}. */
    List<Action> response(int branch, int status) {
        List<Action> out = new ArrayList<>(2);
        boolean success = status < 300;
        if (state[branch] == State.DONE || state[branch] == State.IDLE) {
            if (success && invite && state[branch] == State.DONE) {
                out.add(new Action.Relay(branch, status)); // every 2xx to an INVITE goes upstream (§16.7 step 5)
            }
            return out;
        }
        end(branch, status, false);
        if (success) {
            if (invite || !answered) {
                out.add(new Action.Relay(branch, status));
            }
            answered = true;
            stopAndCancelOthers(branch, out);
        } else if (status >= 600) {
            stopAndCancelOthers(branch, out);
        }
        settle(out);
        return out;
    }

    /**
     * Timer C, or the branch's client transaction timed out: the branch ends as a 408, and one that
     * answered provisionally is cancelled (§16.8).
     */
    List<Action> timeout(int branch) {
        List<Action> out = new ArrayList<>(2);
        State s = state[branch];
        if (s != State.CALLING && s != State.PROCEEDING) {
            return out;
        }
        if (s == State.PROCEEDING && invite) {
            out.add(new Action.Cancel(branch));
        }
        cancelDue[branch] = false;
        end(branch, 408, true);
        settle(out);
        return out;
    }

    /** The branch's flow is gone (a closed connection, a send that failed): it ends as a 480. */
    List<Action> flowFailed(int branch) {
        List<Action> out = new ArrayList<>(1);
        State s = state[branch];
        if (s != State.CALLING && s != State.PROCEEDING) {
            return out;
        }
        cancelDue[branch] = false;
        end(branch, 480, true);
        settle(out);
        return out;
    }

    /**
     * The caller's CANCEL (answered 200 by the proxy itself): every pending branch is cancelled, each
     * once it has answered provisionally, and no further group starts. Harmless after the answer.
     */
    List<Action> cancel() {
        List<Action> out = new ArrayList<>();
        if (answered || !invite) {
            return out;
        }
        stopAndCancelOthers(GENERATED, out);
        settle(out);
        return out;
    }

    private void end(int branch, int status, boolean made) {
        state[branch] = State.DONE;
        code[branch] = status;
        generated[branch] = made;
        arrivals[arrived++] = branch;
    }

    private void stopAndCancelOthers(int except, List<Action> out) {
        stopped = true;
        if (!invite) {
            return;
        }
        for (int b = 0; b < state.length; b++) {
            if (b == except) {
                continue;
            }
            if (state[b] == State.PROCEEDING) {
                out.add(new Action.Cancel(b));
            } else if (state[b] == State.CALLING) {
                cancelDue[b] = true;
            }
        }
    }

    /** When the started branches have all ended: the next group, or the best final response. */
    private void settle(List<Action> out) {
        if (answered || group < 0) {
            return; // answered already, or not started
        }
        int from = group == 0 ? 0 : groupEnds[group - 1];
        for (int b = from; b < groupEnds[group]; b++) {
            if (state[b] != State.DONE) {
                return;
            }
        }
        if (!stopped && group + 1 < groupEnds.length) {
            startNextGroup(out);
            return;
        }
        out.add(best());
        answered = true;
    }

    private void startNextGroup(List<Action> out) {
        group++;
        int from = group == 0 ? 0 : groupEnds[group - 1];
        for (int b = from; b < groupEnds[group]; b++) {
            state[b] = State.CALLING;
            out.add(new Action.Start(b));
        }
    }

    /**
     * §16.7 step 6: a 6xx if any (the first); else the lowest class, and in 4xx a response the caller
     * can act on (401, 407, 415, 420, 484) first; among equals the first to come. A 503 becomes a
     * 500 the proxy makes (the caller must not take this proxy for unavailable).
     */
    private Action.Answer best() {
        int chosen = -1;
        for (int i = 0; i < arrived; i++) {
            int b = arrivals[i];
            if (code[b] >= 600) {
                chosen = b;
                break;
            }
            if (chosen < 0 || rank(b) < rank(chosen)) {
                chosen = b;
            }
        }
        int status = code[chosen];
        if (status == 503) {
            return new Action.Answer(500, GENERATED, List.of());
        }
        if (generated[chosen]) {
            return new Action.Answer(status, GENERATED, List.of());
        }
        List<Integer> challenges = new ArrayList<>();
        if (status == 401 || status == 407) {
            for (int i = 0; i < arrived; i++) {
                int b = arrivals[i];
                if (!generated[b] && (code[b] == 401 || code[b] == 407)) {
                    challenges.add(b);
                }
            }
        }
        return new Action.Answer(status, chosen, List.copyOf(challenges));
    }

    /**
     * Lower is better among non-6xx finals: by class, then the 4xx a caller can act on, then a
     * branch's own answer before one the proxy made for it (a 486 says more than a dead flow's 480).
     */
    private int rank(int branch) {
        int status = code[branch];
        boolean actionable = status == 401 || status == 407 || status == 415 || status == 420 || status == 484;
        return status / 100 * 4 + (actionable ? 0 : 2) + (generated[branch] ? 1 : 0);
    }
}
