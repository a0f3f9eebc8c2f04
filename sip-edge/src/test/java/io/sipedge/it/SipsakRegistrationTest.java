package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sipedge.model.Aor;
import io.sipedge.model.Binding;
import io.sipedge.model.Transport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A real SIP client, sipsak (Debian's package, installed by .ci/run), registers through the digest
 * challenge. The tenant's domain is an IP literal so sipsak never resolves anything. (sipsak 0.9.8
 * puts "user@" into the digest username unless -u is given, and its TLS mode gives up right after
 * sending: having read one record after the handshake, it polls for an error instead of data, and
 * reports "nothing received, select returned error". TLS is covered by the other tests and by
 * baresip and linphonec in {@link DefaultDigestClientsTest}.) The edge has the embedded defaults.
 */
class SipsakRegistrationTest {
    static EdgeUnderTest edge;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(onPath("sipsak"), "sipsak is not installed (apt-get install sipsak; .ci/run does)");
        edge = EdgeUnderTest.start();
        edge.user("127.0.0.1", "sam", "sipsak-pw1");
    }

    @AfterAll
    static void stop() throws Exception {
        if (edge != null) {
            edge.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"udp", "tcp"})
    void sipsakRegistersWithDigest(String transport) throws Exception {
        assertEquals(0, sipsak("sam", "sipsak-pw1", transport, 5000 + transport.length()), "sipsak exit code");
        List<Binding> b = edge.locations().lookup(new Aor("sam", "127.0.0.1"), edge.clock().instant());
        assertTrue(b.stream().anyMatch(x -> x.transport() == Transport.parse(transport)
                && x.contact().endsWith(":" + (5000 + transport.length()))), b::toString);
    }

    @Test
    void sipsakWithAWrongPasswordIsRefused() throws Exception {
        assertNotEquals(0, sipsak("sam", "not-the-pw", "udp", 5099));
    }

    private static int sipsak(String user, String password, String transport, int contactPort)
            throws IOException, InterruptedException {
        Path log = Files.createTempFile("sipsak", ".log");
        Process p = new ProcessBuilder("sipsak", "-U", "-s", "sip:" + user + "@127.0.0.1:" + edge.sipPort(),
                "-u", user, "-a", password, "-C", "sip:" + user + "@127.0.0.1:" + contactPort, "-E", transport,
                "-x", "3600", "-i", "-vv")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("sipsak hung:\n" + Files.readString(log, StandardCharsets.UTF_8));
        }
        System.out.println(Files.readString(log, StandardCharsets.UTF_8));
        Files.deleteIfExists(log);
        return p.exitValue();
    }

    /** Whether an external client program is installed (tests that drive one are skipped without it). */
    static boolean onPath(String exe) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, exe))) {
                return true;
            }
        }
        return false;
    }
}
