package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.model.Aor;
import io.sipedge.model.Binding;
import io.sipedge.sip.wire.Slf4jStackLogger;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sip.address.SipURI;
import org.cafesip.sipunit.Credential;
import org.cafesip.sipunit.SipPhone;
import org.cafesip.sipunit.SipStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The normal paths with a third-party user agent: a SIPUnit phone (on the edge's own jain-sip-ri)
 * registers with digest over UDP, TCP and TLS, the binding is stored with the transport it came
 * over, and unregistering removes it.
 */
class SipUnitRegistrationTest {
    private static final String USER = "alice";
    private static final String PASSWORD = "secret123";
    private static final String LOOPBACK = "127.0.0.1";
    private static final long TIMEOUT_MS = 5000;
    private static final AtomicInteger STACKS = new AtomicInteger();

    static EdgeUnderTest edge;

    private SipStack stack;
    private SipPhone phone;

    @BeforeAll
    static void start() throws Exception {
        edge = EdgeUnderTest.start();
        // The default offer (MD5 alone) is what SIPUnit 2.0.0 needs: it answers every
        // WWW-Authenticate header it gets and treats any algorithm other than MD5 as MD5-sess, so a
        // second, SHA-256 challenge makes it throw "cnonce_value may not be absent for MD5-Sess
        // algorithm" before it sends anything.
        edge.user(EdgeUnderTest.DOMAIN, USER, PASSWORD);
    }

    @AfterAll
    static void stop() throws Exception {
        edge.close();
    }

    @AfterEach
    void dispose() {
        if (phone != null) {
            phone.dispose();
        }
        if (stack != null) {
            stack.dispose();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"udp", "tcp", "tls"})
    void registersAndUnregisters(String transport) throws Exception {
        int edgePort = transport.equals("tls") ? edge.sipTlsPort() : edge.sipPort();
        stack = startStack(transport, edgePort);
        phone = stack.createSipPhone(LOOPBACK, transport, edgePort, "sip:" + USER + "@" + EdgeUnderTest.DOMAIN);
        phone.addUpdateCredential(new Credential(EdgeUnderTest.DOMAIN, USER, PASSWORD));

        // register(user, password, contact, expiry, timeout) would put the proxy's address in the
        // Request-URI (sip:127.0.0.1:port), which names no domain this registrar serves (403). A
        // phone registers at its domain, so the Request-URI is given; the stack's outbound proxy
        // (see startStack) carries it to the edge without resolving example.com.
        SipURI registrar = stack.getAddressFactory().createSipURI(null, EdgeUnderTest.DOMAIN);
        boolean ok = phone.register(registrar, USER, PASSWORD, null, 3600, TIMEOUT_MS);
        assertLastOperationSuccess("register over " + transport, ok);

        Aor aor = new Aor(USER, EdgeUnderTest.DOMAIN);
        List<Binding> bindings = edge.locations().lookup(aor, edge.clock().instant());
        assertEquals(1, bindings.size(), bindings.toString());
        Binding b = bindings.get(0);
        assertEquals(transport.toUpperCase(Locale.ROOT), b.transport().name(), b.toString());
        assertEquals(LOOPBACK, b.sourceIp(), b.toString());
        assertTrue(b.contact().contains(LOOPBACK), b.toString());

        ok = phone.unregister(null, TIMEOUT_MS);
        assertLastOperationSuccess("unregister over " + transport, ok);
        assertTrue(edge.locations().lookup(aor, edge.clock().instant()).isEmpty(), "binding removed");
    }

    /**
     * SIPUnit's SipTestCase.assertLastOperationSuccess without its JUnit 3 base class: SIPUnit's
     * register/unregister return true only on a 200 (a 401/407 is answered from the credentials
     * first) and leave the error message empty; the return code is set on failures only.
     */
    private void assertLastOperationSuccess(String what, boolean ok) {
        assertTrue(ok && phone.getErrorMessage().isEmpty(), what + ": " + phone.format());
    }

    /**
     * A SIPUnit stack on loopback. SIPUnit needs a concrete local port (the RI refuses 0), so one
     * that was free a moment ago is taken; a lost race is retried with another.
     */
    static SipStack startStack(String transport, int edgePort) throws Exception {
        Exception last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = freePort();
            Properties p = new Properties();
            // A unique name: SipFactory hands back an existing stack of the same name.
            p.setProperty("javax.sip.STACK_NAME", "sipunit-" + transport + "-" + STACKS.incrementAndGet());
            // SIPUnit binds here; without it, it looks up InetAddress.getLocalHost() (a name lookup).
            p.setProperty("javax.sip.IP_ADDRESS", LOOPBACK);
            // Every request without a Route goes to the edge: the RI never resolves the domain.
            p.setProperty("javax.sip.OUTBOUND_PROXY", LOOPBACK + ":" + edgePort + "/" + transport);
            // The edge's loggers: no log files in the working directory, no log4j configuration.
            p.setProperty("gov.nist.javax.sip.STACK_LOGGER", Slf4jStackLogger.class.getName());
            p.setProperty("gov.nist.javax.sip.SERVER_LOGGER", QuietServerLogger.class.getName());
            p.setProperty("gov.nist.javax.sip.LOG_MESSAGE_CONTENT", "false");
            if (transport.equals("tls")) {
                trustTheEdge(p);
            }
            try {
                return new SipStack(transport, port, p);
            } catch (Exception e) {
                last = e;
            }
        }
        throw last;
    }

    /**
     * TLS through the RI's own stack properties: {@code javax.net.ssl.keyStore}/{@code trustStore}
     * make it build an SslNetworkLayer for this stack only. The edge's generated PKCS#12 serves as
     * both: its certificate is the one to trust (a key entry's certificate is trusted like a
     * certificate entry), and SIPUnit's own TLS listening point needs some key to start.
     */
    private static void trustTheEdge(Properties p) throws IOException {
        Path tls = edge.dataDir().resolve("tls");
        String password = Files.readString(tls.resolve("edge.p12.password"), StandardCharsets.US_ASCII).strip();
        String keystore = tls.resolve("edge.p12").toString();
        p.setProperty("javax.net.ssl.keyStore", keystore);
        p.setProperty("javax.net.ssl.keyStorePassword", password);
        p.setProperty("javax.net.ssl.keyStoreType", "PKCS12");
        p.setProperty("javax.net.ssl.trustStore", keystore);
        p.setProperty("javax.net.ssl.trustStorePassword", password);
        p.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
        p.setProperty("gov.nist.javax.sip.TLS_CLIENT_PROTOCOLS", "TLSv1.3,TLSv1.2");
    }

    /** A port free for both UDP and TCP on loopback. */
    private static int freePort() throws IOException {
        InetAddress lo = InetAddress.getByName(LOOPBACK);
        for (int i = 0; i < 20; i++) {
            try (ServerSocket tcp = new ServerSocket(0, 1, lo)) {
                int port = tcp.getLocalPort();
                if (udpFree(lo, port)) {
                    return port;
                }
            }
        }
        throw new IOException("no free UDP+TCP port on loopback");
    }

    private static boolean udpFree(InetAddress address, int port) {
        try {
            new DatagramSocket(new InetSocketAddress(address, port)).close();
            return true;
        } catch (IOException taken) {
            return false;
        }
    }
}
