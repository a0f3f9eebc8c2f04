package io.sipedge.http.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.sipedge.model.DigestAlgorithm;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HTTP Digest (RFC 7616) for {@code GET /provisioning/me}, checked against the HA1s the Directory
 * keeps for SIP, so a phone proves itself with its own SIP credentials in its tenant's realm.
 * qop=auth only. Nonces are stateless: {@code base64url(expiry || HMAC-SHA256(key, expiry || realm)[0..16])}
 * under a key drawn at start, valid for {@link #NONCE_TTL}; a restart invalidates them (the client
 * is simply challenged again). Each nonce-count is accepted once and only upwards, so a captured
 * Authorization cannot be replayed; a wrong response spends its nonce (one guess per nonce).
 */
public final class HttpDigest {
    public static final Duration NONCE_TTL = Duration.ofMinutes(5);
    private static final int MAC_BYTES = 16;
    private static final Pattern PARAM = Pattern.compile("([A-Za-z0-9_-]+)\\s*=\\s*(\"((?:[^\"\\\\]|\\\\.)*)\"|[^,\\s]+)");

    /** Nonces whose counts are remembered at once: ~5 minutes of them at 300 a second. */
    static final int MAX_TRACKED_NONCES = 100_000;

    private final byte[] key = new byte[32];
    /** Per nonce, the highest count accepted (Long.MAX_VALUE once spent); forgotten when the nonce expires. */
    private final Cache<String, long[]> counts = Caffeine.newBuilder().maximumSize(MAX_TRACKED_NONCES)
            .expireAfterWrite(NONCE_TTL).build();

    public HttpDigest() {
        new SecureRandom().nextBytes(key);
    }

    /** The parameters of an {@code Authorization: Digest …} header; null when it is not Digest. */
    public static Map<String, String> parse(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Digest ", 0, 7)) {
            return null;
        }
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = PARAM.matcher(authorization.substring(7));
        while (m.find()) {
            out.putIfAbsent(m.group(1).toLowerCase(Locale.ROOT),
                    m.group(3) != null ? m.group(3).replaceAll("\\\\(.)", "$1") : m.group(2));
        }
        return out;
    }

    /** One {@code WWW-Authenticate} value for {@code algorithm}. */
    public String challenge(String realm, DigestAlgorithm algorithm, boolean stale, Instant now) {
        return "Digest realm=\"" + realm + "\", qop=\"auth\", algorithm=" + algorithm.token() + ", nonce=\""
                + nonce(realm, now) + "\"" + (stale ? ", stale=true" : "");
    }

    String nonce(String realm, Instant now) {
        long expires = now.plus(NONCE_TTL).getEpochSecond();
        ByteBuffer b = ByteBuffer.allocate(8 + MAC_BYTES).putLong(expires).put(mac(expires, realm), 0, MAC_BYTES);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
    }

    /** What a check found. */
    public enum Outcome { OK, STALE, REFUSED }

    /**
     * Checks {@code p} (parsed Authorization parameters) for a GET of {@code requestPath} in
     * {@code realm} against {@code ha1}, the stored H(username:realm:password) for {@code algorithm}.
     */
    public Outcome verify(Map<String, String> p, String realm, String requestPath, DigestAlgorithm algorithm,
                          String ha1, Instant now) {
        String nonce = p.get("nonce");
        String uri = p.get("uri");
        String response = p.get("response");
        String nc = p.get("nc");
        String cnonce = p.get("cnonce");
        if (nonce == null || uri == null || response == null || nc == null || cnonce == null
                || !"auth".equals(p.get("qop")) || !realm.equals(p.get("realm"))) {
            return Outcome.REFUSED;
        }
        int q = uri.indexOf('?');
        if (!(q < 0 ? uri : uri.substring(0, q)).equals(requestPath)) {
            return Outcome.REFUSED;
        }
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(nonce);
        } catch (IllegalArgumentException e) {
            return Outcome.REFUSED;
        }
        if (raw.length != 8 + MAC_BYTES) {
            return Outcome.REFUSED;
        }
        ByteBuffer b = ByteBuffer.wrap(raw);
        long expires = b.getLong();
        byte[] mac = new byte[MAC_BYTES];
        b.get(mac);
        byte[] expected = java.util.Arrays.copyOf(mac(expires, realm), MAC_BYTES);
        if (!MessageDigest.isEqual(mac, expected)) {
            return Outcome.REFUSED;
        }
        long count;
        try {
            count = Long.parseUnsignedLong(nc, 16);
        } catch (NumberFormatException e) {
            return Outcome.REFUSED;
        }
        String ha2 = algorithm.hashHex("GET:" + uri);
        String want = algorithm.hashHex(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":auth:" + ha2);
        long[] seen = counts.get(nonce, k -> new long[1]);
        boolean right = MessageDigest.isEqual(want.getBytes(StandardCharsets.US_ASCII),
                response.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII));
        synchronized (seen) {
            if (!right) {
                seen[0] = Long.MAX_VALUE; // spent: one guess per nonce
                return Outcome.REFUSED;
            }
            if (count <= seen[0] || count < 1) {
                return Outcome.REFUSED; // a count already used: a replay
            }
            seen[0] = count;
        }
        return now.getEpochSecond() >= expires ? Outcome.STALE : Outcome.OK;
    }

    private byte[] mac(long expires, String realm) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(key, "HmacSHA256"));
            m.update(ByteBuffer.allocate(8).putLong(expires).array());
            m.update(realm.getBytes(StandardCharsets.UTF_8));
            return m.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
