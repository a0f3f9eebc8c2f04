package io.sipedge.sip.transport;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates and keys made for a test by the {@code openssl} command (Debian's openssl package,
 * which the JDK's package pulls in), written as the PEM files ACME clients leave: a certificate
 * file and an unencrypted key file. Short-lived and never committed.
 */
public final class TestCertificates {
    /** A key kind, as {@code openssl req -newkey} takes it. */
    public enum Kind {
        RSA("rsa:2048"), EC("ec", "-pkeyopt", "ec_paramgen_curve:P-256");

        private final List<String> newkey;

        Kind(String alg, String... opts) {
            List<String> l = new ArrayList<>(List.of("-newkey", alg));
            l.addAll(List.of(opts));
            this.newkey = List.copyOf(l);
        }
    }

    /** A certificate file and its key file. */
    public record Pair(Path certificate, Path key, BigInteger serial) {
    }

    private TestCertificates() {
    }

    /** A self-signed certificate for CN={@code cn} with {@code serial}, valid from now for two days; PKCS#8 key. */
    public static Pair selfSigned(Path dir, String name, Kind kind, String cn, long serial) throws IOException {
        Path crt = dir.resolve(name + ".crt");
        Path key = dir.resolve(name + ".key");
        List<String> cmd = new ArrayList<>(List.of("openssl", "req", "-x509", "-nodes"));
        cmd.addAll(kind.newkey);
        cmd.addAll(List.of("-keyout", key.toString(), "-out", crt.toString(), "-subj", "/CN=" + cn,
                "-days", "2", "-set_serial", Long.toString(serial)));
        run(cmd);
        return new Pair(crt, key, BigInteger.valueOf(serial));
    }

    /**
     * A CA and a leaf it signed: the leaf's certificate file, leaf first then the CA (fullchain.pem
     * order) in {@code name.chain}, and the leaf's key.
     */
    public static Pair chain(Path dir, String name, long serial) throws IOException {
        Pair ca = selfSigned(dir, name + "-ca", Kind.EC, "sip-edge test CA", serial + 1);
        Path key = dir.resolve(name + ".key");
        Path csr = dir.resolve(name + ".csr");
        Path crt = dir.resolve(name + ".crt");
        List<String> req = new ArrayList<>(List.of("openssl", "req", "-new", "-nodes"));
        req.addAll(Kind.EC.newkey);
        req.addAll(List.of("-keyout", key.toString(), "-out", csr.toString(), "-subj", "/CN=" + name));
        run(req);
        run(List.of("openssl", "x509", "-req", "-in", csr.toString(), "-CA", ca.certificate().toString(),
                "-CAkey", ca.key().toString(), "-set_serial", Long.toString(serial), "-days", "2",
                "-out", crt.toString()));
        Path full = dir.resolve(name + ".chain");
        java.nio.file.Files.writeString(full, java.nio.file.Files.readString(crt)
                + java.nio.file.Files.readString(ca.certificate()));
        return new Pair(full, key, BigInteger.valueOf(serial));
    }

    /** {@code key} rewritten in the traditional form: BEGIN RSA PRIVATE KEY (PKCS#1) or BEGIN EC PRIVATE KEY (SEC1). */
    public static Path traditional(Path key) throws IOException {
        Path out = key.resolveSibling(key.getFileName() + ".traditional");
        run(List.of("openssl", "pkey", "-in", key.toString(), "-traditional", "-out", out.toString()));
        return out;
    }

    private static void run(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + " failed: " + out.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
