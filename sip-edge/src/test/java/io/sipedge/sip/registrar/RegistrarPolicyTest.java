package io.sipedge.sip.registrar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.location.BindingChanges.OverflowPolicy;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RegistrarPolicyTest {
    private static RegistrarPolicy spreading(int percent) {
        return new RegistrarPolicy(60, 3600, 3600, 10, OverflowPolicy.EVICT_OLDEST, 0, percent);
    }

    @Test
    void withoutASpreadEveryExpiryIsGrantedAsAsked() {
        RegistrarPolicy none = spreading(0);
        for (int i = 0; i < 100; i++) {
            assertEquals(3600, none.spread(3600, "call-" + i, i));
        }
    }

    @Test
    void aSpreadCutsUpToItsShareAndSpreadsAFleetAcrossIt() {
        RegistrarPolicy tenth = spreading(10);
        Set<Long> granted = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            long g = tenth.spread(3600, i + "@phone-" + i, 1);
            assertTrue(g >= 3240 && g <= 3600, "granted " + g);
            granted.add(g);
        }
        // 361 possible values: a fleet that registered together is spread over most of them.
        assertTrue(granted.size() > 250, granted.size() + " distinct expiries");
        assertTrue(granted.stream().anyMatch(g -> g < 3280) && granted.stream().anyMatch(g -> g > 3560),
                "both ends of the range are reached");
    }

    @Test
    void theSameRequestGetsTheSameAnswerAndARefreshAnother() {
        RegistrarPolicy half = spreading(50);
        assertEquals(half.spread(3600, "abc@h", 7), half.spread(3600, "abc@h", 7), "a retransmission");
        Set<Long> refreshes = new HashSet<>();
        for (long cseq = 1; cseq <= 20; cseq++) {
            refreshes.add(half.spread(3600, "abc@h", cseq));
        }
        assertTrue(refreshes.size() > 10, "successive refreshes of one phone: " + refreshes);
    }

    @Test
    void neverBelowTheMinimumAndNeverForAnUnregister() {
        RegistrarPolicy half = spreading(50);
        for (int i = 0; i < 500; i++) {
            assertTrue(half.spread(70, "c" + i, i) >= 60);
            assertEquals(60, half.spread(60, "c" + i, i));
            assertEquals(0, half.spread(0, "c" + i, i));
        }
    }

    @Test
    void theSpreadIsAPercentageUpToHalf() {
        assertThrows(IllegalArgumentException.class, () -> spreading(51));
        assertThrows(IllegalArgumentException.class, () -> spreading(-1));
    }
}
