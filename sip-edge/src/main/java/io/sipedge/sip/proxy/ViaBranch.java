package io.sipedge.sip.proxy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The branch of the edge's own Via on a forwarded request (RFC 3261 §16.6 step 8), and loop
 * detection with it (§16.3 step 4). A branch is the magic cookie, a hash of what identifies the
 * request as the edge received it, and a part unique to this process and request. A request that
 * comes back carrying one of the edge's Vias whose hash equals the hash of the request as it is
 * now has looped (482); one that changed on the way (a new Request-URI: a spiral) has not.
 *
 * <p>The hash leaves out the Via headers, unlike the RFC's example list: the topmost Via of a
 * looped request is the last hop's, never the one the edge first saw, so a hash over it never
 * matches and detects nothing.
 */
final class ViaBranch {
    static final String COOKIE = "z9hG4bK";
    private static final HexFormat HEX = HexFormat.of();

    private final String processPart;
    private final AtomicLong counter = new AtomicLong();

    ViaBranch(SecureRandom random) {
        byte[] b = new byte[4];
        random.nextBytes(b);
        this.processPart = HEX.formatHex(b);
    }

    /**
     * What identifies a request for loop detection: the Request-URI as received, the From and To
     * tags (the To tag may be null), Call-ID, CSeq number, and the Route, Proxy-Require and
     * Proxy-Authorization values as received.
     */
    record Fingerprint(String requestUri, String fromTag, String toTag, String callId, long cseq,
                       List<String> route, List<String> proxyRequire, List<String> proxyAuthorization) {
    }

    /** The hash part of branches for a request with this fingerprint: 16 hex digits. */
    static String hash(Fingerprint f) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
        update(sha, f.requestUri());
        update(sha, f.fromTag());
        update(sha, f.toTag());
        update(sha, f.callId());
        update(sha, Long.toString(f.cseq()));
        for (List<String> values : List.of(f.route(), f.proxyRequire(), f.proxyAuthorization())) {
            update(sha, Integer.toString(values.size()));
            for (String v : values) {
                update(sha, v);
            }
        }
        byte[] digest = sha.digest();
        return HEX.formatHex(digest, 0, 8);
    }

    /** A new branch for one forwarded copy: unique across branches, requests and restarts. */
    String next(String hash) {
        return COOKIE + hash + "." + processPart + Long.toString(counter.incrementAndGet(), 36);
    }

    /**
     * True when one of {@code ownBranches} (the branches of the request's Vias whose sent-by is this
     * edge) carries {@code hash}: the request came back unchanged.
     */
    static boolean looped(String hash, List<String> ownBranches) {
        String prefix = COOKIE + hash + ".";
        for (String b : ownBranches) {
            if (b != null && b.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private static void update(MessageDigest sha, String value) {
        if (value == null) {
            sha.update((byte) 0);
            return;
        }
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        sha.update((byte) 1);
        sha.update(Integer.toString(bytes.length).getBytes(StandardCharsets.US_ASCII));
        sha.update((byte) ':');
        sha.update(bytes);
    }
}
