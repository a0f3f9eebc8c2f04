package io.sipedge.sip.auth;

/**
 * The parameters of one {@code Authorization: Digest} header, as received (RFC 7616 §3.4). The
 * {@code uri} is kept exactly as sent, because the response was computed over that text.
 * {@code toString} leaves the response out.
 */
public record DigestCredentials(String username, String realm, String nonce, String uri, String response,
                                String algorithm, String qop, String nc, String cnonce) {
    @Override
    public String toString() {
        return "DigestCredentials[username=" + username + ", realm=" + realm + ", algorithm=" + algorithm + "]";
    }
}
