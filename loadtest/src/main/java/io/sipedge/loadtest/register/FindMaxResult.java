package io.sipedge.loadtest.register;

import java.util.List;

/**
 * A find-max search: every step run, and the highest rate that passed (0 when the first step failed).
 */
public record FindMaxResult(List<Step> steps, double maxSustained) {
    public FindMaxResult {
        steps = List.copyOf(steps);
    }

    /** One step; {@code failReason} is null when it passed. */
    public record Step(RunResult result, boolean passed, String failReason) {
    }

    /** Why the search stopped: the failing step's reason, or that the maximum rate passed. */
    public String stopReason() {
        for (Step s : steps) {
            if (!s.passed()) {
                return s.failReason();
            }
        }
        return "reached --max";
    }
}
