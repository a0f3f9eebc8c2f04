package io.sipedge.security;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sources the SIP side refuses, shared by the guard that bans (SIP) and the operator API that
 * lists and lifts bans (HTTP). Soft state: bans end on their own and are not kept over a restart.
 *
 * <p>Checked on every SIP message: the checks are a map read and no lock, and cost one emptiness
 * test while nothing is banned. Bounded: past {@code max} active bans a new one is not recorded
 * ({@link #add} says so) until others end.
 */
public final class Bans {
    private final ConcurrentHashMap<String, Ban> addresses = new ConcurrentHashMap<>();
    /** Key: address, a space, user@realm. */
    private final ConcurrentHashMap<String, Ban> users = new ConcurrentHashMap<>();
    private final int max;

    public Bans(int max) {
        this.max = max;
    }

    /** True when no ban has been recorded (or all were lifted or purged): nothing to look up. */
    public boolean isEmpty() {
        return addresses.isEmpty() && users.isEmpty();
    }

    /** True while the whole of {@code address} is banned. */
    public boolean addressBanned(String address, Instant now) {
        if (addresses.isEmpty()) {
            return false;
        }
        return active(addresses, address, now) != null;
    }

    /** True while {@code user@realm} is banned from {@code address} (or the whole address is). */
    public boolean userBanned(String address, String userAtRealm, Instant now) {
        if (addressBanned(address, now)) {
            return true;
        }
        if (users.isEmpty()) {
            return false;
        }
        return active(users, address + ' ' + userAtRealm, now) != null;
    }

    /**
     * Records {@code ban}, replacing an earlier one of the same address (and user).
     *
     * @return false when the table is full of active bans and this one was not recorded
     */
    public boolean add(Ban ban, Instant now) {
        if (addresses.size() + users.size() >= max) {
            purge(now);
            if (addresses.size() + users.size() >= max) {
                return false;
            }
        }
        if (ban.wholeAddress()) {
            addresses.put(ban.address(), ban);
        } else {
            users.put(ban.address() + ' ' + ban.user(), ban);
        }
        return true;
    }

    /** Active bans, whole addresses first, each group by address. */
    public List<Ban> active(Instant now) {
        List<Ban> out = new ArrayList<>();
        for (Ban b : addresses.values()) {
            if (b.activeAt(now)) {
                out.add(b);
            }
        }
        for (Ban b : users.values()) {
            if (b.activeAt(now)) {
                out.add(b);
            }
        }
        out.sort(Comparator.comparing(Ban::wholeAddress).reversed().thenComparing(Ban::address)
                .thenComparing(Ban::user));
        return out;
    }

    /** The number of active bans (a gauge). */
    public int count(Instant now) {
        int n = 0;
        for (Ban b : addresses.values()) {
            n += b.activeAt(now) ? 1 : 0;
        }
        for (Ban b : users.values()) {
            n += b.activeAt(now) ? 1 : 0;
        }
        return n;
    }

    /** Lifts every ban of {@code address}, the whole address's and each user's; returns how many were active. */
    public int lift(String address, Instant now) {
        int lifted = 0;
        Ban whole = addresses.remove(address);
        if (whole != null && whole.activeAt(now)) {
            lifted++;
        }
        String prefix = address + ' ';
        for (var it = users.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().startsWith(prefix)) {
                it.remove();
                lifted += e.getValue().activeAt(now) ? 1 : 0;
            }
        }
        return lifted;
    }

    /** Drops bans that have ended. */
    public void purge(Instant now) {
        addresses.values().removeIf(b -> !b.activeAt(now));
        users.values().removeIf(b -> !b.activeAt(now));
    }

    private static Ban active(ConcurrentHashMap<String, Ban> map, String key, Instant now) {
        Ban b = map.get(key);
        if (b == null) {
            return null;
        }
        if (!b.activeAt(now)) {
            map.remove(key, b);
            return null;
        }
        return b;
    }
}
