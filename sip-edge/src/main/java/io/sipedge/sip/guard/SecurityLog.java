package io.sipedge.sip.guard;

import io.sipedge.model.Flow;
import io.sipedge.observe.GuardEvents;
import io.sipedge.observe.LogText;
import io.sipedge.security.Ban;
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
 * The security log: the logger {@value #LOGGER}, one line per event, {@code key=value} fields in a
 * fixed order, {@code event} and {@code ip} always first (README: "Security"; the fail2ban filter in
 * config/fail2ban/ reads it). Values from the network are quoted with {@link LogText#printable}.
 *
 * <p>Bounded under attack: each source address may write {@value #LINES_PER_MINUTE} lines a minute
 * (a burst of as many); lines past that are counted and the source's next line says
 * {@code suppressed=N}. Bans are always written. The main log gets no line per event, only a
 * summary at most every {@value #SUMMARY_SECONDS} seconds while something happens.
 */
public final class SecurityLog {
    public static final String LOGGER = "security";
    static final int LINES_PER_MINUTE = 20;
    static final int SUMMARY_SECONDS = 60;

    private static final Logger security = LoggerFactory.getLogger(LOGGER);
    private static final Logger main = LoggerFactory.getLogger(SecurityLog.class);

    private final InstantSource clock;
    private final Buckets<String> budget;
    private final com.github.benmanes.caffeine.cache.Cache<String, AtomicInteger> suppressed;
    private final LongAdder failures = new LongAdder();
    private final LongAdder bans = new LongAdder();
    private final Map<GuardEvents.Drop, LongAdder> drops = new EnumMap<>(GuardEvents.Drop.class);
    private final AtomicLong lastSummary;

    public SecurityLog(InstantSource clock, int maxSources) {
        this.clock = clock;
        this.budget = new Buckets<>(LINES_PER_MINUTE, java.time.Duration.ofMinutes(1), LINES_PER_MINUTE, maxSources, clock);
        this.suppressed = com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(maxSources)
                .expireAfterAccess(java.time.Duration.ofMinutes(10)).build();
        for (GuardEvents.Drop d : GuardEvents.Drop.values()) {
            drops.put(d, new LongAdder());
        }
        this.lastSummary = new AtomicLong(clock.millis());
    }

    /** A failed digest authentication. */
    public void authFailure(Flow flow, String user, String method, String reason) {
        failures.increment();
        if (security.isInfoEnabled() && allowed(flow.remoteIp())) {
            line("auth-failure", flow, "method=" + token(method) + " user=" + quoted(user) + " reason="
                    + reason.toLowerCase(Locale.ROOT));
        }
        summarise();
    }

    /** A message dropped (or refused with 403); {@code detail} a field or two, already formatted, or empty. */
    public void dropped(Flow flow, GuardEvents.Drop reason, String detail) {
        drops.get(reason).increment();
        if (security.isInfoEnabled() && allowed(flow.remoteIp())) {
            line("drop", flow, "reason=" + reason.label() + (detail.isEmpty() ? "" : " " + detail));
        }
        summarise();
    }

    /** A ban made: always written. */
    public void banned(Ban ban) {
        bans.increment();
        security.warn("event=ban ip={} scope={}{} reason={} failures={} until={}", ban.address(),
                ban.wholeAddress() ? "address" : "user", ban.wholeAddress() ? "" : " user=" + quoted(ban.user()),
                ban.reason(), ban.failures(), ban.until());
        summarise();
    }

    /** A ban that could not be recorded: the table is full. */
    public void banTableFull(Ban ban) {
        security.warn("event=ban-refused ip={} reason=table-full", ban.address());
    }

    /** {@code user=} of a line: quoted, with what could break the line escaped. */
    public static String quoted(String value) {
        return '"' + LogText.printable(value) + '"';
    }

    private void line(String event, Flow flow, String fields) {
        AtomicInteger skipped = suppressed.getIfPresent(flow.remoteIp());
        int n = skipped == null ? 0 : skipped.getAndSet(0);
        security.info("event={} ip={} port={} transport={} {}{}", event, flow.remoteIp(), flow.remotePort(),
                flow.transport().name().toLowerCase(Locale.ROOT), fields, n > 0 ? " suppressed=" + n : "");
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
                droppedTotal > 0 ? " (" + dropped + ")" : "", LOGGER);
    }

    private static String token(String s) {
        return LogText.printable(s).replace(' ', '_');
    }
}
