package io.sipedge.model;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Locale;

/**
 * An account's Microsoft (Entra ID) sign-in settings (issue 17). The client secret is kept sealed,
 * not hashed: the edge must present it to Microsoft's token endpoint, so it has to be recoverable
 * (the Directory's sealing key, as for account API keys; see docs/decisions/password-storage.md).
 *
 * @param enabled             whether the account's users may sign in with Microsoft
 * @param directoryId         the Entra ID tenant (directory) id, a GUID in lower case; the id_token's {@code tid}
 * @param applicationId       the app registration's application (client) id, a GUID in lower case; the {@code aud}
 * @param issuer              the id_token's expected {@code iss}, compared exactly; its
 *                            {@code /.well-known/openid-configuration} names the endpoints
 * @param allowedCallbackUrls where a signed-in user may be sent back to (exact URLs, RFC 8252 loopback latitude)
 * @param sealedClientSecret  the client secret sealed by the Directory's key, or null when none is stored
 * @param certificatePem      the certificate credential uploaded to the app registration (PEM; public), or null
 * @param sealedCertificateKey the certificate's private key (PKCS#8 PEM) sealed by the Directory's key, or
 *                            null; the edge signs its client assertions (RFC 7523) with it
 */
public record Ms365Settings(boolean enabled, String directoryId, String applicationId, String issuer,
                            List<String> allowedCallbackUrls, String sealedClientSecret, String certificatePem,
                            String sealedCertificateKey) {
    /** Microsoft's global cloud; national clouds and tests name another issuer. */
    public static final String DEFAULT_ISSUER_FORMAT = "https://login.microsoftonline.com/%s/v2.0";

    public Ms365Settings {
        directoryId = requireNonNull(directoryId, "directoryId").toLowerCase(Locale.ROOT);
        applicationId = requireNonNull(applicationId, "applicationId").toLowerCase(Locale.ROOT);
        if (issuer == null || issuer.isEmpty()) {
            issuer = defaultIssuer(directoryId);
        }
        allowedCallbackUrls = allowedCallbackUrls == null ? List.of() : List.copyOf(allowedCallbackUrls);
        if ((certificatePem == null) != (sealedCertificateKey == null)) {
            throw new IllegalArgumentException("a certificate credential needs both the certificate and its key");
        }
    }

    /** Settings without credentials (the Directory adds them). */
    public Ms365Settings(boolean enabled, String directoryId, String applicationId, String issuer,
                         List<String> allowedCallbackUrls) {
        this(enabled, directoryId, applicationId, issuer, allowedCallbackUrls, null, null, null);
    }

    /** The issuer of Microsoft's global cloud for a directory. */
    public static String defaultIssuer(String directoryId) {
        return String.format(Locale.ROOT, DEFAULT_ISSUER_FORMAT, directoryId.toLowerCase(Locale.ROOT));
    }

    /** Whether a client secret is stored. */
    public boolean hasClientSecret() {
        return sealedClientSecret != null;
    }

    /** Whether a certificate credential (certificate and sealed key) is stored. */
    public boolean hasCertificate() {
        return certificatePem != null;
    }

    /** The same settings holding other credentials (each null for none). */
    public Ms365Settings withCredentials(String sealedSecret, String certificate, String sealedKey) {
        return new Ms365Settings(enabled, directoryId, applicationId, issuer, allowedCallbackUrls, sealedSecret,
                certificate, sealedKey);
    }

    /** Records print their components; even a sealed secret has no business in a log line. */
    @Override
    public String toString() {
        return "Ms365Settings[enabled=" + enabled + ", directoryId=" + directoryId + ", applicationId="
                + applicationId + ", issuer=" + issuer + ", allowedCallbackUrls=" + allowedCallbackUrls
                + ", clientSecret=" + (hasClientSecret() ? "<redacted>" : "none")
                + ", certificate=" + (hasCertificate() ? "<set>" : "none") + "]";
    }
}
