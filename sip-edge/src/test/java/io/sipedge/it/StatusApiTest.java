package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipedge.it.ApiClient.Reply;
import io.sipedge.it.SipTestClient.SipResponse;
import io.sipedge.it.SipTestClient.Transport;
import io.sipedge.model.Aor;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sip.address.SipURI;
import org.cafesip.sipunit.Credential;
import org.cafesip.sipunit.SipPhone;
import org.cafesip.sipunit.SipStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * End to end: provision over HTTP, register real SIP clients, read status from the same
 * LocationStore, kick, disable, change the password, delete.
 */
@Timeout(120)
class StatusApiTest {
    private static final AtomicInteger N = new AtomicInteger();
    static EdgeUnderTest edge;
    static ApiClient api;
    static String admin;

    @BeforeAll
    static void start() throws Exception {
        edge = EdgeUnderTest.start("sip.tls-port=-1");
        api = edge.api();
        admin = api.adminToken();
    }

    @AfterAll
    static void stop() throws Exception {
        edge.close();
    }

    private record Provisioned(String account, String realm, String device, String token) {
        String path(String rest) {
            return "/v2/accounts/" + account + rest;
        }
    }

    /** An account (MD5 only, for SIPUnit) with one device, and a token of the account's own key. */
    private static Provisioned provision(String user, String password) throws Exception {
        String realm = "status" + N.incrementAndGet() + ".example";
        Reply acc = api.call("PUT", "/v2/accounts", admin, Map.of("name", "status", "realm", realm, "md5_only", true));
        String account = acc.data().get("id").asText();
        String key = api.get("/v2/accounts/" + account + "/api_key", admin).data().get("api_key").asText();
        String token = api.token(key);
        String device = api.device(token, account, user, password);
        return new Provisioned(account, realm, device, token);
    }

    @Test
    void aRegisteredPhoneShowsWithItsRealSourcePortUntilKicked() throws Exception {
        Provisioned p = provision("alice", "alice-pw-1");
        JsonNode before = api.get(p.path("/devices/" + p.device() + "/status"), p.token()).data();
        assertFalse(before.get("registered").asBoolean());
        assertTrue(before.get("ip").isNull() && before.get("port").isNull() && before.get("last_registration").isNull());
        assertEquals(0, before.get("contacts").size());

        try (SipTestClient phone = new SipTestClient(Transport.UDP, edge.sipPort())) {
            SipResponse ok = phone.registerWithAuth("alice", p.realm(), "alice-pw-1", phone.contact("alice"), "MD5",
                    "Expires: 600");
            assertEquals(200, ok.status(), ok.raw());

            Reply r = api.get(p.path("/devices/" + p.device() + "/status"), p.token());
            assertEquals(200, r.status(), r.toString());
            JsonNode s = r.data();
            assertTrue(s.get("registered").asBoolean(), s.toString());
            assertEquals("127.0.0.1", s.get("ip").asText());
            assertEquals(phone.localPort(), s.get("port").asInt(), "the phone's real source port");
            assertEquals(edge.clock().instant().truncatedTo(ChronoUnit.SECONDS).toString(),
                    s.get("last_registration").asText());
            assertTrue(s.get("last_registration").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"));
            assertEquals("udp", s.get("transport").asText());
            assertEquals(600, s.get("expires").asInt());
            JsonNode c = s.get("contacts").get(0);
            assertEquals("sip:alice@127.0.0.1:" + phone.localPort() + ";transport=udp", c.get("contact").asText());
            assertEquals(phone.localPort(), c.get("port").asInt());
            assertEquals("sip-edge-test/1.0", c.get("user_agent").asText());
            assertEquals(edge.clock().instant().plusSeconds(600).truncatedTo(ChronoUnit.SECONDS).toString(),
                    c.get("expires_at").asText());

            edge.clock().advance(Duration.ofSeconds(100));
            assertEquals(500, api.get(p.path("/devices/" + p.device() + "/status"), p.token()).data()
                    .get("expires").asInt(), "expires counts down on the injected clock");

            JsonNode all = api.get(p.path("/devices/status"), p.token()).data();
            assertEquals(1, all.size());
            assertEquals(p.device(), all.get(0).get("device_id").asText());
            assertTrue(all.get(0).get("registered").asBoolean());

            JsonNode regs = api.get(p.path("/registrations"), p.token()).data();
            assertEquals(1, regs.size());
            JsonNode reg = regs.get(0);
            assertEquals("alice", reg.get("username").asText());
            assertEquals(p.device(), reg.get("device_id").asText());
            assertEquals(phone.localPort(), reg.get("contact_port").asInt());
            assertEquals("127.0.0.1", reg.get("contact_ip").asText());
            assertEquals("udp", reg.get("transport").asText());
            assertEquals(500, reg.get("expires").asInt());
            assertEquals(phone.callId(), reg.get("call_id").asText());
            assertEquals("sip-edge-test/1.0", reg.get("user_agent").asText());
            assertEquals(1, api.get(p.path("/registrations/count"), p.token()).data().get("count").asInt());

            Reply kick = api.call("DELETE", p.path("/registrations/alice"), p.token(), null);
            assertEquals(200, kick.status(), kick.toString());
            assertEquals(1, kick.data().get("removed").asInt());
            assertFalse(api.get(p.path("/devices/" + p.device() + "/status"), p.token()).data()
                    .get("registered").asBoolean());
            assertEquals(0, api.get(p.path("/registrations/count"), p.token()).data().get("count").asInt());
            assertEquals(404, api.call("DELETE", p.path("/registrations/nobody"), p.token(), null).status());
        }
    }

    @Test
    void disablingADeviceDropsItsBindingsAtOnceAndItsNextRegisterFails() throws Exception {
        Provisioned p = provision("bob", "bob-pw-12");
        try (SipTestClient phone = new SipTestClient(Transport.UDP, edge.sipPort())) {
            assertEquals(200, phone.registerWithAuth("bob", p.realm(), "bob-pw-12", phone.contact("bob"), "MD5").status());
            Reply off = api.call("POST", p.path("/devices/" + p.device()), p.token(), Map.of("enabled", false));
            assertEquals(200, off.status(), off.toString());
            assertFalse(off.data().get("enabled").asBoolean());
            assertTrue(edge.locations().lookup(new Aor("bob", p.realm()), edge.clock().instant()).isEmpty(),
                    "the binding went with the write, before the answer");
            assertFalse(api.get(p.path("/devices/" + p.device() + "/status"), p.token()).data()
                    .get("registered").asBoolean());
            phone.newCallId();
            SipResponse refused = phone.registerWithAuth("bob", p.realm(), "bob-pw-12", phone.contact("bob"), "MD5");
            assertEquals(401, refused.status(), "a disabled device cannot register:\n" + refused.raw());

            assertEquals(200, api.call("PATCH", p.path("/devices/" + p.device()), p.token(),
                    Map.of("enabled", true)).status());
            phone.newCallId();
            assertEquals(200, phone.registerWithAuth("bob", p.realm(), "bob-pw-12", phone.contact("bob"), "MD5").status());
        }
    }

    @Test
    void aChangedPasswordTakesEffectOnTheNextAuthentication() throws Exception {
        Provisioned p = provision("carol", "carol-old-pw");
        try (SipTestClient phone = new SipTestClient(Transport.TCP, edge.sipPort())) {
            assertEquals(200, phone.registerWithAuth("carol", p.realm(), "carol-old-pw", phone.contact("carol"), "MD5")
                    .status());
            Reply ch = api.call("PATCH", p.path("/devices/" + p.device()), p.token(),
                    Map.of("sip", Map.of("password", "carol-new-pw")));
            assertEquals(200, ch.status(), ch.toString());
            assertFalse(ch.body().contains("carol-new-pw"));
            assertEquals(1, edge.locations().lookup(new Aor("carol", p.realm()), edge.clock().instant()).size(),
                    "a password change keeps the registration until the phone re-registers");
            assertEquals(401, phone.registerWithAuth("carol", p.realm(), "carol-old-pw", phone.contact("carol"), "MD5")
                    .status());
            assertEquals(200, phone.registerWithAuth("carol", p.realm(), "carol-new-pw", phone.contact("carol"), "MD5")
                    .status());
            assertEquals("tcp", api.get(p.path("/devices/" + p.device() + "/status"), p.token()).data()
                    .get("transport").asText());
            assertTrue(api.get(p.path("/devices/" + p.device() + "/status"), p.token()).data()
                    .get("contacts").get(0).get("reachable").asBoolean());
        }
        // The connection it registered on is gone: the binding stays, unreachable, until it expires.
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (api.get(p.path("/devices/" + p.device() + "/status"), p.token()).data().get("contacts").get(0)
                .get("reachable").asBoolean()) {
            assertTrue(System.nanoTime() < deadline, "the status still shows a closed connection as reachable");
            Thread.sleep(20);
        }
        assertTrue(api.get(p.path("/devices/" + p.device() + "/status"), p.token()).data().get("registered")
                .asBoolean());
    }

    @Test
    void deletingOrRenamingADeviceDropsItsBindings() throws Exception {
        Provisioned p = provision("dave", "dave-pw-12");
        String second = api.device(p.token(), p.account(), "erin", "erin-pw-12");
        try (SipTestClient d = new SipTestClient(Transport.UDP, edge.sipPort());
             SipTestClient e = new SipTestClient(Transport.UDP, edge.sipPort())) {
            assertEquals(200, d.registerWithAuth("dave", p.realm(), "dave-pw-12", d.contact("dave"), "MD5").status());
            assertEquals(200, e.registerWithAuth("erin", p.realm(), "erin-pw-12", e.contact("erin"), "MD5").status());
            assertEquals(2, api.get(p.path("/registrations/count"), p.token()).data().get("count").asInt());
            assertEquals(200, api.call("DELETE", p.path("/devices/" + p.device()), p.token(), null).status());
            assertTrue(edge.locations().lookup(new Aor("dave", p.realm()), edge.clock().instant()).isEmpty());
            assertEquals(200, api.call("PATCH", p.path("/devices/" + second), p.token(),
                    Map.of("sip", Map.of("username", "erin2"))).status());
            assertTrue(edge.locations().lookup(new Aor("erin", p.realm()), edge.clock().instant()).isEmpty());
            assertEquals(0, api.get(p.path("/registrations/count"), p.token()).data().get("count").asInt());
        }
    }

    @Test
    void aSipUnitPhoneProvisionedOverHttpRegistersAndShowsUp() throws Exception {
        Provisioned p = provision("frank", "frank-pw-1");
        SipStack stack = SipUnitRegistrationTest.startStack("udp", edge.sipPort());
        SipPhone phone = null;
        try {
            phone = stack.createSipPhone("127.0.0.1", "udp", edge.sipPort(), "sip:frank@" + p.realm());
            phone.addUpdateCredential(new Credential(p.realm(), "frank", "frank-pw-1"));
            SipURI registrar = stack.getAddressFactory().createSipURI(null, p.realm());
            assertTrue(phone.register(registrar, "frank", "frank-pw-1", null, 3600, 5000), phone.format());
            int phonePort = stack.getSipProvider().getListeningPoints()[0].getPort();

            JsonNode s = api.get(p.path("/devices/" + p.device() + "/status"), p.token()).data();
            assertTrue(s.get("registered").asBoolean(), s.toString());
            assertEquals(phonePort, s.get("port").asInt(), "the SIPUnit phone's real source port");

            assertEquals(200, api.call("DELETE", p.path("/registrations/frank"), p.token(), null).status());
            assertFalse(api.get(p.path("/devices/" + p.device() + "/status"), p.token()).data()
                    .get("registered").asBoolean());

            // (A disabled device's next REGISTER is tested with SipTestClient above: SIPUnit 2.0.0 answers
            // every 401 with its credentials again, for ever, so it cannot show a refusal.)
            assertTrue(phone.register(registrar, "frank", "frank-pw-1", null, 3600, 5000), phone.format());
            assertTrue(api.get(p.path("/devices/" + p.device() + "/status"), p.token()).data()
                    .get("registered").asBoolean(), "registered again after the kick");
        } finally {
            if (phone != null) {
                phone.dispose();
            }
            stack.dispose();
        }
    }
}
