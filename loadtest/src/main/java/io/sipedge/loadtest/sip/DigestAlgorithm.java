package io.sipedge.loadtest.sip;

/** The digest algorithms the generator answers (RFC 7616 §3.3, RFC 8760 for SIP); no -sess variants. */
public enum DigestAlgorithm {
    MD5("MD5", "MD5", 16),
    SHA_256("SHA-256", "SHA-256", 32);

    private final String token;
    private final String jcaName;
    private final int hashBytes;

    DigestAlgorithm(String token, String jcaName, int hashBytes) {
        this.token = token;
        this.jcaName = jcaName;
        this.hashBytes = hashBytes;
    }

    /** The {@code algorithm=} token. */
    public String token() {
        return token;
    }

    public String jcaName() {
        return jcaName;
    }

    /** Length of H(...) in bytes; the hex form is twice that. */
    public int hashBytes() {
        return hashBytes;
    }

    public int hexLength() {
        return 2 * hashBytes;
    }
}
