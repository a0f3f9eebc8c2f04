package io.sipedge.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class BansTest {
    private static final Instant T0 = Instant.parse("2026-12-05T12:00:00Z");
    private final Bans bans = new Bans(3);

    private static Ban address(String ip, int minutes) {
        return new Ban(ip, "", "users", 11, T0, T0.plusSeconds(minutes * 60L));
    }

    private static Ban user(String ip, String user, int minutes) {
        return new Ban(ip, user, "failures", 20, T0, T0.plusSeconds(minutes * 60L));
    }

    @Test
    void aUserBanCoversThatUserFromThatAddressOnlyAndAnAddressBanCoversEveryone() {
        assertTrue(bans.isEmpty());
        bans.add(user("192.0.2.1", "alice@example.com", 60), T0);
        assertTrue(bans.userBanned("192.0.2.1", "alice@example.com", T0));
        assertFalse(bans.userBanned("192.0.2.1", "bob@example.com", T0));
        assertFalse(bans.userBanned("192.0.2.2", "alice@example.com", T0));
        assertFalse(bans.addressBanned("192.0.2.1", T0));
        bans.add(address("192.0.2.2", 60), T0);
        assertTrue(bans.addressBanned("192.0.2.2", T0));
        assertTrue(bans.userBanned("192.0.2.2", "anyone@example.com", T0));
    }

    @Test
    void bansEndOnTheirOwnAndPurgingEmptiesTheTable() {
        bans.add(address("192.0.2.1", 1), T0);
        bans.add(user("192.0.2.3", "alice@example.com", 1), T0);
        Instant later = T0.plusSeconds(60);
        assertFalse(bans.addressBanned("192.0.2.1", later));
        assertEquals(List.of(), bans.active(later));
        assertEquals(0, bans.count(later));
        bans.purge(later);
        assertTrue(bans.isEmpty());
    }

    @Test
    void liftingAnAddressEndsItsOwnBansAndTheUsersBansFromIt() {
        bans.add(address("192.0.2.1", 60), T0);
        bans.add(user("192.0.2.1", "alice@example.com", 60), T0);
        bans.add(user("192.0.2.10", "alice@example.com", 60), T0);
        assertEquals(2, bans.lift("192.0.2.1", T0));
        assertEquals(List.of(user("192.0.2.10", "alice@example.com", 60)), bans.active(T0));
        assertEquals(0, bans.lift("192.0.2.1", T0));
    }

    @Test
    void aFullTableRecordsNoMoreUntilBansEnd() {
        assertTrue(bans.add(address("192.0.2.1", 1), T0));
        assertTrue(bans.add(address("192.0.2.2", 60), T0));
        assertTrue(bans.add(address("192.0.2.3", 60), T0));
        assertFalse(bans.add(address("192.0.2.4", 60), T0), "full");
        assertTrue(bans.add(address("192.0.2.4", 60), T0.plusSeconds(61)), "the first ended: room again");
    }
}
