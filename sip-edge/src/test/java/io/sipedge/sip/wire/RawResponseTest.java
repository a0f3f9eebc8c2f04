package io.sipedge.sip.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Responses read in place: what names their transaction, and the bytes without the top Via. */
class RawResponseTest {
    private static final String REST = "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>;tag=2\r\n"
            + "Call-ID: c1\r\nCSeq: 7 INVITE\r\nRecord-Route: <sip:x@192.0.2.1;lr>\r\nContent-Length: 4\r\n\r\nv=0\n";

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Rows write CRLF as ~ (a CSV record ends at a line break). */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        // how the top Via is written | the Vias left after it
        "Via: SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKedge1~Via: SIP/2.0/TCP 10.0.0.1;branch=z9hG4bKa;rport=5~"
            + "| Via: SIP/2.0/TCP 10.0.0.1;branch=z9hG4bKa;rport=5~",
        "Via: SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKedge1, SIP/2.0/TCP 10.0.0.1;branch=z9hG4bKa~"
            + "| Via: SIP/2.0/TCP 10.0.0.1;branch=z9hG4bKa~",
        "v: SIP/2.0/UDP 192.0.2.9:5060;received=192.0.2.9;branch=z9hG4bKedge1,SIP/2.0/WSS a.invalid;branch=z9hG4bKb~"
            + "| v: SIP/2.0/WSS a.invalid;branch=z9hG4bKb~",
        "VIA : SIP/2.0/UDP [2001:db8::1]:5060 ; BRANCH = z9hG4bKedge1~|",
    })
    void theTopViaIsCutAndEverythingElsePasses(String vias, String left) {
        String head = "SIP/2.0 180 Ringing\r\n";
        RawResponse r = RawResponse.scan(bytes(head + vias.replace("~", "\r\n") + REST));
        assertNotNull(r);
        assertEquals(180, r.status());
        assertEquals("z9hG4bKedge1", r.branch());
        assertEquals("INVITE", r.cseqMethod());
        assertArrayEquals(bytes(head + (left == null ? "" : left.replace("~", "\r\n")) + REST), r.withoutTopVia());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "SIP/2.0 200 OK\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n", // no Via
        "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nContent-Length: 0\r\n\r\n", // no CSeq
        "SIP/2.0 200 OK\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\nCSeq: 1 BYE\n\n", // bare LF
        "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h\r\n ;branch=z9hG4bKx\r\nCSeq: 1 BYE\r\n\r\n", // folded
        "SIP/2.0 2x0 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nCSeq: 1 BYE\r\n\r\n",
        "SIP/2.0 099 Low\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nCSeq: 1 BYE\r\n\r\n",
        "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx,\r\nCSeq: 1 BYE\r\n\r\n", // dangling comma
        "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nCSeq: 1 BYE\r\n", // no end of headers
        "INVITE sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nCSeq: 1 INVITE\r\n\r\n",
        "SIP/2.0 200",
    })
    void otherShapesAreLeftToTheParser(String message) {
        assertNull(RawResponse.scan(bytes(message)), message);
    }

    @ParameterizedTest
    @ValueSource(strings = {"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h\r\nCSeq: 1 BYE\r\n\r\n"})
    void aViaWithoutABranchHasNone(String message) {
        assertNull(RawResponse.scan(bytes(message)).branch());
    }
}
