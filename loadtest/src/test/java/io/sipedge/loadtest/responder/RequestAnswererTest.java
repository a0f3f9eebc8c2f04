package io.sipedge.loadtest.responder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.loadtest.sip.DigestAlgorithm;
import io.sipedge.loadtest.sip.DigestChallenge;
import io.sipedge.loadtest.sip.MessageBuilder;
import io.sipedge.loadtest.sip.ResponseReader;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RequestAnswererTest {
    private static final String REGISTER = "REGISTER sip:example.com SIP/2.0\r\n"
            + "Via: SIP/2.0/UDP 127.0.0.1:40000;rport;branch=z9hG4bKone\r\n"
            + "v: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKtwo\r\n"
            + "From: <sip:alice@example.com>;tag=f\r\n"
            + "To: \"Alice\" <sip:alice@example.com:5060;transport=udp>\r\n"
            + "Call-ID: c1\r\n"
            + "CSeq: 5 REGISTER\r\n"
            + "Contact: <sip:alice@127.0.0.1:40000>\r\n"
            + "Expires: 120\r\n";

    private final RequestAnswerer answerer = new RequestAnswerer();
    private final MessageBuilder out = new MessageBuilder(256);
    private final ResponseReader reader = new ResponseReader();

    private String answer(String request) {
        byte[] b = request.getBytes(StandardCharsets.UTF_8);
        assertTrue(answerer.parse(b, 0, b.length));
        out.reset();
        assertTrue(answerer.answer(out));
        assertTrue(reader.read(out.array(), 0, out.length()));
        return out.toString();
    }

    @Test
    void registerWithoutCredentialsGetsOneMd5ChallengeForTheToHost() {
        String text = answer(REGISTER + "Content-Length: 0\r\n\r\n");
        assertEquals(401, reader.statusCode());
        assertEquals("z9hG4bKone", reader.branch());
        assertEquals("c1", reader.callId());
        assertEquals(5, reader.cseq());
        assertEquals(1, reader.challengeCount());
        DigestChallenge c = reader.preferredChallenge();
        assertEquals("example.com", c.realmString());
        assertEquals(DigestAlgorithm.MD5, c.algorithm());
        assertTrue(c.qopAuth());
        assertTrue(text.contains("\r\nv: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKtwo\r\n"), "every Via, in order");
        assertTrue(text.contains("To: \"Alice\" <sip:alice@example.com:5060;transport=udp>;tag=ldresp\r\n"), text);
        assertTrue(text.endsWith("Content-Length: 0\r\n\r\n"));
    }

    @Test
    void registerWithCredentialsGets200EchoingContactAndExpiresWithoutAnyCheck() {
        String text = answer(REGISTER + "Authorization: Digest username=\"alice\", response=\"wrong\"\r\n"
                + "Content-Length: 0\r\n\r\n");
        assertEquals(200, reader.statusCode());
        assertTrue(text.contains("Contact: <sip:alice@127.0.0.1:40000>;expires=120\r\nExpires: 120\r\n"), text);
    }

    @Test
    void noAnswerToAckAndResponsesAreNotRequests() {
        byte[] ack = "ACK sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKa\r\nFrom: <sip:a@b>\r\nTo: <sip:a@b>\r\nCall-ID: c\r\nCSeq: 1 ACK\r\n\r\n"
                .getBytes(StandardCharsets.UTF_8);
        assertTrue(answerer.parse(ack, 0, ack.length));
        assertFalse(answerer.answer(out));
        byte[] resp = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKa\r\n\r\n".getBytes(StandardCharsets.UTF_8);
        assertFalse(answerer.parse(resp, 0, resp.length));
    }
}
