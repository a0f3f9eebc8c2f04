package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.it.SipTestClient.SipResponse;
import io.sipedge.it.SipTestClient.Transport;
import io.sipedge.model.Aor;
import io.sipedge.model.Binding;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Stream transports: TCP and TLS registrations with their binding transport, the RFC 5626 CRLF
 * keepalive, the TLS policy as a client sees it (1.2 and 1.3 only, forward-secret AEAD suites, no
 * client certificate asked) and OPTIONS answered without a challenge.
 */
@Timeout(60)
class TransportTest {
    private static final String DOMAIN = EdgeUnderTest.DOMAIN;
    private static final String USER = "bob";
    private static final String PASSWORD = "tr4nsport-Secret";

    static EdgeUnderTest edge;

    @BeforeAll
    static void start() throws Exception {
        edge = EdgeUnderTest.start("http.port=-1", EdgeUnderTest.BOTH_DIGESTS);
        edge.user(DOMAIN, USER, PASSWORD);
    }

    @AfterAll
    static void stop() throws Exception {
        if (edge != null) {
            edge.close();
        }
    }

    private static int port(Transport t) {
        return t == Transport.TLS ? edge.sipTlsPort() : edge.sipPort();
    }

    private static SipResponse register(SipTestClient c) throws IOException {
        SipResponse r = c.registerWithAuth(USER, DOMAIN, PASSWORD, c.contact(USER), "SHA-256");
        assertNotNull(r, "no response");
        assertEquals(200, r.status(), r.raw());
        return r;
    }

    // ------------------------------------------------------------------ registration and keepalive

    @ParameterizedTest
    @EnumSource(value = Transport.class, names = {"TCP", "TLS"})
    void registersWithTheBindingTransport(Transport t) throws Exception {
        try (SipTestClient c = new SipTestClient(t, port(t))) {
            register(c);
            List<Binding> bindings = edge.locations().lookup(new Aor(USER, DOMAIN), edge.clock().instant());
            Binding mine = bindings.stream().filter(b -> b.sourcePort() == c.localPort()).findFirst().orElseThrow();
            assertEquals(t.name(), mine.transport().name());
            assertEquals("127.0.0.1", mine.sourceIp());
            assertEquals(c.callId(), mine.callId());
        }
    }

    @ParameterizedTest
    @EnumSource(value = Transport.class, names = {"TCP", "TLS"})
    void doubleCrlfKeepaliveIsAnsweredWithOneCrlf(Transport t) throws Exception {
        try (SipTestClient c = new SipTestClient(t, port(t))) {
            // Over TLS the RI answers pings only on a connection that has carried a request (TCP
            // answers them from the start: TcpFramingTest).
            register(c);
            for (int i = 0; i < 2; i++) {
                c.sendBytes("\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                byte[] pong = c.receiveRaw(3000);
                assertNotNull(pong, "no pong to ping " + (i + 1));
                assertArrayEquals("\r\n".getBytes(StandardCharsets.US_ASCII), pong,
                        "pong: " + new String(pong, StandardCharsets.US_ASCII).replace("\r", "\\r").replace("\n", "\\n"));
            }
            assertNull(c.receiveRaw(300), "nothing else may follow the pong");
            // The connection is still in step for SIP.
            SipResponse r = c.request(options(c, t));
            assertNotNull(r);
            assertEquals(200, r.status(), r.raw());
        }
    }

    @ParameterizedTest
    @EnumSource(value = Transport.class, names = {"UDP", "TCP", "TLS"})
    void optionsIsAnsweredWithoutChallenge(Transport t) throws Exception {
        try (SipTestClient c = new SipTestClient(t, port(t))) {
            SipResponse r = c.request(options(c, t));
            assertNotNull(r, "no answer to OPTIONS");
            assertEquals(200, r.status(), r.raw());
            assertTrue(r.all("WWW-Authenticate").isEmpty(), r.raw());
            assertTrue(r.all("Proxy-Authenticate").isEmpty(), r.raw());
            String allow = String.join(",", r.all("Allow"));
            assertTrue(allow.contains("REGISTER") && allow.contains("OPTIONS"), r.raw());
        }
    }

    private static String options(SipTestClient c, Transport t) {
        return "OPTIONS sip:" + DOMAIN + " SIP/2.0\n"
                + "Via: SIP/2.0/" + t.name() + " 127.0.0.1:" + c.localPort() + ";branch=z9hG4bK"
                + Long.toHexString(System.nanoTime()) + ";rport\n"
                + "Max-Forwards: 70\n"
                + "From: <sip:" + USER + "@" + DOMAIN + ">;tag=opt1\n"
                + "To: <sip:" + DOMAIN + ">\n"
                + "Call-ID: opt-" + Long.toHexString(System.nanoTime()) + "@test\n"
                + "CSeq: 1 OPTIONS\n"
                + "Accept: application/sdp\n"
                + "Content-Length: 0\n\n";
    }

    // ------------------------------------------------------------------ TLS policy

    @Test
    void tls11ClientCannotHandshake() {
        // The JDK may refuse to offer 1.1 at all (jdk.tls.disabledAlgorithms); either way no session.
        assertThrows(IOException.class, () -> {
            try (SipTestClient c = new SipTestClient(Transport.TLS, edge.sipTlsPort(), "TLSv1.1")) {
                c.request(options(c, Transport.TLS));
            }
        });
    }

    /**
     * The server side of the same: a hand-made ClientHello offering at most TLS 1.1 (so the JDK
     * client's own policy plays no part) gets an alert or a closed connection, never a ServerHello;
     * the identical hello offering 1.2 gets a ServerHello, so the hello itself is sound.
     */
    @Test
    void serverRefusesAClientHelloOfferingAtMostTls11() throws Exception {
        assertEquals(HANDSHAKE, firstRecordType(clientHello(TLS12)), "a TLS 1.2 hello must get a ServerHello");
        int tls11 = firstRecordType(clientHello(TLS11));
        assertTrue(tls11 == ALERT || tls11 == CLOSED, "a TLS 1.1 hello got record type " + tls11);
        int tls10 = firstRecordType(clientHello(TLS10));
        assertTrue(tls10 == ALERT || tls10 == CLOSED, "a TLS 1.0 hello got record type " + tls10);
    }

    @Test
    void tls12NegotiatesAForwardSecretAeadSuiteWithoutClientCertificate() throws Exception {
        SSLSession s = handshake("TLSv1.2");
        assertEquals("TLSv1.2", s.getProtocol());
        String suite = s.getCipherSuite();
        assertTrue(suite.contains("GCM") || suite.contains("CHACHA20"), suite);
        assertTrue(suite.contains("ECDHE") || suite.contains("DHE"), suite);
    }

    @Test
    void tls13Succeeds() throws Exception {
        SSLSession s = handshake("TLSv1.3");
        assertEquals("TLSv1.3", s.getProtocol());
        String suite = s.getCipherSuite();
        assertTrue(suite.contains("GCM") || suite.contains("CHACHA20"), suite);
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLS_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
        "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA"})
    void tls12ClientOfferingOnlyWeakSuitesIsRefused(String suite) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {SipTestClient.TRUST_ALL}, new SecureRandom());
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(),
                edge.sipTlsPort())) {
            s.setSoTimeout(5000);
            s.setEnabledProtocols(new String[] {"TLSv1.2"});
            s.setEnabledCipherSuites(new String[] {suite});
            assertThrows(IOException.class, s::startHandshake, suite + " was accepted");
        }
    }

    @Test
    void registersOverARawTls12Session() throws Exception {
        // SipTestClient defaults to 1.3; 1.2 must carry SIP as well.
        try (SipTestClient c = new SipTestClient(Transport.TLS, edge.sipTlsPort(), "TLSv1.2")) {
            register(c);
        }
    }

    /**
     * A TLS handshake with the edge, with a client key manager that records whether the server
     * asked for a certificate (it has none to give: phones have no client certificates).
     */
    private static SSLSession handshake(String protocol) throws Exception {
        AtomicInteger certificateRequests = new AtomicInteger();
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(new KeyManager[] {new RecordingKeyManager(certificateRequests)}, new TrustManager[] {SipTestClient.TRUST_ALL},
                new SecureRandom());
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(),
                edge.sipTlsPort())) {
            s.setSoTimeout(5000);
            s.setEnabledProtocols(new String[] {protocol});
            s.startHandshake();
            SSLSession session = s.getSession();
            assertTrue(session.isValid());
            assertNull(session.getLocalCertificates(), "the client sent a certificate");
            assertEquals(0, certificateRequests.get(), "the server asked for a client certificate");
            assertTrue(session.getPeerCertificates().length > 0);
            return session;
        }
    }

    /** A key manager without keys that counts the server's CertificateRequests. */
    private static final class RecordingKeyManager extends X509ExtendedKeyManager {
        private final AtomicInteger requests;

        RecordingKeyManager(AtomicInteger requests) {
            this.requests = requests;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            requests.incrementAndGet();
            return null;
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            requests.incrementAndGet();
            return null;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            requests.incrementAndGet();
            return null;
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return null;
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return null;
        }
    }

    // ------------------------------------------------------------------ a raw ClientHello

    private static final int TLS10 = 0x0301;
    private static final int TLS11 = 0x0302;
    private static final int TLS12 = 0x0303;
    private static final int ALERT = 21;
    private static final int HANDSHAKE = 22;
    private static final int CLOSED = -1;

    /**
     * A minimal ClientHello with {@code version} as its client_version and no supported_versions
     * extension (so it offers nothing above {@code version}), the edge's GCM suites and legacy CBC
     * ones, P-256, and RSA signature algorithms.
     */
    private static byte[] clientHello(int version) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        u16(body, version);
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        body.writeBytes(random);
        body.write(0); // session id
        int[] suites = {0xC02F, 0xC030, 0xC02B, 0xC013, 0xC014, 0x002F, 0x0035};
        u16(body, suites.length * 2);
        for (int s : suites) {
            u16(body, s);
        }
        body.write(1); // compression methods
        body.write(0);
        ByteArrayOutputStream ext = new ByteArrayOutputStream();
        extension(ext, 0x000a, new int[] {0x0004, 0x0017, 0x0018}); // supported_groups: P-256, P-384
        extension(ext, 0x000b, new int[] {}, 0x01, 0x00); // ec_point_formats: uncompressed
        extension(ext, 0x000d, new int[] {0x0008, 0x0401, 0x0804, 0x0501, 0x0201}); // signature_algorithms
        extension(ext, 0xff01, new int[] {}, 0x00); // renegotiation_info, empty
        u16(body, ext.size());
        body.writeBytes(ext.toByteArray());

        ByteArrayOutputStream hs = new ByteArrayOutputStream();
        hs.write(1); // client_hello
        u24(hs, body.size());
        hs.writeBytes(body.toByteArray());

        ByteArrayOutputStream record = new ByteArrayOutputStream();
        record.write(HANDSHAKE);
        u16(record, TLS10);
        u16(record, hs.size());
        record.writeBytes(hs.toByteArray());
        return record.toByteArray();
    }

    private static void extension(ByteArrayOutputStream out, int type, int[] u16s, int... bytes) {
        u16(out, type);
        u16(out, u16s.length * 2 + bytes.length);
        for (int v : u16s) {
            u16(out, v);
        }
        for (int b : bytes) {
            out.write(b);
        }
    }

    private static void u16(ByteArrayOutputStream out, int v) {
        out.write(v >>> 8 & 0xff);
        out.write(v & 0xff);
    }

    private static void u24(ByteArrayOutputStream out, int v) {
        out.write(v >>> 16 & 0xff);
        u16(out, v & 0xffff);
    }

    /** Sends {@code hello} on a plain socket to the TLS port; the content type of the first record back. */
    private static int firstRecordType(byte[] hello) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), edge.sipTlsPort())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(hello);
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            try {
                return in.read();
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the server neither answered nor closed within 5 s", e);
            } catch (IOException reset) {
                return CLOSED;
            }
        }
    }
}
