package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sipedge.loadtest.register.RegisterLoad;
import io.sipedge.loadtest.register.RegisterOptions;
import io.sipedge.loadtest.register.RunResult;
import io.sipedge.loadtest.register.SipUser;
import io.sipedge.loadtest.transport.TransportType;
import io.sipedge.loadtest.register.Users;
import io.sipedge.model.Aor;
import io.sipedge.model.Binding;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * CI's smoke of the load tools (not the benchmark): the loadtest generator over UDP, TCP and TLS,
 * and loadtest/sipp/run.sh (SIPp), each for a few seconds at a low rate against a real edge, with
 * every registration succeeding and landing in the LocationStore; and loadtest/sipp/call.sh's
 * authenticated calls through the edge's proxy, every one completed.
 */
class LoadSmokeTest {
    private static final String DOMAIN = "bench.sipedge.test";
    private static final int USERS = 100;
    private static EdgeUnderTest edge;
    private static List<SipUser> users;

    @BeforeAll
    static void start() throws Exception {
        edge = EdgeUnderTest.start(RegistrarRulesTest.NO_HTTP);
        users = Users.generate(USERS, DOMAIN);
        for (SipUser u : users) {
            edge.user(u.domain(), u.username(), u.password());
        }
    }

    @AfterAll
    static void stop() throws Exception {
        edge.close();
    }

    @ParameterizedTest
    @EnumSource(TransportType.class)
    void theGeneratorRegistersEveryUserWithoutAFailure(TransportType transport) throws Exception {
        int port = switch (transport) {
            case TLS -> edge.sipTlsPort();
            case WS -> edge.transports().wsPort();
            case WSS -> edge.transports().wssPort();
            default -> edge.sipPort();
        };
        RunResult r = RegisterLoad.run(RegisterOptions.builder("127.0.0.1", port, transport, users)
                .rate(100).durationSeconds(2).timeoutSeconds(5).build());
        assertEquals(Map.of(), r.failures(), "failures by reason");
        assertEquals(200, r.attempted());
        assertEquals(r.attempted(), r.succeeded());
        boolean webSocket = transport == TransportType.WS || transport == TransportType.WSS;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (SipUser u : users) {
            while (true) {
                List<Binding> b = edge.locations().lookup(new Aor(u.username(), DOMAIN), edge.clock().instant());
                boolean bound = b.stream().anyMatch(x -> x.transport().name().equalsIgnoreCase(transport.name()));
                // The generator has closed its connection: a WebSocket binding goes with it, soon.
                if (bound != webSocket) {
                    break;
                }
                assertTrue(webSocket && System.nanoTime() < deadline, u.username() + "'s " + transport
                        + " binding: " + b);
                Thread.sleep(20);
            }
        }
    }

    @Test
    void theSippScriptRegistersEveryUserWithoutAFailure() throws Exception {
        assumeTrue(SipsakRegistrationTest.onPath("sipp"),
                "SIPp is not installed (apt-get install sip-tester; .ci/run does)");
        Path csv = Files.createTempFile(edge.dataDir(), "users", ".csv");
        try (Writer w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
            Users.write(users, w);
        }
        Path script = Path.of("..", "loadtest", "sipp", "run.sh").toAbsolutePath().normalize();
        for (String transport : List.of("udp", "tcp")) {
            Process p = new ProcessBuilder("bash", script.toString(), "-h", "127.0.0.1", "-p",
                    Integer.toString(edge.sipPort()), "-u", csv.toString(), "-t", transport, "-r", "50", "-d", "2")
                    .redirectErrorStream(true).start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "run.sh did not finish");
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.contains("attempted=100 succeeded=100 failed=0"), out);
        }
    }

    /** CI's call smoke: loadtest/sipp/call.sh's callee agent and callers, through the edge's proxy. */
    @Test
    void theSippCallScriptCompletesEveryCall() throws Exception {
        Path csv = Files.createTempFile(edge.dataDir(), "callers", ".csv");
        try (Writer w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
            Users.write(users, w);
        }
        Path script = Path.of("..", "loadtest", "sipp", "call.sh").toAbsolutePath().normalize();
        for (String transport : List.of("udp", "tcp")) {
            Process p = new ProcessBuilder("bash", script.toString(), "-h", "127.0.0.1", "-p",
                    Integer.toString(edge.sipPort()), "-u", csv.toString(), "-t", transport, "-r", "20", "-d", "3",
                    "-n", "50", "-c", "50", "-H", "200").redirectErrorStream(true).start();
            assertTrue(p.waitFor(90, TimeUnit.SECONDS), "call.sh did not finish");
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.contains("attempted=60 succeeded=60 failed=0"), out);
        }
    }
}
