package io.sipedge.sip.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.observe.TlsEvents;
import io.sipedge.sip.transport.TestCertificates.Kind;
import io.sipedge.sip.transport.TestCertificates.Pair;
import io.sipedge.testing.MutableClock;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reload rules, one poll at a time: no timer (interval zero), the test calls {@link
 * ReloadingTls#poll} itself and moves the clock, so nothing here sleeps.
 */
class ReloadingTlsTest {
    @TempDir
    Path dir;
    private Path cert;
    private Path key;
    private final MutableClock clock = MutableClock.atNow();
    private final int[] results = new int[2]; // [failed, ok]
    /** One permit per reload reported, for the one test where the reload thread does the work. */
    private final Semaphore reported = new Semaphore(0);
    private ReloadingTls tls;

    @BeforeEach
    void start() throws Exception {
        Pair first = TestCertificates.selfSigned(dir, "first", Kind.EC, "sip.example.com", 1);
        cert = dir.resolve("cert.pem");
        key = dir.resolve("key.pem");
        Files.copy(first.certificate(), cert);
        Files.copy(first.key(), key);
        tls = ReloadingTls.start(() -> TlsMaterial.pem(cert, key), List.of(cert, key), Duration.ZERO, false, clock,
                new TlsEvents() {
                    @Override
                    public void tlsReloaded(boolean ok) {
                        results[ok ? 1 : 0]++;
                        reported.release();
                    }
                });
    }

    @AfterEach
    void stop() {
        tls.close();
    }

    private BigInteger serial() {
        return tls.current().leaf().getSerialNumber();
    }

    /**
     * As certbot renews: new files, put in place by a rename. The clock moves on past the new
     * certificate's start (openssl dates it now, and the test's clock stands still).
     */
    private void install(Pair p) throws Exception {
        clock.advance(Duration.ofMinutes(1));
        Files.copy(p.certificate(), dir.resolve("cert.tmp"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(p.key(), dir.resolve("key.tmp"), StandardCopyOption.REPLACE_EXISTING);
        Files.move(dir.resolve("cert.tmp"), cert, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Files.move(dir.resolve("key.tmp"), key, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void unchangedFilesAreNotReloaded() {
        SSLContext before = tls.get();
        tls.poll();
        tls.poll();
        assertSame(before, tls.get());
        assertEquals(0, results[0] + results[1]);
    }

    @Test
    void aChangeIsLoadedOnceItHasSettledForAnInterval() throws Exception {
        SSLContext before = tls.get();
        install(TestCertificates.selfSigned(dir, "second", Kind.RSA, "sip.example.com", 2));
        tls.poll();
        assertEquals(BigInteger.ONE, serial(), "just changed: it may still be being written");
        assertSame(before, tls.get());
        tls.poll();
        assertEquals(BigInteger.TWO, serial());
        assertEquals(1, results[1]);
        tls.poll();
        assertEquals(1, results[1], "loaded once");
    }

    @Test
    void aCertificateRenewedBeforeItsKeyIsLoadedWhenTheKeyFollows() throws Exception {
        Pair second = TestCertificates.selfSigned(dir, "second", Kind.EC, "sip.example.com", 2);
        clock.advance(Duration.ofMinutes(1));
        Files.copy(second.certificate(), cert, StandardCopyOption.REPLACE_EXISTING);
        tls.poll(); // the certificate changed
        Files.copy(second.key(), key, StandardCopyOption.REPLACE_EXISTING);
        tls.poll(); // the key changed: not settled yet, so the mismatched moment was never loaded
        assertEquals(0, results[0], "no failure reported for the moment between the two files");
        tls.poll();
        assertEquals(BigInteger.TWO, serial());
    }

    @Test
    void aBrokenFileKeepsTheCurrentCertificateAndIsReportedOnce() throws Exception {
        Files.writeString(cert, "-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n");
        tls.poll();
        tls.poll();
        assertEquals(BigInteger.ONE, serial());
        assertEquals(1, results[0]);
        tls.poll();
        assertEquals(1, results[0], "the same broken file is not reported at every poll");

        install(TestCertificates.selfSigned(dir, "third", Kind.EC, "sip.example.com", 3));
        tls.poll();
        tls.poll();
        assertEquals(BigInteger.valueOf(3), serial(), "a good file after a bad one is loaded");
    }

    @Test
    void aKeyOfAnotherCertificateKeepsTheCurrentOne() throws Exception {
        Pair other = TestCertificates.selfSigned(dir, "other", Kind.EC, "sip.example.com", 9);
        Files.copy(other.key(), key, StandardCopyOption.REPLACE_EXISTING);
        tls.poll();
        tls.poll();
        assertEquals(BigInteger.ONE, serial());
        assertEquals(1, results[0]);
    }

    @Test
    void anExpiredCertificateKeepsTheCurrentOne() throws Exception {
        // Valid for two days from now: three days on it has expired. The current one has too, but
        // an expired replacement is no better, and the log says so.
        clock.advance(Duration.ofDays(3));
        install(TestCertificates.selfSigned(dir, "second", Kind.EC, "sip.example.com", 2));
        tls.poll();
        tls.poll();
        assertEquals(BigInteger.ONE, serial());
        assertEquals(1, results[0]);
    }

    @Test
    void aCertificateNotValidYetKeepsTheCurrentOne() throws Exception {
        Pair second = TestCertificates.selfSigned(dir, "second", Kind.EC, "sip.example.com", 2);
        Files.copy(second.certificate(), cert, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(second.key(), key, StandardCopyOption.REPLACE_EXISTING);
        clock.advance(Duration.ofHours(-1)); // a clock behind the CA's
        tls.poll();
        tls.poll();
        assertEquals(BigInteger.ONE, serial());
        assertEquals(1, results[0]);
    }

    /** A PKCS#12 keystore is followed the same way: two generated ones, the second copied over the first. */
    @Test
    void aReplacedKeystoreIsLoadedToo() throws Exception {
        TlsMaterial.Loaded a = TlsMaterial.selfSigned(dir.resolve("a"));
        TlsMaterial.Loaded b = TlsMaterial.selfSigned(dir.resolve("b"));
        Path keystore = dir.resolve("edge.p12");
        Files.copy(dir.resolve("a/tls/edge.p12"), keystore);
        // One password for both, as an operator renewing a keystore keeps tls.keystore-password.
        char[] password = Files.readString(dir.resolve("a/tls/edge.p12.password")).strip().toCharArray();
        Path bWithA = dir.resolve("b-renewed.p12");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        char[] bPassword = Files.readString(dir.resolve("b/tls/edge.p12.password")).strip().toCharArray();
        try (InputStream in = Files.newInputStream(dir.resolve("b/tls/edge.p12"))) {
            ks.load(in, bPassword);
        }
        ks.setKeyEntry("sip-edge", ks.getKey("sip-edge", bPassword), password, ks.getCertificateChain("sip-edge"));
        try (OutputStream out = Files.newOutputStream(bWithA)) {
            ks.store(out, password);
        }
        try (ReloadingTls p12 = ReloadingTls.start(() -> TlsMaterial.load(keystore, password), List.of(keystore),
                Duration.ZERO, false, clock, TlsEvents.NONE)) {
            assertEquals(a.leaf().getSerialNumber(), p12.current().leaf().getSerialNumber());
            Files.copy(bWithA, keystore, StandardCopyOption.REPLACE_EXISTING);
            p12.poll();
            p12.poll();
            assertEquals(b.leaf().getSerialNumber(), p12.current().leaf().getSerialNumber());
        }
    }

    @Test
    void reloadNowLoadsWithoutWaitingForAPoll() throws Exception {
        install(TestCertificates.selfSigned(dir, "second", Kind.EC, "sip.example.com", 2));
        tls.reloadNow("a test");
        assertTrue(reported.tryAcquire(10, TimeUnit.SECONDS), "no reload reported");
        assertEquals(BigInteger.TWO, serial(), "reloaded on the reload thread");
    }
}
