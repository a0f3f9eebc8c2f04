package io.sipedge.sip.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.sipedge.sip.proxy.ResponseContext.Action;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * RFC 3261 §16.7-16.8 as scripts over {@link ResponseContext}: each row is a request's branches (q
 * group sizes), then events and the actions each must return, in order. Events: {@code start},
 * {@code 1xx B CODE}, {@code final B CODE}, {@code timeout B}, {@code fail B} (dead flow),
 * {@code cancel} (the caller's CANCEL). Actions: {@code start B}, {@code cancel B},
 * {@code relay B CODE}, {@code answer CODE from B [with challenges of B, ...]},
 * {@code answer CODE made}; several joined by {@code ; }, none as the empty string.
 */
class ResponseContextTableTest {
    private static final boolean INVITE = true;
    private static final boolean MESSAGE = false;

    static Stream<Arguments> scripts() {
        return Stream.of(
                row("one branch: 100 stays here, 180 and 200 go up", INVITE, List.of(1),
                        "start", "start 0", "1xx 0 100", "", "1xx 0 180", "relay 0 180", "final 0 200", "relay 0 200"),
                row("one branch refuses: its answer goes up", INVITE, List.of(1),
                        "start", "start 0", "final 0 486", "answer 486 from 0"),
                row("parallel fork: a 200 goes up and cancels the ringing other", INVITE, List.of(2),
                        "start", "start 0; start 1", "1xx 0 180", "relay 0 180", "1xx 1 180", "relay 1 180",
                        "final 1 200", "relay 1 200; cancel 0", "final 0 487", ""),
                row("both answer: both 200s go up (§16.7 step 5)", INVITE, List.of(2),
                        "start", "start 0; start 1", "1xx 1 180", "relay 1 180", "final 0 200",
                        "relay 0 200; cancel 1", "final 1 200", "relay 1 200"),
                row("a branch with no provisional yet is cancelled only once it has one (§9.1)", INVITE, List.of(2),
                        "start", "start 0; start 1", "final 0 200", "relay 0 200", "1xx 1 180", "cancel 1",
                        "final 1 487", ""),
                row("a 6xx cancels the pending and wins over an earlier 486", INVITE, List.of(3),
                        "start", "start 0; start 1; start 2", "final 0 486", "", "1xx 1 180", "relay 1 180",
                        "final 2 603", "cancel 1", "final 1 487", "answer 603 from 2"),
                row("no 2xx or 6xx: the lowest class wins", INVITE, List.of(2),
                        "start", "start 0; start 1", "final 0 486", "", "final 1 302", "answer 302 from 1"),
                row("in 4xx a challenge wins over an earlier 486", INVITE, List.of(2),
                        "start", "start 0; start 1", "final 0 486", "", "final 1 407",
                        "answer 407 from 1 with challenges of 1"),
                row("401 and 407 from branches: one answer carries both challenges (§16.7 step 7)", INVITE,
                        List.of(3), "start", "start 0; start 1; start 2", "final 0 401", "", "final 1 486", "",
                        "final 2 407", "answer 401 from 0 with challenges of 0, 2"),
                row("a 503 from the only branch becomes the proxy's 500", INVITE, List.of(1),
                        "start", "start 0", "final 0 503", "answer 500 made"),
                row("a 4xx wins over a 503", INVITE, List.of(2),
                        "start", "start 0; start 1", "final 0 503", "", "final 1 404", "answer 404 from 1"),
                row("Timer C on a ringing branch: CANCEL it, 408 up, its 487 stays here (§16.8)", INVITE, List.of(1),
                        "start", "start 0", "1xx 0 180", "relay 0 180", "timeout 0", "cancel 0; answer 408 made",
                        "final 0 487", ""),
                row("a branch that never answered times out: 408 up, nothing to cancel", INVITE, List.of(1),
                        "start", "start 0", "timeout 0", "answer 408 made"),
                row("a 2xx after the branch timed out still goes up", INVITE, List.of(1),
                        "start", "start 0", "timeout 0", "answer 408 made", "final 0 200", "relay 0 200"),
                row("a dead flow is a failed branch; a real answer beats the 480 made for it", INVITE, List.of(2),
                        "start", "start 0; start 1", "fail 0", "", "final 1 486", "answer 486 from 1"),
                row("every flow dead: 480", INVITE, List.of(2),
                        "start", "start 0; start 1", "fail 0", "", "fail 1", "answer 480 made"),
                row("serial q groups: the next starts when the first has all failed", INVITE, List.of(1, 2),
                        "start", "start 0", "final 0 486", "start 1; start 2", "final 1 404", "",
                        "final 2 480", "answer 486 from 0"),
                row("serial q groups: a 200 in the first group starts no other", INVITE, List.of(1, 1),
                        "start", "start 0", "final 0 200", "relay 0 200"),
                row("serial q groups: a 6xx in the first group starts no other", INVITE, List.of(1, 1),
                        "start", "start 0", "final 0 600", "answer 600 from 0"),
                row("the caller's CANCEL: ringing branches at once, the others when they ring; 487 up", INVITE,
                        List.of(2), "start", "start 0; start 1", "1xx 0 180", "relay 0 180", "cancel", "cancel 0",
                        "1xx 1 183", "cancel 1", "final 0 487", "", "final 1 487", "answer 487 from 0"),
                row("the caller's CANCEL before any branch rang starts no later group", INVITE, List.of(1, 1),
                        "start", "start 0", "cancel", "", "1xx 0 180", "cancel 0", "final 0 487",
                        "answer 487 from 0"),
                row("a CANCEL after the answer changes nothing", INVITE, List.of(1),
                        "start", "start 0", "final 0 486", "answer 486 from 0", "cancel", ""),
                row("a provisional after the answer is not relayed", INVITE, List.of(1),
                        "start", "start 0", "final 0 486", "answer 486 from 0", "1xx 0 180", ""),
                row("MESSAGE to two contacts: the first 2xx answers the sender, nothing is cancelled", MESSAGE,
                        List.of(2), "start", "start 0; start 1", "final 0 200", "relay 0 200", "final 1 200", ""),
                row("MESSAGE: failures are selected as for INVITE", MESSAGE, List.of(2),
                        "start", "start 0; start 1", "final 0 480", "", "final 1 404", "answer 480 from 0"),
                row("MESSAGE is never cancelled", MESSAGE, List.of(1),
                        "start", "start 0", "cancel", "", "final 0 200", "relay 0 200"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scripts")
    void followsTheScript(String name, boolean invite, List<Integer> groups, List<String[]> steps) {
        ResponseContext context = new ResponseContext(invite, groups);
        for (String[] step : steps) {
            assertEquals(step[1], show(apply(context, step[0])), "after: " + step[0]);
        }
    }

    @Test
    void finishedOnlyWhenAnsweredAndNoBranchIsPending() {
        ResponseContext context = new ResponseContext(INVITE, List.of(2));
        context.start();
        context.provisional(1, 180);
        context.response(0, 200);
        assertTrue(context.answered());
        assertFalse(context.finished(), "branch 1 is still being cancelled");
        context.response(1, 487);
        assertTrue(context.finished());
    }

    @Test
    void aContextNeedsABranchInEveryGroup() {
        assertThrows(IllegalArgumentException.class, () -> new ResponseContext(INVITE, List.of()));
        assertThrows(IllegalArgumentException.class, () -> new ResponseContext(INVITE, List.of(1, 0)));
    }

    private static Arguments row(String name, boolean invite, List<Integer> groups, String... script) {
        return arguments(name, invite, groups, Scripts.steps(script));
    }

    private static List<Action> apply(ResponseContext c, String event) {
        String[] w = event.split(" ");
        return switch (w[0]) {
            case "start" -> c.start();
            case "1xx" -> c.provisional(Integer.parseInt(w[1]), Integer.parseInt(w[2]));
            case "final" -> c.response(Integer.parseInt(w[1]), Integer.parseInt(w[2]));
            case "timeout" -> c.timeout(Integer.parseInt(w[1]));
            case "fail" -> c.flowFailed(Integer.parseInt(w[1]));
            case "cancel" -> c.cancel();
            default -> throw new IllegalArgumentException(event);
        };
    }

    private static String show(List<Action> actions) {
        return actions.stream().map(ResponseContextTableTest::show).collect(Collectors.joining("; "));
    }

    private static String show(Action a) {
        if (a instanceof Action.Start s) {
            return "start " + s.branch();
        }
        if (a instanceof Action.Cancel c) {
            return "cancel " + c.branch();
        }
        if (a instanceof Action.Relay r) {
            return "relay " + r.branch() + " " + r.code();
        }
        Action.Answer x = (Action.Answer) a;
        if (x.branch() == ResponseContext.GENERATED) {
            return "answer " + x.code() + " made";
        }
        return "answer " + x.code() + " from " + x.branch() + (x.challengesFrom().isEmpty() ? ""
                : " with challenges of " + x.challengesFrom().stream().map(String::valueOf)
                        .collect(Collectors.joining(", ")));
    }
}
