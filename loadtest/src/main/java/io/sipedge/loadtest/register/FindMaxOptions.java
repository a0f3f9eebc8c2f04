package io.sipedge.loadtest.register;

/**
 * A find-max search: steps of {@code stepSeconds} at start, start+step, ... up to max, with
 * {@code pauseSeconds} between steps.
 */
public record FindMaxOptions(double start, double step, double max, double stepSeconds, double pauseSeconds) {
    /** A step passes with failures below this fraction of attempted... */
    public static final double MAX_FAILURE_RATIO = 0.001;
    /**
     * ...and an achieved rate of at least this fraction of the target, both counting all successes
     * and counting only those completed within the step (see {@link RunResult#inStepRate}).
     */
    public static final double MIN_ACHIEVED_RATIO = 0.95;

    public FindMaxOptions {
        if (!(start > 0) || !(step > 0) || !(max >= start) || !(stepSeconds > 0) || pauseSeconds < 0) {
            throw new IllegalArgumentException("need start > 0, step > 0, max >= start, step duration > 0, pause >= 0");
        }
    }

    public static FindMaxOptions defaults() {
        return new FindMaxOptions(2000, 2000, 40000, 20, 3);
    }
}
