package io.sipedge.model.rules;

import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Rules for an account's Microsoft sign-in settings (issue 17). Entra ID names directories and
 * applications by GUID. The issuer is where the edge fetches the OpenID configuration and the
 * value an id_token's {@code iss} must equal: https, except for a loopback host, where an OpenID
 * provider run by a test listens without TLS (a plain-http issuer elsewhere would let anyone on the
 * path forge the signing keys).
 */
public final class Ms365Rules {
    /** Generous for any real URL; bounds what a stored issuer costs. */
    public static final int URL_MAX = 2048;
    /** A handful of apps and a few loopback ports are plenty; bounds every sign-in's allowlist scan. */
    public static final int CALLBACK_URLS_MAX = 20;
    /** Entra ID client secrets are 40 characters; room for other providers' longer ones. */
    public static final int CLIENT_SECRET_MAX = 1024;

    /** A PEM certificate is a few kB; bounds what parsing an operator's paste costs. */
    public static final int PEM_MAX = 16 * 1024;
    private static final Pattern PKCS8 = Pattern.compile(
            "\\s*-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----\\s*");
    private static final Pattern GUID =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private Ms365Rules() {
    }

    /** A GUID in its 8-4-4-4-12 hex form, as Entra ID shows directory and application ids. */
    public static Optional<Violation> guid(String field, String value) {
        return GUID.matcher(value).matches() ? Optional.empty()
                : Optional.of(new Violation(field, "guid", "must be a GUID (8-4-4-4-12 hexadecimal digits)"));
    }

    /** An absolute https URL (http only for a loopback host) with a host, no user info, query or fragment. */
    public static Optional<Violation> issuer(String field, String value) {
        Optional<Violation> bad = Optional.of(new Violation(field, "url", "must be an absolute https URL "
                + "(http only on a loopback host) without user info, query or fragment"));
        if (value.isEmpty() || value.length() > URL_MAX) {
            return bad;
        }
        try {
            URI u = new URI(value);
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            if (u.getHost() == null || u.getRawUserInfo() != null || u.getRawQuery() != null
                    || u.getRawFragment() != null) {
                return bad;
            }
            return scheme.equals("https") || scheme.equals("http") && isLoopback(u.getHost()) ? Optional.empty() : bad;
        } catch (URISyntaxException e) {
            return bad;
        }
    }

    /** {@code localhost} or a loopback IP literal; a name other than localhost is never resolved. */
    private static boolean isLoopback(String host) {
        String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        if (h.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (!h.matches("[0-9.]+") && !h.contains(":")) {
            return false;
        }
        try {
            return InetAddress.getByName(h).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** At most {@link #CALLBACK_URLS_MAX} entries. */
    public static Optional<Violation> callbackCount(String field, List<String> urls) {
        return urls.size() <= CALLBACK_URLS_MAX ? Optional.empty()
                : Optional.of(new Violation(field, "max_items", "must have at most " + CALLBACK_URLS_MAX + " URLs"));
    }

    /** Not empty, at most {@link #CLIENT_SECRET_MAX} characters, no control characters. */
    public static Optional<Violation> clientSecret(String field, String value) {
        if (value.isEmpty() || value.length() > CLIENT_SECRET_MAX) {
            return Optional.of(new Violation(field, "length", "must be 1 to " + CLIENT_SECRET_MAX + " characters"));
        }
        return value.chars().anyMatch(Character::isISOControl)
                ? Optional.of(new Violation(field, "characters", "must not contain control characters"))
                : Optional.empty();
    }

    /** The certificate in {@code pem}, or null when it is not one PEM (or DER) X.509 certificate. */
    public static X509Certificate parseCertificate(String pem) {
        if (pem == null || pem.length() > PEM_MAX) {
            return null;
        }
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException | ClassCastException e) {
            return null;
        }
    }

    /**
     * A certificate credential: an X.509 certificate valid at {@code now} and its private key, an
     * unencrypted PKCS#8 PEM ({@code BEGIN PRIVATE KEY}) of the same RSA or EC key pair: a key that
     * does not match would only fail later, at Microsoft, with a less helpful error.
     */
    public static List<Violation> certificate(String certField, String keyField, String certPem, String keyPem,
                                              Instant now) {
        List<Violation> out = new ArrayList<>(2);
        X509Certificate cert = parseCertificate(certPem);
        if (cert == null) {
            out.add(new Violation(certField, "certificate", "must be one X.509 certificate in PEM"));
        } else if (cert.getNotAfter().toInstant().isBefore(now)) {
            out.add(new Violation(certField, "expired", "has expired"));
        }
        PrivateKey key = parseKey(keyPem);
        if (key == null) {
            out.add(new Violation(keyField, "private_key",
                    "must be an unencrypted PKCS#8 PEM (BEGIN PRIVATE KEY) RSA or EC key"));
        } else if (cert != null && !matches(key, cert)) {
            out.add(new Violation(keyField, "key_mismatch", "is not the key of " + certField));
        }
        return out;
    }

    /** The key in an unencrypted PKCS#8 PEM (RSA or EC), or null when it is not one. */
    public static PrivateKey parseKey(String pem) {
        if (pem == null || pem.length() > PEM_MAX) {
            return null;
        }
        java.util.regex.Matcher m = PKCS8.matcher(pem);
        if (!m.matches()) {
            return null;
        }
        try {
            byte[] der = Base64.getMimeDecoder().decode(m.group(1));
            for (String alg : List.of("RSA", "EC")) {
                try {
                    return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
                } catch (GeneralSecurityException wrongAlgorithm) {
                    // try the next
                }
            }
            return null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Signs a probe with the key and verifies it with the certificate's public key. */
    private static boolean matches(PrivateKey key, X509Certificate cert) {
        String alg = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        try {
            byte[] probe = "sip-edge key check".getBytes(StandardCharsets.US_ASCII);
            Signature sign = Signature.getInstance(alg);
            sign.initSign(key);
            sign.update(probe);
            byte[] sig = sign.sign();
            Signature verify = Signature.getInstance(alg);
            verify.initVerify(cert.getPublicKey());
            verify.update(probe);
            return verify.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
