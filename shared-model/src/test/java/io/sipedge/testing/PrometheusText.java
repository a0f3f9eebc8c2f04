package io.sipedge.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A scrape in the Prometheus text format 0.0.4, parsed for assertions: samples by name and exact
 * label set, and the families declared by {@code # TYPE}. Strict on purpose: a line it cannot read
 * fails the test rather than being skipped.
 */
public final class PrometheusText {
    private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})? (\\S+)( \\d+)?");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");

    /** One sample line. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private final String text;
    private final List<Sample> samples = new ArrayList<>();
    private final Map<String, String> types = new LinkedHashMap<>();

    private PrometheusText(String text) {
        this.text = text;
    }

    public static PrometheusText parse(String text) {
        PrometheusText p = new PrometheusText(text);
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("# HELP ")) {
                continue;
            }
            if (line.startsWith("# TYPE ")) {
                String[] f = line.split(" ");
                p.types.put(f[2], f[3]);
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches()) {
                throw new AssertionError("not a Prometheus sample line: " + line);
            }
            Map<String, String> labels = new TreeMap<>();
            if (m.group(3) != null && !m.group(3).isEmpty()) {
                Matcher l = LABEL.matcher(m.group(3));
                int end = 0;
                while (l.find() && l.start() == end) {
                    labels.put(l.group(1), l.group(2));
                    end = l.end();
                }
                if (end != m.group(3).length()) {
                    throw new AssertionError("unreadable labels in: " + line);
                }
            }
            p.samples.add(new Sample(m.group(1), labels, parseValue(m.group(4))));
        }
        return p;
    }

    private static double parseValue(String v) {
        return switch (v) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(v);
        };
    }

    /** The raw text, for searching it and for failure messages. */
    public String text() {
        return text;
    }

    public List<Sample> samples() {
        return samples;
    }

    /** Family name → type, from the {@code # TYPE} lines. */
    public Map<String, String> types() {
        return types;
    }

    /** The sample names, each once. */
    public Set<String> names() {
        Set<String> out = new LinkedHashSet<>();
        samples.forEach(s -> out.add(s.name()));
        return out;
    }

    /**
     * The value of the sample with exactly these labels ({@code "key", "value", …}); an
     * AssertionError when there is none.
     */
    public double value(String name, String... labels) {
        Double v = find(name, labels);
        if (v == null) {
            throw new AssertionError("no sample " + name + labelsOf(labels) + " in the scrape:\n" + text);
        }
        return v;
    }

    /** As {@link #value}, but 0 when the sample is absent (a meter created on first use). */
    public double valueOrZero(String name, String... labels) {
        Double v = find(name, labels);
        return v == null ? 0 : v;
    }

    /** Every sample of {@code name}. */
    public List<Sample> all(String name) {
        return samples.stream().filter(s -> s.name().equals(name)).toList();
    }

    private Double find(String name, String... labels) {
        Map<String, String> want = labelsOf(labels);
        for (Sample s : samples) {
            if (s.name().equals(name) && s.labels().equals(want)) {
                return s.value();
            }
        }
        return null;
    }

    private static Map<String, String> labelsOf(String... kv) {
        if (kv.length % 2 != 0) {
            throw new IllegalArgumentException("labels come in key, value pairs");
        }
        Map<String, String> m = new TreeMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }
}
