package io.sipedge.sip.proxy;

import java.util.ArrayList;
import java.util.List;

/** The proxy's script tables: an event, then the actions it must return, pair after pair. */
final class Scripts {
    private Scripts() {
    }

    /** {@code script} as (event, expected actions) pairs. */
    static List<String[]> steps(String... script) {
        if (script.length % 2 != 0) {
            throw new IllegalArgumentException("an event without its expected actions: " + script[script.length - 1]);
        }
        List<String[]> steps = new ArrayList<>();
        for (int i = 0; i < script.length; i += 2) {
            steps.add(new String[] {script[i], script[i + 1]});
        }
        return steps;
    }
}
