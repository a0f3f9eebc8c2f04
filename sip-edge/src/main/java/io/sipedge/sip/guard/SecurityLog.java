package io.sipedge.sip.guard;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.sipedge.model.Flow;
import io.sipedge.observe.GuardEvents;
import io.sipedge.observe.LogText;
import io.sipedge.observe.SecurityEvent;
import io.sipedge.security.Ban;
import java.time.Duration;
import java.time.InstantSource;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SIP guard's lines in the security log ({@link SecurityEvent}; README: "Security"; the fail2ban
 * filter in config/fail2ban/ reads them): {@code event}, then {@code ip}, then the event's fields.
 *
 * <p>Bounded under attack: each source address may write {@value #LINES_PER_MINUTE} lines a minute
 * (a burst of as many); lines past that are counted and the source's next line says
 * {@code suppressed=N}. Bans are always written. The main log gets no line per event, only a
 * summary at most every {@value #SUMMARY_SECONDS} seconds while something happens.
 */
final class SecurityLog {
    static final int LINES_PER_MINUTE = 20;
    static final int SUMMARY_SECONDS = 60;

    private static final Logger main = LoggerFactory.getLogger(SecurityLog.class);

    private final InstantSource clock;
    private final Buckets<String> budget;
    private final Cache<String, AtomicInteger> suppressed;
    private final LongAdder failures = new LongAdder();
    private final LongAdder bans = new LongAdder();
    private final Map<GuardEvents.Drop, LongAdder> drops = new EnumMap<>(GuardEvents.Drop.class);
    private final AtomicLong lastSummary;

    SecurityLog(InstantSource clock, int maxSources) {
        this.clock = clock;
        this.budget = new Buckets<>(LINES_PER_MINUTE, Duration.ofMinutes(1), LINES_PER_MINUTE, maxSources, clock);
        this.suppressed = Caffeine.newBuilder().executor(Runnable::run).maximumSize(maxSources)
                .expireAfterAccess(Duration.ofMinutes(10))
                .build();
        for (GuardEvents.Drop d : GuardEvents.Drop.values()) {
            drops.put(d, new LongAdder());
        }
        this.lastSummary = new AtomicLong(clock.millis());
    }

    /** A failed digest authentication of {@code user} (user@realm). */
    void authFailure(Flow flow, String user, String method, String reason) {
        failures.increment();
        if (SecurityEvent.enabled() && allowed(flow.remoteIp())) {
            SecurityEvent e = source("auth-failure", flow).field("method", LogText.printable(method))
                    .quoted("user", user).field("reason", reason.toLowerCase(Locale.ROOT));
            suppressedSince(flow, e).info();
        }
        summarise();
    }

    /** A message dropped (or refused 403); {@code ua} the scanner matched, {@code user} a banned one, or null. */
    void dropped(Flow flow, GuardEvents.Drop reason, String ua, String user) {
        drops.get(reason).increment();
        if (SecurityEvent.enabled() && allowed(flow.remoteIp())) {
            SecurityEvent e = source("drop", flow).field("reason", reason.label());
            if (ua != null) {
                e.quoted("ua", ua);
            }
            if (user != null) {
                e.quoted("user", user);
            }
            suppressedSince(flow, e).info();
        }
        summarise();
    }

    /** A ban made: always written. */
    void banned(Ban ban) {
        bans.increment();
        SecurityEvent e = SecurityEvent.of("ban").field("ip", ban.address())
                .field("scope", ban.wholeAddress() ? "address" : "user");
        if (!ban.wholeAddress()) {
            e.quoted("user", ban.user());
        }
        e.field("reason", ban.reason()).field("failures", ban.failures()).field("until", ban.until()).warn();
        summarise();
    }

    /** A ban that could not be recorded: the table is full. */
    void banTableFull(Ban ban) {
        SecurityEvent.of("ban-refused").field("ip", ban.address()).field("reason", "table-full").warn();
    }

    private static SecurityEvent source(String event, Flow flow) {
        return SecurityEvent.of(event).field("ip", flow.remoteIp()).field("port", flow.remotePort())
                .field("transport", flow.transport().name().toLowerCase(Locale.ROOT));
    }

    /** Adds {@code suppressed=N} when lines of this source were suppressed since its last one. */
    private SecurityEvent suppressedSince(Flow flow, SecurityEvent e) {
        AtomicInteger skipped = suppressed.getIfPresent(flow.remoteIp());
        int n = skipped == null ? 0 : skipped.getAndSet(0);
        return n > 0 ? e.field("suppressed", n) : e;
    }

    private boolean allowed(String ip) {
        if (budget.take(ip)) {
            return true;
        }
        suppressed.get(ip, k -> new AtomicInteger()).incrementAndGet();
        return false;
    }

    /** At most every {@value #SUMMARY_SECONDS} s, one INFO line in the main log with what happened since the last. */
    private void summarise() {
        long now = clock.millis();
        long last = lastSummary.get();
        if (now - last < SUMMARY_SECONDS * 1000L || !lastSummary.compareAndSet(last, now)) {
            return;
        }
        StringBuilder dropped = new StringBuilder();
        long droppedTotal = 0;
        for (Map.Entry<GuardEvents.Drop, LongAdder> e : drops.entrySet()) {
            long c = e.getValue().sumThenReset();
            if (c > 0) {
                dropped.append(dropped.length() == 0 ? "" : ", ").append(e.getKey().label()).append(' ').append(c);
                droppedTotal += c;
            }
        }
        main.info("in the last {} s: {} failed authentications, {} bans, {} messages dropped{} (details: the '{}' log)",
                (now - last) / 1000, failures.sumThenReset(), bans.sumThenReset(), droppedTotal,
                droppedTotal > 0 ? " (" + dropped + ")" : "", SecurityEvent.LOGGER);
    }
}
