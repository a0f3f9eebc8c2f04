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
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge's TLS key and certificate: PEM files as ACME clients write them, a configured PKCS#12
 * keystore, or a self-signed one generated into the data directory on first start and reused
 * afterwards. Each is turned into a server {@link SSLContext} together with the chain it presents.
 */
public final class TlsMaterial {
    private static final Logger log = LoggerFactory.getLogger(TlsMaterial.class);
    /** The blocks of a PEM file (RFC 7468): label, then base64 (with optional RFC 1421 headers). */
    private static final Pattern PEM_BLOCK =
            Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);
    /** AlgorithmIdentifier of rsaEncryption (RFC 8017 appendix A.1): OID 1.2.840.113549.1.1.1, NULL. */
    private static final byte[] RSA_ALGORITHM = HexFormat.of().parseHex("300d06092a864886f70d0101010500");
    /** OID id-ecPublicKey, 1.2.840.10045.2.1 (RFC 5480 §2.1.1). */
    private static final byte[] EC_PUBLIC_KEY_OID = HexFormat.of().parseHex("06072a8648ce3d0201");

    /** Why TLS material could not be used; the launcher reports it against the config key of {@link #file()}. */
    public static final class TlsException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient Path file;

        TlsException(String message, Throwable cause) {
            this(null, message, cause);
        }

        TlsException(Path file, String message, Throwable cause) {
            super(message, cause);
            this.file = file;
        }

        /** The file at fault, or null when it is the pair (a key that does not match its certificate). */
        public Path file() {
            return file;
        }
    }

    /**
     * A server context and the chain it presents, leaf first.
     *
     * @param context a TLS server context; engines still need {@link TlsPolicy#apply}
     * @param chain   the certificates sent to clients, the server's own first
     */
    public record Loaded(SSLContext context, List<X509Certificate> chain) {
        public Loaded {
            chain = List.copyOf(chain);
        }

        public X509Certificate leaf() {
            return chain.get(0);
        }

        /** Subject, serial (hex, as openssl prints it) and expiry: what an operator checks after a renewal. */
        public String describe() {
            X509Certificate c = leaf();
            return "subject " + c.getSubjectX500Principal().getName() + ", serial "
                    + c.getSerialNumber().toString(16).toUpperCase(Locale.ROOT) + ", valid until "
                    + c.getNotAfter().toInstant();
        }
    }

    private TlsMaterial() {
    }

    /** Loads a PKCS#12 keystore into a server SSLContext. */
    public static Loaded load(Path keystore, char[] password) {
        try (InputStream in = Files.newInputStream(keystore)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, password);
            List<X509Certificate> chain = null;
            for (String alias : Collections.list(ks.aliases())) {
                if (ks.isKeyEntry(alias) && ks.getCertificateChain(alias) != null) {
                    chain = new ArrayList<>();
                    for (Certificate c : ks.getCertificateChain(alias)) {
                        chain.add((X509Certificate) c);
                    }
                    break;
                }
            }
            if (chain == null || chain.isEmpty()) {
                throw new TlsException(keystore, "holds no key with a certificate", null);
            }
            return new Loaded(serverContext(ks, password), chain);
        } catch (IOException | GeneralSecurityException | ClassCastException e) {
            throw new TlsException(keystore, "cannot be read as a PKCS#12 keystore with that password ("
                    + e.getClass().getSimpleName() + ")", e);
        }
    }

    /**
     * Loads a PEM certificate chain (the server's certificate first, then its intermediates, as in
     * certbot's fullchain.pem) and its unencrypted private key: PKCS#8 ({@code BEGIN PRIVATE KEY}),
     * or the traditional PKCS#1 RSA ({@code BEGIN RSA PRIVATE KEY}) and SEC1 EC ({@code BEGIN EC
     * PRIVATE KEY}) forms lego and acme.sh write. The key must belong to the first certificate.
     * Nothing of the key reaches an exception message.
     */
    public static Loaded pem(Path certificate, Path privateKey) {
        List<X509Certificate> chain = readCertificates(certificate);
        PublicKey pub = chain.get(0).getPublicKey();
        PrivateKey key = readPrivateKey(privateKey, pub);
        if (!matches(key, pub)) {
            for (int i = 1; i < chain.size(); i++) {
                if (matches(key, chain.get(i).getPublicKey())) {
                    throw new TlsException(certificate, "lists the certificate of the private key in position "
                            + (i + 1) + " of " + chain.size() + ": the server's certificate must come first, then"
                            + " its intermediates (as in fullchain.pem)", null);
                }
            }
            throw new TlsException(null, "the private key in " + privateKey + " does not belong to the first"
                    + " certificate in " + certificate, null);
        }
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            // In memory only: the password just satisfies the KeyStore API and is thrown away.
            char[] password = HexFormat.of().formatHex(random(16)).toCharArray();
            ks.setKeyEntry("edge", key, password, chain.toArray(new Certificate[0]));
            return new Loaded(serverContext(ks, password), chain);
        } catch (IOException | GeneralSecurityException e) {
            throw new TlsException(null, "cannot build a TLS context from " + certificate + " and " + privateKey
                    + " (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    private static SSLContext serverContext(KeyStore ks, char[] password) throws GeneralSecurityException {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, password);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, new SecureRandom());
        return ctx;
    }

    private static List<X509Certificate> readCertificates(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            // The JDK's X.509 factory reads concatenated PEM blocks itself, in file order.
            List<X509Certificate> out = new ArrayList<>();
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                out.add((X509Certificate) c);
            }
            if (out.isEmpty()) {
                throw new TlsException(file, "holds no PEM certificate (-----BEGIN CERTIFICATE-----)", null);
            }
            return out;
        } catch (IOException | GeneralSecurityException | ClassCastException e) {
            throw new TlsException(file, "cannot be read as PEM certificates (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
        }
    }

    /**
     * The first private key block of {@code file}, of the certificate's key type. The two traditional
     * forms are given the PKCS#8 envelope (RFC 5208 §5) the JDK's key factories read: a fixed
     * algorithm identifier for RSA, the certificate's named curve for EC. This only writes an
     * envelope around the bytes; parsing the key itself is left to the JDK.
     */
    private static PrivateKey readPrivateKey(Path file, PublicKey pub) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new TlsException(file, "cannot be read (" + e.getClass().getSimpleName() + ")", e);
        }
        Matcher m = PEM_BLOCK.matcher(text);
        while (m.find()) {
            String label = m.group(1);
            if (!label.endsWith("PRIVATE KEY")) {
                continue; // openssl ecparam -genkey writes an EC PARAMETERS block first
            }
            String body = m.group(2);
            if (label.startsWith("ENCRYPTED") || body.contains("Proc-Type:")) {
                throw new TlsException(file, "holds an encrypted private key: the edge reads unencrypted keys,"
                        + " as ACME clients write them (protect the file by its permissions)", null);
            }
            byte[] der;
            try {
                der = Base64.getMimeDecoder().decode(body.strip());
            } catch (IllegalArgumentException e) {
                throw new TlsException(file, "holds a " + label + " block that is not base64", null);
            }
            byte[] pkcs8 = switch (label) {
                case "PRIVATE KEY" -> der;
                case "RSA PRIVATE KEY" -> pkcs8("RSA".equals(pub.getAlgorithm()) ? RSA_ALGORITHM : null, der);
                case "EC PRIVATE KEY" -> pkcs8(pub instanceof ECPublicKey ec ? ecAlgorithm(ec) : null, der);
                default -> throw new TlsException(file, "holds a " + label + ", which the edge cannot read", null);
            };
            if (pkcs8 == null) {
                throw new TlsException(null, "the private key in " + file + " (" + label
                        + ") is not of the kind of the certificate's key (" + pub.getAlgorithm() + ")", null);
            }
            try {
                return KeyFactory.getInstance(pub.getAlgorithm()).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            } catch (GeneralSecurityException e) {
                throw new TlsException(file, "holds no " + pub.getAlgorithm() + " private key that can be read"
                        + " (the certificate's key is " + pub.getAlgorithm() + "; " + e.getClass().getSimpleName()
                        + ")", null); // no cause: its message may quote key bytes
            } finally {
                Arrays.fill(pkcs8, (byte) 0);
                Arrays.fill(der, (byte) 0);
            }
        }
        throw new TlsException(file, "holds no PEM private key (-----BEGIN PRIVATE KEY-----)", null);
    }

    /** The named curve of the certificate's key, as the AlgorithmIdentifier of an EC key (RFC 5480 §2.1.1). */
    private static byte[] ecAlgorithm(ECPublicKey ec) {
        try {
            AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
            p.init(ec.getParams());
            return der(0x30, concat(EC_PUBLIC_KEY_OID, p.getEncoded()));
        } catch (GeneralSecurityException | IOException e) {
            return null;
        }
    }

    /** PrivateKeyInfo ::= SEQUENCE { version 0, AlgorithmIdentifier, OCTET STRING key } (RFC 5208 §5). */
    private static byte[] pkcs8(byte[] algorithm, byte[] key) {
        if (algorithm == null) {
            return null;
        }
        return der(0x30, concat(new byte[] {0x02, 0x01, 0x00}, algorithm, der(0x04, key)));
    }

    /** One DER element: tag, definite length (X.690 §8.1.3), content. */
    private static byte[] der(int tag, byte[] content) {
        int n = content.length;
        byte[] length = n < 0x80 ? new byte[] {(byte) n}
                : n < 0x100 ? new byte[] {(byte) 0x81, (byte) n}
                : n < 0x10000 ? new byte[] {(byte) 0x82, (byte) (n >> 8), (byte) n}
                : new byte[] {(byte) 0x83, (byte) (n >> 16), (byte) (n >> 8), (byte) n};
        return concat(new byte[] {(byte) tag}, length, content);
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /** Whether {@code key} signs what {@code pub} verifies: the one check that works for every key type. */
    private static boolean matches(PrivateKey key, PublicKey pub) {
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "EdDSA", "Ed25519", "Ed448" -> "EdDSA";
            default -> null;
        };
        if (alg == null || !key.getAlgorithm().equals(pub.getAlgorithm())) {
            return false;
        }
        try {
            byte[] challenge = random(32);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(challenge);
            byte[] signature = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(pub);
            v.update(challenge);
            return v.verify(signature);
        } catch (GeneralSecurityException e) {
            return false; // e.g. an EC key on another curve than the certificate's
        }
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }

    /**
     * The generated self-signed keystore under {@code dataDir/tls/}, created on first use with
     * {@code keytool} (part of every JDK and JRE), so no certificate code is hand-written here.
     * SAN: the host name, localhost and every address of the machine's interfaces.
     */
    public static Loaded selfSigned(Path dataDir) {
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
