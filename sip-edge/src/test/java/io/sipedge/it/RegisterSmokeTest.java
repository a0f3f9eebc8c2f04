package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.sipedge.it.SipTestClient.SipResponse;
import io.sipedge.it.SipTestClient.Transport;
import io.sipedge.model.Aor;
import io.sipedge.model.Binding;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A REGISTER with digest succeeds over each transport and the binding records what the edge saw. */
class RegisterSmokeTest {
    static EdgeUnderTest edge;

    @BeforeAll
    static void start() throws Exception {
        edge = EdgeUnderTest.start();
        edge.user(EdgeUnderTest.DOMAIN, "alice", "secret123");
    }

    @AfterAll
    static void stop() throws Exception {
        edge.close();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void registersOverEveryTransport(Transport t) throws Exception {
        int port = t == Transport.TLS ? edge.sipTlsPort() : edge.sipPort();
        try (SipTestClient c = new SipTestClient(t, port)) {
            SipResponse r = c.registerWithAuth("alice", EdgeUnderTest.DOMAIN, "secret123", c.contact("alice"), "MD5");
            assertNotNull(r, "no response");
            assertEquals(200, r.status(), r.raw());
            List<Binding> b = edge.locations().lookup(new Aor("alice", EdgeUnderTest.DOMAIN), edge.clock().instant());
            Binding mine = b.stream().filter(x -> x.sourcePort() == c.localPort()).findFirst().orElseThrow();
            assertEquals("127.0.0.1", mine.sourceIp());
            assertEquals(t.name(), mine.transport().name());
            assertEquals(c.callId(), mine.callId());
        }
    }
}
