package io.sipedge.loadtest.sip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ResponseReaderTest {
    private final ResponseReader reader = new ResponseReader();

    private boolean read(String text) {
        byte[] b = ("junk" + text).getBytes(StandardCharsets.UTF_8);
        return reader.read(b, 4, b.length - 4); // an offset, as transports hand out
    }

    private static final String TWO_CHALLENGES = "SIP/2.0 401 Unauthorized\r\n"
            + "Via: SIP/2.0/UDP 127.0.0.1:5070;rport=5070;branch=z9hG4bKabc-1-2;received=127.0.0.1\r\n"
            + "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKother\r\n"
            + "From: <sip:alice@example.com>;tag=1\r\n"
            + "To: <sip:alice@example.com>;tag=2\r\n"
            + "Call-ID: abc-1@sip-edge-loadtest\r\n"
            + "CSeq: 2 REGISTER\r\n"
            + "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"n-md5\", algorithm=MD5, qop=\"auth\"\r\n"
            + "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"n-sha\", algorithm=SHA-256, qop=\"auth\"\r\n"
            + "Content-Length: 0\r\n\r\n";

    @Test
    void readsA401WithTwoChallengesAndPrefersMd5() {
        assertTrue(read(TWO_CHALLENGES));
        assertEquals(401, reader.statusCode());
        assertEquals("z9hG4bKabc-1-2", reader.branch(), "top Via only");
        assertEquals("abc-1@sip-edge-loadtest", reader.callId());
        assertEquals(2, reader.cseq());
        assertEquals("REGISTER", reader.cseqMethod());
        assertEquals(0, reader.contentLength());
        assertEquals(2, reader.challengeCount());
        DigestChallenge sha = reader.challenge(1);
        assertEquals(DigestAlgorithm.SHA_256, sha.algorithm());
        assertEquals("n-sha", sha.nonceString());
        DigestChallenge chosen = reader.preferredChallenge();
        assertEquals(DigestAlgorithm.MD5, chosen.algorithm());
        assertEquals("n-md5", chosen.nonceString());
        assertEquals("example.com", chosen.realmString());
        assertTrue(chosen.qopAuth());
        assertFalse(chosen.proxy());
    }

    @Test
    void prefersMd5EvenWhenSha256ComesFirst() {
        String swapped = TWO_CHALLENGES.replace("n-md5\", algorithm=MD5", "TMP").replace("n-sha\", algorithm=SHA-256",
                "n-md5\", algorithm=MD5").replace("TMP", "n-sha\", algorithm=SHA-256");
        assertTrue(read(swapped));
        assertEquals(DigestAlgorithm.SHA_256, reader.challenge(0).algorithm());
        assertEquals(DigestAlgorithm.MD5, reader.preferredChallenge().algorithm());
        assertEquals("n-md5", reader.preferredChallenge().nonceString());
    }

    @Test
    void takesSha256WhenItIsTheOnlyOneOffered() {
        String shaOnly = TWO_CHALLENGES.replace("WWW-Authenticate: Digest realm=\"example.com\", nonce=\"n-md5\", "
                + "algorithm=MD5, qop=\"auth\"\r\n", "");
        assertTrue(read(shaOnly));
        assertEquals(1, reader.challengeCount());
        assertEquals(DigestAlgorithm.SHA_256, reader.preferredChallenge().algorithm());
    }

    @Test
    void aChallengeWithoutAlgorithmIsMd5AndWithoutQopIsRfc2069() {
        assertTrue(read("SIP/2.0 407 Proxy Authentication Required\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\n"
                + "Proxy-Authenticate: Digest realm=\"r\", nonce=\"n\", opaque=\"o\\\"q\"\r\n\r\n"));
        DigestChallenge c = reader.preferredChallenge();
        assertTrue(c.proxy());
        assertFalse(c.algorithmPresent());
        assertEquals(DigestAlgorithm.MD5, c.algorithm());
        assertFalse(c.qopOffered());
        assertEquals("o\"q", new String(c.opaque(), StandardCharsets.UTF_8), "quoted-pair unescaped");
    }

    @Test
    void unsupportedAlgorithmsAndAuthIntOnlyAreNotUsable() {
        assertTrue(read("SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\n"
                + "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", algorithm=SHA-512-256\r\n"
                + "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\"\r\n"
                + "WWW-Authenticate: Basic realm=\"r\"\r\n\r\n"));
        assertEquals(3, reader.challengeCount());
        assertNull(reader.challenge(2), "not Digest");
        assertNull(reader.preferredChallenge());
    }

    @Test
    void readsCompactHeadersAndFoldedWhitespace() {
        assertTrue(read("SIP/2.0 200 OK\r\n"
                + "v : SIP/2.0/TCP 127.0.0.1:5070\r\n ;rport ;BRANCH = z9hG4bKfold-3-4\r\n"
                + "i:\tcall-1\r\n"
                + "CSEQ:  7\r\n\tREGISTER\r\n"
                + "www-authenticate: Digest\r\n realm=\"example.com\",\r\n\tnonce=\"folded\",\r\n qop=\"auth,auth-int\"\r\n"
                + "l: 0\r\n\r\n"));
        assertEquals(200, reader.statusCode());
        assertEquals("z9hG4bKfold-3-4", reader.branch());
        assertEquals("call-1", reader.callId());
        assertEquals(7, reader.cseq());
        assertEquals("REGISTER", reader.cseqMethod());
        assertEquals(0, reader.contentLength());
        DigestChallenge c = reader.preferredChallenge();
        assertEquals("folded", c.nonceString());
        assertEquals("example.com", c.realmString());
        assertTrue(c.qopAuth());
    }

    @Test
    void readsContentLengthAndBareLfLines() {
        assertTrue(read("SIP/2.0 503 Service Unavailable\nVia: SIP/2.0/UDP h;branch=z9hG4bKlf\nContent-Length: 5\n\nhello"));
        assertEquals(503, reader.statusCode());
        assertEquals("z9hG4bKlf", reader.branch());
        assertEquals(5, reader.contentLength());
    }

    @Test
    void refusesRequestsAndGarbage() {
        assertFalse(read("REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\n\r\n"));
        assertFalse(read("SIP/2.0 abc Bad\r\n\r\n"));
        assertFalse(read("SIP/2.0 "));
    }
}
