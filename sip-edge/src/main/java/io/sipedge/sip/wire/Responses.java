package io.sipedge.sip.wire;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.text.ParseException;
import java.util.HexFormat;
import javax.sip.header.ToHeader;
import javax.sip.message.Response;

/** Small helpers shared by every response the edge writes. */
public final class Responses {
    /**
     * Tags must be cryptographically random (RFC 3261 §19.3). A DRBG per thread: the default
     * NativePRNG funnels every instance through one lock on /dev/urandom, which the workers queued on.
     */
    private static final ThreadLocal<SecureRandom> RANDOM = ThreadLocal.withInitial(Responses::drbg);

    private static SecureRandom drbg() {
        try {
            return SecureRandom.getInstance("DRBG");
        } catch (NoSuchAlgorithmException e) {
            return new SecureRandom();
        }
    }

    private Responses() {
    }

    /** RFC 3261 §8.2.6.2: a UAS adds a To tag to its responses when the request had none. */
    public static void tagTo(Response r) throws ParseException {
        ToHeader to = (ToHeader) r.getHeader(ToHeader.NAME);
        if (to != null && to.getTag() == null) {
            byte[] b = new byte[6];
            RANDOM.get().nextBytes(b);
            to.setTag(HexFormat.of().formatHex(b));
        }
    }
}
