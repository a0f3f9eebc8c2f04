package io.sipedge.sip.wire;

import gov.nist.javax.sip.header.SIPHeader;
import gov.nist.javax.sip.header.Via;
import gov.nist.javax.sip.message.SIPRequest;
import io.sipedge.model.Flow;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.ListIterator;
import java.util.Objects;

/**
 * What a response repeats of its request (RFC 3261 §8.2.6.2): the Vias, the top one stamped with
 * {@code received}/{@code rport} ({@link ViaStamp}), From, To, Call-ID and CSeq as header values,
 * plus what the To tag and the UDP destination are computed from. Read from the bytes by the fast
 * path ({@link RawRegister#head}), from a parsed request ({@link #of}), or from the raw lines of a
 * request that does not parse ({@link BadRequests}); {@link SipResponses} writes every answer from it.
 *
 * @param topVia    the top Via's value, stamped
 * @param otherVias the other Via values, in order
 * @param toTagged  the To already has a tag (no new one is added)
 * @param fromTag   the From tag, or null
 * @param cseq      the CSeq value ("1 REGISTER")
 * @param branch    the top Via's branch, or null
 * @param udpPort   where a UDP answer goes on the source address ({@link ViaStamp#udpPort})
 */
public record RequestHead(String topVia, List<String> otherVias, String from, String to, boolean toTagged,
                          String fromTag, String callId, String cseq, String branch, int udpPort) {
    public RequestHead {
        Objects.requireNonNull(topVia, "topVia");
        otherVias = List.copyOf(otherVias);
    }

    /** The head of a parsed request that arrived on {@code flow}; stamps its top Via. */
    public static RequestHead of(SIPRequest request, Flow flow) throws ParseException {
        Via top = request.getTopmostVia();
        ViaStamp.stamp(top, flow.transport(), flow.remoteIp(), flow.remotePort());
        List<String> others = new ArrayList<>(0);
        ListIterator<?> vias = request.getViaHeaders().listIterator();
        vias.next();
        while (vias.hasNext()) {
            others.add(((Via) vias.next()).getHeaderValue());
        }
        return new RequestHead(top.getHeaderValue(), others, ((SIPHeader) request.getFrom()).getHeaderValue(),
                ((SIPHeader) request.getTo()).getHeaderValue(), request.getTo().getTag() != null, request.getFrom().getTag(),
                request.getCallId().getCallId(), request.getCSeq().getSeqNumber() + " " + request.getCSeq().getMethod(),
                top.getBranch(), ViaStamp.udpPort(top.hasParameter(Via.RPORT), top.getPort(), flow.remotePort()));
    }
}
