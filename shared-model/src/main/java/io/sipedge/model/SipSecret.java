package io.sipedge.model;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * What the stores keep of a device's SIP password.
 *
 * <p>The registrar needs only the HA1 values (RFC 7616 §3.4.2): H(username:realm:password) for
 * MD5 and SHA-256, kept in memory so a REGISTER does no disk I/O. Later features must hand the
 * password itself to the device (scloc QR codes carry it in clear), and a realm change must
 * recompute the HA1s, so the password is also kept <em>sealed</em> (AES-256-GCM under a key file
 * that lives apart from the records). See docs/decisions/password-storage.md.
 *
 * <p>Every device holds one, so it is kept as bytes (one array instead of three hex and base64
 * strings, less than half the heap); the accessors and the JSON give the same text as ever.
 * Values that are not canonical lower-case hex and unpadded base64url (hand-written records,
 * tests) are kept as given, so what goes in always comes out.
 *
 * <p>A value class with the accessors, equality and JSON form of the record it was.
 */
@JsonPropertyOrder({"ha1Md5", "ha1Sha256", "sealedPassword"})
public final class SipSecret {
    private static final int MD5_BYTES = 16;
    private static final int SHA256_BYTES = 32;
    private static final int HA1_BYTES = MD5_BYTES + SHA256_BYTES;
    private static final HexFormat HEX = HexFormat.of();
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    /** MD5 HA1, SHA-256 HA1, then the sealed password, all decoded; null when {@link #asGiven} is used. */
    private final byte[] packed;
    /** The three values as given when they are not canonical; else null. */
    private final String[] asGiven;

    /**
     * @param ha1Md5         lower-case hex MD5 HA1
     * @param ha1Sha256      lower-case hex SHA-256 HA1
     * @param sealedPassword the password encrypted by the Directory's sealing key, base64url
     */
    @JsonCreator
    public SipSecret(@JsonProperty("ha1Md5") String ha1Md5, @JsonProperty("ha1Sha256") String ha1Sha256,
                     @JsonProperty("sealedPassword") String sealedPassword) {
        requireNonNull(ha1Md5, "ha1Md5");
        requireNonNull(ha1Sha256, "ha1Sha256");
        requireNonNull(sealedPassword, "sealedPassword");
        byte[] sealed = canonicalBase64Url(sealedPassword);
        if (isLowerHex(ha1Md5, MD5_BYTES) && isLowerHex(ha1Sha256, SHA256_BYTES) && sealed != null) {
            packed = new byte[HA1_BYTES + sealed.length];
            System.arraycopy(HEX.parseHex(ha1Md5), 0, packed, 0, MD5_BYTES);
            System.arraycopy(HEX.parseHex(ha1Sha256), 0, packed, MD5_BYTES, SHA256_BYTES);
            System.arraycopy(sealed, 0, packed, HA1_BYTES, sealed.length);
            asGiven = null;
        } else {
            packed = null;
            asGiven = new String[] {ha1Md5, ha1Sha256, sealedPassword};
        }
    }

    /** Lower-case hex MD5 HA1. */
    @JsonProperty("ha1Md5")
    public String ha1Md5() {
        return packed == null ? asGiven[0] : HEX.formatHex(packed, 0, MD5_BYTES);
    }

    /** Lower-case hex SHA-256 HA1. */
    @JsonProperty("ha1Sha256")
    public String ha1Sha256() {
        return packed == null ? asGiven[1] : HEX.formatHex(packed, MD5_BYTES, HA1_BYTES);
    }

    /** The password encrypted by the Directory's sealing key, base64url. */
    @JsonProperty("sealedPassword")
    public String sealedPassword() {
        return packed == null ? asGiven[2] : BASE64URL.encodeToString(Arrays.copyOfRange(packed, HA1_BYTES,
                packed.length));
    }

    /** The HA1 for a digest algorithm token ("MD5" or "SHA-256"), in lower-case hex. */
    public String ha1(DigestAlgorithm algorithm) {
        return algorithm == DigestAlgorithm.SHA_256 ? ha1Sha256() : ha1Md5();
    }

    /** Only lower-case hex of exactly that many bytes packs: anything else would not print back the same. */
    private static boolean isLowerHex(String s, int bytes) {
        if (s.length() != bytes * 2) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    /** The decoded bytes when encoding them again gives exactly {@code s}; else null. */
    private static byte[] canonicalBase64Url(String s) {
        try {
            byte[] b = Base64.getUrlDecoder().decode(s);
            return BASE64URL.encodeToString(b).equals(s) ? b : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The representation is a function of the three values, so comparing it compares them. */
    @Override
    public boolean equals(Object o) {
        return o instanceof SipSecret s && Arrays.equals(packed, s.packed) && Arrays.equals(asGiven, s.asGiven);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(packed) + Arrays.hashCode(asGiven);
    }

    /** Secrets must never reach a log line. */
    @Override
    public String toString() {
        return "SipSecret[<redacted>]";
    }
}
