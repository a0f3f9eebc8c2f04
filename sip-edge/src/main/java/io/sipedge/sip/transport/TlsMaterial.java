package io.sipedge.sip.transport;

import io.sipedge.directory.file.Durable;
import java.io.IOException;
import java.io.InputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge's TLS key and certificate: a configured PKCS#12 keystore, or a self-signed one generated
 * into the data directory on first start and reused afterwards.
 */
public final class TlsMaterial {
    private static final Logger log = LoggerFactory.getLogger(TlsMaterial.class);

    /** Why a keystore could not be used; the launcher reports it against the config key. */
    public static final class TlsException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TlsException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private TlsMaterial() {
    }

    /** Loads a PKCS#12 keystore into a server SSLContext. */
    public static SSLContext load(Path keystore, char[] password) {
        try (InputStream in = Files.newInputStream(keystore)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, password);
            if (!ks.aliases().hasMoreElements()) {
                throw new TlsException("holds no key", null);
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, password);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, new SecureRandom());
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            throw new TlsException("cannot be read as a PKCS#12 keystore with that password ("
                    + e.getClass().getSimpleName() + ")", e);
        }
    }

    /**
     * The generated self-signed keystore under {@code dataDir/tls/}, created on first use with
     * {@code keytool} (part of every JDK and JRE), so no certificate code is hand-written here.
     * SAN: the host name, localhost and every address of the machine's interfaces.
     */
    public static SSLContext selfSigned(Path dataDir) {
        Path dir = dataDir.resolve("tls");
        Path ks = dir.resolve("edge.p12");
        Path pw = dir.resolve("edge.p12.password");
        try {
            if (!Files.exists(ks) || !Files.exists(pw)) {
                generate(dir, ks, pw);
            }
            return load(ks, Files.readString(pw, StandardCharsets.US_ASCII).strip().toCharArray());
        } catch (IOException e) {
            throw new TlsException("cannot create a self-signed certificate in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void generate(Path dir, Path ks, Path pw) throws IOException {
        Files.createDirectories(dir);
        byte[] rnd = new byte[24];
        new SecureRandom().nextBytes(rnd);
        // Hex, not base64url: keytool's launcher takes any argument starting with "-J" as a JVM
        // option, and one password in 4 096 did, failing the edge's first start.
        String password = HexFormat.of().formatHex(rnd);
        String host = hostName();
        Set<String> san = new LinkedHashSet<>();
        san.add("dns:" + host);
        san.add("dns:localhost");
        for (String ip : addresses()) {
            san.add("ip:" + ip);
        }
        Path tmp = dir.resolve("edge.p12.tmp");
        Files.deleteIfExists(tmp);
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        List<String> cmd = List.of(keytool, "-genkeypair", "-noprompt", "-alias", "sip-edge",
                "-keyalg", "RSA", "-keysize", "2048", "-validity", "3650",
                "-dname", "CN=" + host + ", O=sip-edge self-signed",
                "-ext", "SAN=" + String.join(",", san),
                "-storetype", "PKCS12", "-keystore", tmp.toString(),
                "-storepass", password, "-keypass", password);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("keytool failed: " + out.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while generating the certificate", e);
        }
        // The password file first: a keystore without its password would be unusable after a crash.
        Durable.writeAtomically(pw, (password + "\n").getBytes(StandardCharsets.US_ASCII), true);
        Durable.restrict(tmp);
        Files.move(tmp, ks, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        log.info("generated a self-signed TLS certificate in {} (SAN {})", ks, String.join(",", san));
    }

    /** The host name without a DNS lookup: from the environment or /etc/hostname. */
    static String hostName() {
        String h = System.getenv("HOSTNAME");
        if (h == null || h.isBlank()) {
            try {
                h = Files.readString(Path.of("/etc/hostname")).strip();
            } catch (IOException e) {
                h = "localhost";
            }
        }
        h = h.toLowerCase(Locale.ROOT);
        return h.matches("[a-z0-9.-]{1,253}") ? h : "localhost";
    }

    /** Every address of every interface that is up, read from the interfaces (no DNS). */
    static List<String> addresses() {
        List<String> out = new ArrayList<>();
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!ni.isUp()) {
                    continue;
                }
                for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                    String s = a.getHostAddress();
                    if (a instanceof Inet6Address) {
                        int pct = s.indexOf('%');
                        if (pct >= 0) {
                            continue; // link-local with a scope id: not usable in a certificate
                        }
                    }
                    out.add(s);
                }
            }
        } catch (SocketException e) {
            out.add("127.0.0.1");
        }
        return out;
    }
}
