package io.sipedge.it;

import static io.sipedge.it.RegistrarAuthTest.assertChallenges;
import static io.sipedge.it.RegistrarRulesTest.NO_HTTP;
import static io.sipedge.it.RegistrarRulesTest.assertStatus;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.it.SipTestClient.SipResponse;
import io.sipedge.it.Softphone.Transport;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every Debian softphone registers with the embedded defaults: a device created with nothing but a
 * username and password, a tenant with no digest setting, an edge with no configuration. baresip
 * 1.0 gave up on the whole 401 when it also carried a SHA-256 challenge; the edge now challenges
 * with MD5 alone unless a tenant asks for SHA-256 ({@code sha256_only}). sipsak's runs are in
 * {@link SipsakRegistrationTest}, which starts its edge with the defaults too.
 */
@Timeout(120)
class DefaultDigestClientsTest {
    private static final String D = "defaults.example.com";
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final AtomicInteger USERS = new AtomicInteger();
    static EdgeUnderTest edge;

    @BeforeAll
    static void start() throws Exception {
        assertTrue(Softphone.installed("baresip"), "baresip is required (apt-get install baresip-core; .ci/run does)");
        assertTrue(Softphone.installed("linphonec"), "linphonec is required (apt-get install linphone-cli; .ci/run does)");
        edge = EdgeUnderTest.start(NO_HTTP, "sip.ws-port=-1", "sip.wss-port=-1");
    }

    @AfterAll
    static void stop() throws Exception {
        if (edge != null) {
            edge.close();
        }
    }

    @Test
    void theDefaultChallengeIsMd5AloneAndATenantMayAskForSha256() throws Exception {
        edge.user(D, "plain", "plain-secret");
        edge.directory().createTenant("strict", "strict.example.com", false, true);
        edge.user("strict.example.com", "strict", "strict-secret");
        try (SipTestClient c = new SipTestClient(SipTestClient.Transport.UDP, edge.sipPort())) {
            SipResponse r = c.request(c.register("plain", D, c.contact("plain")));
            assertStatus(401, r);
            assertChallenges(r, D, "MD5");
            SipResponse s = c.request(c.register("strict", "strict.example.com", c.contact("strict")));
            assertStatus(401, s);
            assertChallenges(s, "strict.example.com", "SHA-256");
        }
    }

    @ParameterizedTest(name = "{0} over {1}")
    @CsvSource({"baresip,UDP", "baresip,TCP", "baresip,TLS", "linphonec,UDP", "linphonec,TCP", "linphonec,TLS"})
    void aSoftphoneRegistersWithTheDefaults(String program, Transport transport) throws Exception {
        String user = program + USERS.incrementAndGet();
        edge.user(D, user, user + "-secret");
        try (Softphone phone = program.equals("baresip")
                ? Softphone.baresip(edge, user, D, user + "-secret", transport)
                : Softphone.linphonec(edge, user, D, user + "-secret", transport)) {
            phone.awaitRegistered(edge, WAIT);
        }
    }
}
