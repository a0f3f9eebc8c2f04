package io.sipedge.sip.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.sip.transport.TestCertificates.Kind;
import io.sipedge.sip.transport.TestCertificates.Pair;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TlsMaterialTest {
    @TempDir
    Path dir;

    /**
     * keytool's launcher takes any argument starting with "-J" as a JVM option: a base64url password
     * did so once in 4 096 first starts. A hex password never starts with '-'.
     */
    @Test
    void theSelfSignedKeystoresPasswordIsHexAndOpensTheKeystoreAgain(@TempDir Path data) throws Exception {
        assertNotNull(TlsMaterial.selfSigned(data));
        Path tls = data.resolve("tls");
        String password = Files.readString(tls.resolve("edge.p12.password"), StandardCharsets.US_ASCII).strip();
        assertTrue(password.matches("[0-9a-f]{48}"), "48 hex digits (24 random bytes)");
        assertNotNull(TlsMaterial.load(tls.resolve("edge.p12"), password.toCharArray()));
        assertNotNull(TlsMaterial.selfSigned(data), "a second start reads what the first made");
        assertEquals(password, Files.readString(tls.resolve("edge.p12.password"), StandardCharsets.US_ASCII).strip());
    }

    // ------------------------------------------------------------------ PEM, as ACME clients write it

    /** certbot's privkey.pem: PKCS#8, BEGIN PRIVATE KEY, RSA or (its default since 2.0) EC. */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void aPkcs8KeyAndItsCertificateServeHandshakes(Kind kind) throws Exception {
        Pair p = TestCertificates.selfSigned(dir, "edge", kind, "sip.example.com", 4242);
        assertTrue(Files.readString(p.key()).startsWith("-----BEGIN PRIVATE KEY-----"));
        TlsMaterial.Loaded loaded = TlsMaterial.pem(p.certificate(), p.key());
        assertEquals(BigInteger.valueOf(4242), loaded.leaf().getSerialNumber());
        assertTrue(loaded.describe().contains("CN=sip.example.com") && loaded.describe().contains("serial 1092"),
                loaded.describe());
        Certificate[] served = handshake(loaded.context());
        assertEquals(BigInteger.valueOf(4242), ((X509Certificate) served[0]).getSerialNumber());
    }

    /** lego and acme.sh: BEGIN RSA PRIVATE KEY (PKCS#1) and BEGIN EC PRIVATE KEY (SEC1). */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void aTraditionalKeyIsReadToo(Kind kind) throws Exception {
        Pair p = TestCertificates.selfSigned(dir, "edge", kind, "sip.example.com", 77);
        Path traditional = TestCertificates.traditional(p.key());
        assertTrue(Files.readString(traditional).startsWith("-----BEGIN " + kind.name() + " PRIVATE KEY-----"));
        Certificate[] served = handshake(TlsMaterial.pem(p.certificate(), traditional).context());
        assertEquals(BigInteger.valueOf(77), ((X509Certificate) served[0]).getSerialNumber());
    }

    /** openssl ecparam -genkey writes the curve's EC PARAMETERS block before the key. */
    @Test
    void blocksBeforeTheKeyAreSkipped() throws Exception {
        Pair p = TestCertificates.selfSigned(dir, "edge", Kind.EC, "sip.example.com", 78);
        Path withParams = dir.resolve("params-first.key");
        Files.writeString(withParams, "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"
                + Files.readString(TestCertificates.traditional(p.key())));
        assertNotNull(TlsMaterial.pem(p.certificate(), withParams));
    }

    @Test
    void theChainIsServedInFileOrderLeafFirst() throws Exception {
        Pair p = TestCertificates.chain(dir, "leaf", 500);
        TlsMaterial.Loaded loaded = TlsMaterial.pem(p.certificate(), p.key());
        assertEquals(2, loaded.chain().size());
        Certificate[] served = handshake(loaded.context());
        assertEquals(2, served.length, "the intermediate goes with the leaf");
        assertEquals(BigInteger.valueOf(500), ((X509Certificate) served[0]).getSerialNumber());
        assertEquals("CN=sip-edge test CA", ((X509Certificate) served[1]).getSubjectX500Principal().getName());
    }

    @Test
    void aChainWithTheServersCertificateNotFirstIsRefused() throws Exception {
        Pair p = TestCertificates.chain(dir, "leaf", 600);
        String text = Files.readString(p.certificate());
        int second = text.indexOf("-----BEGIN CERTIFICATE-----", 1);
        Path reversed = dir.resolve("reversed.pem");
        Files.writeString(reversed, text.substring(second) + text.substring(0, second));
        TlsMaterial.TlsException e = assertThrows(TlsMaterial.TlsException.class,
                () -> TlsMaterial.pem(reversed, p.key()));
        assertEquals(reversed, e.file());
        assertTrue(e.getMessage().contains("must come first"), e.getMessage());
    }

    @Test
    void aKeyOfAnotherCertificateIsRefused() throws Exception {
        Pair a = TestCertificates.selfSigned(dir, "a", Kind.EC, "a.example.com", 1);
        Pair b = TestCertificates.selfSigned(dir, "b", Kind.EC, "b.example.com", 2);
        TlsMaterial.TlsException e = assertThrows(TlsMaterial.TlsException.class,
                () -> TlsMaterial.pem(a.certificate(), b.key()));
        assertNull(e.file(), "neither file is broken; the pair is");
        assertTrue(e.getMessage().contains("does not belong"), e.getMessage());
    }

    @Test
    void aKeyOfAnotherKindThanTheCertificatesIsRefused() throws Exception {
        Pair rsa = TestCertificates.selfSigned(dir, "rsa", Kind.RSA, "a.example.com", 1);
        Pair ec = TestCertificates.selfSigned(dir, "ec", Kind.EC, "a.example.com", 2);
        assertThrows(TlsMaterial.TlsException.class, () -> TlsMaterial.pem(rsa.certificate(), ec.key()));
        assertThrows(TlsMaterial.TlsException.class,
                () -> TlsMaterial.pem(rsa.certificate(), TestCertificates.traditional(ec.key())));
        assertThrows(TlsMaterial.TlsException.class,
                () -> TlsMaterial.pem(ec.certificate(), TestCertificates.traditional(rsa.key())));
    }

    @Test
    void unreadableFilesAreRefusedNamingTheFileAndNoKeyMaterial() throws Exception {
        Pair p = TestCertificates.selfSigned(dir, "edge", Kind.EC, "sip.example.com", 3);
        Path garbage = dir.resolve("garbage.pem");
        Files.writeString(garbage, "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n");
        assertEquals(garbage, assertThrows(TlsMaterial.TlsException.class,
                () -> TlsMaterial.pem(garbage, p.key())).file());
        Path empty = dir.resolve("empty.pem");
        Files.writeString(empty, "");
        assertEquals(empty, assertThrows(TlsMaterial.TlsException.class,
                () -> TlsMaterial.pem(empty, p.key())).file());
        assertEquals(empty, assertThrows(TlsMaterial.TlsException.class,
                () -> TlsMaterial.pem(p.certificate(), empty)).file());

        String key = Files.readString(p.key());
        String body = key.substring(key.indexOf('\n') + 1, key.indexOf("-----END"));
        Path truncated = dir.resolve("truncated.key");
        Files.writeString(truncated, "-----BEGIN PRIVATE KEY-----\n" + body.substring(0, 40)
                + "\n-----END PRIVATE KEY-----\n");
        TlsMaterial.TlsException e = assertThrows(TlsMaterial.TlsException.class,
                () -> TlsMaterial.pem(p.certificate(), truncated));
        assertEquals(truncated, e.file());
        assertNull(e.getCause(), "the JDK's parse error may quote key bytes");
        assertFalse(e.getMessage().contains(body.substring(0, 20)), e.getMessage());
    }

    @Test
    void anEncryptedKeyIsRefusedWithAReason() throws Exception {
        Pair p = TestCertificates.selfSigned(dir, "edge", Kind.EC, "sip.example.com", 3);
        Path encrypted = dir.resolve("encrypted.key");
        Files.writeString(encrypted, "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
        TlsMaterial.TlsException e = assertThrows(TlsMaterial.TlsException.class,
                () -> TlsMaterial.pem(p.certificate(), encrypted));
        assertTrue(e.getMessage().contains("encrypted"), e.getMessage());
    }

    /** A TLS handshake on loopback with {@code server}; the chain it presented. */
    static Certificate[] handshake(SSLContext server) throws Exception {
        try (SSLServerSocket ss = (SSLServerSocket) server.getServerSocketFactory().createServerSocket(0, 1,
                InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> accepted = CompletableFuture.runAsync(() -> {
                try (SSLSocket s = (SSLSocket) ss.accept()) {
                    s.setSoTimeout(5000);
                    s.startHandshake();
                    try (InputStream in = s.getInputStream()) {
                        in.read(); // until the client closes
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            SSLContext client = SSLContext.getInstance("TLS");
            client.init(null, new TrustManager[] {TRUST_ALL}, new SecureRandom());
            Certificate[] chain;
            try (SSLSocket c = (SSLSocket) client.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(),
                    ss.getLocalPort())) {
                c.setSoTimeout(5000);
                c.startHandshake();
                chain = c.getSession().getPeerCertificates();
            }
            accepted.get(10, TimeUnit.SECONDS); // the server side ends once the client has closed
            return chain;
        }
    }

    static final X509TrustManager TRUST_ALL = new X509TrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    };
}
