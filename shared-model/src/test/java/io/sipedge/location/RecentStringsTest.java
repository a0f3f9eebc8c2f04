package io.sipedge.location;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class RecentStringsTest {
    @Test
    void equalTextsGiveTheFirstInstance() {
        RecentStrings strings = new RecentStrings();
        String first = new String("Linphone/5.2.5 (belle-sip/5.2.5)");
        String second = new String("Linphone/5.2.5 (belle-sip/5.2.5)");
        assertNotSame(first, second);
        assertSame(first, strings.shared(first));
        assertSame(first, strings.shared(second));
    }

    @Test
    void aTextInTheSameSlotTakesItOver() {
        RecentStrings strings = new RecentStrings();
        // "Aa" and "BB" have the same hash code, so the same slot.
        String aa = new String("Aa");
        String bb = new String("BB");
        assertEquals(aa.hashCode(), bb.hashCode());
        assertSame(aa, strings.shared(aa));
        assertSame(bb, strings.shared(bb));
        String bbAgain = new String("BB");
        assertSame(bb, strings.shared(bbAgain));
        String aaAgain = new String("Aa");
        assertSame(aaAgain, strings.shared(aaAgain)); // "Aa" was pushed out: its new copy is kept
    }

    @Test
    void nullStaysNull() {
        assertNull(new RecentStrings().shared(null));
    }
}
