package io.sipedge.http.api;

import io.sipedge.model.DigestAlgorithm;
import java.time.Duration;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * What provisioning tells phones about the edge, and how it issues tokens.
 *
 * @param publicBaseUrl   the base of provisioning links and QR codes ({@code https://prov.example.com}), or
 *                        empty for {@code http://<sipHost>:<bound HTTP port>}
 * @param sipHost         the host phones are told to register at (reg_proxy, reg_route)
 * @param sipPort         the UDP and TCP port phones are told
 * @param sipTlsPort      the TLS port phones are told, or -1 when TLS is off
 * @param tokenTtl        default lifetime of a provisioning token
 * @param authTokenTtl    default lifetime of a one-use auth token
 * @param digestAlgorithms what the registrar challenges with, so the XML carries an HA1 for each
 * @param httpPort        the bound HTTP port (known only once the server listens)
 */
public record ProvisioningSettings(String publicBaseUrl, String sipHost, int sipPort, int sipTlsPort,
                                   Duration tokenTtl, Duration authTokenTtl, List<DigestAlgorithm> digestAlgorithms,
                                   IntSupplier httpPort) {
    /** For tests of the HTTP side alone. */
    public static ProvisioningSettings defaults() {
        return new ProvisioningSettings("", "127.0.0.1", 5060, 5061, Duration.ofHours(24), Duration.ofMinutes(10),
                List.of(DigestAlgorithm.MD5, DigestAlgorithm.SHA_256), () -> 8080);
    }

    /** The base URL without a trailing slash. */
    public String baseUrl() {
        String b = publicBaseUrl.isEmpty() ? "http://" + hostForUrl(sipHost) + ":" + httpPort.getAsInt()
                : publicBaseUrl;
        return b.endsWith("/") ? b.substring(0, b.length() - 1) : b;
    }

    private static String hostForUrl(String host) {
        return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
    }
}
