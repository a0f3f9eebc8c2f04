package io.sipedge.loadtest.register;

import java.util.Map;

/**
 * The outcome of one run (or one find-max step).
 *
 * @param targetRate          registrations per second asked for
 * @param durationSeconds     how long registrations were started for
 * @param attempted           registrations sent (leg 1 went out)
 * @param succeeded           registrations that got their 200
 * @param failures            failed registrations by reason: {@code timeout}, {@code transport_error},
 *                            {@code send_buffer_full} (TCP/TLS: 16 MB unsent, the server does not keep
 *                            up reading), {@code status_<code>}, {@code unexpected_200_without_challenge}
 *                            (a 200 to the unauthenticated REGISTER), {@code unsupported_challenge}
 *                            (no MD5 or SHA-256 Digest challenge we can answer)
 * @param skippedBusy         scheduled registrations not sent because the next user still had one in flight
 * @param retransmissions     UDP retransmissions (Timer E)
 * @param registration        latency of the whole registration, from its scheduled start to the 200
 * @param leg1                REGISTER → 401/407, from the first send of leg 1
 * @param leg2                authenticated REGISTER → 200, from the first send of leg 2
 * @param achievedRate        succeeded / durationSeconds (the drain's late successes included)
 * @param inStepRate          successes completed within the step itself (before the drain) / durationSeconds:
 *                            the throughput actually sustained; below the target by rate × latency
 * @param senderLagMaxMs      how late the sender was at worst against the schedule
 * @param senderLate          registrations sent {@value #LATE_MS} ms or more behind their schedule
 * @param generatorCpuCores   CPU the generator's JVM used during the step and its drain, in cores
 *                            (1.0 = one core busy); -1 when the JVM cannot tell. Near the machine's
 *                            core count, the generator, not the server, is the limit.
 */
public record RunResult(double targetRate, double durationSeconds, long attempted, long succeeded,
                        Map<String, Long> failures, long skippedBusy, long retransmissions,
                        LatencySummary registration, LatencySummary leg1, LatencySummary leg2,
                        double achievedRate, double inStepRate, double senderLagMaxMs, long senderLate,
                        double generatorCpuCores) {
    public RunResult {
        failures = Map.copyOf(failures);
    }

    /** All failed registrations, whatever the reason. */
    public long failed() {
        long n = 0;
        for (long v : failures.values()) {
            n += v;
        }
        return n;
    }

    /** Failures in the given reason, 0 when none. */
    public long failures(String reason) {
        return failures.getOrDefault(reason, 0L);
    }

    /** A registration sent this late counts in {@link #senderLate}. */
    public static final int LATE_MS = 10;

    /**
     * Whether the generator could not keep its schedule: over 1 % of the registrations went out
     * {@value #LATE_MS} ms late or more. (A few late ones at the start are the JIT warming up.)
     */
    public boolean senderLagged() {
        return senderLate > 0.01 * (attempted + skippedBusy);
    }
}
