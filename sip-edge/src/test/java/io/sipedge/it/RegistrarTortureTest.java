package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.it.SipTestClient.SipResponse;
import io.sipedge.it.SipTestClient.Transport;
import io.sipedge.model.Aor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A registrar torture suite of our own, after the REGISTER-shaped cases of RFC 4475 (SIP torture
 * messages) and RFC 5118 (IPv6 torture messages) and the rules of RFC 3261 §8.2, §10.3, §19.1.4
 * and §20: every message over UDP, TCP and TLS, each with the one answer the RFCs call for.
 * Cases marked authenticated are answered 401 first, then sent again with digest credentials,
 * and the final answer is checked.
 */
@Timeout(120)
public class RegistrarTortureTest {
    static final String DOMAIN = EdgeUnderTest.DOMAIN;
    static final String PASSWORD = "Torture-pass-1";
    static EdgeUnderTest edge;

    /**
     * One case. {@code message} uses ${T} (UDP/TCP/TLS), ${PORT} (the client's), ${BRANCH}, ${CALL}
     * and ${LEN} (the body's length); {@code status} 0 means no answer at all.
     */
    record Case(String name, boolean authenticated, int status, String header, String value, String message) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final String VIA = "Via: SIP/2.0/${T} 127.0.0.1:${PORT};branch=${BRANCH};rport\n";
    private static final String HEAD = VIA + "Max-Forwards: 70\nFrom: <sip:alice@example.com>;tag=t1\n"
            + "To: <sip:alice@example.com>\nCall-ID: ${CALL}\n";

    /** The cases: the torture corpus, also the seeds of the parsers' fuzz tests. */
    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        c.add(new Case("a plain REGISTER is challenged", false, 401, "WWW-Authenticate", "Digest",
                "REGISTER sip:example.com SIP/2.0\n" + HEAD + "CSeq: 1 REGISTER\n"
                + "Contact: <sip:alice@127.0.0.1:${PORT}>\nContent-Length: 0\n\n"));
        c.add(new Case("compact header names, any case, spaces before the colon", false, 401, null, null,
                "REGISTER sip:example.com SIP/2.0\nv : SIP/2.0/${T} 127.0.0.1:${PORT};branch=${BRANCH};rport\n"
                + "f: <sip:alice@example.com>;tag=t1\nT:<sip:alice@example.com>\ni:${CALL}\ncseq: 1 REGISTER\n"
                + "M: <sip:alice@127.0.0.1:${PORT}>\nMAX-FORWARDS:  70\nl: 0\n\n"));
        c.add(new Case("folded header lines (RFC 4475 3.1.1.1)", false, 401, null, null,
                "REGISTER sip:example.com SIP/2.0\n" + VIA + "Max-Forwards: 70\nFrom: <sip:alice@example.com>\n"
                + "  ;tag=t1\nTo:\n <sip:alice@example.com>\nCall-ID: ${CALL}\nCSeq: 1\n\tREGISTER\n"
                + "Contact: <sip:alice@127.0.0.1:${PORT}>\nContent-Length: 0\n\n"));
        c.add(new Case("a registration for an escaped user part is the user's (RFC 3261 §19.1.4)", true, 200,
                "Contact", "sip:alice@127.0.0.1",
                "REGISTER sip:example.com SIP/2.0\n" + VIA + "Max-Forwards: 70\n"
                + "From: <sip:%61lice@example.com>;tag=t1\nTo: <sip:%61lic%65@example.com>\nCall-ID: ${CALL}\n"
                + "CSeq: 1 REGISTER\nContact: <sip:alice@127.0.0.1:${PORT}>\nContent-Length: 0\n\n"));
        c.add(new Case("an unknown Authorization scheme is challenged for Digest (RFC 4475 3.3.5)", false, 401,
                "WWW-Authenticate", "Digest",
                "REGISTER sip:example.com SIP/2.0\n" + HEAD + "CSeq: 1 REGISTER\n"
                + "Authorization: NoOneKnowsThisScheme opaque-data=here\n"
                + "Contact: <sip:alice@127.0.0.1:${PORT}>\nContent-Length: 0\n\n"));
        c.add(new Case("Require with an unknown option tag: 420 naming it (RFC 3261 §8.2.2.3)", false, 420,
                "Unsupported", "nosuchextension",
                "REGISTER sip:example.com SIP/2.0\n" + HEAD + "CSeq: 1 REGISTER\nRequire: nosuchextension\n"
                + "Contact: <sip:alice@127.0.0.1:${PORT}>\nContent-Length: 0\n\n"));
        c.add(new Case("Require with tags the registrar supports is fine", false, 401, null, null,
                "REGISTER sip:example.com SIP/2.0\n" + HEAD + "CSeq: 1 REGISTER\nRequire: path, OUTBOUND\n"
                + "Supported: outbound\nContact: <sip:alice@127.0.0.1:${PORT}>;reg-id=1;"
                + "+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000000000001>\"\nContent-Length: 0\n\n"));
        c.add(new Case("Proxy-Require is for proxies: the registrar ignores it (RFC 3261 §8.2.2.3)", false, 401,
                null, null,
                "REGISTER sip:example.com SIP/2.0\n" + HEAD + "CSeq: 1 REGISTER\nProxy-Require: nosuchextension\n"
                + "Contact: <sip:alice@127.0.0.1:${PORT}>\nContent-Length: 0\n\n"));
        c.add(new Case("Max-Forwards: 0 to the registrar itself is answered (RFC 4475 3.3.9)", false, 401, null, null,
                "REGISTER sip:example.com SIP/2.0\n" + VIA + "Max-Forwards: 0\nFrom: <sip:alice@example.com>;tag=t1\n"
                + "To: <sip:alice@example.com>\nCall-ID: ${CALL}\nCSeq: 1 REGISTER\n"
                + "Contact: <sip:alice@127.0.0.1:${PORT}>\nContent-Length: 0\n\n"));
        c.add(new Case("a body the registrar ignores", false, 401, null, null,
                "REGISTER sip:example.com SIP/2.0\n" + HEAD + "CSeq: 1 REGISTER\n"
                + "Contact: <sip:alice@127.0.0.1:${PORT}>\nContent-Type: text/plain\nContent-Length: ${LEN}\n\n"
                + "a body nobody reads\n"));
        c.add(new Case("start line and CSeq method differ: 400 (RFC 4475 3.1.2.17)", false, 400, null, null,
                "REGISTER sip:example.com SIP/2.0\n" + HEAD + "CSeq: 1 INVITE\n"
                + "Contact: <sip:alice@127.0.0.1:${PORT}>\nContent-Length: 0\n\n"));
        c.add(new Case("unknown protocol version: 505 (RFC 4475 3.1.2.16)", false, 505, null, null,
                "REGISTER sip:example.com SIP/7.0\n" + HEAD + "CSeq: 1 REGISTER\n"
                + "Contact: <sip:alice@127.0.0.1:${PORT}>\nContent-Length: 0\n\n"));
        c.add(new Case("an overlarge CSeq: 400 (RFC 4475 3.1.2.4)", false, 400, null, null,
                "REGISTER sip:example.com SIP/2.0\n" + HEAD + "CSeq: 36893488147419103232 REGISTER\n"
                + "Contact: <sip:alice@127.0.0.1:${PORT}>\nContent-Length: 0\n\n"));
        c.add(new Case("two Call-IDs: 400 (RFC 4475 3.3.6)", false, 400, null, null,
                "REGISTER sip:example.com SIP/2.0\n" + HEAD + "Call-ID: other-${CALL}\nCSeq: 1 REGISTER\n"
                + "Contact: <sip:alice@127.0.0.1:${PORT}>\nContent-Length: 0\n\n"));
        c.add(new Case("two To header fields: 400 (RFC 4475 3.3.6)", false, 400, null, null,
                "REGISTER sip:example.com SIP/2.0\n" + HEAD + "To: <sip:bob@example.com>\nCSeq: 1 REGISTER\n"
                + "Contact: <sip:alice@127.0.0.1:${PORT}>\nContent-Length: 0\n\n"));
        c.add(new Case("a URI with headers outside <> in Contact: 400 (RFC 4475 3.1.2.13)", false, 400, null, null,
                "REGISTER sip:example.com SIP/2.0\n" + HEAD + "CSeq: 1 REGISTER\n"
                + "Contact: sip:alice@127.0.0.1:${PORT}?Route=%3Csip:sip.example.com%3E\nContent-Length: 0\n\n"));
        c.add(new Case("an unknown contact parameter outside <> stays out of the URI (RFC 4475 3.3.10)", true, 200,
                "Contact", "<sip:alice@127.0.0.1:${PORT}>",
                "REGISTER sip:example.com SIP/2.0\n" + HEAD + "CSeq: 1 REGISTER\n"
                + "Contact: sip:alice@127.0.0.1:${PORT};unknownparam\nContent-Length: 0\n\n"));
        c.add(new Case("a URI parameter inside <> stays in the URI (RFC 4475 3.3.11)", true, 200,
                "Contact", "<sip:alice@127.0.0.1:${PORT};unknownparam>",
                "REGISTER sip:example.com SIP/2.0\n" + HEAD + "CSeq: 1 REGISTER\n"
                + "Contact: <sip:alice@127.0.0.1:${PORT};unknownparam>\nContent-Length: 0\n\n"));
        c.add(new Case("an escaped header in a Contact URI is kept (RFC 4475 3.3.12)", true, 200,
                "Contact", "?Route=%3Csip:sip.example.com%3E>",
                "REGISTER sip:example.com SIP/2.0\n" + HEAD + "CSeq: 1 REGISTER\n"
                + "Contact: <sip:alice@127.0.0.1:${PORT}?Route=%3Csip:sip.example.com%3E>\nContent-Length: 0\n\n"));
        c.add(new Case("a Request-URI of another scheme: 416", false, 416, null, null,
                "REGISTER tel:+15551234567 SIP/2.0\n" + HEAD + "CSeq: 1 REGISTER\n"
                + "Contact: <sip:alice@127.0.0.1:${PORT}>\nContent-Length: 0\n\n"));
        c.add(new Case("a domain not served: 403", false, 403, null, null,
                "REGISTER sip:not-served.example SIP/2.0\n" + VIA + "Max-Forwards: 70\n"
                + "From: <sip:alice@not-served.example>;tag=t1\nTo: <sip:alice@not-served.example>\n"
                + "Call-ID: ${CALL}\nCSeq: 1 REGISTER\nContact: <sip:alice@127.0.0.1:${PORT}>\nContent-Length: 0\n\n"));
        c.add(new Case("an IPv6 reference as the domain: read, and not served (RFC 5118 4.1)", false, 403, null,
                null, "REGISTER sip:[2001:db8::10] SIP/2.0\n" + VIA + "Max-Forwards: 70\n"
                + "From: <sip:alice@[2001:db8::10]>;tag=t1\nTo: <sip:alice@[2001:db8::10]>\nCall-ID: ${CALL}\n"
                + "CSeq: 1 REGISTER\nContact: <sip:alice@[2001:db8::20]:5070>\nContent-Length: 0\n\n"));
        c.add(new Case("an IPv6 address without brackets in the Request-URI: 400 (RFC 5118 4.2)", false, 400,
                null, null, "REGISTER sip:2001:db8::10 SIP/2.0\n" + VIA + "Max-Forwards: 70\n"
                + "From: <sip:alice@[2001:db8::10]>;tag=t1\nTo: <sip:alice@[2001:db8::10]>\nCall-ID: ${CALL}\n"
                + "CSeq: 1 REGISTER\nContent-Length: 0\n\n"));
        c.add(new Case("an IPv6 contact with a port is bound as sent (RFC 5118 4.4)", true, 200, "Contact",
                "<sip:alice@[2001:db8::20]:5070>",
                "REGISTER sip:example.com SIP/2.0\n" + HEAD + "CSeq: 1 REGISTER\n"
                + "Contact: <sip:alice@[2001:db8::20]:5070>\nContent-Length: 0\n\n"));
        c.add(new Case("an overlarge Expires is capped, not refused", true, 200, "Contact", "expires=3600",
                "REGISTER sip:example.com SIP/2.0\n" + HEAD + "CSeq: 1 REGISTER\n"
                + "Contact: <sip:alice@127.0.0.1:${PORT}>\nExpires: 100000000000000000000\nContent-Length: 0\n\n"));
        c.add(new Case("an overlarge contact expires is capped, not refused", true, 200, "Contact", "expires=3600",
                "REGISTER sip:example.com SIP/2.0\n" + HEAD + "CSeq: 1 REGISTER\n"
                + "Contact: <sip:alice@127.0.0.1:${PORT}>;expires=4294967296\nContent-Length: 0\n\n"));
        c.add(new Case("Contact: * with Expires: 0 removes every binding (RFC 3261 §10.3 step 6)", true, 200, null,
                null, "REGISTER sip:example.com SIP/2.0\n" + HEAD + "CSeq: 1 REGISTER\nContact:   *  \n"
                + "Expires: 0\nContent-Length: 0\n\n"));
        c.add(new Case("Contact: * with a non-zero Expires: 400", true, 400, null, null,
                "REGISTER sip:example.com SIP/2.0\n" + HEAD + "CSeq: 1 REGISTER\nContact: *\nExpires: 1\n"
                + "Content-Length: 0\n\n"));
        c.add(new Case("Contact: * without Expires: 400", true, 400, null, null,
                "REGISTER sip:example.com SIP/2.0\n" + HEAD + "CSeq: 1 REGISTER\nContact: *\nContent-Length: 0\n\n"));
        c.add(new Case("Contact: * with another contact: 400", true, 400, null, null,
                "REGISTER sip:example.com SIP/2.0\n" + HEAD + "CSeq: 1 REGISTER\n"
                + "Contact: *, <sip:alice@127.0.0.1:${PORT}>\nExpires: 0\nContent-Length: 0\n\n"));
        c.add(new Case("Contact: * in a second Contact header field: 400", true, 400, null, null,
                "REGISTER sip:example.com SIP/2.0\n" + HEAD + "CSeq: 1 REGISTER\n"
                + "Contact: <sip:alice@127.0.0.1:${PORT}>\nContact: *\nExpires: 0\nContent-Length: 0\n\n"));
        return c;
    }

    @BeforeAll
    static void start() throws Exception {
        edge = EdgeUnderTest.start("sip.ws-port=-1", "sip.wss-port=-1");
        edge.user(DOMAIN, "alice", PASSWORD);
    }

    @AfterAll
    static void stop() throws Exception {
        if (edge != null) {
            edge.close();
        }
    }

    static Stream<Arguments> runs() {
        List<Arguments> out = new ArrayList<>();
        for (Transport t : Transport.values()) {
            for (Case c : cases()) {
                out.add(Arguments.of(t, c));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("runs")
    void answersAsTheRfcsSay(Transport transport, Case c) throws Exception {
        try (SipTestClient client = transport == Transport.TLS ? new SipTestClient(transport, edge.sipTlsPort())
                : new SipTestClient(transport, edge.sipPort())) {
            String call = SipTestClient.randomHex(8) + "@torture";
            SipResponse r = send(client, text(c.message(), transport, client, call, 1), c.status() == 0);
            if (c.authenticated()) {
                assertNotNull(r, "no challenge");
                assertEquals(401, r.status(), r.raw());
                String auth = SipTestClient.authorization(r, "alice", PASSWORD, "sip:" + DOMAIN, "MD5", 1);
                String second = text(c.message(), transport, client, call, 2)
                        .replaceFirst("\r\nContent-Length:", "\r\n" + auth + "\r\nContent-Length:")
                        .replaceFirst("\r\nl:", "\r\n" + auth + "\r\nl:");
                r = send(client, second, c.status() == 0);
            }
            if (c.status() == 0) {
                assertNull(r, "answered: " + (r == null ? "" : r.raw()));
                return;
            }
            assertNotNull(r, "no answer");
            assertEquals(c.status(), r.status(), r.raw());
            if (c.header() != null) {
                String want = c.value().replace("${PORT}", Integer.toString(client.localPort()));
                assertTrue(r.all(c.header()).stream().anyMatch(v -> v.contains(want)),
                        c.header() + " with " + want + " in\n" + r.raw());
            }
        } finally {
            edge.locations().removeAll(new Aor("alice", DOMAIN), edge.clock().instant());
        }
    }

    private static SipResponse send(SipTestClient c, String text, boolean expectSilence) throws Exception {
        c.sendBytes(text.getBytes(StandardCharsets.UTF_8));
        return c.receive(expectSilence ? 1000 : 5000);
    }

    /** The case's message for this client, CRLF line ends, CSeq {@code cseq} and a fresh branch. */
    static String text(String template, Transport t, SipTestClient c, String call, int cseq) {
        String s = template.replace("${T}", t.name()).replace("${PORT}", Integer.toString(c.localPort()))
                .replace("${BRANCH}", "z9hG4bK" + SipTestClient.randomHex(6)).replace("${CALL}", call)
                .replace("CSeq: 1 ", "CSeq: " + cseq + " ").replace("cseq: 1 ", "cseq: " + cseq + " ")
                .replace("\r\n", "\n").replace("\n", "\r\n");
        int blank = s.indexOf("\r\n\r\n");
        int body = s.length() - blank - 4;
        return s.replace("${LEN}", Integer.toString(body));
    }

    /** For the fuzz tests: every case's message with fixed values, as bytes. */
    public static List<byte[]> corpus() {
        List<byte[]> out = new ArrayList<>();
        for (Case c : cases()) {
            String s = c.message().replace("${T}", "UDP").replace("${PORT}", "5070").replace("${BRANCH}", "z9hG4bK1")
                    .replace("${CALL}", "call-1").replace("\n", "\r\n");
            int blank = s.indexOf("\r\n\r\n");
            out.add(s.replace("${LEN}", Integer.toString(s.length() - blank - 4)).getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }
}
