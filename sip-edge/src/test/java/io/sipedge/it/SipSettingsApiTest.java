package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipedge.it.ApiClient.Reply;
import io.sipedge.model.Device;
import io.sipedge.model.Transport;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The sip-settings seed: what a phone is configured with, its rules, and its 401 {"error":"Log In"}. */
@Timeout(120)
class SipSettingsApiTest {
    private static final AtomicInteger N = new AtomicInteger();
    static EdgeUnderTest edge;
    static ApiClient api;
    static String admin;

    @BeforeAll
    static void start() throws Exception {
        edge = EdgeUnderTest.start("sip.tls-port=-1", "api.sip-proxy=sip:sip.example.net:5060",
                "api.stun=stun.example.org:3478");
        api = edge.api();
        admin = api.adminToken();
    }

    @AfterAll
    static void stop() throws Exception {
        edge.close();
    }

    private record Dev(String account, String realm, String id) {
        String path() {
            return "/v2/accounts/" + account + "/devices/" + id + "/sip_settings";
        }
    }

    private static Dev device(String user, String password) throws Exception {
        String realm = "settings" + N.incrementAndGet() + ".example";
        String acc = api.account(admin, "settings", realm);
        return new Dev(acc, realm, api.device(admin, acc, user, password));
    }

    @Test
    void getShowsTheSeedsFieldsWithThePasswordHidden() throws Exception {
        Dev d = device("101", "123ab6");
        Reply r = api.get(d.path(), admin);
        assertEquals(200, r.status(), r.toString());
        JsonNode s = r.data();
        assertEquals("sip:sip.example.net:5060", s.get("proxy").asText());
        assertEquals(d.realm(), s.get("realm").asText());
        assertEquals("101", s.get("user").asText());
        assertEquals("WebPass", s.get("password").asText());
        assertEquals("udp", s.get("transport").asText());
        assertEquals("", s.get("user_id").asText());
        assertEquals("stun.example.org", s.at("/stun/ip").asText());
        assertEquals(3478, s.at("/stun/port").asInt());
        assertEquals(300, s.get("registration_interval").asInt());
        assertFalse(r.body().contains("123ab6"));
        // The seed's patterns for proxy and realm.
        assertTrue(s.get("proxy").asText().matches("^sip:([0-9]*[A-Za-z+\\-_]+[0-9]*)((\\.([0-9]*[A-Za-z+\\-_]+[0-9]*))+\\b)(?::\\d{1,5})?$"));
        assertTrue(s.get("realm").asText().matches("^([0-9]*[A-Za-z+\\-_]+[0-9]*)((\\.([0-9]*[A-Za-z+\\-_]+[0-9]*))+\\b)$"));
    }

    @Test
    void postChangesTheDeviceAndThePhoneAuthenticatesWithIt() throws Exception {
        Dev d = device("102", "first-pw");
        Map<String, Object> in = new LinkedHashMap<>();
        in.put("user", "102b");
        in.put("password", "second-pw");
        in.put("transport", "TCP");
        in.put("user_id", "user126");
        in.put("registration_interval", 30);
        Reply r = api.call("POST", d.path(), admin, in);
        assertEquals(200, r.status(), r.toString());
        assertEquals("102b", r.data().get("user").asText());
        assertEquals("tcp", r.data().get("transport").asText());
        assertEquals("user126", r.data().get("user_id").asText());
        assertEquals(30, r.data().get("registration_interval").asInt());
        assertEquals("WebPass", r.data().get("password").asText());
        Device stored = edge.directory().device(d.id()).orElseThrow();
        assertEquals(Transport.TCP, stored.profile().transport());
        assertEquals("user126", stored.authUsername());
        // The phone now registers as 102b with the digest username user126 and the new password.
        try (SipTestClient phone = new SipTestClient(SipTestClient.Transport.TCP, edge.sipPort())) {
            SipTestClient.SipResponse challenge = phone.request(phone.register("102b", d.realm(), phone.contact("102b")));
            assertEquals(401, challenge.status(), challenge.raw());
            SipTestClient.SipResponse ok = phone.request(phone.register("102b", d.realm(), phone.contact("102b"),
                    SipTestClient.authorization(challenge, "user126", "second-pw", "sip:" + d.realm(), "MD5", 1)));
            assertEquals(200, ok.status(), ok.raw());
        }
        // The digest username is user_id now; the device document shows the same change.
        JsonNode dev = api.get("/v2/accounts/" + d.account() + "/devices/" + d.id(), admin).data();
        assertEquals("user126", dev.at("/sip/auth_username").asText());
        assertEquals("102b", dev.at("/sip/username").asText());

        // Posting the placeholder back, as a phone UI that read the settings would, keeps the password.
        Reply same = api.call("POST", d.path(), admin, Map.of("password", "WebPass", "registration_interval", 60));
        assertEquals(200, same.status(), same.toString());
        assertEquals("second-pw", edge.directory().revealPassword(edge.directory().device(d.id()).orElseThrow()));
        // The seed's bare object (no data wrapper) is accepted too.
        Reply bare = api.call("POST", d.path(), admin, "{\"transport\":\"tls\"}");
        assertEquals(200, bare.status(), bare.toString());
        assertEquals("tls", bare.data().get("transport").asText());
    }

    @Test
    void postRulesFromTheSeed() throws Exception {
        Dev d = device("103", "third-pw");
        Map<String, Map<String, Object>> cases = new LinkedHashMap<>();
        cases.put("user/max_length", Map.of("user", "u".repeat(32)));
        cases.put("password/min_length", Map.of("password", "12345"));
        cases.put("password/max_length", Map.of("password", "p".repeat(32)));
        cases.put("transport/enum", Map.of("transport", "sctp"));
        cases.put("registration_interval/range", Map.of("registration_interval", 29));
        cases.put("registration_interval/type", Map.of("registration_interval", "thirty"));
        cases.put("user_id/max_length", Map.of("user_id", "i".repeat(32)));
        cases.put("realm/read_only", Map.of("realm", "other.example"));
        cases.put("proxy/read_only", Map.of("proxy", "sip:evil.example"));
        cases.put("stun/read_only", Map.of("stun", Map.of("ip", "1.2.3.4", "port", 1)));
        cases.put("color/unknown_field", Map.of("color", "red"));
        for (Map.Entry<String, Map<String, Object>> e : cases.entrySet()) {
            String[] fr = e.getKey().split("/");
            Reply r = api.call("POST", d.path(), admin, e.getValue());
            assertEquals(400, r.status(), e.getKey() + ": " + r);
            assertTrue(r.rules(fr[0]).contains(fr[1]), e.getKey() + ": " + r);
        }
        assertEquals(List.of("range"), api.call("POST", d.path(), admin, Map.of("registration_interval", 901))
                .rules("registration_interval"));
        assertEquals(200, api.call("POST", d.path(), admin, Map.of("registration_interval", 900)).status());
        api.device(admin, d.account(), "taken", "taken-pw");
        assertEquals(List.of("unique"), api.call("POST", d.path(), admin, Map.of("user", "taken")).rules("user"));
    }

    @Test
    void unauthenticatedCallsGetTheSeedsLogIn() throws Exception {
        Dev d = device("104", "fourth-pw");
        for (String token : new String[] {null, "bogus"}) {
            Reply r = api.get(d.path(), token);
            assertEquals(401, r.status());
            assertEquals("Log In", r.json().get("error").asText());
            assertEquals("error", r.json().get("status").asText());
            Reply p = api.call("POST", d.path(), token, Map.of("transport", "tcp"));
            assertEquals(401, p.status());
            assertEquals("Log In", p.json().get("error").asText());
        }
        assertEquals(Transport.UDP, edge.directory().device(d.id()).orElseThrow().profile().transport());
    }

    @Test
    void withoutConfigurationTheProxyIsTheRealmAndThereIsNoStun() throws Exception {
        try (EdgeUnderTest plain = EdgeUnderTest.start("sip.tls-port=-1")) {
            ApiClient c = plain.api();
            String t = c.adminToken();
            String acc = c.account(t, "plain", "plain.example");
            String dev = c.device(t, acc, "105", "fifth-pw");
            JsonNode s = c.get("/v2/accounts/" + acc + "/devices/" + dev + "/sip_settings", t).data();
            assertEquals("sip:plain.example", s.get("proxy").asText());
            assertFalse(s.has("stun"));
        }
    }
}
