package io.sipedge.sip.guard;

import io.github.bucket4j.Bucket;
import io.sipedge.model.Flow;
import io.sipedge.observe.GuardEvents;
import io.sipedge.security.AddressRanges;
import io.sipedge.security.Ban;
import io.sipedge.security.Bans;
import io.sipedge.sip.transport.Inbound;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What stands between the open internet and the SIP logic (README: "Security"). Before anything
 * is parsed, {@link #screen} drops a message from a banned address, past its source's token bucket
 * (Kamailio's pike, as a bucket), or from a known scanner; the digest authenticator asks
 * {@link #blocked} whether a user is banned from a source and reports each {@link #failed} and
 * {@link #succeeded} authentication, from which {@link AuthFailures} decides bans. Addresses on the
 * allowlist (load generators, SBCs) are never limited or banned.
 *
 * <p>The checks on every message are lock-free: the allowlist (nothing while it is empty), one map
 * read for bans (an emptiness test while there are none), one token bucket, a scan of the header
 * lines for a User-Agent.
 */
public final class Guard {
    /** Limits nothing, counts nothing: for parts tested without a guard. */
    public static final Guard OFF = new Guard();
    private static final long PURGE_MILLIS = 10_000;

    /**
     * @param allowlist              address ranges exempt from limits and bans
     * @param ratePerSecond          requests a source may send per second, on average; 0 = no limit
     * @param burst                  what a quiet source may send at once
     * @param scannerAgents          User-Agent substrings that mark a scanner; empty = none
     * @param failures               when failed authentications ban
     * @param banTime                how long a ban lasts
     * @param refuseBlockedWith403   answer a banned user's request 403 instead of dropping it
     * @param unknownDomainPerSecond answers to requests for domains the edge does not serve, per
     *                               second, from all sources together
     * @param maxBans                bans held at once
     */
    public record Settings(List<String> allowlist, int ratePerSecond, int burst, List<String> scannerAgents,
                           AuthFailures.Settings failures, Duration banTime, boolean refuseBlockedWith403,
                           int unknownDomainPerSecond, int maxBans) {
        public Settings {
            allowlist = List.copyOf(allowlist);
            scannerAgents = List.copyOf(scannerAgents);
        }
    }

    private final boolean enabled;
    private final Settings settings;
    private final AddressRanges allowlist;
    private final Bans bans;
    private final Buckets<InetAddress> rates;
    private final ScannerAgents scanners;
    private final AuthFailures failures;
    private final Bucket unknownDomains;
    private final SecurityLog log;
    private final GuardEvents events;
    private final InstantSource clock;
    private final AtomicLong nextPurge = new AtomicLong();

    public Guard(Settings settings, Bans bans, InstantSource clock, GuardEvents events) {
        this.enabled = true;
        this.settings = settings;
        this.allowlist = AddressRanges.parse(settings.allowlist());
        this.bans = bans;
        int sources = settings.failures().maxSources();
        this.rates = settings.ratePerSecond() > 0
                ? new Buckets<>(settings.ratePerSecond(), Duration.ofSeconds(1), settings.burst(), sources, clock)
                : null;
        this.scanners = ScannerAgents.of(settings.scannerAgents());
        this.failures = new AuthFailures(settings.failures());
        this.unknownDomains = Buckets.single(settings.unknownDomainPerSecond(), Duration.ofSeconds(1),
                settings.unknownDomainPerSecond(), clock);
        this.log = new SecurityLog(clock, sources);
        this.events = events;
        this.clock = clock;
    }

    private Guard() {
        this.enabled = false;
        this.settings = null;
        this.allowlist = AddressRanges.NONE;
        this.bans = null;
        this.rates = null;
        this.scanners = null;
        this.failures = null;
        this.unknownDomains = null;
        this.log = null;
        this.events = GuardEvents.NONE;
        this.clock = null;
    }

    /** Why {@code in} is dropped before it is read, or null to let it through. */
    public GuardEvents.Drop screen(Inbound in) {
        if (!enabled || allowlist.contains(in.source())) {
            return null;
        }
        GuardEvents.Drop drop = null;
        String scanner = null;
        if (!bans.isEmpty() && banned(in.sourceIp())) {
            drop = GuardEvents.Drop.BANNED;
        } else if (rates != null && !rates.take(in.source().getAddress())) {
            drop = GuardEvents.Drop.RATE_LIMITED;
        } else {
            scanner = scanners.match(in.bytes());
            if (scanner != null) {
                drop = GuardEvents.Drop.SCANNER;
            }
        }
        if (drop != null) {
            events.dropped(drop);
            log.dropped(in.flow(), drop, scanner, null);
        }
        return drop;
    }

    /**
     * Whether {@code ip} is banned; every {@value #PURGE_MILLIS} ms one caller also drops the bans
     * that have ended, so that the table empties again and the checks go back to costing nothing.
     */
    private boolean banned(String ip) {
        Instant now = clock.instant();
        long next = nextPurge.get();
        if (now.toEpochMilli() >= next && nextPurge.compareAndSet(next, now.toEpochMilli() + PURGE_MILLIS)) {
            bans.purge(now);
        }
        return bans.addressBanned(ip, now);
    }

    /** True while any ban is held: until then, no request needs {@link #blocked} asked. */
    public boolean holdsBans() {
        return enabled && !bans.isEmpty();
    }

    /** True when {@code user}'s requests from {@code flow}'s address are refused (its ban is reported here). */
    public boolean blocked(Flow flow, String user, String realm) {
        if (!enabled || bans.isEmpty() || allowlist.contains(flow.remoteIp())) {
            return false;
        }
        if (!bans.userBanned(flow.remoteIp(), user + '@' + realm, clock.instant())) {
            return false;
        }
        events.dropped(GuardEvents.Drop.BLOCKED_USER);
        log.dropped(flow, GuardEvents.Drop.BLOCKED_USER, null, user + '@' + realm);
        return true;
    }

    /** A blocked user's request is answered 403 (else dropped). */
    public boolean refusesBlockedWith403() {
        return enabled && settings.refuseBlockedWith403();
    }

    /**
     * A failed digest authentication from {@code flow}; {@code reason} for the log. Logged and
     * counted; from an address not on the allowlist, counted towards a ban.
     */
    public void failed(Flow flow, String user, String realm, String method, String reason) {
        if (!enabled) {
            return;
        }
        events.authFailed();
        log.authFailure(flow, user + '@' + realm, method, reason);
        if (allowlist.contains(flow.remoteIp())) {
            return;
        }
        AuthFailures.Settings s = settings.failures();
        switch (failures.failed(flow.remoteIp(), user, realm, clock.millis())) {
            case BAN_USER -> ban(flow.remoteIp(), user + '@' + realm, "failures", s.perUser());
            case BAN_ADDRESS_USERS -> ban(flow.remoteIp(), "", "users", s.usersPerAddress() + 1);
            case BAN_ADDRESS_TOTAL -> ban(flow.remoteIp(), "", "failures", s.perAddress());
            case NONE -> {
            }
        }
    }

    /** A successful digest authentication from {@code flow}: the user's failures there are forgotten. */
    public void succeeded(Flow flow, String user, String realm) {
        if (enabled) {
            failures.succeeded(flow.remoteIp(), user, realm, clock.millis());
        }
    }

    /**
     * Whether a request from {@code flow} for a domain the edge does not serve may be answered: at
     * most {@code unknownDomainPerSecond} a second are, the rest are dropped (reported here).
     */
    public boolean answersUnknownDomain(Flow flow) {
        if (!enabled || allowlist.contains(flow.remoteIp()) || unknownDomains.tryConsume(1)) {
            return true;
        }
        events.dropped(GuardEvents.Drop.UNKNOWN_DOMAIN);
        log.dropped(flow, GuardEvents.Drop.UNKNOWN_DOMAIN, null, null);
        return false;
    }

    private void ban(String address, String user, String reason, int count) {
        Instant now = clock.instant();
        Ban ban = new Ban(address, user, reason, count, now, now.plus(settings.banTime()));
        if (bans.add(ban, now)) {
            events.banned(ban.wholeAddress());
            log.banned(ban);
        } else {
            log.banTableFull(ban);
        }
    }
}
