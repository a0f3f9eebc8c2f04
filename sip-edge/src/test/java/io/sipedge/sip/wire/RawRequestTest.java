package io.sipedge.sip.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.sipedge.model.Flow;
import io.sipedge.model.Transport;
import io.sipedge.sip.auth.DigestCredentials;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Requests read in place, and their forwarded copies written by splicing bytes. */
class RawRequestTest {
    private static final String LINE = "BYE sip:bob@10.0.0.2:5060 SIP/2.0~";
    private static final String VIA = "Via: SIP/2.0/TCP 10.0.0.1:5070;branch=z9hG4bKcaller;rport~";
    private static final String REST = "From: <sip:a@example.com>;tag=1~To: <sip:b@example.com>;tag=2~"
            + "Call-ID: c1~CSeq: 3 BYE~Content-Length: 4~~body";
    /** The caller's Via as forwarded: where it came from, for the answers (RFC 3581). */
    private static final String STAMPED =
            "Via: SIP/2.0/TCP 10.0.0.1:5070;branch=z9hG4bKcaller;received=10.0.0.1;rport=40001~";
    private static final String EDGE_VIA = "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKedge";

    private static byte[] bytes(String s) {
        return s.replace("~", "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1).replace("\r\n", "~");
    }

    /** Rows write CRLF as ~. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "Max-Forwards: 70~Route: <sip:T1@192.0.2.1;lr>,<sip:T2@192.0.2.1;transport=tcp;lr>~ | 2 | Max-Forwards: 69~",
        "Max-Forwards: 70~Route: <sip:T1@192.0.2.1;lr>~Route: <sip:T2@192.0.2.1;lr>~ | 2 | Max-Forwards: 69~",
        "Route: <sip:T1@192.0.2.1;lr>, <sip:T2@192.0.2.1;lr>, <sip:far@198.51.100.1;lr>~Max-Forwards: 9~ | 2 "
            + "| Route: <sip:far@198.51.100.1;lr>~Max-Forwards: 8~",
        "Route: <sip:T1@192.0.2.1;lr>,<sip:T2@192.0.2.1;lr>~Route: <sip:far@198.51.100.1;lr>~Max-Forwards: 10~ | 2 "
            + "| Route: <sip:far@198.51.100.1;lr>~Max-Forwards: 9~",
        "Route: <sip:T1@192.0.2.1;lr>~Route: <sip:far@198.51.100.1;lr>~ | 1 | Route: <sip:far@198.51.100.1;lr>~",
    })
    void theForwardedCopyHasTheEdgesViaOneHopLessAndItsRoutesPopped(String headers, int pop, String left) {
        RawRequest r = RawRequest.scan(bytes(LINE + VIA + headers + REST));
        assertNotNull(r);
        assertEquals("BYE", r.method());
        assertEquals("z9hG4bKcaller", r.branch());
        assertEquals("2", r.toTag());
        assertEquals("T1", r.routeUri(0).user());
        String expected = LINE + "Via: " + EDGE_VIA + "~" + (left.contains("Max-Forwards") ? "" : "Max-Forwards: 69~")
                + STAMPED + left + REST;
        assertEquals(expected, text(r.forward(EDGE_VIA, pop, Flow.of(Transport.TCP, "10.0.0.1", 40001), realm -> true)));
    }

    @Test
    void credentialsForTheEdgeAreConsumedAndOthersGoOn() {
        String mine = "Proxy-Authorization: Digest username=\"a\", realm=\"example.com\", nonce=\"n\", "
                + "uri=\"sip:b@example.com\", response=\"r\"~";
        String theirs = "Proxy-Authorization: Digest realm=\"carrier.example.net\", username=\"x\"~";
        RawRequest r = RawRequest.scan(bytes(LINE + VIA + mine + theirs + REST));
        String forwarded = text(r.forward(EDGE_VIA, 0, Flow.of(Transport.TCP, "10.0.0.1", 40001),
                realm -> realm.equals("example.com")));
        assertEquals(LINE + "Via: " + EDGE_VIA + "~Max-Forwards: 69~" + STAMPED + theirs + REST, forwarded);
    }

    @Test
    void aUdpAnswerGoesToTheSourcePortWithRportElseToTheViaPort() {
        Flow flow = Flow.of(Transport.UDP, "10.0.0.1", 40000);
        assertEquals(40000, RawRequest.scan(bytes(LINE + VIA + REST)).udpPort(flow));
        assertEquals(5070, RawRequest.scan(bytes(LINE + VIA.replace(";rport", "") + REST)).udpPort(flow));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "BYE sip:b@h SIP/2.0~From: <sip:a@h>;tag=1~To: <sip:b@h>;tag=2~CSeq: 1 BYE~~", // no Via
        "BYE sip:b@h SIP/2.0~Via: SIP/2.0/UDP h;branch=z9hG4bKx~CSeq: 1 BYE~~", // no To
        "BYE sip:b@h SIP/2.0~Via: SIP/2.0/UDP h;branch=z9hG4bKx~To: <sip:b@h>~ ;tag=2~~", // folded
        "BYE sip:b@h SIP/2.0~Via: SIP/2.0/UDP h;branch=z9hG4bKx~To: <sip:b@h>;tag=2~Max-Forwards: 7~Max-Forwards: 8~~",
        "BYE sip:b@h SIP/2.0~Via: SIP/2.0/UDP h;branch=z9hG4bKx~To: <sip:b@h>;tag=2~Route: sip:T@h;lr~~",
        "bye sip:b@h SIP/2.0~Via: SIP/2.0/UDP h;branch=z9hG4bKx~To: <sip:b@h>;tag=2~~",
        "BYE sip:b@h SIP/3.0~Via: SIP/2.0/UDP h;branch=z9hG4bKx~To: <sip:b@h>;tag=2~~",
        "SIP/2.0 200 OK~Via: SIP/2.0/UDP h;branch=z9hG4bKx~To: <sip:b@h>;tag=2~~",
        "BYE sip:b@h SIP/2.0~Via: SIP/2.0/UDP h;branch=z9hG4bKx~To: <sip:b@h>;tag=2~CSeq: 1 INFO~~", // CSeq method
        "BYE sip:b@h SIP/2.0~Via: SIP/2.0/UDP h;branch=z9hG4bKx~To: <sip:b@h>;tag=2~~", // no CSeq
        "INVITE sip:b@h SIP/2.0~Via: SIP/2.0/UDP h;branch=z9hG4bKx~From: <sip:a@h>;tag=1~To: <sip:b@h>~"
            + "CSeq: 1 INVITE~~", // no Call-ID
        "INVITE sip:b@h SIP/2.0~Via: SIP/2.0/UDP h;branch=z9hG4bKx~To: <sip:b@h>~Call-ID: c~CSeq: 1 INVITE~~", // no From
        "INVITE sip:b@h SIP/2.0~Via: SIP/2.0/UDP h;branch=z9hG4bKx~From: <sip:a@h>;tag=1~From: <sip:c@h>;tag=3~"
            + "To: <sip:b@h>~Call-ID: c~CSeq: 1 INVITE~~", // two Froms
        "INVITE sip:b@h SIP/2.0~Via: SIP/2.0/UDP h;branch=z9hG4bKx~From: <sip:a@h>;tag=1~To: <sip:b@h>~Call-ID: c~"
            + "CSeq: 1 INVITE~Content-Length: 10~~v=0~", // a shorter body than its Content-Length
        "INVITE sip:b@h SIP/2.0~Via: SIP/2.0/UDP h;branch=\"x,y\"~From: <sip:a@h>;tag=1~To: <sip:b@h>~Call-ID: c~"
            + "CSeq: 1 INVITE~~", // a quoted comma in a Via
        "INVITE sip:b@h SIP/2.0~Via: SIP/2.0/UDP h;branch=z9hG4bKx~From: <sip:a@h>;tag=1~To: <sip:b@h>~Call-ID: c~"
            + "CSeq: 99999999999 INVITE~~", // a CSeq number past 2^31
    })
    void otherShapesAreLeftToTheParser(String message) {
        assertNull(RawRequest.scan(bytes(message)), message);
    }

    @Test
    void aRequestOutsideADialogHasNoToTag() {
        RawRequest r = RawRequest.scan(bytes("ACK sip:b@h SIP/2.0~Via: SIP/2.0/UDP h;branch=z9hG4bKx~"
                + "From: <sip:a@h>;tag=1~To: <sip:b@h>~Call-ID: c~CSeq: 1 ACK~~"));
        assertNotNull(r);
        assertNull(r.toTag());
        assertEquals(-1, r.maxForwards());
        assertEquals(0, r.routeCount());
    }

    @Test
    void aRequestOutOfADialogIsReadForTheDecision() {
        String message = "INVITE sip:bob@example.com SIP/2.0~"
                + "Via: SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bKtop;rport, SIP/2.0/TCP 10.0.0.9;branch=z9hG4bKmid~"
                + "v: SIP/2.0/UDP 10.0.0.8;branch=z9hG4bKlow~"
                + "Route: <sip:example.com;lr>~"
                + "f: \"Alice\" <sip:alice@example.com>;tag=a1~t: <sip:bob@example.com>~i: call-1~CSeq: 7 INVITE~"
                + "Proxy-Authorization: Digest username=\"alice\", realm=\"example.com\", nonce=\"n1\", "
                + "uri=\"sip:bob@example.com\", response=\"0123\", algorithm=MD5, qop=auth, nc=00000001, "
                + "cnonce=\"c1\"~Content-Type: application/sdp~l: 5~~v=0~";
        RawRequest r = RawRequest.scan(bytes(message));
        assertNotNull(r);
        assertEquals("sip:bob@example.com", r.requestUri());
        assertEquals("\"Alice\" <sip:alice@example.com>;tag=a1", r.from());
        assertEquals("a1", r.fromTag());
        assertNull(r.toTag());
        assertEquals("call-1", r.callId());
        assertEquals(7, r.cseq());
        assertEquals(java.util.Arrays.asList("z9hG4bKtop", "z9hG4bKmid", "z9hG4bKlow"), r.viaBranches());
        assertEquals(new SipUriParts(null, "example.com", -1), r.routeUri(0));
        DigestCredentials c = r.credentials().get(0);
        assertEquals("alice", c.username());
        assertEquals("example.com", c.realm());
        assertEquals("00000001", c.nc());
        assertEquals(List.of(), r.credentialsKept(realm -> realm.equals("example.com")));
        RequestHead head = r.head(Flow.of(Transport.UDP, "10.0.0.1", 40000));
        assertEquals("SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bKtop;received=10.0.0.1;rport=40000", head.topVia());
        assertEquals(List.of("SIP/2.0/TCP 10.0.0.9;branch=z9hG4bKmid", "SIP/2.0/UDP 10.0.0.8;branch=z9hG4bKlow"),
                head.otherVias());
        assertEquals("7 INVITE", head.cseq());
        assertEquals("<sip:bob@example.com>", head.to());
        assertEquals(40000, head.udpPort());
    }

    @Test
    void credentialsOfAnotherShapeSendTheRequestToTheParser() {
        RawRequest r = RawRequest.scan(bytes("INVITE sip:b@h SIP/2.0~Via: SIP/2.0/UDP h;branch=z9hG4bKx~"
                + "From: <sip:a@h>;tag=1~To: <sip:b@h>~Call-ID: c~CSeq: 1 INVITE~"
                + "Proxy-Authorization: Basic YTpi~~"));
        assertNotNull(r);
        assertNull(r.credentials());
    }
}
