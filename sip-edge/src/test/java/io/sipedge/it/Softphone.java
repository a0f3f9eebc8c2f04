package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.sipedge.model.Aor;
import io.sipedge.model.Binding;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Debian softphone run headless as a child process for call tests: baresip (baresip-core) or
 * linphonec (linphone-cli), each with its own temporary config/home directory, registered to the
 * edge with digest, the tenant domain as its realm and the edge at {@code 127.0.0.1:PORT} as its
 * outbound proxy, so the (made-up) domain is never resolved. Commands go to its console on stdin;
 * its console output is kept line by line, and {@link #await} waits for the next line that matches.
 *
 * <p>No sound card is needed: baresip plays to and records from its {@code aubridge} module (an
 * in-process bridge), linphonec has no device configured and carries on without one. RTP, if any,
 * goes to the 127.0.0.1 addresses in the SDP. Neither client is told anything but loopback
 * addresses, and baresip's DNS server is a dead loopback port, so nothing leaves the machine.
 */
final class Softphone implements AutoCloseable {
    enum Transport { UDP, TCP, TLS }

    private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;]*[A-Za-z\\]]|\u0007");
    /** baresip's call-status ticker: many per second while a call is up, worthless in a report. */
    private static final Pattern TICKER = Pattern.compile("^\\s*\\[\\d+:\\d\\d:\\d\\d\\] audio=.*");

    final String program;
    final String user;
    final String domain;
    final Transport transport;
    private final Path home;
    private final Path log;
    private final String quit;
    private final Process process;
    private final Writer stdin;
    private final List<String> lines = new ArrayList<>();
    private int next; // lines before this index have been matched by await() already

    private Softphone(String program, String user, String domain, Transport transport, Path home, Path log,
                      String quit, ProcessBuilder pb) throws IOException {
        this.program = program;
        this.user = user;
        this.domain = domain;
        this.transport = transport;
        this.home = home;
        this.log = log;
        this.quit = quit;
        pb.environment().put("HOME", home.toString());
        pb.environment().remove("DISPLAY");
        this.process = pb.directory(home.toFile()).redirectErrorStream(true).start();
        this.stdin = process.outputWriter(StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                // readLine also ends a line at a lone CR, which baresip's console uses a lot.
                for (String line; (line = r.readLine()) != null; ) {
                    String clean = ANSI.matcher(line).replaceAll("");
                    synchronized (lines) {
                        lines.add(clean);
                        lines.notifyAll();
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, program + "-" + user + "-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    /** Whether {@code exe} is on the PATH. */
    static boolean installed(String exe) {
        return SipsakRegistrationTest.onPath(exe);
    }

    /**
     * baresip 1.0 with a console (stdio + menu), its SIP trace on ({@code -s}), one account whose
     * outbound proxy is the edge, and calls answered only when told ({@code /accept}).
     */
    static Softphone baresip(EdgeUnderTest edge, String user, String domain, String password, Transport t)
            throws IOException {
        assertTrue(installed("baresip"), "baresip is not installed (Debian: apt-get install baresip-core; .ci/run does)");
        Path home = Files.createTempDirectory("baresip-" + user);
        String tp = t.name().toLowerCase(Locale.ROOT);
        Files.writeString(home.resolve("config"), String.join("\n",
                "poll_method\t\tepoll",
                "sip_listen\t\t127.0.0.1:0",
                "net_interface\t\t127.0.0.1",
                // Nothing should need DNS (the outbound proxy is an IP literal); if anything did, the
                // query would go to a dead loopback port rather than to the machine's resolver.
                "dns_server\t\t127.0.0.1:9",
                "call_local_timeout\t30",
                "audio_player\t\taubridge,nil",
                "audio_source\t\taubridge,nil",
                "audio_alert\t\taubridge,nil",
                "module_path\t\t/usr/lib/baresip/modules",
                "module\t\t\tstdio.so",
                "module\t\t\tg711.so",
                "module\t\t\taubridge.so",
                "module_app\t\taccount.so",
                "module_app\t\tmenu.so", ""), StandardCharsets.UTF_8);
        Files.writeString(home.resolve("accounts"), "<sip:" + user + "@" + domain + ">;auth_pass=" + password
                + ";outbound=\"sip:127.0.0.1:" + port(edge, t) + ";transport=" + tp + "\";regint=600\n",
                StandardCharsets.UTF_8);
        // Its stdout is a pipe, so C's stdio would hold lines back in a 4 KiB buffer: line-buffer it.
        ProcessBuilder pb = new ProcessBuilder("stdbuf", "-oL", "-eL", "baresip", "-f", home.toString(), "-s");
        return new Softphone("baresip", user, domain, t, home, null, "/quit", pb);
    }

    /**
     * linphonec (liblinphone 5.1) with its proxy config in {@code .linphonerc}: the edge as registrar
     * and route, the realm's credentials, no sound card or video, commands on stdin and liblinphone's
     * full log (SIP messages included) in a file for diagnostics.
     */
    static Softphone linphonec(EdgeUnderTest edge, String user, String domain, String password, Transport t)
            throws IOException {
        assertTrue(installed("linphonec"), "linphonec is not installed (Debian: apt-get install linphone-cli; .ci/run does)");
        Path home = Files.createTempDirectory("linphonec-" + user);
        // liblinphone keeps its database there and does not create the directories itself.
        Files.createDirectories(home.resolve(".local/share/linphone"));
        String tp = t.name().toLowerCase(Locale.ROOT);
        String edgeUri = "<sip:127.0.0.1:" + port(edge, t) + ";transport=" + tp + ">";
        Path rc = home.resolve(".linphonerc");
        Files.writeString(rc, String.join("\n",
                "[sip]",
                // -1: a random port for the transport in use, 0: that transport off.
                "sip_port=" + (t == Transport.UDP ? -1 : 0),
                "sip_tcp_port=" + (t == Transport.TCP ? -1 : 0),
                "sip_tls_port=" + (t == Transport.TLS ? -1 : 0),
                // The test edge's certificate is self-signed for 127.0.0.1.
                "verify_server_certs=0",
                "verify_server_cn=0",
                "default_proxy=0",
                "",
                "[rtp]",
                "audio_rtp_port=-1",
                "",
                "[proxy_0]",
                "reg_proxy=" + edgeUri,
                "reg_route=" + edgeUri,
                "reg_identity=\"" + user + "\" <sip:" + user + "@" + domain + ">",
                "reg_expires=600",
                "reg_sendregister=1",
                "publish=0",
                "dial_escape_plus=0",
                "",
                "[auth_info_0]",
                "username=" + user,
                "passwd=" + password,
                "realm=" + domain,
                "domain=" + domain,
                "",
                "[sound]",
                "playback_dev_id=",
                "capture_dev_id=",
                "ringer_dev_id=",
                "",
                "[video]",
                "enabled=0",
                "capture=0",
                "display=0", ""), StandardCharsets.UTF_8);
        Path log = home.resolve("linphonec.log");
        ProcessBuilder pb = new ProcessBuilder("linphonec", "-c", rc.toString(), "-d", "6", "-l", log.toString());
        return new Softphone("linphonec", user, domain, t, home, log, "quit", pb);
    }

    String aor() {
        return "sip:" + user + "@" + domain;
    }

    private static int port(EdgeUnderTest edge, Transport t) {
        return t == Transport.TLS ? edge.sipTlsPort() : edge.sipPort();
    }

    /** Waits until the edge holds a binding for this phone on its transport, or fails with its output. */
    Softphone awaitRegistered(EdgeUnderTest edge, Duration timeout) throws InterruptedException {
        Aor aor = new Aor(user, domain);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && process.isAlive()) {
            List<Binding> b = edge.locations().lookup(aor, edge.clock().instant());
            if (b.stream().anyMatch(x -> x.transport().name().equals(transport.name()))) {
                return this;
            }
            Thread.sleep(100);
        }
        fail(this + " did not register over " + transport + " within " + timeout + ":\n" + report());
        return this;
    }

    /** Types one console command. */
    void send(String command) throws IOException {
        stdin.write(command + "\n");
        stdin.flush();
    }

    /**
     * The first output line after the last one matched that contains a match of {@code regex};
     * fails with the phone's output after {@code timeout} or when the process ends first.
     */
    Matcher await(String regex, Duration timeout) throws InterruptedException {
        Pattern p = Pattern.compile(regex);
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lines) {
            while (true) {
                for (; next < lines.size(); next++) {
                    Matcher m = p.matcher(lines.get(next));
                    if (m.find()) {
                        next++;
                        return m;
                    }
                }
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0 || !process.isAlive() && next >= lines.size()) {
                    fail(this + " never printed /" + regex + "/" + (process.isAlive() ? "" : " (it exited)") + ":\n"
                            + report());
                }
                lines.wait(Math.min(left, 200));
            }
        }
    }

    private boolean baresip() {
        return program.equals("baresip");
    }

    // What a person would do and see, in each client's own words. baresip: its menu's commands and
    // info lines (src/call.c, src/ua.c, modules/menu of 1.0.0); linphonec: its commands and call
    // state lines.

    /** Places a call to {@code callee}, an AOR. */
    void dial(String callee) throws IOException {
        send((baresip() ? "/dial " : "call ") + callee);
    }

    /** Waits until an incoming call from {@code caller} (an AOR) is offered to the user. */
    void awaitIncomingCallFrom(String caller, Duration timeout) throws InterruptedException {
        await(baresip() ? "Incoming call from: .*" + Pattern.quote(caller) + " "
                : "Receiving new incoming call from " + Pattern.quote(caller) + ", assigned id", timeout);
    }

    /** Answers the incoming call. */
    void answer() throws IOException {
        send(baresip() ? "/accept" : "answer");
    }

    /** Waits until the call with {@code peer} is up (2xx and ACK done). */
    void awaitEstablishedWith(String peer, Duration timeout) throws InterruptedException {
        await(baresip() ? "Call established: " + Pattern.quote(peer)
                : "Call \\d+ with " + Pattern.quote(peer) + " connected", timeout);
    }

    /** Hangs up the current call. */
    void hangUp() throws IOException {
        send(baresip() ? "/hangup" : "terminate");
    }

    /**
     * Waits until this phone's own hang-up of the call with {@code peer} is done. baresip says
     * nothing when its BYE is answered (nor "terminated" for calls under a second), so for it the
     * trace must show the 2xx to the BYE.
     */
    void awaitHungUp(String peer, Duration timeout) throws InterruptedException {
        if (baresip()) {
            await("call: terminate call '[^']*' with " + Pattern.quote(peer), timeout);
            awaitTraced("^SIP/2\\.0 2\\d\\d ", "^CSeq: \\d+ BYE", timeout);
        } else {
            await("Call \\d+ with " + Pattern.quote(peer) + " ended", timeout);
        }
    }

    /** Waits until {@code peer}'s BYE has ended the call here. */
    void awaitHungUpBy(String peer, Duration timeout) throws InterruptedException {
        if (baresip()) {
            awaitTraced("^BYE sip:", "^From: .*" + Pattern.quote(peer), timeout);
            await(Pattern.quote(peer) + ": session closed", timeout);
        } else {
            await("Call \\d+ with " + Pattern.quote(peer) + " ended", timeout);
        }
    }

    /**
     * baresip's SIP trace ({@code -s}): the next traced message whose first line matches
     * {@code startLine} and one of whose header lines matches {@code header}; returns its head.
     */
    String awaitTraced(String startLine, String header, Duration timeout) throws InterruptedException {
        Pattern start = Pattern.compile(startLine);
        Pattern h = Pattern.compile(header);
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lines) {
            while (true) {
                scan:
                for (int i = next; i < lines.size(); i++) {
                    if (!start.matcher(lines.get(i)).find()) {
                        continue;
                    }
                    for (int j = i + 1; j < lines.size(); j++) {
                        if (lines.get(j).isEmpty()) { // the end of the head
                            List<String> head = lines.subList(i, j);
                            if (head.stream().anyMatch(l -> h.matcher(l).find())) {
                                next = j + 1;
                                return String.join("\n", head);
                            }
                            continue scan;
                        }
                    }
                    break; // that message is still arriving
                }
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0 || !process.isAlive()) {
                    fail(this + " never traced a message /" + startLine + "/ with /" + header + "/"
                            + (process.isAlive() ? "" : " (it exited)") + ":\n" + report());
                }
                lines.wait(Math.min(left, 200));
            }
        }
    }

    /** Every output line so far (ANSI colours and baresip's call ticker removed). */
    String output() {
        synchronized (lines) {
            return String.join("\n", lines.stream().filter(l -> !l.isBlank() && !TICKER.matcher(l).matches()).toList());
        }
    }

    /** The output, and for linphonec the SIP messages from its log, for a failure message. */
    String report() {
        StringBuilder sb = new StringBuilder("--- ").append(this).append(" console ---\n").append(output());
        if (log != null && Files.exists(log)) {
            try {
                List<String> l = Files.readAllLines(log, StandardCharsets.ISO_8859_1).stream()
                        .filter(x -> !x.contains("codec") && !x.contains("encoder for") && !x.contains("Stream #")).toList();
                sb.append("\n--- ").append(this).append(" log (last 300 lines) ---\n")
                        .append(String.join("\n", l.subList(Math.max(0, l.size() - 300), l.size())));
            } catch (IOException e) {
                sb.append("\n(log unreadable: ").append(e).append(')');
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return program + " " + aor() + " over " + transport;
    }

    /** Quits through the console (both un-REGISTER first), kills it if that hangs, removes its directory. */
    @Override
    public void close() throws IOException {
        try {
            if (process.isAlive()) {
                try {
                    send(quit);
                } catch (IOException gone) {
                    // already exiting
                }
                try {
                    if (!process.waitFor(10, TimeUnit.SECONDS)) {
                        process.destroyForcibly();
                        process.waitFor(5, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    process.destroyForcibly(); // the test is being stopped: do not leave the client behind
                    Thread.currentThread().interrupt();
                }
            }
            assertFalse(process.isAlive(), this + " would not exit");
        } finally {
            try (Stream<Path> s = Files.walk(home)) {
                s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
