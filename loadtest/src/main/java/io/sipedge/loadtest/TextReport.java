package io.sipedge.loadtest;

import io.sipedge.loadtest.register.LatencySummary;
import io.sipedge.loadtest.register.RunResult;
import java.util.Locale;
import java.util.Map;

/** The human-readable summary of a run. */
final class TextReport {
    private TextReport() {
    }

    static String summary(RunResult r) {
        StringBuilder s = new StringBuilder(512);
        s.append(String.format(Locale.ROOT, "target_rate=%s/s duration=%ss%n", rate(r.targetRate()), rate(r.durationSeconds())));
        s.append(String.format(Locale.ROOT, "attempted=%d succeeded=%d failed=%d skipped_busy=%d retransmissions=%d%n",
                r.attempted(), r.succeeded(), r.failed(), r.skippedBusy(), r.retransmissions()));
        s.append("failures:");
        if (r.failures().isEmpty()) {
            s.append(" none");
        }
        for (Map.Entry<String, Long> e : r.failures().entrySet()) {
            s.append(' ').append(e.getKey()).append('=').append(e.getValue());
        }
        s.append(System.lineSeparator());
        s.append(String.format(Locale.ROOT, "latency_ms %-24s %9s %9s %9s %9s%n", "", "p50", "p90", "p99", "max"));
        latency(s, "registration (scheduled->200)", r.registration());
        latency(s, "leg1 (REGISTER->401)", r.leg1());
        latency(s, "leg2 (auth REGISTER->200)", r.leg2());
        s.append(String.format(Locale.ROOT, "achieved_rate=%.1f/s in_step_rate=%.1f/s sender_lag_max=%.2fms sender_late=%d%n",
                r.achievedRate(), r.inStepRate(), r.senderLagMaxMs(), r.senderLate()));
        if (r.generatorCpuCores() >= 0) {
            s.append(String.format(Locale.ROOT, "generator_cpu=%.2f cores (this machine has %d)%n", r.generatorCpuCores(),
                    Runtime.getRuntime().availableProcessors()));
        }
        if (r.senderLagged()) {
            s.append(String.format(Locale.ROOT, "WARNING: the sender lagged: %d registrations went out %d ms or more"
                    + " behind schedule (up to %.2f ms; due ones were sent at once): the generator's machine, not"
                    + " only the server, limited this run%n", r.senderLate(), RunResult.LATE_MS, r.senderLagMaxMs()));
        }
        return s.toString();
    }

    private static void latency(StringBuilder s, String name, LatencySummary l) {
        s.append(String.format(Locale.ROOT, "  %-33s %9.2f %9.2f %9.2f %9.2f%n", name, l.p50Ms(), l.p90Ms(), l.p99Ms(), l.maxMs()));
    }

    /** A rate or duration without a pointless ".0". */
    static String rate(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%.2f", v);
    }
}
