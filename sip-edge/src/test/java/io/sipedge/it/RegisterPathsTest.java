package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.it.SipTestClient.SipResponse;
import io.sipedge.it.SipTestClient.Transport;
import io.sipedge.model.Aor;
import io.sipedge.model.Binding;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The REGISTER fast path ({@code sip.register-fast-path=on}, the default) and JAIN-SIP's own path
 * ({@code off}) give a phone the same answers: the same statuses and header names, Via with
 * {@code received} and {@code rport}, a To tag that a retransmission gets again (RFC 3261 §8.2.7),
 * the binding's expiry in Contact, and the same stored binding.
 */
class RegisterPathsTest {

    @Test
    void bothPathsAnswerAlike() throws Exception {
        Map<String, List<String>> fast = exchange("on");
        Map<String, List<String>> stack = exchange("off");
        assertEquals(stack, fast);
    }

    /** Per transport, the statuses and header names of a full exchange, after checking their values. */
    private static Map<String, List<String>> exchange(String fastPath) throws Exception {
        Map<String, List<String>> seen = new TreeMap<>();
        try (EdgeUnderTest edge = EdgeUnderTest.start("sip.tls-port=-1", "http.port=-1",
                "sip.register-fast-path=" + fastPath)) {
            for (Transport t : List.of(Transport.UDP, Transport.TCP)) {
                String user = "alice-" + t.name().toLowerCase(Locale.ROOT); // one binding each
                edge.user(EdgeUnderTest.DOMAIN, user, "secret123");
                try (SipTestClient c = new SipTestClient(t, edge.sipPort())) {
                    String first = c.register(user, EdgeUnderTest.DOMAIN, c.contact(user), "Expires: 120");
                    SipResponse challenge = c.request(first);
                    assertNotNull(challenge, fastPath + " " + t + ": no challenge");
                    assertEquals(401, challenge.status(), challenge.raw());
                    SipResponse again = c.request(first); // a retransmission: same request, same tag
                    assertNotNull(again);
                    assertEquals(tag(challenge), tag(again), fastPath + " " + t + ": To tag of a retransmission");
                    assertVia(challenge, c);

                    SipResponse ok = c.request(c.register(user, EdgeUnderTest.DOMAIN, c.contact(user),
                            "Expires: 120", SipTestClient.authorization(challenge, user, "secret123",
                                    "sip:" + EdgeUnderTest.DOMAIN, "MD5", 1)));
                    assertNotNull(ok, fastPath + " " + t + ": no answer to the credentials");
                    assertEquals(200, ok.status(), ok.raw());
                    assertVia(ok, c);
                    String contact = ok.first("Contact");
                    assertTrue(contact.startsWith("<sip:" + user + "@127.0.0.1:" + c.localPort()), contact);
                    assertTrue(contact.contains(";expires=120"), contact);
                    assertNotNull(ok.first("Date"));

                    Binding b = edge.locations().lookup(new Aor(user, EdgeUnderTest.DOMAIN), edge.clock().instant())
                            .stream().filter(x -> x.sourcePort() == c.localPort()).findFirst().orElseThrow();
                    assertEquals("127.0.0.1", b.sourceIp());
                    assertEquals(t.name(), b.transport().name());
                    assertEquals("sip-edge-test/1.0", b.userAgent());
                    assertEquals(c.callId(), b.callId());

                    seen.put(t + " 401", names(challenge));
                    seen.put(t + " 200", names(ok));
                }
            }
        }
        return seen;
    }

    private static void assertVia(SipResponse r, SipTestClient c) {
        String via = r.first("Via");
        assertTrue(via.contains("received=127.0.0.1"), via);
        assertTrue(via.contains("rport=" + c.localPort()), via);
    }

    private static String tag(SipResponse r) {
        String to = r.first("To");
        int at = to.indexOf(";tag=");
        assertTrue(at > 0, to);
        return to.substring(at + 5);
    }

    private static List<String> names(SipResponse r) {
        List<String> names = new ArrayList<>(r.headers().keySet());
        names.sort(null);
        names.add(0, Integer.toString(r.status()));
        return names;
    }
}
