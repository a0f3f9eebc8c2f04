package io.sipedge.loadtest;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** {@code --name value} and {@code --flag} options of one command, checked against what it accepts. */
final class Arguments {
    /** A bad command line; the message is one line naming the option. */
    static final class BadArgument extends Exception {
        private static final long serialVersionUID = 1L;

        BadArgument(String option, String problem) {
            super(option + ": " + problem);
        }
    }

    private final Map<String, String> values = new HashMap<>();

    Arguments(String[] args, int from, Set<String> flags, Set<String> valued) throws BadArgument {
        for (int i = from; i < args.length; i++) {
            String a = args[i];
            if (!flags.contains(a) && !valued.contains(a)) {
                throw new BadArgument(a, a.startsWith("--") ? "unknown option" : "unexpected argument");
            }
            if (values.containsKey(a)) {
                throw new BadArgument(a, "given twice");
            }
            if (flags.contains(a)) {
                values.put(a, "true");
            } else if (i + 1 >= args.length) {
                throw new BadArgument(a, "needs a value");
            } else {
                values.put(a, args[++i]);
            }
        }
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    String string(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    String required(String name) throws BadArgument {
        String v = values.get(name);
        if (v == null) {
            throw new BadArgument(name, "required");
        }
        return v;
    }

    long integer(String name, long fallback, long min, long max) throws BadArgument {
        String v = values.get(name);
        if (v == null) {
            return fallback;
        }
        long n;
        try {
            n = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new BadArgument(name, "expected a whole number, got '" + v + "'");
        }
        if (n < min || n > max) {
            throw new BadArgument(name, "must be between " + min + " and " + max + ", got " + n);
        }
        return n;
    }

    /** A number > {@code exclusiveMin}, or >= 0 when {@code exclusiveMin} is negative. */
    double number(String name, double fallback, double exclusiveMin) throws BadArgument {
        String v = values.get(name);
        if (v == null) {
            return fallback;
        }
        double d;
        try {
            d = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new BadArgument(name, "expected a number, got '" + v + "'");
        }
        if (!Double.isFinite(d) || (exclusiveMin >= 0 ? d <= exclusiveMin : d < 0)) {
            throw new BadArgument(name, (exclusiveMin >= 0 ? "must be greater than " + fmt(exclusiveMin)
                    : "must not be negative") + ", got '" + v + "'");
        }
        return d;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
