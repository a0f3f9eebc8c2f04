package io.sipedge.loadtest.register;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Authenticated REGISTER load against a SIP registrar, the programmatic entry point (the CLI's
 * {@code register} command uses the same).
 *
 * <p>Each registration is REGISTER → 401/407 → REGISTER with Authorization → 200, for the next user
 * round-robin; registration i starts at start + i/rate whatever the server does (open loop), and its
 * latency counts from that scheduled time, so a slow server cannot hide queueing delay
 * (no coordinated omission).
 */
public final class RegisterLoad {
    private RegisterLoad() {
    }

    /** One run at {@code options.rate()} for {@code options.durationSeconds()}, then the drain. */
    public static RunResult run(RegisterOptions options) throws IOException {
        try (RegistrationDriver driver = new RegistrationDriver(options)) {
            return driver.runStep(options.rate(), options.durationSeconds());
        }
    }

    /**
     * Steps up the rate until a step fails (failures ≥ 0.1 % of attempted, or achieved < 95 % of
     * the target, see {@link #failReason}) or {@code max} passed, after an uncounted warm-up at half
     * the start rate. {@code options.rate()} and {@code durationSeconds()} are not used. The
     * warm-up's and each step's line go to {@code lines} when not null.
     */
    public static FindMaxResult findMax(RegisterOptions options, FindMaxOptions search, PrintStream lines)
            throws IOException {
        List<FindMaxResult.Step> steps = new ArrayList<>();
        double best = 0;
        try (RegistrationDriver driver = new RegistrationDriver(options)) {
            // Warm-up, not counted: half the start rate for half a step (at most 5 s). A cold JVM,
            // ours or the server's, at full rate loses the first step to compilation (and over UDP
            // to the retransmission storm that follows), so step 1 would measure the JIT.
            double warmRate = search.start() / 2;
            double warmSeconds = Math.min(5, search.stepSeconds() / 2);
            RunResult warm = driver.runStep(warmRate, warmSeconds);
            if (lines != null) {
                lines.println(String.format(Locale.ROOT, "warm-up: %.1f s at %.0f/s, not counted (ok=%d failed=%d)",
                        warmSeconds, warmRate, warm.succeeded(), warm.failed()));
            }
            int n = 0;
            for (double rate = search.start(); rate <= search.max() + 1e-9; rate += search.step()) {
                n++;
                if (search.pauseSeconds() > 0) {
                    sleep(search.pauseSeconds());
                }
                RunResult r = driver.runStep(rate, search.stepSeconds());
                String why = failReason(r);
                FindMaxResult.Step step = new FindMaxResult.Step(r, why == null, why);
                steps.add(step);
                if (lines != null) {
                    lines.println(stepLine(n, step));
                }
                if (why != null) {
                    break;
                }
                best = rate;
            }
        }
        return new FindMaxResult(steps, best);
    }

    /**
     * Null when the step passed, else why not. Besides the failure ratio and the achieved rate, the
     * successes completed within the step must reach 95 % of the target too: over UDP an overloaded
     * server loses requests, retransmissions get them through late, and the drain (up to the
     * timeout) would otherwise count a step with seconds of latency as sustained.
     */
    public static String failReason(RunResult r) {
        if (r.attempted() == 0 || r.failed() >= FindMaxOptions.MAX_FAILURE_RATIO * r.attempted()) {
            return String.format(Locale.ROOT, "failures %d of %d attempted (%.3f%%) >= %.1f%% %s", r.failed(),
                    r.attempted(), r.attempted() == 0 ? 100.0 : 100.0 * r.failed() / r.attempted(),
                    100 * FindMaxOptions.MAX_FAILURE_RATIO, r.failures());
        }
        if (r.achievedRate() < FindMaxOptions.MIN_ACHIEVED_RATIO * r.targetRate()) {
            return String.format(Locale.ROOT, "achieved %.1f/s < %.0f%% of target %.0f/s (skipped_busy=%d)",
                    r.achievedRate(), 100 * FindMaxOptions.MIN_ACHIEVED_RATIO, r.targetRate(), r.skippedBusy());
        }
        if (r.inStepRate() < FindMaxOptions.MIN_ACHIEVED_RATIO * r.targetRate()) {
            return String.format(Locale.ROOT, "only %.1f/s completed within the step, < %.0f%% of target %.0f/s"
                    + " (the rest finished late, in the drain; p50=%.2fms p99=%.2fms)", r.inStepRate(),
                    100 * FindMaxOptions.MIN_ACHIEVED_RATIO, r.targetRate(), r.registration().p50Ms(),
                    r.registration().p99Ms());
        }
        return null;
    }

    static String stepLine(int n, FindMaxResult.Step s) {
        RunResult r = s.result();
        return String.format(Locale.ROOT,
                "step %d: rate=%.0f/s achieved=%.1f/s in_step=%.1f/s ok=%d failed=%d retrans=%d p50=%.2fms p99=%.2fms"
                        + " lag=%.2fms cpu=%.2f %s",
                n, r.targetRate(), r.achievedRate(), r.inStepRate(), r.succeeded(), r.failed(), r.retransmissions(),
                r.registration().p50Ms(), r.registration().p99Ms(), r.senderLagMaxMs(),
                r.generatorCpuCores(), s.passed() ? "PASS" : "FAIL: " + s.failReason());
    }

    private static void sleep(double seconds) {
        try {
            TimeUnit.MILLISECONDS.sleep((long) (seconds * 1000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
