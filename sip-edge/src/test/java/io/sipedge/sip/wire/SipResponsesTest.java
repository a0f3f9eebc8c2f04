package io.sipedge.sip.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gov.nist.javax.sip.message.SIPResponse;
import io.sipedge.model.Binding;
import io.sipedge.model.Flow;
import io.sipedge.model.Transport;
import io.sipedge.observe.RegisterOutcome;
import io.sipedge.sip.registrar.RegisterReply;
import io.sipedge.sip.registrar.RegisterReply.Outbound;
import io.sipedge.model.DigestAlgorithm;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.zip.CRC32C;
import javax.sip.header.Header;
import org.junit.jupiter.api.Test;

/** What the registrar's answer says of RFC 5626 outbound, as a phone's parser reads it. */
class SipResponsesTest {
    private static final Instant NOW = Instant.parse("2026-11-02T08:09:10Z");
    private static final RequestHead HEAD = new RequestHead("SIP/2.0/TCP 10.0.0.5:5070;branch=z9hG4bK-1;rport=5070",
            List.of(), "<sip:alice@example.com>;tag=f1", "<sip:alice@example.com>", false, "f1", "call-1",
            "7 REGISTER", "z9hG4bK-1", 5070);
    private static final Binding BOUND = new Binding("sip:alice@10.0.0.5:5070;transport=tcp",
            new Flow(Transport.TCP, "10.0.0.5", 5070, 3, "edge-1", true), NOW.plusSeconds(600), 1.0f, "call-1", 7,
            "urn:uuid:1", 1, List.of(), null, NOW);

    private static SIPResponse written(int status, Outbound outbound) throws Exception {
        RegisterReply reply = new RegisterReply(status, status == 200 ? "OK" : "Interval Too Brief",
                status == 200 ? List.of(BOUND) : List.of(), List.of(), status == 200 ? 0 : 60, NOW,
                status == 200 ? RegisterOutcome.ACCEPTED : RegisterOutcome.INTERVAL_TOO_BRIEF, outbound);
        return (SIPResponse) SipParser.parse(SipResponses.register(reply, HEAD));
    }

    private static String value(SIPResponse r, String name) {
        Header h = r.getHeader(name);
        if (h == null) {
            return null;
        }
        String text = h.toString();
        return text.substring(text.indexOf(':') + 1).strip();
    }

    @Test
    void aTwoHundredWithOutboundRequiresItAndNamesTheFlowTimer() throws Exception {
        SIPResponse r = written(200, new Outbound(true, 120));
        assertEquals("outbound", value(r, "Require"));
        assertEquals("120", value(r, "Flow-Timer"));
    }

    @Test
    void aFlowTimerOfZeroIsNoHeader() throws Exception {
        SIPResponse r = written(200, new Outbound(true, 0));
        assertEquals("outbound", value(r, "Require"));
        assertNull(value(r, "Flow-Timer"));
    }

    @Test
    void withoutOutboundNeitherHeader() throws Exception {
        SIPResponse r = written(200, Outbound.NONE);
        assertNull(value(r, "Require"));
        assertNull(value(r, "Flow-Timer"));
    }

    @Test
    void onlyATwoHundredSaysAnything() throws Exception {
        SIPResponse r = written(423, new Outbound(true, 120));
        assertNull(value(r, "Require"));
        assertNull(value(r, "Flow-Timer"));
    }

    @Test
    void theDateFollowsTheClockToTheSecond() {
        assertEquals("Mon, 02 Nov 2026 08:09:10 GMT", SipResponses.date(NOW));
        assertEquals("Mon, 02 Nov 2026 08:09:10 GMT", SipResponses.date(NOW.plusMillis(999)), "the same second");
        assertEquals("Mon, 02 Nov 2026 08:09:11 GMT", SipResponses.date(NOW.plusSeconds(1)));
        assertEquals("Mon, 02 Nov 2026 08:09:10 GMT", SipResponses.date(NOW), "a clock that steps back");
        assertEquals("Tue, 03 Nov 2026 08:09:10 GMT", SipResponses.date(NOW.plusSeconds(86_400)));
    }
    @Test
    void aTwoHundredIsWrittenByteForByte() {
        Binding second = new Binding("sip:alice@10.0.0.6:5071", BOUND.flow(), NOW.plusSeconds(30), 0.5f, "call-2", 1,
                null, 0, List.of(), null, NOW);
        RegisterReply reply = new RegisterReply(200, "OK", List.of(BOUND, second), List.of(), 0, NOW,
                RegisterOutcome.ACCEPTED, new Outbound(true, 120));
        String text = new String(SipResponses.register(reply, HEAD), StandardCharsets.UTF_8);
        assertEquals("SIP/2.0 200 OK\r\n"
                + "Via: SIP/2.0/TCP 10.0.0.5:5070;branch=z9hG4bK-1;rport=5070\r\n"
                + "From: <sip:alice@example.com>;tag=f1\r\n"
                + "To: <sip:alice@example.com>;tag=" + SipResponses.tag("call-1", "f1", "7 REGISTER", "z9hG4bK-1") + "\r\n"
                + "Call-ID: call-1\r\n"
                + "CSeq: 7 REGISTER\r\n"
                + "Contact: <sip:alice@10.0.0.5:5070;transport=tcp>;expires=600;+sip.instance=\"<urn:uuid:1>\";reg-id=1\r\n"
                + "Contact: <sip:alice@10.0.0.6:5071>;expires=30;q=0.5\r\n"
                + "Date: Mon, 02 Nov 2026 08:09:10 GMT\r\n"
                + "Require: outbound\r\n"
                + "Flow-Timer: 120\r\n"
                + "Content-Length: 0\r\n\r\n", text);
    }

    @Test
    void aChallengeRepeatsEveryViaAndTheToTagAndOffersEachAlgorithm() {
        RequestHead head = new RequestHead("SIP/2.0/UDP 10.0.0.5:5070;branch=z9hG4bK-2;received=192.0.2.1",
                List.of("SIP/2.0/UDP 10.0.0.9;branch=z9hG4bK-0"), "\"Zoë\" <sip:zoe@example.com>;tag=a",
                "<sip:zoe@example.com>;tag=b", true, "a", "call-3", "8 REGISTER", "z9hG4bK-2", 5070);
        RegisterReply reply = new RegisterReply(401, "Unauthorized", List.of(), List.of(
                new RegisterReply.Challenge("example.com", "n1", DigestAlgorithm.SHA_256, false),
                new RegisterReply.Challenge("example.com", "n2", DigestAlgorithm.MD5, true)), 0, NOW,
                RegisterOutcome.CHALLENGED, Outbound.NONE);
        assertEquals("SIP/2.0 401 Unauthorized\r\n"
                + "Via: SIP/2.0/UDP 10.0.0.5:5070;branch=z9hG4bK-2;received=192.0.2.1\r\n"
                + "Via: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bK-0\r\n"
                + "From: \"Zoë\" <sip:zoe@example.com>;tag=a\r\n"
                + "To: <sip:zoe@example.com>;tag=b\r\n"
                + "Call-ID: call-3\r\n"
                + "CSeq: 8 REGISTER\r\n"
                + "WWW-Authenticate: Digest realm=\"example.com\",nonce=\"n1\",algorithm=SHA-256,qop=\"auth\"\r\n"
                + "WWW-Authenticate: Digest realm=\"example.com\",nonce=\"n2\",algorithm=MD5,qop=\"auth\",stale=true\r\n"
                + "Content-Length: 0\r\n\r\n",
                new String(SipResponses.register(reply, head), StandardCharsets.UTF_8));
    }

    @Test
    void extraHeadersFollowTheHeadAndTheTagIsStableAndPerRequest() {
        String text = new String(SipResponses.write(405, "Method Not Allowed", HEAD, "Allow: REGISTER, OPTIONS"),
                StandardCharsets.UTF_8);
        String tag = SipResponses.tag("call-1", "f1", "7 REGISTER", "z9hG4bK-1");
        assertTrue(tag.matches("[0-9a-f]{16}-[0-9a-f]{1,8}"), tag);
        assertTrue(text.endsWith("CSeq: 7 REGISTER\r\nAllow: REGISTER, OPTIONS\r\nContent-Length: 0\r\n\r\n"), text);
        assertTrue(text.contains("To: <sip:alice@example.com>;tag=" + tag + "\r\n"), text);
        assertNotEquals(tag, SipResponses.tag("call-1", "f1", "8 REGISTER", "z9hG4bK-1"));
        assertNotEquals(SipResponses.tag("ab", "c", null, null), SipResponses.tag("a", "bc", null, null));
        assertNotEquals(SipResponses.tag("a", null, null, null), SipResponses.tag(null, "a", null, null));
    }

    @Test
    void theTagIsTheProcessPrefixAndTheCrcOfTheFieldsEachEndedByAZeroByte() {
        CRC32C crc = new CRC32C();
        crc.update("call-1\0f1\0\0z9hG4bK-1\0".getBytes(StandardCharsets.UTF_8));
        String tag = SipResponses.tag("call-1", "f1", null, "z9hG4bK-1");
        assertEquals(Integer.toHexString((int) crc.getValue()), tag.substring(tag.indexOf('-') + 1));
        crc.reset();
        crc.update("\0\0\0\0".getBytes(StandardCharsets.UTF_8));
        String empty = SipResponses.tag(null, null, null, null);
        assertEquals(Integer.toHexString((int) crc.getValue()), empty.substring(empty.indexOf('-') + 1));
        assertEquals(tag.substring(0, tag.indexOf('-')), empty.substring(0, empty.indexOf('-')), "one prefix");
    }
}
