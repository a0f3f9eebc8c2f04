package io.sipedge.sip.transport;

import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLEngine;

/**
 * The edge's TLS policy: TLS 1.2 and 1.3 only, forward-secret AEAD suites only, no client
 * certificate (softphones have none).
 */
final class TlsPolicy {
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

    /** A server engine: TLS 1.2/1.3 with our suites, no client certificate asked (phones have none). */
    static void apply(SSLEngine e) {
        e.setUseClientMode(false);
        e.setEnabledProtocols(PROTOCOLS);
        e.setEnabledCipherSuites(filter(e.getSupportedCipherSuites()));
        e.setNeedClientAuth(false);
        e.setWantClientAuth(false);
    }

    private static String[] filter(String[] supported) {
        Set<String> sup = Set.of(supported);
        return PREFERRED.stream().filter(sup::contains).toArray(String[]::new);
    }
}
