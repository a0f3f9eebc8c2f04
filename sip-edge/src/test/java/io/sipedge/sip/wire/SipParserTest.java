package io.sipedge.sip.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import org.junit.jupiter.api.Test;

/**
 * The parser guard on its own: {@link SipParser#tooDeep} finds {@code <} or {@code (}
 * nesting deeper than {@link SipParser#MAX_NESTING} in the header section only, and the
 * guarded parser turns it into a {@link ParseException} (which the stack answers with 400 or drops)
 * instead of handing it to the RI's parser.
 */
class SipParserTest {
    private static final String HEAD = "REGISTER sip:example.com SIP/2.0\r\n"
            + "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK776asdhds;rport\r\n"
            + "Max-Forwards: 70\r\n"
            + "From: \"Alice (desk)\" <sip:alice@example.com>;tag=1928301774\r\n"
            + "To: <sip:alice@example.com>\r\n"
            + "Call-ID: a84b4c76e66710@pc33.example.com\r\n"
            + "CSeq: 1 REGISTER\r\n";

    private static final String LEGIT = HEAD
            + "Contact: \"Alice\" <sip:alice@127.0.0.1:5070;transport=udp>;expires=3600;+sip.instance=\"<urn:uuid:1>\"\r\n"
            + "User-Agent: Linphone/5.2 (belle-sip/5.2) (Android (arm64))\r\n"
            + "Authorization: Digest username=\"alice\", realm=\"example.com\", nonce=\"abc\", uri=\"sip:example.com\","
            + " response=\"0123456789abcdef0123456789abcdef\", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"x\"\r\n"
            + "Content-Length: 0\r\n\r\n";

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String withHeader(String header) {
        return HEAD + header + "\r\nContent-Length: 0\r\n\r\n";
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', nullValues = "-", value = {
        "To: <sip:b@x>\\r\\nt: <sip:c@x> | To",
        "Call-ID: 1\\r\\ni: 2 | Call-ID",
        "Content-Length: 0\\r\\nl: 0 | Content-Length",
        "CSeq: 1 OPTIONS\\r\\nCSeq: 2 OPTIONS | CSeq",
        "Max-Forwards: 70\\r\\nMax-Forwards: 69 | Max-Forwards",
        "Via: SIP/2.0/UDP b\\r\\nRoute: <sip:x>\\r\\nRoute: <sip:y> | -",
        "Subject: To: twice\\r\\n To: folded | -",
    })
    void aHeaderThatMayAppearOnceAppearingTwiceIsNamed(String headers, String repeated) {
        String m = "OPTIONS sip:a@x SIP/2.0\r\n" + headers.replace("\\r\\n", "\r\n") + "\r\n\r\n";
        assertEquals(repeated, SipParser.repeatedSingleton(m.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Test
    void seventeenNestedAnglesInAHeaderAreTooDeep() {
        String msg = withHeader("Contact: " + "<".repeat(17) + "sip:x@example.com" + ">".repeat(17));
        int at = SipParser.tooDeep(bytes(msg));
        assertTrue(at >= 0, "17 nested '<' must be refused");
        assertEquals('<', msg.charAt(at));
        assertEquals(msg.indexOf("<".repeat(17)) + 16, at, "the offset is that of the 17th '<'");
    }

    @Test
    void seventeenNestedCommentsInAHeaderAreTooDeep() {
        String msg = withHeader("User-Agent: softphone " + "(".repeat(17) + ")".repeat(17));
        int at = SipParser.tooDeep(bytes(msg));
        assertTrue(at >= 0, "17 nested '(' must be refused");
        assertEquals('(', msg.charAt(at));
    }

    @Test
    void nestingUpToTheLimitIsAccepted() {
        assertEquals(SipParser.MAX_NESTING, 16);
        String msg = withHeader("Contact: " + "<".repeat(16) + "sip:x@example.com" + ">".repeat(16));
        assertEquals(-1, SipParser.tooDeep(bytes(msg)));
    }

    @Test
    void closedBracketsDoNotAccumulate() {
        // 40 '<' in one header, but never more than one open at a time.
        String msg = withHeader("Route: " + "<sip:p.example.com;lr>,".repeat(39) + "<sip:q.example.com;lr>");
        assertEquals(-1, SipParser.tooDeep(bytes(msg)));
    }

    @Test
    void legitimateRegisterIsNotTooDeep() {
        assertEquals(-1, SipParser.tooDeep(bytes(LEGIT)));
    }

    @Test
    void nestingOnlyInTheBodyIsIgnored() {
        String body = "<".repeat(200) + "(".repeat(200) + "\r\n";
        String msg = HEAD + "Content-Type: text/plain\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
        assertEquals(-1, SipParser.tooDeep(bytes(msg)));
    }

    @Test
    void nestingOnlyInTheBodyIsIgnoredWithBareLineFeeds() {
        String msg = (HEAD + "Content-Type: text/plain\r\nContent-Length: 400\r\n\r\n").replace("\r\n", "\n")
                + "<".repeat(200) + "(".repeat(200);
        assertEquals(-1, SipParser.tooDeep(bytes(msg)));
    }

    @Test
    void nestingSpreadOverSeparateHeadersIsNotAccumulated() {
        String msg = HEAD + "X-A: " + "<".repeat(10) + "\r\nX-B: " + "<".repeat(10) + "\r\nContent-Length: 0\r\n\r\n";
        assertEquals(-1, SipParser.tooDeep(bytes(msg)));
    }

    /** The RI's parser skips leading control characters (RFC 3261 §7.5), so the guard must too. */
    @Test
    void leadingBlankLinesDoNotHideNesting() {
        String msg = "\r\n\r\n" + withHeader("Contact: " + "<".repeat(20_000) + "sip:x@example.com");
        assertTrue(SipParser.tooDeep(bytes(msg)) >= 0);
    }

    /** A folded header (continuation lines start with SP/HTAB) is one header to the RI's parser. */
    @Test
    void foldedHeaderDoesNotHideNesting() {
        String folded = "Contact: " + String.join("\r\n ", java.util.Collections.nCopies(2_000, "<".repeat(10)));
        String msg = withHeader(folded);
        assertTrue(SipParser.tooDeep(bytes(msg)) >= 0);
    }

    @Test
    void guardedParserRefusesDeepNestingWithAParseException() {
        byte[] deep = bytes(withHeader("User-Agent: x " + "(".repeat(20_000)));
        ParseException e = assertThrows(ParseException.class, () -> SipParser.parse(deep));
        assertTrue(e.getMessage().contains("nesting"), e.getMessage());
        assertTrue(e.getErrorOffset() > 0);
    }

    @Test
    void guardedParserStillParsesLegitimateMessages() throws ParseException {
        SIPMessage m = SipParser.parse(bytes(LEGIT));
        assertNotNull(m);
        SIPRequest r = assertInstanceOf(SIPRequest.class, m);
        assertEquals("REGISTER", r.getMethod());
        assertEquals("a84b4c76e66710@pc33.example.com", r.getCallId().getCallId());
    }
}
