package io.sipedge.loadtest.register;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.loadtest.TestTls;
import io.sipedge.loadtest.responder.Responder;
import io.sipedge.loadtest.responder.ResponderOptions;
import io.sipedge.loadtest.transport.ClientTransport;
import io.sipedge.loadtest.transport.FakeWebSocketServer;
import io.sipedge.loadtest.transport.TransportType;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The generator against the in-process responder over real loopback sockets. */
@Timeout(30)
class RegisterLoadTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final int N = 60;

    private static RegisterOptions.Builder options(TransportType t, int port, int users) {
        return RegisterOptions.builder("127.0.0.1", port, t, Users.generate(users, "example.com"))
                .rate(200).durationSeconds(N / 200.0).timeoutSeconds(5);
    }

    private static void assertAllSucceeded(RunResult r) {
        assertEquals(N, r.attempted());
        assertEquals(N, r.succeeded());
        assertEquals(Map.of(), r.failures());
        assertEquals(0, r.skippedBusy());
        assertEquals(N, r.registration().count());
        assertEquals(N, r.leg1().count());
        assertEquals(N, r.leg2().count());
        assertTrue(r.registration().p50Ms() > 0);
        assertTrue(r.registration().maxMs() >= r.leg1().maxMs(), "the whole registration is at least its first leg");
        assertEquals(N / r.durationSeconds(), r.achievedRate(), 1e-9);
        assertTrue(r.inStepRate() <= r.achievedRate() && r.inStepRate() >= N / 2.0 / r.durationSeconds(),
                "most completed within the step: " + r.inStepRate());
    }

    @Test
    void udpRegistrationsAllSucceed() throws Exception {
        try (Responder responder = Responder.start(ResponderOptions.of(LOOPBACK, 0).withTransports(true, false))) {
            RunResult r = RegisterLoad.run(options(TransportType.UDP, responder.udpPort(), 1000).build());
            assertAllSucceeded(r);
            assertEquals(2L * N + r.retransmissions(), responder.requests(), "two requests per registration");
        }
    }

    @Test
    void udpRegistrationsFromFourSourcePortsAllSucceed() throws Exception {
        try (Responder responder = Responder.start(ResponderOptions.of(LOOPBACK, 0).withTransports(true, false))) {
            RunResult r = RegisterLoad.run(options(TransportType.UDP, responder.udpPort(), 1000).connections(4).build());
            assertAllSucceeded(r);
            assertEquals(2L * N + r.retransmissions(), responder.requests(), "two requests per registration");
        }
        try (ClientTransport sockets = ClientTransport.open(TransportType.UDP,
                new InetSocketAddress(LOOPBACK, 9), LOOPBACK, 4)) {
            Set<Integer> ports = new HashSet<>();
            for (int i = 0; i < sockets.connections(); i++) {
                ports.add(sockets.localAddress(i).getPort());
            }
            assertEquals(4, ports.size(), "each socket its own source port, as phones behind four NAT mappings");
        }
    }

    @Test
    void tcpRegistrationsOverThreeConnectionsAllSucceedWithoutRetransmissions() throws Exception {
        try (Responder responder = Responder.start(ResponderOptions.of(LOOPBACK, 0).withTransports(false, true))) {
            RunResult r = RegisterLoad.run(options(TransportType.TCP, responder.tcpPort(), 1000).connections(3).build());
            assertAllSucceeded(r);
            assertEquals(0, r.retransmissions());
            assertEquals(2L * N, responder.requests());
        }
    }

    @Test
    void tlsRegistrationsAllSucceed() throws Exception {
        ResponderOptions o = ResponderOptions.of(LOOPBACK, 0).withTls(TestTls.serverContext(), 0).withTransports(false, false);
        try (Responder responder = Responder.start(o)) {
            RunResult r = RegisterLoad.run(options(TransportType.TLS, responder.tlsPort(), 1000).build());
            assertAllSucceeded(r);
            assertEquals(0, r.retransmissions());
            assertEquals(2L * N, responder.requests());
        }
    }

    @Test
    void wsAndWssRegistrationsCheckedByARegistrarAllSucceedWithBrowserLikeViaAndContact() throws Exception {
        List<SipUser> users = Users.generate(100, "example.com");
        Map<String, String> passwords = users.stream().collect(Collectors.toMap(SipUser::digestUsername, SipUser::password));
        for (TransportType t : List.of(TransportType.WS, TransportType.WSS)) {
            try (VerifyingRegistrar registrar = new VerifyingRegistrar(
                    List.of("Digest realm=\"%s\", nonce=\"n1\", algorithm=MD5, qop=\"auth\""), passwords);
                 FakeWebSocketServer server = new FakeWebSocketServer(t == TransportType.WSS ? TestTls.serverContext() : null,
                         FakeWebSocketServer.Handshake.ACCEPT, registrar::answer)) {
                RunResult r = RegisterLoad.run(RegisterOptions.builder("127.0.0.1", server.port(), t, users)
                        .rate(200).durationSeconds(N / 200.0).timeoutSeconds(5).connections(2).contactPort(5999).build());
                assertAllSucceeded(r);
                assertEquals(List.of(), registrar.rejections());
                String first = server.nextFrame().text();
                // RFC 7118 §5, as JsSIP and SIP.js write them: an invented .invalid host, no port, no rport
                assertTrue(first.matches("(?s).*\r\nVia: SIP/2\\.0/" + t + " [0-9a-z]{12}\\.invalid;branch=z9hG4bK[^;\r]+\r\n.*"),
                        first);
                // Either of the two connections may send the first frame: its user is u000001 or u000002.
                assertTrue(first.matches("(?s).*\r\nContact: <sip:u0+[12]@[0-9a-z]{12}\\.invalid;transport=ws>\r\n.*"),
                        first);
            }
        }
    }

    @Test
    void aFixedContactPortFixesTheWebSocketHostPerConnectionNumber() {
        assertEquals(RegistrationDriver.webSocketHost(0, 5999), RegistrationDriver.webSocketHost(0, 5999));
        assertNotEquals(RegistrationDriver.webSocketHost(0, 5999), RegistrationDriver.webSocketHost(1, 5999));
        assertNotEquals(RegistrationDriver.webSocketHost(0, 0), RegistrationDriver.webSocketHost(0, 0), "random without one");
        assertTrue(RegistrationDriver.webSocketHost(3, 5999).matches("[0-9a-z]{12}\\.invalid"));
    }

    @Test
    void aUserStillInFlightIsSkippedNotSentAgain() throws Exception {
        // two users, a responder that never answers: registrations 1 and 2 go out, the rest find
        // their user busy and are counted, not sent (CSeq order per user holds)
        try (Responder responder = Responder.start(ResponderOptions.of(LOOPBACK, 0).withTransports(false, true)
                .withMode(ResponderOptions.Mode.SILENT))) {
            RunResult r = RegisterLoad.run(RegisterOptions.builder("127.0.0.1", responder.tcpPort(), TransportType.TCP,
                    Users.generate(2, "example.com")).rate(20).durationSeconds(0.5).timeoutSeconds(1).build());
            assertEquals(2, r.attempted());
            assertEquals(8, r.skippedBusy());
            assertEquals(Map.of("timeout", 2L), r.failures());
            assertEquals(2, responder.requests());
        }
    }

    @Test
    void digestsAreRightForAuthUsernamesSha256OnlyAndAForeignRealm() throws Exception {
        List<SipUser> users = List.of(new SipUser("a.example", "alice", "pw-alice", "alice-auth"),
                new SipUser("b.example", "bob", "pw-bob", null));
        Map<String, String> passwords = Map.of("alice-auth", "pw-alice", "bob", "pw-bob");
        for (List<String> challenges : List.of(
                List.of("Digest realm=\"%s\", nonce=\"n1\", algorithm=MD5, qop=\"auth\"",
                        "Digest realm=\"%s\", nonce=\"n1\", algorithm=SHA-256, qop=\"auth\""),
                List.of("Digest realm=\"elsewhere\", nonce=\"n2\", algorithm=SHA-256, qop=\"auth-int,auth\""),
                List.of("Digest realm=\"%s\", nonce=\"n3\""))) {
            try (VerifyingRegistrar registrar = new VerifyingRegistrar(challenges, passwords)) {
                RunResult r = RegisterLoad.run(RegisterOptions.builder("127.0.0.1", registrar.port(), TransportType.UDP,
                        users).rate(40).durationSeconds(0.1).build());
                assertEquals(4, r.succeeded(), challenges + " " + r.failures() + " " + registrar.rejections());
                assertEquals(List.of(), registrar.rejections());
            }
        }
    }

    @Test
    void aWrongPasswordFailsWithTheServersStatus() throws Exception {
        List<SipUser> users = List.of(new SipUser("a.example", "alice", "not-the-password", null));
        try (VerifyingRegistrar registrar = new VerifyingRegistrar(
                List.of("Digest realm=\"%s\", nonce=\"n1\", algorithm=MD5, qop=\"auth\""), Map.of("alice", "pw"))) {
            RunResult r = RegisterLoad.run(RegisterOptions.builder("127.0.0.1", registrar.port(), TransportType.UDP,
                    users).rate(10).durationSeconds(0.1).build());
            assertEquals(Map.of("status_403", 1L), r.failures());
            assertEquals(1, r.leg1().count(), "the challenge came");
            assertEquals(0, r.leg2().count());
        }
    }

    @Test
    void aPhoneStateFileKeepsEachUsersCallIdAndRaisesItsCseqFromRunToRun(@TempDir Path dir) throws Exception {
        List<SipUser> users = Users.generate(3, "example.com");
        Map<String, String> passwords = users.stream().collect(Collectors.toMap(SipUser::username, SipUser::password));
        Path state = dir.resolve("phones");
        try (VerifyingRegistrar registrar = new VerifyingRegistrar(
                List.of("Digest realm=\"%s\", nonce=\"n1\", algorithm=MD5, qop=\"auth\""), passwords)) {
            for (int run = 0; run < 3; run++) {
                RunResult r = RegisterLoad.run(RegisterOptions.builder("127.0.0.1", registrar.port(), TransportType.UDP,
                        users).rate(30).durationSeconds(0.2).phoneState(state).build());
                assertEquals(6, r.succeeded(), r.failures().toString());
            }
            Map<String, List<Long>> seen = registrar.cseqsByCallId();
            assertEquals(3, seen.size(), "one Call-ID per user over all runs: " + seen.keySet());
            for (List<Long> numbers : seen.values()) {
                assertEquals(12, numbers.size(), "two registrations of two requests in each of three runs");
                for (int i = 1; i < numbers.size(); i++) {
                    assertTrue(numbers.get(i) > numbers.get(i - 1), "CSeq rises from request to request: " + numbers);
                }
            }
            RegisterLoad.run(RegisterOptions.builder("127.0.0.1", registrar.port(), TransportType.UDP, users)
                    .rate(30).durationSeconds(0.1).build());
            assertEquals(6, registrar.cseqsByCallId().size(), "without the file, a run is a reboot: new Call-IDs");
        }
    }

    @Test
    void aPhoneStateNearTheCseqLimitOrUnreadableStartsANewBootCycle(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("phones");
        PhoneState first = PhoneState.load(state);
        assertEquals(1, first.nextCseq());
        first.save(state, 41);
        assertEquals(new PhoneState(first.callIdTag(), 42), PhoneState.load(state));
        first.save(state, PhoneState.CSEQ_LIMIT - 1);
        PhoneState rebooted = PhoneState.load(state);
        assertEquals(1, rebooted.nextCseq());
        assertNotEquals(first.callIdTag(), rebooted.callIdTag());
        Files.writeString(state, "call_id_tag=zz\nnext_cseq=-3\n");
        assertEquals(1, PhoneState.load(state).nextCseq());
    }
}
