package io.sipedge.sip.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The WebSocket keepalive, tick by tick, without a clock. A sequence is read left to right:
 * {@code t} is a tick (the ping interval passed), {@code p} a PONG from the peer; the expected
 * string lists what each tick asked for, {@code P} a PING and {@code C} a close.
 */
class PingWatchTest {

    @ParameterizedTest(name = "misses={0}: {1} -> {2}")
    @CsvSource({
            // one miss closes: the second tick finds the first PING unanswered
            "1, t,            P",
            "1, tt,           PC",
            "1, tptptp,       PPP",
            "1, tptpt t,      PPPC",
            "1, pt,           P",
            // two misses: PING, PING, then close
            "2, ttt,          PPC",
            "2, tt,           PP",
            "2, ttptt,        PPPP",
            "2, ttpttt,       PPPPC",
            "2, tptptptptp,   PPPPP",
            "2, ppptt,        PP",
            "2, tpptt t,      PPPC",
            // a PONG answers every PING before it, however many went unanswered
            "3, tttpttt,      PPPPPP",
            "3, tttpttt t,    PPPPPPC",
            "3, tttt,         PPPC",
            "3, ttt,          PPP",
            "3, tptttt,       PPPPC",
    })
    void ticksAndPongsGiveTheseActions(int misses, String events, String expected) {
        PingWatch watch = new PingWatch(misses);
        List<String> actions = new ArrayList<>();
        for (char e : events.replace(" ", "").toCharArray()) {
            if (e == 't') {
                actions.add(watch.tick() == PingWatch.Action.PING ? "P" : "C");
            } else {
                watch.pong();
            }
        }
        assertEquals(expected, String.join("", actions));
    }

    @Test
    void lessThanOneMissIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new PingWatch(0));
        assertThrows(IllegalArgumentException.class, () -> new PingWatch(-1));
    }
}
