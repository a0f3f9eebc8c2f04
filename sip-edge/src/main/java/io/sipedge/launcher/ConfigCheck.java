package io.sipedge.launcher;

import io.sipedge.sip.transport.TlsMaterial;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What {@code --check-config} verifies beyond each key's rule and the rules between keys: that the
 * files the settings name can be used. It reads, never writes, and binds nothing, so it can run
 * next to the edge it is about to restart (the data directory's lock is not taken).
 */
final class ConfigCheck {
    private ConfigCheck() {
    }

    /**
     * Every problem found, one per key.
     *
     * @param reported keys and variables already reported: a setting among them is not checked again
     *                 (one that broke its rule holds its default here; a keystore found unreadable, or
     *                 whose password file was, would only fail again)
     */
    static List<ConfigException> beyondTheRules(EdgeConfig cfg, Set<String> reported) {
        List<ConfigException> problems = new ArrayList<>();
        if (!among(EdgeConfig.DATA_DIR, reported)) {
            dataDirectory(cfg.dataDir(), problems);
        }
        boolean tlsUsed = cfg.sipTlsPort() >= 0 || cfg.webSockets().tlsPort() >= 0;
        if (tlsUsed && !cfg.tlsKeystore().isEmpty() && !among(EdgeConfig.TLS_KEYSTORE, reported)
                && !among(EdgeConfig.TLS_KEYSTORE_PASSWORD, reported)) {
            try {
                TlsMaterial.load(Path.of(cfg.tlsKeystore()), cfg.tlsKeystorePassword().toCharArray());
            } catch (TlsMaterial.TlsException e) {
                problems.add(new ConfigException(EdgeConfig.TLS_KEYSTORE.key(), e.getMessage()));
            }
        }
        if (tlsUsed && !cfg.tlsCertificate().isEmpty() && !cfg.tlsPrivateKey().isEmpty()
                && !among(EdgeConfig.TLS_CERTIFICATE, reported) && !among(EdgeConfig.TLS_PRIVATE_KEY, reported)) {
            Path certificate = Path.of(cfg.tlsCertificate());
            try {
                TlsMaterial.pem(certificate, Path.of(cfg.tlsPrivateKey()));
            } catch (TlsMaterial.TlsException e) {
                boolean theChain = certificate.equals(e.file());
                problems.add(new ConfigException(
                        (theChain ? EdgeConfig.TLS_CERTIFICATE : EdgeConfig.TLS_PRIVATE_KEY).key(), e.getMessage()));
            }
        }
        return problems;
    }

    private static boolean among(Setting<?> s, Set<String> reported) {
        return reported.contains(s.key()) || reported.contains(s.envName())
                || (s.secret() && reported.contains(s.fileEnvName()));
    }

    /**
     * The edge creates the data directory if it is missing: then the nearest directory above it
     * that exists must be writable (a unit with {@code ProtectSystem=strict} and no
     * {@code ReadWritePaths} for it fails here, not at the first write).
     */
    private static void dataDirectory(Path dir, List<ConfigException> problems) {
        String key = EdgeConfig.DATA_DIR.key();
        Path abs = dir.toAbsolutePath().normalize();
        if (Files.exists(abs)) {
            if (!Files.isDirectory(abs)) {
                problems.add(new ConfigException(key, "'" + dir + "' exists and is not a directory"));
            } else if (!Files.isWritable(abs)) {
                problems.add(new ConfigException(key, "'" + dir + "' is not writable by this user"));
            }
            return;
        }
        Path parent = abs.getParent();
        while (parent != null && !Files.exists(parent)) {
            parent = parent.getParent();
        }
        if (parent == null || !Files.isDirectory(parent) || !Files.isWritable(parent)) {
            problems.add(new ConfigException(key, "'" + dir + "' does not exist and cannot be created ("
                    + (parent == null ? "no parent" : "'" + parent + "' is not a writable directory") + ")"));
        }
    }
}
