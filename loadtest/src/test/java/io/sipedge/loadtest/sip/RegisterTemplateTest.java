package io.sipedge.loadtest.sip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class RegisterTemplateTest {
    private final RegisterTemplate udp = new RegisterTemplate("UDP",
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000), 40000, "0badcafe", 3600);
    private final SipDomain domain = new SipDomain("example.com");
    private final MessageBuilder b = new MessageBuilder(64); // small: must grow

    @Test
    void firstLegIsTheExpectedText() {
        udp.writeRegister(b, domain, Ascii.bytes("u000001"), 0x1f, 7);
        assertEquals("REGISTER sip:example.com SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:40000;rport;branch=z9hG4bK0badcafe-1f-7\r\n"
                + "Max-Forwards: 70\r\n"
                + "From: <sip:u000001@example.com>;tag=0badcafe1f\r\n"
                + "To: <sip:u000001@example.com>\r\n"
                + "Call-ID: 0badcafe-1f@sip-edge-loadtest\r\n"
                + "CSeq: 7 REGISTER\r\n"
                + "Contact: <sip:u000001@127.0.0.1:40000;transport=udp>\r\n"
                + "Expires: 3600\r\n"
                + "User-Agent: sip-edge-loadtest\r\n"
                + "Content-Length: 0\r\n\r\n", b.toString());
    }

    @Test
    void theBranchDecodesBackToUserAndCseqAndForeignBranchesDoNot() {
        udp.writeRegister(b, domain, Ascii.bytes("u"), 123456, Integer.MAX_VALUE);
        ResponseReader r = new ResponseReader();
        byte[] resp = ("SIP/2.0 401 x\r\n" + b.toString().split("\r\n")[1] + "\r\n\r\n").getBytes(StandardCharsets.UTF_8);
        assertTrue(r.read(resp, 0, resp.length));
        long key = udp.decodeBranch(resp, r.branchStart(), r.branchEnd());
        assertEquals(123456, key >>> 32);
        assertEquals(Integer.MAX_VALUE, (int) key);
        byte[] other = "z9hG4bK0badcaff-1-1".getBytes(StandardCharsets.UTF_8);
        assertEquals(-1, udp.decodeBranch(other, 0, other.length), "another run's tag");
        byte[] bad = "z9hG4bK0badcafe-zz-1".getBytes(StandardCharsets.UTF_8);
        assertEquals(-1, udp.decodeBranch(bad, 0, bad.length));
    }

    @Test
    void secondLegCarriesAValidQopAuthDigestForTheAuthUsername() {
        DigestChallenge c = challenge("WWW-Authenticate: Digest realm=\"example.com\", nonce=\"abc\\\"def\", "
                + "opaque=\"op\", algorithm=MD5, qop=\"auth\"");
        byte[] ha1 = Digest.get().ha1(DigestAlgorithm.MD5, Ascii.bytes("auth-u1"), Ascii.bytes("example.com"), Ascii.bytes("pw"));
        udp.writeAuthenticatedRegister(b, domain, Ascii.bytes("u1"), 1, 2, c, Ascii.bytes("auth-u1"), ha1, 0xabcdefL);
        String text = b.toString();
        assertTrue(text.contains("CSeq: 2 REGISTER\r\n"));
        assertTrue(text.endsWith("Content-Length: 0\r\n\r\n"));
        String auth = line(text, "Authorization: ");
        Map<String, String> p = params(auth);
        assertEquals("auth-u1", p.get("username"));
        assertEquals("example.com", p.get("realm"));
        assertEquals("abc\\\"def", p.get("nonce"), "the quote in the nonce is escaped again");
        assertEquals("sip:example.com", p.get("uri"));
        assertEquals("MD5", p.get("algorithm"));
        assertEquals("auth", p.get("qop"));
        assertEquals("00000001", p.get("nc"));
        assertEquals("0000000000abcdef", p.get("cnonce"));
        assertEquals("op", p.get("opaque"));
        assertEquals(Digest.response(DigestAlgorithm.MD5, "auth-u1", "example.com", "pw", "REGISTER",
                "sip:example.com", "abc\"def", "00000001", "0000000000abcdef", "auth"), p.get("response"));
    }

    @Test
    void secondLegAnswersSha256WithoutQopInRfc2069FormAndProxyAuthorization() {
        DigestChallenge c = challenge("Proxy-Authenticate: Digest realm=\"other\", nonce=\"n1\", algorithm=SHA-256");
        byte[] ha1 = Digest.get().ha1(DigestAlgorithm.SHA_256, Ascii.bytes("u1"), Ascii.bytes("other"), Ascii.bytes("pw"));
        udp.writeAuthenticatedRegister(b, domain, Ascii.bytes("u1"), 1, 2, c, Ascii.bytes("u1"), ha1, 1);
        Map<String, String> p = params(line(b.toString(), "Proxy-Authorization: "));
        assertEquals("SHA-256", p.get("algorithm"));
        assertEquals(null, p.get("qop"));
        assertEquals(null, p.get("cnonce"));
        assertEquals(64, p.get("response").length());
        assertEquals(Digest.response(DigestAlgorithm.SHA_256, "u1", "other", "pw", "REGISTER", "sip:example.com",
                "n1", null, null, null), p.get("response"));
    }

    @Test
    void ipv6LocalAddressIsBracketed() {
        RegisterTemplate t = new RegisterTemplate("TCP", new InetSocketAddress("::1", 5062), 5062, "01234567", 60);
        t.writeRegister(b, domain, Ascii.bytes("u"), 0, 1);
        assertTrue(b.toString().contains("Via: SIP/2.0/TCP [0:0:0:0:0:0:0:1]:5062;rport;branch="), b.toString());
        assertTrue(b.toString().contains("Contact: <sip:u@[0:0:0:0:0:0:0:1]:5062;transport=tcp>\r\nExpires: 60\r\n"));
    }

    private static DigestChallenge challenge(String header) {
        ResponseReader r = new ResponseReader();
        byte[] m = ("SIP/2.0 401 x\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\n" + header + "\r\n\r\n").getBytes(StandardCharsets.UTF_8);
        assertTrue(r.read(m, 0, m.length));
        DigestChallenge c = r.preferredChallenge();
        assertNotNull(c);
        return c;
    }

    private static String line(String text, String prefix) {
        for (String l : text.split("\r\n")) {
            if (l.startsWith(prefix)) {
                return l.substring(prefix.length());
            }
        }
        throw new AssertionError("no " + prefix + " in " + text);
    }

    /** Digest params, quoted values kept as written (escapes included). */
    private static Map<String, String> params(String value) {
        assertTrue(value.startsWith("Digest "), value);
        Map<String, String> out = new HashMap<>();
        Matcher m = Pattern.compile("(\\w+)=(\"((?:[^\"\\\\]|\\\\.)*)\"|[^,\\s]+)").matcher(value);
        while (m.find()) {
            out.put(m.group(1), m.group(3) != null ? m.group(3) : m.group(2));
        }
        return out;
    }

    @Test
    void aContactPortOverrideChangesTheContactButNotTheVia() {
        RegisterTemplate fixed = new RegisterTemplate("UDP",
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000), 5999, "0badcafe", 3600);
        fixed.writeRegister(b, domain, Ascii.bytes("alice"), 1, 1);
        String text = new String(b.array(), 0, b.length(), StandardCharsets.US_ASCII);
        assertTrue(text.contains("Contact: <sip:alice@127.0.0.1:5999;transport=udp>"), text);
        assertTrue(text.contains("Via: SIP/2.0/UDP 127.0.0.1:40000;rport;"), text);
    }
}
