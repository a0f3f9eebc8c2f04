package io.sipedge.sip.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import gov.nist.javax.sip.header.Via;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import gov.nist.javax.sip.parser.StringMsgParser;
import io.sipedge.model.Binding;
import io.sipedge.model.DigestAlgorithm;
import io.sipedge.model.Flow;
import io.sipedge.model.Transport;
import io.sipedge.observe.RegisterOutcome;
import io.sipedge.sip.registrar.RegisterReply;
import io.sipedge.sip.registrar.RegisterRequest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.ListIterator;
import java.util.stream.Stream;
import javax.sip.header.ContactHeader;
import javax.sip.header.Header;
import javax.sip.message.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fast path must read a REGISTER exactly as the stack's path does, and leave to the stack
 * every shape it is not sure of: each accepted message of this corpus (shapes sent by SIPp, the
 * load generator, Linphone, baresip, Zoiper, SIPUnit and sipsak) is read both ways and the two
 * {@link RegisterRequest}s compared; each declined one must come back null.
 */
class RawRegisterTest {
    private static final Flow FLOW = new Flow(Transport.TCP, "10.9.8.7", 4321, 7, "edge-1", true);
    private static final String HEAD = "REGISTER sip:example.com SIP/2.0\r\n";
    private static final String BASE = "From: <sip:alice@example.com>;tag=f1\r\n"
            + "To: <sip:alice@example.com>\r\nCall-ID: call-1@10.0.0.5\r\nCSeq: 7 REGISTER\r\n";
    private static final String VIA = "Via: SIP/2.0/UDP 10.0.0.5:5070;rport;branch=z9hG4bK-1\r\n";
    private static final String AUTH = "Authorization: Digest username=\"alice\",realm=\"example.com\","
            + "nonce=\"abc123\",uri=\"sip:example.com\",response=\"0123456789abcdef0123456789abcdef\","
            + "algorithm=MD5,cnonce=\"cn1\",qop=auth,nc=00000001\r\n";
    private static final String END = "Content-Length: 0\r\n\r\n";
    private static final String OUTBOUND_CONTACT = "Contact: <sip:alice@10.0.0.5:5070;transport=tcp>;reg-id=1;"
            + "+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-00aa00bb00cc>\"\r\n";

    static Stream<String> accepted() {
        return Stream.of(
                // the load generator's two legs
                HEAD + VIA + "Max-Forwards: 70\r\n" + BASE + "Contact: <sip:alice@10.0.0.5:5070>\r\nExpires: 60\r\n" + END,
                HEAD + VIA + "Max-Forwards: 70\r\n" + BASE + "Contact: <sip:alice@10.0.0.5:5070>\r\nExpires: 60\r\n"
                        + AUTH + END,
                // SIPp's scenario: branch before rport, transport in the contact, a User-Agent
                "REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:6000;branch=z9hG4bK-2-3;rport\r\n"
                        + "Max-Forwards: 70\r\nFrom: <sip:u7@127.0.0.1>;tag=1234SIPpTag001\r\n"
                        + "To: <sip:u7@127.0.0.1>\r\nCall-ID: 1-1234@127.0.0.1\r\nCSeq: 2 REGISTER\r\n"
                        + "Contact: <sip:u7@127.0.0.1:6000;transport=TCP>\r\nExpires: 3600\r\n"
                        + "Authorization: Digest username=\"u7\",realm=\"127.0.0.1\",uri=\"sip:127.0.0.1\","
                        + "nonce=\"n-1\",response=\"7f3a\",algorithm=MD5\r\n"
                        + "User-Agent: SIPp register-auth\r\nContent-Length: 0\r\n\r\n",
                // Linphone: instance id, quoted feature parameters with commas, repeated Accept
                HEAD + "Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK.aBc;rport\r\n"
                        + "From: <sip:alice@example.com>;tag=Xy-1\r\nTo: sip:alice@example.com\r\n"
                        + "CSeq: 20 REGISTER\r\nCall-ID: Jf8-kdk\r\nMax-Forwards: 70\r\n"
                        + "Supported: replaces, outbound, gruu, path, record-aware\r\n"
                        + "Accept: application/sdp\r\nAccept: text/plain\r\n"
                        + "Contact: <sip:alice@192.168.1.20;transport=udp>;+sip.instance=\"<urn:uuid:1-2-3>\";"
                        + "+org.linphone.specs=\"lime,groupchat/1.1\";reg-id=1;expires=600\r\n"
                        + "Expires: 3600\r\nContent-Length: 0\r\n\r\n",
                // display names, addr-spec forms, compact header names
                HEAD + "v: SIP/2.0/UDP 10.0.0.5;branch=z9hG4bK-3\r\nf: \"Alice A\" <sip:alice@example.com>;tag=9\r\n"
                        + "t: Alice <sip:alice@example.com>\r\ni: abc\r\nCSeq: 1 REGISTER\r\n"
                        + "m: sip:alice@10.0.0.5:5060;expires=30;q=0.5\r\nl: 0\r\n\r\n",
                // remove all, and a query (no Contact)
                HEAD + VIA + BASE + "Contact: *\r\nExpires: 0\r\n" + AUTH + END,
                HEAD + VIA + BASE + AUTH + END,
                // SHA-256 credentials with an opaque and a userhash the registrar does not read
                HEAD + VIA + BASE + "Contact: <sip:alice@10.0.0.5:5070>\r\n"
                        + "Authorization: Digest username=\"alice\", realm=\"example.com\", nonce=\"n2\", "
                        + "uri=\"sip:example.com\", response=\"ab\", algorithm=SHA-256, opaque=\"\", "
                        + "qop=auth, nc=0000000a, cnonce=\"c\", userhash=false\r\n" + END,
                // baresip and Zoiper user agents, an extension header, an unknown Via parameter
                HEAD + "Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK-4;alias\r\n" + BASE
                        + "Contact: <sip:alice-0x1@10.0.0.5:5060;line=abc>;+sip.instance=\"<urn:uuid:a>\";reg-id=2\r\n"
                        + "User-Agent: Zoiper rv2.10.19.3\r\nX-Custom: whatever; it = is\r\nExpires: 120\r\n" + END,
                HEAD + VIA + BASE + "Contact: <sip:alice@10.0.0.5:5070>;expires=0\r\nUser-Agent: baresip v1.0.0\r\n" + END,
                // header names in other cases, spaces before the colon
                HEAD + "VIA: SIP/2.0/UDP 10.0.0.5:5070;branch=z9hG4bK-5\r\nfrom : <sip:alice@example.com>;tag=a\r\n"
                        + "TO: <sip:alice@example.com>\r\ncall-id: x\r\ncseq: 3 REGISTER\r\n" + END,
                // Supported (RFC 5626 §4.2.1): alone, in any case, compact, repeated, without outbound, empty
                HEAD + VIA + BASE + "Supported: outbound\r\n" + OUTBOUND_CONTACT + END,
                HEAD + VIA + BASE + "Supported: path,OutBound\r\n" + OUTBOUND_CONTACT + END,
                HEAD + VIA + BASE + "k: gruu , outbound\r\n" + OUTBOUND_CONTACT + END,
                HEAD + VIA + BASE + "Supported: path\r\nSupported: outbound\r\n" + OUTBOUND_CONTACT + END,
                HEAD + VIA + BASE + "supported : replaces, path, gruu\r\n" + OUTBOUND_CONTACT + END,
                HEAD + VIA + BASE + "Supported: outbound-x, xoutbound\r\n" + OUTBOUND_CONTACT + END,
                HEAD + VIA + BASE + "Supported:\r\n" + OUTBOUND_CONTACT + END,
                HEAD + VIA + BASE + "Supported: outbound\r\nContact: <sip:alice@10.0.0.5:5070>\r\n" + END,
                // as many lines as the fast path reads (the request line, 62 headers, the blank line)
                HEAD + VIA + BASE + "X-Filler: 1\r\n".repeat(55) + "Contact: <sip:alice@10.0.0.5:5070>\r\n" + END);
    }

    static Stream<String> declined() {
        return Stream.of(
                HEAD + VIA + "Via: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bK-9\r\n" + BASE + END, // two Vias
                HEAD + VIA + BASE + "X-Filler: 1\r\n".repeat(56) + "Contact: <sip:alice@10.0.0.5:5070>\r\n" + END,
                HEAD + "Via: SIP/2.0/UDP 10.0.0.5;branch=z9hG4bK-1, SIP/2.0/UDP 10.0.0.9\r\n" + BASE + END,
                HEAD + VIA + BASE + "Contact: <sip:a@10.0.0.5>, <sip:b@10.0.0.5>\r\n" + END, // two Contacts
                HEAD + VIA + BASE + "Contact: <sip:a@10.0.0.5>\r\nContact: <sip:b@10.0.0.5>\r\n" + END,
                HEAD + VIA + BASE + "Path: <sip:proxy.example.com;lr>\r\n" + END,
                HEAD + VIA + BASE + "Require: gruu\r\n" + END,
                HEAD + VIA + BASE + "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi",
                HEAD + VIA + BASE + "User-Agent: folded\r\n  line\r\n" + END,
                HEAD + "Via: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK-1\r\n" + BASE + END,
                HEAD + VIA + BASE.replace("CSeq: 7 REGISTER", "CSeq: 7 INVITE") + END, // the stack's 400
                HEAD + VIA + BASE.replace("<sip:alice@example.com>\r\n", "<sips:alice@example.com>\r\n") + END,
                HEAD + VIA + BASE + "Contact: <sip:a@10.0.0.5>;expires=soon\r\n" + END, // the stack's 400
                HEAD + VIA + BASE + "Expires: never\r\n" + END,
                HEAD + VIA + BASE + "User-Agent: Linphone/5.1.0 (belle-sip/5.1.0)\r\n" + END,
                HEAD.replace(" SIP/2.0", " SIP/3.0") + VIA + BASE + END, // the stack's 505
                "register sip:example.com SIP/2.0\r\n" + VIA + BASE + END,
                HEAD + VIA + BASE.replace("Call-ID: call-1@10.0.0.5\r\n", "") + END, // no Call-ID
                HEAD + VIA + BASE + "Authorization: Digest username=\"al\\\"ice\"\r\n" + END,
                HEAD + VIA + BASE.replace("From: <", "From: \"Zo\u00eb\" <") + END,
                HEAD + VIA + BASE + "Contact: <sip:alice@10.0.0.5>\r\n", // no blank line: cut off
                // found in review: shapes the stack reads differently or refuses
                HEAD + VIA + BASE + "X-A: 1\nContact: *\r\n" + END, // a bare LF hides a header
                HEAD + VIA + BASE + "X-A: 1\rPath: <sip:p.example.com;lr>\r\n" + END, // so does a bare CR
                HEAD + VIA.replace("branch=z9hG4bK-1", "branch=z9hG4bK:1") + BASE + END, // not a token
                HEAD + VIA.replace("rport;branch", "RPORT;branch") + BASE + END, // the stack lower-cases names
                HEAD + VIA.replace("SIP/2.0/UDP", "SIP/2.0/udp") + BASE + END, // and upper-cases this
                HEAD + VIA + BASE.replace("tag=f1", "tag=a/b") + END,
                HEAD + VIA + BASE.replace("tag=f1", "tag=\"f1\"") + END,
                HEAD + VIA + BASE.replace("To: <sip:alice@example.com>", "To: <sip:alice@example.com>;tag") + END,
                HEAD + VIA + BASE.replace("From: <", "From: Alice:Home <") + END,
                HEAD + VIA + BASE.replace("From: <sip:alice@example.com>", "From: <xyz>") + END,
                HEAD + VIA + BASE.replace("To: <sip:alice@", "To: <sip:alice;x=1@") + END, // ';' in the user
                "REGISTER sip:u;a=b@example.com SIP/2.0\r\n" + VIA + BASE + END,
                HEAD + VIA + BASE.replace("To: <sip:alice@example.com>", "To: <sip:alice@example.com;x=1@evil>") + END,
                HEAD + VIA + BASE + "Contact: <sip:alice@10.0.0.5>;x=a:b\r\n" + END,
                HEAD + VIA + BASE + "Contact: <sip:alice@10.0.0.5;x=a`b>\r\n" + END,
                HEAD + VIA + BASE + "Contact: <sip:alice@10.0.0.5:05060>\r\n" + END, // the stack drops the 0
                HEAD + VIA + BASE + AUTH.replace("username=\"alice\"", "username=alice@example.com") + END,
                HEAD + VIA + BASE + "Min-Expires: 99999999999\r\n" + END, // its parser throws
                HEAD + VIA + BASE + "Accept-Language: en;q=x\r\n" + END, // likewise
                HEAD + VIA + BASE + "P-Preferred-Identity: <sip:a@b>\r\n" + END, // a header it parses
                HEAD + VIA + BASE + "User-Agent: Foo/ 1.0\r\n" + END, // the stack drops that space
                HEAD + VIA + BASE + "Supported: path,,outbound\r\n" + END, // an empty element
                HEAD + VIA + BASE + "Supported: outbound,\r\n" + END,
                HEAD + VIA + BASE + "Supported: out bound\r\n" + END, // not a token list
                HEAD + VIA + BASE + "Supported: outbound;x=1\r\n" + END
        );
    }

    @ParameterizedTest
    @MethodSource("accepted")
    void reads_what_the_stack_reads(String message) throws Exception {
        byte[] bytes = message.getBytes(StandardCharsets.ISO_8859_1);
        RawRegister raw = RawRegister.scan(bytes);
        assertNotNull(raw, "the fast path takes this shape");
        SIPRequest parsed = (SIPRequest) new StringMsgParser().parseSIPMessage(bytes, true, false, null);
        Via via = parsed.getTopmostVia();
        RegisterRequest viaStack = RegisterMessages.read(parsed, via.getBranch(), FLOW);
        assertEquals(viaStack, raw.request(FLOW));
    }

    /** The outbound option tag as both paths read it, whichever path a shape takes. */
    static Stream<Arguments> supported() {
        return Stream.of(
                arguments("Supported: outbound\r\n", true),
                arguments("Supported: OUTBOUND\r\n", true), // tokens compare case-insensitively
                arguments("k: path, outbound\r\n", true),
                arguments("Supported: path\r\nSupported: outbound\r\n", true),
                arguments("Supported: replaces, outbound, gruu, path, record-aware\r\n", true), // Linphone
                arguments("Supported: path\r\n", false),
                arguments("Supported: outbounds, xoutbound\r\n", false),
                arguments("Supported:\r\n", false),
                arguments("Require: outbound\r\n", false), // the stack's path; not the header asked about
                arguments("", false));
    }

    @ParameterizedTest
    @MethodSource("supported")
    void reads_the_outbound_option_tag(String header, boolean outbound) throws Exception {
        byte[] bytes = (HEAD + VIA + BASE + header + OUTBOUND_CONTACT + END).getBytes(StandardCharsets.ISO_8859_1);
        SIPRequest parsed = (SIPRequest) new StringMsgParser().parseSIPMessage(bytes, true, false, null);
        RegisterRequest viaStack = RegisterMessages.read(parsed, parsed.getTopmostVia().getBranch(), FLOW);
        assertEquals(outbound, viaStack.outboundSupported(), "the stack's path");
        RawRegister raw = RawRegister.scan(bytes);
        if (raw != null) {
            assertEquals(outbound, raw.request(FLOW).outboundSupported(), "the fast path");
        }
    }

    @Test
    void a_request_relayed_by_a_proxy_is_not_first_hop() throws Exception {
        byte[] bytes = (HEAD + VIA + "Via: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bK-9\r\n" + BASE + END)
                .getBytes(StandardCharsets.ISO_8859_1);
        SIPRequest parsed = (SIPRequest) new StringMsgParser().parseSIPMessage(bytes, true, false, null);
        assertFalse(RegisterMessages.read(parsed, "z9hG4bK-1", FLOW).firstHop());
        byte[] direct = (HEAD + VIA + BASE + END).getBytes(StandardCharsets.ISO_8859_1);
        assertTrue(RawRegister.scan(direct).request(FLOW).firstHop());
    }

    @ParameterizedTest
    @MethodSource("declined")
    void leaves_other_shapes_to_the_stack(String message) {
        assertNull(RawRegister.scan(message.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void the_bytes_and_the_parser_give_the_same_answer() throws Exception {
        String message = HEAD + VIA + "Max-Forwards: 70\r\n"
                + BASE.replace("From: <", "From: \"Alice\" <") + "Contact: <sip:alice@10.0.0.5:5070>\r\n" + END;
        Instant now = Instant.parse("2026-11-02T08:09:10Z");
        Binding b1 = new Binding("sip:alice@10.0.0.5:5070", Flow.of(Transport.UDP, "10.0.0.5", 5070),
                now.plusSeconds(60),
                1.0f, "call-1@10.0.0.5", 7, null, 0, List.of(), null, now);
        Binding b2 = new Binding("sip:alice@10.0.0.6", Flow.of(Transport.UDP, "10.0.0.6", 5060),
                now.plusSeconds(30),
                0.5f, "other", 1, "urn:uuid:1", 3, List.of(), null, now);
        List<RegisterReply> replies = List.of(
                new RegisterReply(200, "OK", List.of(b1, b2), List.of(), 0, now, RegisterOutcome.ACCEPTED),
                new RegisterReply(401, "Unauthorized", List.of(), List.of(
                        new RegisterReply.Challenge("example.com", "n-1", DigestAlgorithm.MD5, false),
                        new RegisterReply.Challenge("example.com", "n-2", DigestAlgorithm.SHA_256, true)),
                        0, now, RegisterOutcome.CHALLENGED),
                new RegisterReply(423, "Interval Too Brief", List.of(), List.of(), 60, now,
                        RegisterOutcome.INTERVAL_TOO_BRIEF),
                new RegisterReply(403, "Forbidden", List.of(), List.of(), 0, now, RegisterOutcome.WRONG_PASSWORD));
        byte[] bytes = message.getBytes(StandardCharsets.ISO_8859_1);
        Flow udp = new Flow(Transport.UDP, "10.9.8.7", 4321, 0, "edge-1", true);
        RequestHead fromBytes = RawRegister.scan(bytes).head(udp);
        RequestHead fromParser = RequestHead.of((SIPRequest) SipParser.parse(bytes), udp);
        assertEquals(fromParser.udpPort(), fromBytes.udpPort());
        for (RegisterReply reply : replies) {
            // both as a phone reads them: parsed from the wire
            Response expected = (Response) SipParser.parse(SipResponses.register(reply, fromParser));
            SIPResponse actual = (SIPResponse) SipParser.parse(SipResponses.register(reply, fromBytes));
            assertEquals(expected.getStatusCode(), actual.getStatusCode());
            assertEquals(expected.getReasonPhrase(), actual.getReasonPhrase());
            for (String name : List.of("Via", "From", "To", "Call-ID", "CSeq", "WWW-Authenticate", "Min-Expires",
                    "Date", "Content-Length")) {
                assertEquals(headers(expected, name), headers(actual, name), name + " of a " + reply.status());
            }
            assertEquals(contacts(expected), contacts(actual), "Contact of a " + reply.status());
        }
        assertEquals(4321, fromBytes.udpPort());
    }

    @Test
    void sets_received_and_rport_as_the_stack_channels_do() throws Exception {
        String noRport = HEAD + "Via: SIP/2.0/UDP 10.0.0.5:5070;branch=z9hG4bK-1\r\n" + BASE + END;
        RawRegister raw = RawRegister.scan(noRport.getBytes(StandardCharsets.ISO_8859_1));
        // UDP, same host, no rport: untouched, and the answer goes to the sent-by port
        assertEquals("SIP/2.0/UDP 10.0.0.5:5070;branch=z9hG4bK-1", via(raw, Transport.UDP, "10.0.0.5", 9));
        assertEquals(5070, raw.head(new Flow(Transport.UDP, "10.0.0.5", 9, 0, "edge-1", true)).udpPort());
        // UDP from another address: received only
        assertEquals("SIP/2.0/UDP 10.0.0.5:5070;branch=z9hG4bK-1;received=10.0.0.1",
                via(raw, Transport.UDP, "10.0.0.1", 9));
        // TCP: rport always
        assertEquals("SIP/2.0/UDP 10.0.0.5:5070;branch=z9hG4bK-1;rport=9",
                via(raw, Transport.TCP, "10.0.0.5", 9));
        RawRegister withRport = RawRegister.scan((HEAD + VIA + BASE + END).getBytes(StandardCharsets.ISO_8859_1));
        assertEquals("SIP/2.0/UDP 10.0.0.5:5070;rport=9;branch=z9hG4bK-1;received=10.0.0.5",
                via(withRport, Transport.UDP, "10.0.0.5", 9));
    }

    private static String via(RawRegister raw, Transport t, String ip, int port) {
        return raw.head(new Flow(t, ip, port, t == Transport.UDP ? 0 : 1, "edge-1", true)).topVia();
    }

    private static List<Header> headers(Response r, String name) {
        List<Header> out = new ArrayList<>();
        ListIterator<?> it = r.getHeaders(name);
        while (it.hasNext()) {
            out.add((Header) it.next());
        }
        return out;
    }

    /** Contacts compared by URI and parameters (the fast path leaves out the display name). */
    private static List<String> contacts(Response r) {
        List<String> out = new ArrayList<>();
        ListIterator<?> it = r.getHeaders(ContactHeader.NAME);
        while (it.hasNext()) {
            ContactHeader c = (ContactHeader) it.next();
            StringBuilder b = new StringBuilder(c.getAddress().getURI().toString());
            var names = c.getParameterNames();
            List<String> params = new ArrayList<>();
            while (names.hasNext()) {
                String n = (String) names.next();
                params.add(n + "=" + c.getParameter(n));
            }
            params.sort(null);
            out.add(b.append(params).toString());
        }
        return out;
    }
}
