package io.sipedge.loadtest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.sipedge.loadtest.register.FindMaxResult;
import io.sipedge.loadtest.register.LatencySummary;
import io.sipedge.loadtest.register.RegisterOptions;
import io.sipedge.loadtest.register.RunResult;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@code --report-json}: snake_case fields, latencies in milliseconds as numbers. A plain run is
 * one object with the step fields at the top level; find-max has {@code steps} and
 * {@code max_sustained}.
 */
final class JsonReport {
    private static final JsonFactory JSON = new JsonFactory();

    private JsonReport() {
    }

    static void writeRun(Path file, RegisterOptions o, RunResult r) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
             JsonGenerator g = JSON.createGenerator(w).useDefaultPrettyPrinter()) {
            g.writeStartObject();
            g.writeStringField("mode", "run");
            target(g, o);
            stepFields(g, r);
            g.writeEndObject();
        }
    }

    static void writeFindMax(Path file, RegisterOptions o, FindMaxResult f) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
             JsonGenerator g = JSON.createGenerator(w).useDefaultPrettyPrinter()) {
            g.writeStartObject();
            g.writeStringField("mode", "find_max");
            target(g, o);
            g.writeArrayFieldStart("steps");
            for (FindMaxResult.Step s : f.steps()) {
                g.writeStartObject();
                stepFields(g, s.result());
                g.writeBooleanField("passed", s.passed());
                if (s.failReason() == null) {
                    g.writeNullField("fail_reason");
                } else {
                    g.writeStringField("fail_reason", s.failReason());
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeNumberField("max_sustained", f.maxSustained());
            g.writeStringField("stop_reason", f.stopReason());
            g.writeEndObject();
        }
    }

    private static void target(JsonGenerator g, RegisterOptions o) throws IOException {
        g.writeStringField("transport", o.transport().lowerName());
        g.writeStringField("host", o.host());
        g.writeNumberField("port", o.port());
        g.writeNumberField("users", o.users().size());
        g.writeNumberField("connections", o.connections());
        g.writeNumberField("expires", o.expires());
        g.writeNumberField("timeout_s", o.timeoutSeconds());
    }

    private static void stepFields(JsonGenerator g, RunResult r) throws IOException {
        g.writeNumberField("target_rate", r.targetRate());
        g.writeNumberField("duration_s", r.durationSeconds());
        g.writeNumberField("attempted", r.attempted());
        g.writeNumberField("succeeded", r.succeeded());
        g.writeNumberField("failed", r.failed());
        g.writeObjectFieldStart("failures");
        for (Map.Entry<String, Long> e : r.failures().entrySet()) {
            g.writeNumberField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
        g.writeNumberField("skipped_busy", r.skippedBusy());
        g.writeNumberField("retransmissions", r.retransmissions());
        g.writeNumberField("achieved_rate", r.achievedRate());
        g.writeNumberField("in_step_rate", r.inStepRate());
        g.writeNumberField("sender_lag_max_ms", r.senderLagMaxMs());
        g.writeNumberField("sender_late", r.senderLate());
        g.writeBooleanField("sender_lagged", r.senderLagged());
        g.writeNumberField("generator_cpu_cores", r.generatorCpuCores());
        g.writeObjectFieldStart("latency_ms");
        latency(g, "registration", r.registration());
        latency(g, "leg1", r.leg1());
        latency(g, "leg2", r.leg2());
        g.writeEndObject();
    }

    private static void latency(JsonGenerator g, String name, LatencySummary l) throws IOException {
        g.writeObjectFieldStart(name);
        g.writeNumberField("count", l.count());
        g.writeNumberField("p50", l.p50Ms());
        g.writeNumberField("p90", l.p90Ms());
        g.writeNumberField("p99", l.p99Ms());
        g.writeNumberField("max", l.maxMs());
        g.writeEndObject();
    }
}
