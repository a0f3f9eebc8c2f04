package io.sipedge.sip.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sipedge.sip.guard.AuthFailures.Verdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ban rules as a table: each row a script of failures ({@code f}) and successes ({@code s})
 * as {@code kind address user second}, and the verdict of every failure in order (successes have
 * none). Thresholds: 5 per user, more than 3 users per address, 12 per address, a 60 s window,
 * trust for 600 s after a success.
 */
class AuthFailuresTest {
    private static final AuthFailures.Settings SETTINGS = new AuthFailures.Settings(5, 3, 12, Duration.ofSeconds(60),
            Duration.ofSeconds(600), 1000);
    private static final Verdict N = Verdict.NONE;
    private static final Verdict U = Verdict.BAN_USER;

    static Stream<Arguments> table() {
        return Stream.of(
                row("the fifth failure of a user within the window bans it",
                        repeat("f a alice 0", 5), N, N, N, N, U),
                row("four are not enough",
                        repeat("f a alice 0", 4), N, N, N, N),
                row("failures older than the window do not count",
                        List.of("f a alice 0", "f a alice 1", "f a alice 2", "f a alice 3", "f a alice 61"),
                        N, N, N, N, N),
                row("a success resets the user's count",
                        List.of("f a alice 0", "f a alice 1", "f a alice 2", "f a alice 3", "s a alice 4",
                                "f a alice 5"), N, N, N, N, N),
                row("a success of another user does not reset it (an office: the guesser is still stopped)",
                        List.of("s a bob 0", "f a alice 1", "f a alice 2", "f a alice 3", "f a alice 4",
                                "f a alice 5"), N, N, N, N, U),
                row("after a ban the count starts again",
                        concat(repeat("f a alice 0", 5), repeat("f a alice 1", 4)), N, N, N, N, U, N, N, N, N),
                row("the same user from another address is counted there",
                        List.of("f a alice 0", "f a alice 0", "f a alice 0", "f a alice 0", "f b alice 0"),
                        N, N, N, N, N),
                row("a fourth user failing from one address bans the address (spraying)",
                        List.of("f a u1 0", "f a u2 1", "f a u3 2", "f a u4 3"),
                        N, N, N, Verdict.BAN_ADDRESS_USERS),
                row("three users failing are not spraying",
                        List.of("f a u1 0", "f a u2 1", "f a u3 2", "f a u1 3"), N, N, N, N),
                row("users that started failing outside the window do not count",
                        List.of("f a u1 0", "f a u2 1", "f a u3 2", "f a u4 70"), N, N, N, N),
                row("an address a user authenticated from is not banned whole for spraying",
                        List.of("s a bob 0", "f a u1 1", "f a u2 2", "f a u3 3", "f a u4 4", "f a u5 5"),
                        N, N, N, N, N),
                row("... but its trust ends",
                        List.of("s a bob 0", "f a u1 601", "f a u2 602", "f a u3 603", "f a u4 604"),
                        N, N, N, Verdict.BAN_ADDRESS_USERS),
                row("twelve failures of three users ban the address",
                        List.of("f a u1 0", "f a u2 0", "f a u3 0", "f a u1 1", "f a u2 1", "f a u3 1", "f a u1 2",
                                "f a u2 2", "f a u3 2", "f a u1 3", "f a u2 3", "f a u3 3"),
                        N, N, N, N, N, N, N, N, N, N, N, Verdict.BAN_ADDRESS_TOTAL),
                row("unknown and known users count alike: the rule sees names only",
                        repeat("f a nosuchuser 0", 5), N, N, N, N, U));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void decides(String name, List<String> script, List<Verdict> expected) {
        AuthFailures rules = new AuthFailures(SETTINGS);
        List<Verdict> got = new ArrayList<>();
        for (String step : script) {
            String[] p = step.split(" ");
            long ms = Long.parseLong(p[3]) * 1000;
            if (p[0].equals("f")) {
                got.add(rules.failed(p[1], p[2], "example.com", ms));
            } else {
                rules.succeeded(p[1], p[2], "example.com", ms);
            }
        }
        assertEquals(expected, got);
    }

    private static Arguments row(String name, List<String> script, Verdict... expected) {
        return Arguments.of(name, script, List.of(expected));
    }

    private static List<String> repeat(String step, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(step);
        }
        return out;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
