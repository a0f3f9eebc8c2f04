package io.sipedge.model;

import static java.util.Objects.requireNonNull;

/**
 * What the stores keep of a device's SIP password.
 *
 * <p>The registrar needs only the HA1 values (RFC 7616 §3.4.2): H(username:realm:password) for
 * MD5 and SHA-256, kept in memory so a REGISTER does no disk I/O. Later features must hand the
 * password itself to the device (scloc QR codes carry it in clear), and a realm change must
 * recompute the HA1s, so the password is also kept <em>sealed</em> (AES-256-GCM under a key file
 * that lives apart from the records). See docs/decisions/password-storage.md.
 *
 * @param ha1Md5         lower-case hex MD5 HA1
 * @param ha1Sha256      lower-case hex SHA-256 HA1
 * @param sealedPassword the password encrypted by the Directory's sealing key, base64url
 */
public record SipSecret(String ha1Md5, String ha1Sha256, String sealedPassword) {
    public SipSecret {
        requireNonNull(ha1Md5, "ha1Md5");
        requireNonNull(ha1Sha256, "ha1Sha256");
        requireNonNull(sealedPassword, "sealedPassword");
    }

    /** The HA1 for a digest algorithm token ("MD5" or "SHA-256"), in lower-case hex. */
    public String ha1(DigestAlgorithm algorithm) {
        return algorithm == DigestAlgorithm.SHA_256 ? ha1Sha256 : ha1Md5;
    }

    /** Records print their components; secrets must never reach a log line. */
    @Override
    public String toString() {
        return "SipSecret[<redacted>]";
    }
}
