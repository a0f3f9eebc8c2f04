package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;

/**
 * One of the Node scripts of {@code src/test/browser} (driver.mjs, portal.mjs) as a child process:
 * headless Chromium driven by playwright-core, one command per stdin line, one JSON event per
 * stdout line. The browser tests share this; each says which events end a wait as a failure.
 */
final class BrowserScript implements AutoCloseable {
    static final Path DIR = Path.of("src/test/browser").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Error events, and any {@code *_failed} unless that is what is awaited. */
    static final BiPredicate<String, String> FAILURES = (event, awaited) -> event.equals("error")
            || event.endsWith("_failed") && !awaited.endsWith("_failed");

    private final Process process;
    private final Writer in;
    private final BiPredicate<String, String> fatal;
    private final Duration wait;
    private final BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
    /** Every event taken so far, as text (a screenshot's PNG left out), for failure messages. */
    final List<String> seen = new ArrayList<>();
    private final List<JsonNode> taken = new ArrayList<>();

    private BrowserScript(Process process, BiPredicate<String, String> fatal, Duration wait, String name) {
        this.process = process;
        this.fatal = fatal;
        this.wait = wait;
        this.in = process.outputWriter(StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    try {
                        events.add(JSON.readTree(line));
                    } catch (IOException notJson) {
                        events.add(JSON.createObjectNode().put("event", "stdout").put("text", line));
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, name + "-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    /** The scripts' npm packages, from the committed lockfile, when a checkout has none yet. */
    static void install() throws Exception {
        if (Files.isDirectory(DIR.resolve("node_modules/playwright-core"))) {
            return;
        }
        Process npm = new ProcessBuilder("npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund")
                .directory(DIR.toFile()).redirectErrorStream(true).start();
        String out = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(npm.waitFor(300, TimeUnit.SECONDS), "npm ci did not finish");
        assertEquals(0, npm.exitValue(), "npm ci in " + DIR + " failed:\n" + out);
    }

    /**
     * Starts {@code script} with {@code args}; {@link #await} fails on an event {@code fatal}
     * names (given the event and the awaited name) or after {@code wait}.
     */
    static BrowserScript start(String script, List<String> args, BiPredicate<String, String> fatal, Duration wait)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of("node", DIR.resolve(script).toString()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        return new BrowserScript(pb.start(), fatal, wait, script);
    }

    /** The next event named {@code name}. */
    JsonNode await(String name) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            JsonNode e = left > 0 ? events.poll(left, TimeUnit.NANOSECONDS) : null;
            if (e == null) {
                fail("no '" + name + "' from the browser script; it said: " + seen);
            }
            record(e);
            String event = e.path("event").asText();
            if (event.equals(name)) {
                return e;
            }
            if (fatal.test(event, name)) {
                fail("the browser script reported " + e + " while waiting for '" + name + "'; before: " + seen);
            }
        }
    }

    /** Every event so far, those not awaited included (waits {@code quiet} for stragglers). */
    List<JsonNode> all(Duration quiet) throws InterruptedException {
        JsonNode e;
        while ((e = events.poll(quiet.toMillis(), TimeUnit.MILLISECONDS)) != null) {
            record(e);
        }
        return List.copyOf(taken);
    }

    private void record(JsonNode e) {
        taken.add(e);
        seen.add(e.has("png") ? e.path("event").asText() + " (png)" : e.toString());
    }

    void send(String command) throws IOException {
        in.write(command + "\n");
        in.flush();
    }

    @Override
    public void close() {
        try {
            send("quit");
        } catch (IOException alreadyGone) {
            // the script has exited
        }
        try {
            if (process.waitFor(15, TimeUnit.SECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroyForcibly();
    }
}
