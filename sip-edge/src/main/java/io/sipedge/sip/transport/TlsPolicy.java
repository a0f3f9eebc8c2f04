package io.sipedge.sip.transport;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * The edge's TLS policy: TLS 1.2 and 1.3 only, forward-secret AEAD suites only, no client
 * certificate (softphones have none).
 */
public final class TlsPolicy {
    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    /** In preference order; TLS 1.3 suites are all AEAD and forward secret by design (RFC 8446). */
    private static final List<String> PREFERRED = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384");

    private TlsPolicy() {
    }

    /** The preferred suites this JVM supports. */
    public static String[] cipherSuites(SSLContext context) {
        Set<String> supported = Set.of(context.getSupportedSSLParameters().getCipherSuites());
        List<String> out = new ArrayList<>();
        for (String s : PREFERRED) {
            if (supported.contains(s)) {
                out.add(s);
            }
        }
        return out.toArray(new String[0]);
    }

    static void apply(SSLServerSocket s) {
        s.setEnabledProtocols(PROTOCOLS);
        s.setEnabledCipherSuites(filter(s.getSupportedCipherSuites()));
        s.setNeedClientAuth(false);
        s.setWantClientAuth(false);
    }

    static void apply(SSLSocket s) {
        s.setEnabledProtocols(PROTOCOLS);
        s.setEnabledCipherSuites(filter(s.getSupportedCipherSuites()));
    }

    private static String[] filter(String[] supported) {
        Set<String> sup = Set.of(supported);
        return PREFERRED.stream().filter(sup::contains).toArray(String[]::new);
    }

    static String joined(String[] values) {
        return String.join(",", Arrays.asList(values));
    }
}
