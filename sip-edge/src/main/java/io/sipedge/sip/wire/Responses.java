package io.sipedge.sip.wire;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.text.ParseException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.header.FromHeader;
import javax.sip.header.ToHeader;
import javax.sip.header.ViaHeader;
import javax.sip.message.Response;

/** Small helpers shared by every response the edge writes. */
public final class Responses {
    /** Per process: tags are unpredictable to anyone outside it (RFC 3261 §19.3). */
    private static final byte[] TAG_KEY = new byte[32];
    private static final ThreadLocal<Mac> TAG_MAC = ThreadLocal.withInitial(Responses::tagMac);

    static {
        new SecureRandom().nextBytes(TAG_KEY);
    }

    private static Mac tagMac() {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(TAG_KEY, "HmacSHA256"));
            return m;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    private Responses() {
    }

    /**
     * RFC 3261 §8.2.6.2: a UAS adds a To tag to its responses when the request had none. The edge
     * answers REGISTER and OPTIONS without transactions, so §8.2.7 applies: a stateless UAS must
     * give the same request the same tag every time. The tag is a keyed hash of what identifies
     * the request (Call-ID, From tag, CSeq, the top Via's branch), which the response carries.
     */
    public static void tagTo(Response r) throws ParseException {
        ToHeader to = (ToHeader) r.getHeader(ToHeader.NAME);
        if (to == null || to.getTag() != null) {
            return;
        }
        CallIdHeader callId = (CallIdHeader) r.getHeader(CallIdHeader.NAME);
        FromHeader from = (FromHeader) r.getHeader(FromHeader.NAME);
        CSeqHeader cseq = (CSeqHeader) r.getHeader(CSeqHeader.NAME);
        ViaHeader via = (ViaHeader) r.getHeader(ViaHeader.NAME);
        to.setTag(tag(callId == null ? null : callId.getCallId(), from == null ? null : from.getTag(),
                cseq == null ? null : cseq.getSeqNumber() + " " + cseq.getMethod(),
                via == null ? null : via.getBranch()));
    }

    /** The To tag for a request with these identifiers (any may be null); {@code cseq} is "number METHOD". */
    public static String tag(String callId, String fromTag, String cseq, String branch) {
        Mac mac = TAG_MAC.get();
        update(mac, callId);
        update(mac, fromTag);
        update(mac, cseq);
        update(mac, branch);
        return HexFormat.of().formatHex(mac.doFinal(), 0, 8);
    }

    private static void update(Mac mac, String field) {
        if (field != null) {
            mac.update(field.getBytes(StandardCharsets.UTF_8));
        }
        mac.update((byte) 0); // field separator: ("ab","c") and ("a","bc") hash apart
    }
}
