package io.sipedge.loadtest.register;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Counters and latency recorders of one step, written by the sender, reader and timer threads.
 * Latencies are recorded in microseconds into HdrHistogram {@link Recorder}s (wait-free writers);
 * the step's owner drains them into cumulative histograms, each second and at the end.
 */
final class StepStats {
    static final String TIMEOUT = "timeout";
    static final String TRANSPORT_ERROR = "transport_error";
    static final String SEND_BUFFER_FULL = "send_buffer_full";
    static final String UNEXPECTED_200 = "unexpected_200_without_challenge";
    static final String UNSUPPORTED_CHALLENGE = "unsupported_challenge";
    private static final String[] STATUS_REASONS = new String[700];

    static {
        for (int i = 0; i < STATUS_REASONS.length; i++) {
            STATUS_REASONS[i] = "status_" + i;
        }
    }

    final LongAdder attempted = new LongAdder();
    final LongAdder succeeded = new LongAdder();
    final LongAdder succeededInStep = new LongAdder();
    /** End of the step's schedule (System.nanoTime); successes after it happened in the drain. */
    volatile long stepEndNanos = Long.MAX_VALUE;
    final LongAdder failed = new LongAdder();
    final LongAdder skippedBusy = new LongAdder();
    final LongAdder retransmissions = new LongAdder();
    private final ConcurrentHashMap<String, LongAdder> failures = new ConcurrentHashMap<>();
    private final Recorder registrationRecorder = new Recorder(3);
    private final Recorder leg1Recorder = new Recorder(3);
    private final Recorder leg2Recorder = new Recorder(3);
    // owned by the step's owner thread (progress and summary), filled by drain()
    private final Histogram registration = new Histogram(3);
    private final Histogram leg1 = new Histogram(3);
    private final Histogram leg2 = new Histogram(3);
    private Histogram registrationRecycle;
    private Histogram leg1Recycle;
    private Histogram leg2Recycle;

    static String statusReason(int code) {
        return code >= 0 && code < STATUS_REASONS.length ? STATUS_REASONS[code] : "status_" + code;
    }

    void fail(String reason) {
        failures.computeIfAbsent(reason, r -> new LongAdder()).increment();
        failed.increment();
    }

    void leg1(long nanos) {
        leg1Recorder.recordValue(micros(nanos));
    }

    void leg2(long nanos) {
        leg2Recorder.recordValue(micros(nanos));
    }

    void succeeded(long scheduledNanos, long nowNanos) {
        registrationRecorder.recordValue(micros(nowNanos - scheduledNanos));
        succeeded.increment();
        if (nowNanos <= stepEndNanos) {
            succeededInStep.increment();
        }
    }

    private static long micros(long nanos) {
        return Math.max(0, nanos / 1000);
    }

    /** Moves what the recorders took since the last call into the cumulative histograms. */
    synchronized void drain() {
        registrationRecycle = registrationRecorder.getIntervalHistogram(registrationRecycle);
        registration.add(registrationRecycle);
        leg1Recycle = leg1Recorder.getIntervalHistogram(leg1Recycle);
        leg1.add(leg1Recycle);
        leg2Recycle = leg2Recorder.getIntervalHistogram(leg2Recycle);
        leg2.add(leg2Recycle);
    }

    /** Cumulative registration latency so far, as of the last drain. */
    synchronized LatencySummary registrationSoFar() {
        return LatencySummary.of(registration);
    }

    synchronized RunResult result(double targetRate, double durationSeconds, double senderLagMaxMs, long senderLate,
                                double cpuCores) {
        drain();
        Map<String, Long> byReason = new TreeMap<>();
        failures.forEach((k, v) -> byReason.put(k, v.sum()));
        long ok = succeeded.sum();
        return new RunResult(targetRate, durationSeconds, attempted.sum(), ok, byReason, skippedBusy.sum(),
                retransmissions.sum(), LatencySummary.of(registration), LatencySummary.of(leg1),
                LatencySummary.of(leg2), ok / durationSeconds, succeededInStep.sum() / durationSeconds, senderLagMaxMs,
                senderLate, cpuCores);
    }
}
