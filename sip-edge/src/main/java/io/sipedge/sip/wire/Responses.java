package io.sipedge.sip.wire;

import java.security.SecureRandom;
import java.text.ParseException;
import java.util.HexFormat;
import javax.sip.header.ToHeader;
import javax.sip.message.Response;

/** Small helpers shared by every response the edge writes. */
public final class Responses {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Responses() {
    }

    /** RFC 3261 §8.2.6.2: a UAS adds a To tag to its responses when the request had none. */
    public static void tagTo(Response r) throws ParseException {
        ToHeader to = (ToHeader) r.getHeader(ToHeader.NAME);
        if (to != null && to.getTag() == null) {
            byte[] b = new byte[6];
            RANDOM.nextBytes(b);
            to.setTag(HexFormat.of().formatHex(b));
        }
    }
}
