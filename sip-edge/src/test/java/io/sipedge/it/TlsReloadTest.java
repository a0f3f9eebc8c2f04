package io.sipedge.it;

import static io.sipedge.it.EdgeUnderTest.DOMAIN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.sipedge.it.SipTestClient.SipResponse;
import io.sipedge.it.SipTestClient.Transport;
import io.sipedge.sip.transport.ReloadingTls;
import io.sipedge.sip.transport.TestCertificates;
import io.sipedge.sip.transport.TestCertificates.Kind;
import io.sipedge.sip.transport.TestCertificates.Pair;
import io.sipedge.testing.PrometheusText;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Certificates from PEM files, laid out as certbot does ({@code live/} symlinks into {@code
 * archive/}), replaced while the edge runs: new SIP TLS and WSS handshakes get the new certificate,
 * a connection opened before keeps working, and a broken replacement keeps the one in use.
 */
class TlsReloadTest {
    /** Far above the 1 s poll plus 1 s of settling the edge is started with. */
    private static final Duration RELOAD_WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @Test
    void replacedFilesServeNewHandshakesWhileOpenConnectionsStay() throws Exception {
        Path live = Files.createDirectories(dir.resolve("live/sip.example.com"));
        Path archive = Files.createDirectories(dir.resolve("archive/sip.example.com"));
        Pair first = TestCertificates.selfSigned(dir, "first", Kind.EC, "sip.example.com", 1001);
        renew(live, archive, 1, first.certificate(), first.key());

        ListAppender<ILoggingEvent> logs = capture();
        try (EdgeUnderTest edge = EdgeUnderTest.start("tls.certificate=" + live.resolve("fullchain.pem"),
                "tls.private-key=" + live.resolve("privkey.pem"), "tls.reload-interval-seconds=1")) {
            edge.user(DOMAIN, "alice", "secret-alice-1");
            int wss = edge.transports().wssPort();
            try (SipTestClient old = new SipTestClient(Transport.TLS, edge.sipTlsPort())) {
                assertEquals(BigInteger.valueOf(1001), old.peerCertificate().getSerialNumber());
                assertEquals(BigInteger.valueOf(1001), serialAt(wss), "WSS serves the same certificate");

                Pair second = TestCertificates.selfSigned(dir, "second", Kind.RSA, "sip.example.com", 1002);
                renew(live, archive, 2, second.certificate(), second.key());
                awaitLog(logs, e -> e.getLevel() == Level.INFO && e.getFormattedMessage().contains("reloaded")
                        && e.getFormattedMessage().contains("serial 3EA")); // 1002
                assertEquals(BigInteger.valueOf(1002), serialAt(edge.sipTlsPort()), "a new SIP TLS handshake");
                assertEquals(BigInteger.valueOf(1002), serialAt(wss), "a new WSS handshake");

                SipResponse r = old.request(options(old));
                assertNotNull(r, "the connection opened before the reload no longer answers");
                assertEquals(200, r.status(), r.raw());
                assertEquals(BigInteger.valueOf(1001), old.peerCertificate().getSerialNumber());

                Path broken = archive.resolve("fullchain3.pem");
                Files.writeString(broken, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
                relink(live.resolve("fullchain.pem"), broken);
                awaitLog(logs, e -> e.getLevel() == Level.WARN && e.getFormattedMessage().contains("not reloaded"));
                assertEquals(BigInteger.valueOf(1002), serialAt(edge.sipTlsPort()), "the good certificate stays");
                assertEquals(BigInteger.valueOf(1002), serialAt(wss));
                r = old.request(options(old));
                assertNotNull(r);
                assertEquals(200, r.status(), r.raw());
            }
            PrometheusText m = edge.metrics();
            assertEquals(1, m.value("sip_tls_reloads_total", "result", "ok"));
            assertEquals(1, m.value("sip_tls_reloads_total", "result", "failed"));
            for (ILoggingEvent e : logs.list) {
                String line = e.getFormattedMessage();
                assertTrue(!line.contains("BEGIN") && !line.contains(keyBody(first.key()))
                        && !line.contains(keyBody(second(archive))), "key material in a log line: " + line);
            }
        } finally {
            release(logs);
        }
    }

    /** The same with SIGHUP alone (no polling), in a child JVM: a signal to this one could stop the tests. */
    @Test
    void sighupReloads() throws Exception {
        Pair first = TestCertificates.selfSigned(dir, "first", Kind.EC, "sip.example.com", 2001);
        Pair second = TestCertificates.selfSigned(dir, "second", Kind.EC, "sip.example.com", 2002);
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Files.copy(first.certificate(), cert);
        Files.copy(first.key(), key);
        ChildEdge child = ChildEdge.spawn(Files.createDirectories(dir.resolve("data")), EdgeUnderTest.ADMIN_KEY,
                "--set", "tls.certificate=" + cert, "--set", "tls.private-key=" + key,
                "--set", "tls.reload-interval-seconds=0", "--set", "http.port=-1", "--set", "sip.ws-port=-1",
                "--set", "sip.wss-port=-1");
        try {
            int tls = child.awaitTlsPort();
            assertEquals(BigInteger.valueOf(2001), serialAt(tls));
            Files.copy(second.certificate(), cert, StandardCopyOption.REPLACE_EXISTING);
            Files.copy(second.key(), key, StandardCopyOption.REPLACE_EXISTING);
            child.hangup();
            child.awaitOutput("TLS certificate reloaded on SIGHUP", 0, RELOAD_WAIT);
            assertEquals(BigInteger.valueOf(2002), serialAt(tls));
        } catch (AssertionError | Exception e) {
            fail(e + "\n" + child.output(), e);
        } finally {
            child.stop();
        }
    }

    /**
     * What certbot does: the new files go into archive/ with the next number, then each live/
     * symlink is swapped for one to them.
     */
    private static void renew(Path live, Path archive, int n, Path certificate, Path key) throws Exception {
        Path c = Files.copy(certificate, archive.resolve("fullchain" + n + ".pem"));
        Path k = Files.copy(key, archive.resolve("privkey" + n + ".pem"));
        relink(live.resolve("fullchain.pem"), c);
        relink(live.resolve("privkey.pem"), k);
    }

    private static void relink(Path link, Path target) throws Exception {
        Path tmp = link.resolveSibling(link.getFileName() + ".new");
        Files.deleteIfExists(tmp);
        Files.createSymbolicLink(tmp, target);
        Files.move(tmp, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static Path second(Path archive) {
        return archive.resolve("privkey2.pem");
    }

    /** A line of the base64 body of a PEM key: what would show if key material were logged. */
    private static String keyBody(Path key) throws Exception {
        return Files.readAllLines(key).get(1);
    }

    /** The serial of the certificate a new TLS handshake on {@code port} gets. */
    private static BigInteger serialAt(int port) throws Exception {
        try (SSLSocket s = (SSLSocket) SipTestClient.trustAll().getSocketFactory()
                .createSocket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(5000);
            s.startHandshake();
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }

    private static String options(SipTestClient c) {
        return "OPTIONS sip:" + DOMAIN + " SIP/2.0\n"
                + "Via: SIP/2.0/TLS 127.0.0.1:" + c.localPort() + ";branch=z9hG4bK"
                + Long.toHexString(System.nanoTime()) + ";rport\n"
                + "Max-Forwards: 70\n"
                + "From: <sip:alice@" + DOMAIN + ">;tag=tls1\n"
                + "To: <sip:" + DOMAIN + ">\n"
                + "Call-ID: tls-" + Long.toHexString(System.nanoTime()) + "@test\n"
                + "CSeq: 1 OPTIONS\n"
                + "Content-Length: 0\n\n";
    }

    private static ListAppender<ILoggingEvent> capture() {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.setContext(ctx);
        appender.start();
        Logger l = ctx.getLogger(ReloadingTls.class);
        l.setLevel(Level.INFO);
        l.addAppender(appender);
        return appender;
    }

    private static void release(ListAppender<ILoggingEvent> appender) {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger l = ctx.getLogger(ReloadingTls.class);
        l.detachAppender(appender);
        l.setLevel(null);
        appender.stop();
    }

    /**
     * Waits for a log line from the reload thread. The edge polls on its own timer, so this test
     * can only look again a little later: every 50 ms, up to {@link #RELOAD_WAIT}.
     */
    private static void awaitLog(ListAppender<ILoggingEvent> logs, Predicate<ILoggingEvent> wanted)
            throws InterruptedException {
        long deadline = System.nanoTime() + RELOAD_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            synchronized (logs.list) {
                if (List.copyOf(logs.list).stream().anyMatch(wanted)) {
                    return;
                }
            }
            Thread.sleep(50);
        }
        fail("no such log line within " + RELOAD_WAIT + "; got " + logs.list.stream()
                .map(ILoggingEvent::getFormattedMessage).toList());
    }
}
