package io.sipedge.directory;

/**
 * Credentials given with an account's Microsoft settings, in clear, for the Directory to seal. Each
 * null keeps what is stored.
 *
 * @param clientSecret   the app registration's client secret
 * @param certificatePem the certificate credential (PEM), given together with its key
 * @param privateKeyPem  the certificate's private key (PKCS#8 PEM)
 */
public record Ms365Credentials(String clientSecret, String certificatePem, String privateKeyPem) {
    public static final Ms365Credentials KEEP = new Ms365Credentials(null, null, null);

    public Ms365Credentials {
        if ((certificatePem == null) != (privateKeyPem == null)) {
            throw new IllegalArgumentException("a certificate credential needs both the certificate and its key");
        }
    }

    /** A client secret alone. */
    public static Ms365Credentials secret(String clientSecret) {
        return new Ms365Credentials(clientSecret, null, null);
    }

    /** Records print their components; secrets and keys must never reach a log line. */
    @Override
    public String toString() {
        return "Ms365Credentials[<redacted>]";
    }
}
