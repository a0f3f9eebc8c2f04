package io.sipedge.sip.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * RFC 3261 §17 (with RFC 6026) as scripts over {@link ClientTransaction} and
 * {@link ServerTransaction}, with the RFC's default timers and time as a number: nothing waits.
 * Client events: {@code start@T}, {@code resp CODE@T}, {@code timer X@T}, {@code cancelled},
 * {@code error}; server events: {@code request}, {@code respond CODE}, {@code ack}, {@code timer X},
 * {@code error}. Expected actions are joined by {@code ; }, none is the empty string.
 */
class TransactionTableTest {
    private static final boolean INVITE = true;
    private static final boolean NON_INVITE = false;
    private static final boolean UDP = false;
    private static final boolean TCP = true;

    static Stream<Arguments> clientScripts() {
        return Stream.of(
                row("INVITE over UDP: retransmitted until it rings, every 2xx delivered, then Timer M", INVITE, UDP,
                        "start@0", "send; schedule A 500; schedule B 32000; schedule C 181000",
                        "timer A@500", "send; schedule A 1000", "timer A@1500", "send; schedule A 2000",
                        "resp 180@1600", "deliver 180", "timer A@3500", "", "timer B@32000", "",
                        "resp 200@40000", "deliver 200; schedule M 32000", "resp 200@40500", "deliver 200",
                        "timer M@72000", "terminated"),
                row("INVITE over TCP: no retransmissions", INVITE, TCP,
                        "start@0", "send; schedule B 32000; schedule C 181000"),
                row("INVITE answered over TCP: Timer M is zero", INVITE, TCP,
                        "start@0", "send; schedule B 32000; schedule C 181000",
                        "resp 200@100", "deliver 200; schedule M 0", "timer M@100", "terminated"),
                row("INVITE never answered: Timer B times it out", INVITE, UDP,
                        "start@0", "send; schedule A 500; schedule B 32000; schedule C 181000",
                        "timer B@32000", "timeout; terminated", "timer C@181000", ""),
                row("INVITE refused: ACKed, delivered once, a retransmitted final ACKed again", INVITE, UDP,
                        "start@0", "send; schedule A 500; schedule B 32000; schedule C 181000",
                        "resp 486@100", "ack; deliver 486; schedule D 32000", "resp 486@600", "ack",
                        "timer D@32100", "terminated"),
                row("INVITE refused over TCP: Timer D is zero", INVITE, TCP,
                        "start@0", "send; schedule B 32000; schedule C 181000",
                        "resp 486@100", "ack; deliver 486; schedule D 0"),
                row("Timer C is pushed back by each provisional, then gives the branch up", INVITE, TCP,
                        "start@0", "send; schedule B 32000; schedule C 181000",
                        "resp 180@100000", "deliver 180", "timer C@181000", "schedule C 100000",
                        "timer C@281000", "timeout", "cancelled", "schedule CANCELLED 32000",
                        "resp 487@281100", "ack; deliver 487; schedule D 0"),
                row("a cancelled INVITE that never ends is released after 64*T1", INVITE, TCP,
                        "start@0", "send; schedule B 32000; schedule C 181000", "resp 180@50", "deliver 180",
                        "cancelled", "schedule CANCELLED 32000", "timer CANCELLED@32050", "terminated"),
                row("a flow that fails while calling: a dead branch", INVITE, TCP,
                        "start@0", "send; schedule B 32000; schedule C 181000", "error", "failed; terminated"),
                row("a flow that fails after the final: only released", INVITE, TCP,
                        "start@0", "send; schedule B 32000; schedule C 181000",
                        "resp 486@10", "ack; deliver 486; schedule D 0", "error", "terminated"),
                row("non-INVITE over UDP: Timer E doubles up to T2, the final starts Timer K", NON_INVITE, UDP,
                        "start@0", "send; schedule E 500; schedule F 32000", "timer E@500", "send; schedule E 1000",
                        "timer E@1500", "send; schedule E 2000", "timer E@3500", "send; schedule E 4000",
                        "timer E@7500", "send; schedule E 4000", "resp 200@8000", "deliver 200; schedule K 5000",
                        "resp 200@8100", "", "timer E@11500", "", "timer K@13000", "terminated"),
                row("non-INVITE: after a provisional Timer E is T2", NON_INVITE, UDP,
                        "start@0", "send; schedule E 500; schedule F 32000", "resp 100@100", "deliver 100",
                        "timer E@500", "send; schedule E 4000"),
                row("non-INVITE never answered: Timer F, also after a provisional", NON_INVITE, TCP,
                        "start@0", "send; schedule F 32000", "resp 100@100", "deliver 100",
                        "timer F@32000", "timeout; terminated"),
                row("non-INVITE 2xx completes (no Accepted state); Timer K is zero over TCP", NON_INVITE, TCP,
                        "start@0", "send; schedule F 32000", "resp 200@10", "deliver 200; schedule K 0",
                        "timer F@32000", "", "timer K@10", "terminated"),
                row("timers of a state left behind are ignored; start is once", INVITE, UDP,
                        "start@0", "send; schedule A 500; schedule B 32000; schedule C 181000",
                        "resp 200@100", "deliver 200; schedule M 32000", "timer A@500", "", "timer B@32000", "",
                        "timer C@181000", "", "start@200", ""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clientScripts")
    void clientTransactionFollowsTheScript(String name, boolean invite, boolean reliable, List<String[]> steps) {
        ClientTransaction t = new ClientTransaction(invite, reliable, TransactionTimers.DEFAULT);
        for (String[] step : steps) {
            assertEquals(step[1], showClient(client(t, step[0])), "after: " + step[0]);
        }
    }

    static Stream<Arguments> serverScripts() {
        return Stream.of(
                row("INVITE over UDP refused: 100 at once, the final retransmitted until the ACK", INVITE, UDP,
                        "request", "send 100; route", "request", "resend", "respond 180", "send 180",
                        "request", "resend", "respond 486", "send 486; schedule G 500; schedule H 32000",
                        "timer G", "resend; schedule G 1000", "timer G", "resend; schedule G 2000",
                        "timer G", "resend; schedule G 4000", "timer G", "resend; schedule G 4000",
                        "request", "resend", "ack", "schedule I 5000", "timer G", "", "request", "",
                        "timer H", "", "timer I", "terminated"),
                row("INVITE over TCP refused: no retransmission, Timer I is zero", INVITE, TCP,
                        "request", "send 100; route", "respond 486", "send 486; schedule H 32000",
                        "ack", "schedule I 0", "timer I", "terminated"),
                row("INVITE refused and never ACKed: Timer H releases it", INVITE, UDP,
                        "request", "send 100; route", "respond 404", "send 404; schedule G 500; schedule H 32000",
                        "timer H", "terminated", "timer G", ""),
                row("INVITE answered: Accepted absorbs retransmissions and lets every 2xx through", INVITE, UDP,
                        "request", "send 100; route", "respond 200", "send 200; schedule L 32000",
                        "request", "", "respond 200", "send 200", "respond 486", "", "respond 180", "",
                        "ack", "", "timer L", "terminated"),
                row("INVITE answered over TCP: no retransmission to absorb, Timer L is zero", INVITE, TCP,
                        "request", "send 100; route", "respond 200", "send 200; schedule L 0", "timer L", "terminated"),
                row("a final after a final is refused", INVITE, UDP,
                        "request", "send 100; route", "respond 486", "send 486; schedule G 500; schedule H 32000",
                        "respond 200", "", "respond 500", ""),
                row("non-INVITE over UDP: retransmissions absorbed, then answered again, then Timer J",
                        NON_INVITE, UDP, "request", "route", "request", "", "respond 200",
                        "send 200; schedule J 32000", "request", "resend", "respond 200", "", "timer J", "terminated"),
                row("non-INVITE over TCP: Timer J is zero", NON_INVITE, TCP,
                        "request", "route", "respond 200", "send 200; schedule J 0"),
                row("non-INVITE: a provisional is resent to a retransmission", NON_INVITE, UDP,
                        "request", "route", "respond 100", "send 100", "request", "resend"),
                row("the flow back fails: released", INVITE, TCP, "request", "send 100; route", "error", "terminated",
                        "respond 200", ""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("serverScripts")
    void serverTransactionFollowsTheScript(String name, boolean invite, boolean reliable, List<String[]> steps) {
        ServerTransaction t = new ServerTransaction(invite, reliable, TransactionTimers.DEFAULT);
        for (String[] step : steps) {
            assertEquals(step[1], showServer(server(t, step[0])), "after: " + step[0]);
        }
    }

    @Test
    void aServerTransactionTellsWhenItsFinalWentOut() {
        ServerTransaction t = new ServerTransaction(INVITE, UDP, TransactionTimers.DEFAULT);
        t.request();
        t.respond(180);
        assertFalse(t.finalSent());
        t.respond(487);
        assertTrue(t.finalSent());
    }

    private static Arguments row(String name, boolean invite, boolean reliable, String... script) {
        return arguments(name, invite, reliable, Scripts.steps(script));
    }

    private static List<ClientTransaction.Action> client(ClientTransaction t, String event) {
        String[] at = event.split("@");
        long now = at.length > 1 ? Long.parseLong(at[1]) : 0;
        String[] w = at[0].split(" ");
        return switch (w[0]) {
            case "start" -> t.start(now);
            case "resp" -> t.response(Integer.parseInt(w[1]), now);
            case "timer" -> t.timer(ClientTransaction.Timer.valueOf(w[1]), now);
            case "cancelled" -> t.cancelled();
            case "error" -> t.transportError();
            default -> throw new IllegalArgumentException(event);
        };
    }

    private static List<ServerTransaction.Action> server(ServerTransaction t, String event) {
        String[] w = event.split(" ");
        return switch (w[0]) {
            case "request" -> t.request();
            case "respond" -> t.respond(Integer.parseInt(w[1]));
            case "ack" -> t.ack();
            case "timer" -> t.timer(ServerTransaction.Timer.valueOf(w[1]));
            case "error" -> t.transportError();
            default -> throw new IllegalArgumentException(event);
        };
    }

    private static String showClient(List<ClientTransaction.Action> actions) {
        return actions.stream().map(a -> {
            if (a instanceof ClientTransaction.Action.Schedule s) {
                return "schedule " + s.timer() + " " + s.millis();
            }
            if (a instanceof ClientTransaction.Action.Deliver d) {
                return "deliver " + d.code();
            }
            if (a instanceof ClientTransaction.Action.SendAck) {
                return "ack";
            }
            if (a instanceof ClientTransaction.Action.TimedOut) {
                return "timeout";
            }
            if (a instanceof ClientTransaction.Action.FlowFailed) {
                return "failed";
            }
            return a.getClass().getSimpleName().toLowerCase(Locale.ROOT);
        }).collect(Collectors.joining("; "));
    }

    private static String showServer(List<ServerTransaction.Action> actions) {
        return actions.stream().map(a -> {
            if (a instanceof ServerTransaction.Action.Schedule s) {
                return "schedule " + s.timer() + " " + s.millis();
            }
            if (a instanceof ServerTransaction.Action.Send s) {
                return "send " + s.code();
            }
            return a.getClass().getSimpleName().toLowerCase(Locale.ROOT);
        }).collect(Collectors.joining("; "));
    }
}
