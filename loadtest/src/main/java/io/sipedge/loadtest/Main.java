package io.sipedge.loadtest;

import io.sipedge.loadtest.Arguments.BadArgument;
import io.sipedge.loadtest.register.FindMaxOptions;
import io.sipedge.loadtest.register.FindMaxResult;
import io.sipedge.loadtest.register.RegisterLoad;
import io.sipedge.loadtest.register.RegisterOptions;
import io.sipedge.loadtest.register.RunResult;
import io.sipedge.loadtest.register.SipUser;
import io.sipedge.loadtest.register.Users;
import io.sipedge.loadtest.responder.Responder;
import io.sipedge.loadtest.responder.ResponderOptions;
import io.sipedge.loadtest.transport.TransportType;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar loadtest.jar register|responder|users ...}. Exit codes: 0 done, 1 a plain run
 * had failures (or could not start), 2 bad arguments (one line naming the option).
 */
public final class Main {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int BAD_ARGUMENTS = 2;

    private static final String USAGE = String.join(System.lineSeparator(),
            "usage:",
            "  loadtest register --host 127.0.0.1 --port 5060 --transport udp|tcp|tls|ws|wss",
            "      (--users-file users.csv | --users N --domain D)",
            "      [--rate 1000] [--duration 20] [--expires 3600] [--timeout 32] [--connections 1]",
            "      [--find-max --start 2000 --step 2000 --max 40000 --step-duration 20 --pause 3]",
            "      [--report-json FILE] [--quiet] [--local-address 127.0.0.1] [--contact-port P] [--phone-state FILE]",
            "  loadtest responder --port P [--address 127.0.0.1] [--transport udp|tcp|both]",
            "  loadtest users --count N --domain D [--out FILE]");

    private static final Set<String> REGISTER_FLAGS = Set.of("--find-max", "--quiet");
    private static final Set<String> REGISTER_OPTIONS = Set.of("--host", "--port", "--transport", "--users-file",
            "--users", "--domain", "--rate", "--duration", "--expires", "--timeout", "--connections", "--start",
            "--step", "--max", "--step-duration", "--pause", "--report-json", "--local-address", "--contact-port",
            "--phone-state");
    private static final List<String> FIND_MAX_OPTIONS = List.of("--start", "--step", "--max", "--step-duration", "--pause");

    private Main() {
    }

    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        System.exit(code);
    }

    /** The whole CLI, returning the exit code (tests call this). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            (args.length == 0 ? err : out).println(USAGE);
            return args.length == 0 ? BAD_ARGUMENTS : OK;
        }
        try {
            return switch (args[0]) {
                case "register" -> register(args, out, err);
                case "responder" -> responder(args, out);
                case "users" -> users(args, out);
                default -> throw new BadArgument(args[0], "unknown command (register, responder, users)");
            };
        } catch (BadArgument e) {
            err.println("loadtest: " + e.getMessage());
            return BAD_ARGUMENTS;
        }
    }

    private static int register(String[] args, PrintStream out, PrintStream err) throws BadArgument {
        Arguments a = new Arguments(args, 1, REGISTER_FLAGS, REGISTER_OPTIONS);
        String host = a.string("--host", "127.0.0.1");
        int port = (int) a.integer("--port", 5060, 1, 65535);
        TransportType transport = transport(a.string("--transport", "udp"));
        List<SipUser> users = registerUsers(a);
        double rate = a.number("--rate", 1000, 0);
        double duration = a.number("--duration", 20, 0);
        int expires = (int) a.integer("--expires", 3600, 0, Integer.MAX_VALUE);
        double timeout = a.number("--timeout", 32, 0);
        int connections = (int) a.integer("--connections", 1, 1, 1024);
        int contactPort = (int) a.integer("--contact-port", 0, 0, 65535);
        InetAddress local = a.has("--local-address") ? address("--local-address", a.string("--local-address", null)) : null;
        boolean quiet = a.has("--quiet");
        Path json = a.has("--report-json") ? writablePath("--report-json", a.string("--report-json", null)) : null;
        Path phoneState = a.has("--phone-state") ? writablePath("--phone-state", a.string("--phone-state", null)) : null;
        boolean findMax = a.has("--find-max");
        if (!findMax) {
            for (String o : FIND_MAX_OPTIONS) {
                if (a.has(o)) {
                    throw new BadArgument(o, "only with --find-max");
                }
            }
        }
        FindMaxOptions search = null;
        if (findMax) {
            FindMaxOptions d = FindMaxOptions.defaults();
            double start = a.number("--start", d.start(), 0);
            double step = a.number("--step", d.step(), 0);
            double max = a.number("--max", d.max(), 0);
            if (max < start) {
                throw new BadArgument("--max", "must not be below --start (" + TextReport.rate(start) + ")");
            }
            search = new FindMaxOptions(start, step, max, a.number("--step-duration", d.stepSeconds(), 0),
                    a.number("--pause", d.pauseSeconds(), -1));
        }
        RegisterOptions options = RegisterOptions.builder(host, port, transport, users).rate(rate)
                .durationSeconds(duration).expires(expires).timeoutSeconds(timeout).connections(connections)
                .contactPort(contactPort).phoneState(phoneState)
                .localAddress(local).progress(quiet ? null : out).build();
        try {
            if (findMax) {
                FindMaxResult f = RegisterLoad.findMax(options, search, out);
                out.println("stopped: " + f.stopReason());
                out.println("max_sustained=" + TextReport.rate(f.maxSustained()));
                if (json != null) {
                    JsonReport.writeFindMax(json, options, f);
                }
                return OK;
            }
            RunResult r = RegisterLoad.run(options);
            out.print(TextReport.summary(r));
            if (json != null) {
                JsonReport.writeRun(json, options, r);
            }
            return r.failed() == 0 ? OK : FAILED;
        } catch (IOException e) {
            err.println("loadtest: " + host + ":" + port + " over " + transport.lowerName() + ": " + e);
            return FAILED;
        }
    }

    private static TransportType transport(String v) throws BadArgument {
        TransportType t = TransportType.parse(v);
        if (t == null) {
            throw new BadArgument("--transport", "expected udp, tcp, tls, ws or wss, got '" + v + "'");
        }
        return t;
    }

    private static List<SipUser> registerUsers(Arguments a) throws BadArgument {
        if (!a.has("--users-file") && !a.has("--users")) {
            throw new BadArgument("--users", "required: --users N --domain D, or --users-file FILE");
        }
        if (a.has("--users-file") && a.has("--users")) {
            throw new BadArgument("--users-file", "give --users-file FILE or --users N, not both");
        }
        if (a.has("--users-file")) {
            if (a.has("--domain")) {
                throw new BadArgument("--domain", "only with --users N (the file names each user's domain)");
            }
            try {
                return Users.read(Path.of(a.string("--users-file", null)));
            } catch (IOException e) {
                throw new BadArgument("--users-file", e instanceof Users.UsersFileException ? e.getMessage()
                        : "cannot read " + a.string("--users-file", null) + " (" + e + ")");
            }
        }
        int n = (int) a.integer("--users", 0, 1, 10_000_000);
        return Users.generate(n, domain(a));
    }

    private static String domain(Arguments a) throws BadArgument {
        String d = a.required("--domain");
        if (d.isBlank() || d.chars().anyMatch(c -> c == ';' || c <= ' ' || c == '@' || c == '>' || c == '"')) {
            throw new BadArgument("--domain", "expected a SIP domain (host name or IP), got '" + d + "'");
        }
        return d;
    }

    private static InetAddress address(String option, String v) throws BadArgument {
        try {
            return InetAddress.getByName(v);
        } catch (UnknownHostException e) {
            throw new BadArgument(option, "unknown address '" + v + "'");
        }
    }

    private static Path writablePath(String option, String v) throws BadArgument {
        Path p = Path.of(v).toAbsolutePath();
        if (p.getParent() != null && !Files.isDirectory(p.getParent())) {
            throw new BadArgument(option, "directory " + p.getParent() + " does not exist");
        }
        return p;
    }

    private static int responder(String[] args, PrintStream out) throws BadArgument {
        Arguments a = new Arguments(args, 1, Set.of(), Set.of("--port", "--address", "--transport"));
        int port = (int) a.integer("--port", 0, 0, 65535);
        a.required("--port");
        InetAddress address = address("--address", a.string("--address", "127.0.0.1"));
        String t = a.string("--transport", "both");
        if (!t.equals("udp") && !t.equals("tcp") && !t.equals("both")) {
            throw new BadArgument("--transport", "expected udp, tcp or both, got '" + t + "'");
        }
        ResponderOptions o = ResponderOptions.of(address, port).withTransports(!t.equals("tcp"), !t.equals("udp"));
        Responder r;
        try {
            r = Responder.start(o);
        } catch (IOException e) {
            System.err.println("loadtest: responder cannot bind " + address.getHostAddress() + ":" + port + ": " + e);
            return FAILED;
        }
        out.println("responder on " + address.getHostAddress() + (r.udpPort() > 0 ? " udp:" + r.udpPort() : "")
                + (r.tcpPort() > 0 ? " tcp:" + r.tcpPort() : "")
                + " (answers 401 then 200; checks no digest); Ctrl-C to stop");
        out.flush();
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("responder: requests=" + r.requests() + " answered=" + r.answered() + " dropped=" + r.dropped());
            out.flush();
            r.close();
            stop.countDown();
        }));
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return OK;
    }

    private static int users(String[] args, PrintStream out) throws BadArgument {
        Arguments a = new Arguments(args, 1, Set.of(), Set.of("--count", "--domain", "--out"));
        a.required("--count");
        int count = (int) a.integer("--count", 0, 1, 10_000_000);
        List<SipUser> users = Users.generate(count, domain(a));
        try {
            if (a.has("--out")) {
                Path file = writablePath("--out", a.string("--out", null));
                try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                    Users.write(users, w);
                }
                out.println("wrote " + count + " users to " + file);
            } else {
                StringBuilder s = new StringBuilder(count * 40);
                Users.write(users, s);
                out.print(s);
                out.flush();
            }
        } catch (IOException e) {
            throw new BadArgument("--out", "cannot write: " + e.getMessage());
        }
        return OK;
    }
}
