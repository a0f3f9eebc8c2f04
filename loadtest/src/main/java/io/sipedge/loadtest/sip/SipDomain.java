package io.sipedge.loadtest.sip;

/**
 * What a REGISTER needs of a user's domain, computed once per domain: the request line, the
 * Request-URI (which is also the digest uri) and HA2 for each algorithm.
 */
public final class SipDomain {
    private static final byte[] REGISTER = Ascii.bytes("REGISTER");

    private final String name;
    private final byte[] bytes;
    private final byte[] requestUri;
    private final byte[] requestLine;
    private final byte[] ha2Md5;
    private final byte[] ha2Sha256;

    public SipDomain(String name) {
        this.name = name;
        this.bytes = Ascii.bytes(name);
        this.requestUri = Ascii.bytes("sip:" + name);
        this.requestLine = Ascii.bytes("REGISTER sip:" + name + " SIP/2.0\r\n");
        Digest d = Digest.get();
        this.ha2Md5 = d.ha2(DigestAlgorithm.MD5, REGISTER, requestUri);
        this.ha2Sha256 = d.ha2(DigestAlgorithm.SHA_256, REGISTER, requestUri);
    }

    public String name() {
        return name;
    }

    public byte[] bytes() {
        return bytes;
    }

    /** {@code sip:domain}: the Request-URI and the digest uri. */
    public byte[] requestUri() {
        return requestUri;
    }

    public byte[] requestLine() {
        return requestLine;
    }

    /** HA2 = H(REGISTER:sip:domain), hex. */
    public byte[] ha2(DigestAlgorithm alg) {
        return alg == DigestAlgorithm.MD5 ? ha2Md5 : ha2Sha256;
    }
}
