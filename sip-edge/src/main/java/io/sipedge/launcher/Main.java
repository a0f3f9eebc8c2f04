package io.sipedge.launcher;

import io.netty.util.ResourceLeakDetector;
import io.sipedge.directory.DirectoryException;
import io.sipedge.directory.ImportFile;
import io.sipedge.directory.ImportSummary;
import io.sipedge.directory.file.FileDirectory;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar sip-edge.jar [--config FILE] [--set key=value]... [run | import FILE [--skip-invalid] |
 * --check-config]}. Exit codes: 0 done, 1 failure at run time (a port taken, bad import lines), 2 bad
 * usage or configuration.
 */
public final class Main {
    private static final Logger log = LoggerFactory.getLogger(Main.class);
    static final int EXIT_FAILURE = 1;
    static final int EXIT_CONFIG = 2;

    private Main() {
    }

    public static void main(String[] args) {
        // Netty's leak detector keeps a stack trace of one buffer in 128, about 1 % of an event
        // loop's time: a tool for tests, which run without this method. -Dio.netty.leakDetection.level
        // turns it on here too.
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
        int code = run(args, System.getenv(), System.out, System.err);
        if (code >= 0) {
            System.exit(code);
        }
    }

    /** Runs a command; returns the exit code, or -1 when the edge keeps running in the background. */
    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        Path config = env.containsKey("SIPEDGE_CONFIG") ? Path.of(env.get("SIPEDGE_CONFIG")) : null;
        List<String> sets = new ArrayList<>();
        List<String> rest = new ArrayList<>();
        boolean check = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "-h", "--help", "help" -> {
                    out.print(usage());
                    return 0;
                }
                case "--config" -> {
                    if (++i >= args.length) {
                        err.println("sip-edge: --config needs a file");
                        return EXIT_CONFIG;
                    }
                    config = Path.of(args[i]);
                }
                case "--set" -> {
                    if (++i >= args.length) {
                        err.println("sip-edge: --set needs key=value");
                        return EXIT_CONFIG;
                    }
                    sets.add(args[i]);
                }
                case "--check-config" -> check = true;
                default -> rest.add(a);
            }
        }
        if (check && !rest.isEmpty()) {
            err.println("sip-edge: --check-config takes no command (got " + rest.get(0) + ")");
            return EXIT_CONFIG;
        }
        EdgeConfig.Loaded loaded;
        try {
            if (config != null && !Files.isReadable(config)) {
                throw new ConfigException("--config", "cannot read " + config);
            }
            loaded = EdgeConfig.read(config, env, sets, check);
        } catch (ConfigException e) {
            for (ConfigException p : e.problems()) {
                err.println("sip-edge: configuration error: " + p.getMessage());
            }
            return EXIT_CONFIG;
        }
        if (check) {
            out.println("configuration OK");
            loaded.describe().forEach(line -> out.println("  " + line));
            return 0;
        }
        EdgeConfig cfg = loaded.config();
        String command = rest.isEmpty() ? "run" : rest.get(0);
        switch (command) {
            case "run" -> {
                if (rest.size() > 1) {
                    err.println("sip-edge: unexpected argument " + rest.get(1) + " (see --help)");
                    return EXIT_CONFIG;
                }
                return serve(loaded, err);
            }
            case "import" -> {
                boolean skip = rest.remove("--skip-invalid");
                boolean md5Only = rest.remove("--md5-only");
                if (rest.size() != 2) {
                    err.println("sip-edge: usage: import FILE [--skip-invalid] [--md5-only]");
                    return EXIT_CONFIG;
                }
                return importFile(cfg, Path.of(rest.get(1)), skip, md5Only, out, err);
            }
            case "backup", "restore" -> {
                if (rest.size() != 2) {
                    err.println("sip-edge: usage: " + command + " DIR");
                    return EXIT_CONFIG;
                }
                return copy(command, cfg.dataDir(), Path.of(rest.get(1)), out, err);
            }
            default -> {
                err.println("sip-edge: unknown command or option " + command + " (see --help)");
                return EXIT_CONFIG;
            }
        }
    }

    private static int serve(EdgeConfig.Loaded loaded, PrintStream err) {
        EdgeConfig cfg = loaded.config();
        Edge edge;
        try {
            LogFormat.apply(cfg.logFormat());
            // Once, before anything starts: what this process runs with, secrets masked.
            for (String line : loaded.describe()) {
                log.info("configuration {}", line);
            }
            edge = Edge.start(cfg, InstantSource.system());
        } catch (ConfigException e) {
            for (ConfigException p : e.problems()) {
                err.println("sip-edge: configuration error: " + p.getMessage());
            }
            return EXIT_CONFIG;
        } catch (DirectoryException e) {
            err.println("sip-edge: " + e.getMessage());
            return EXIT_FAILURE;
        } catch (Exception e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            String hint = root instanceof BindException ? " (is a port already in use? see sip.port, sip.tls-port, "
                    + "http.port, http.admin-port)" : "";
            err.println("sip-edge: cannot start: " + root + hint);
            return EXIT_FAILURE;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            int unfinished = edge.drain();
            if (unfinished > 0) {
                System.err.println("sip-edge: " + unfinished + " transaction(s) still in progress after the drain");
            }
            edge.close();
            stopped.countDown();
            // Only SIGTERM, SIGINT or SIGHUP end the edge, and that is its normal stop: exit 0 (a
            // supervisor counts 143 as a failure), now that everything is flushed and closed.
            Runtime.getRuntime().halt(0);
        }, "shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return -1;
    }

    /**
     * Bad lines refuse the whole file unless {@code --skip-invalid}: an operator learns of every
     * problem at once, and a half-imported file never needs untangling. The import writes the data
     * directory itself, so the edge must be stopped (the directory lock enforces it).
     */
    static int importFile(EdgeConfig cfg, Path file, boolean skipInvalid, boolean md5Only, PrintStream out,
                          PrintStream err) {
        ImportFile.Parsed parsed;
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            parsed = ImportFile.parse(r);
        } catch (IOException e) {
            err.println("sip-edge: cannot read " + file + ": " + e.getMessage());
            return EXIT_FAILURE;
        }
        for (ImportFile.BadLine bad : parsed.bad()) {
            err.println(file + ":" + bad.lineNumber() + ": " + bad.problem());
        }
        if (!parsed.bad().isEmpty() && !skipInvalid) {
            err.println("sip-edge: " + parsed.bad().size() + " bad line(s); nothing imported "
                    + "(fix them, or pass --skip-invalid to import the good lines)");
            return EXIT_FAILURE;
        }
        try {
            Files.createDirectories(cfg.dataDir());
            try (FileDirectory dir = FileDirectory.open(cfg.dataDir(), InstantSource.system())) {
                ImportSummary s = dir.importLines(parsed.lines());
                if (md5Only) {
                    // Clients such as Debian 12's baresip 1.0 abort on any non-MD5 challenge.
                    parsed.lines().stream().map(l -> l.domain()).distinct()
                            .forEach(d -> dir.tenantByDomain(d)
                                    .ifPresent(t -> dir.updateTenant(t.id(), null, true, false)));
                }
                out.printf("imported %d line(s) from %s: %d tenant(s) created, %d device(s) created, %d updated; "
                                + "%d bad line(s) skipped%n", parsed.lines().size(), file, s.tenantsCreated(),
                        s.devicesCreated(), s.devicesUpdated(), parsed.bad().size());
            }
            return 0;
        } catch (DirectoryException | IOException e) {
            err.println("sip-edge: import failed: " + e.getMessage());
            return EXIT_FAILURE;
        }
    }

    /**
     * {@code backup DIR} copies the data directory while the edge runs; {@code restore DIR} copies a
     * backup into an empty data directory, with the edge stopped.
     */
    static int copy(String command, Path dataDir, Path dir, PrintStream out, PrintStream err) {
        try {
            boolean backup = command.equals("backup");
            Backup.Summary s = backup ? Backup.backup(dataDir, dir) : Backup.restore(dir, dataDir);
            out.printf("%s %s: %d tenant(s), %d device(s), %d binding(s); loaded back to check it%n",
                    backup ? "backed up " + dataDir + " into" : "restored into " + dataDir + " from", dir,
                    s.tenants(), s.devices(), s.bindings());
            return 0;
        } catch (IOException | DirectoryException e) {
            err.println("sip-edge: " + command + " failed: " + e.getMessage());
            return EXIT_FAILURE;
        }
    }

    static String usage() {
        return """
                sip-edge: SIP registrar edge with a provisioning sidecar

                Usage:
                  java -jar sip-edge.jar [options]                      start the edge (the default command: run)
                  java -jar sip-edge.jar [options] import FILE [--skip-invalid] [--md5-only]
                                                                        bulk-import users, lines domain;username;password[;auth_username]
                                                                        (stop the edge first; a bad line refuses the file unless --skip-invalid;
                                                                        --md5-only makes the file's tenants offer only MD5 challenges)
                  java -jar sip-edge.jar [options] backup DIR           copy the data directory (users, bindings, keys) into DIR, which
                                                                        must not exist or be empty; while the edge runs
                  java -jar sip-edge.jar [options] restore DIR          copy the backup DIR into the data directory, which must hold no
                                                                        data yet (stop the edge first)
                  java -jar sip-edge.jar [options] --check-config       check the configuration and exit: 0 and "configuration OK"
                                                                        with the effective settings (secrets masked), or 2 and one
                                                                        line per error; binds no port and writes nothing
                  java -jar sip-edge.jar --help                         this text

                Options:
                  --config FILE      read settings from a YAML file (also SIPEDGE_CONFIG); see config/edge.yaml
                  --set KEY=VALUE    override one setting (repeatable); wins over the file and the environment

                Environment: SIPEDGE_<KEY> sets a setting (the variables below); a secret may instead be read
                from a file, SIPEDGE_<KEY>_FILE=PATH (trailing newline dropped), as Docker secrets and systemd
                credentials provide them: {secret-files}.

                Settings (key, environment variable, default, rule):
                """.replace("{secret-files}", EdgeConfig.secretFileVariables()) + EdgeConfig.reference();
    }
}
