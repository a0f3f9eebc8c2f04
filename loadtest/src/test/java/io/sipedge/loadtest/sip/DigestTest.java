package io.sipedge.loadtest.sip;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class DigestTest {

    @Test
    void rfc2617Section3_5VectorWithQopAuth() {
        String response = Digest.response(DigestAlgorithm.MD5, "Mufasa", "testrealm@host.com", "Circle Of Life",
                "GET", "/dir/index.html", "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001", "0a4f113b", "auth");
        assertEquals("6629fae49393a05397450978507c4ef1", response);
    }

    @Test
    void rfc7616Section3_9_1Sha256Vector() {
        String response = Digest.response(DigestAlgorithm.SHA_256, "Mufasa", "http-auth@example.org", "Circle of Life",
                "GET", "/dir/index.html", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "00000001",
                "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "auth");
        assertEquals("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", response);
    }

    @Test
    void rfc7616Section3_9_1Md5Vector() {
        String response = Digest.response(DigestAlgorithm.MD5, "Mufasa", "http-auth@example.org", "Circle of Life",
                "GET", "/dir/index.html", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "00000001",
                "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "auth");
        assertEquals("8ca523f5e9506fed4657c9700eebdbec", response);
    }

    @Test
    void withoutQopIsTheRfc2069FormHashOfHa1NonceHa2() throws Exception {
        String ha1 = md5("alice:example.com:pw");
        String ha2 = md5("REGISTER:sip:example.com");
        String expected = md5(ha1 + ":abc123:" + ha2);
        assertEquals(expected, Digest.response(DigestAlgorithm.MD5, "alice", "example.com", "pw", "REGISTER",
                "sip:example.com", "abc123", null, null, null));
    }

    private static String md5(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}
