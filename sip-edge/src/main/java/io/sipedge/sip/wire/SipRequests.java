package io.sipedge.sip.wire;

import java.nio.charset.StandardCharsets;

/**
 * The requests the edge sends on its own, as bytes. For now one: the OPTIONS that asks a phone
 * whether it is still there (RFC 3261 §11), on the flow its binding keeps.
 */
public final class SipRequests {

    private SipRequests() {
    }

    /**
     * An OPTIONS outside any dialog, from the edge (RFC 3261 §8.1.1 and §11.1): a fresh Call-ID,
     * CSeq 1, Max-Forwards 70, no body. {@code rport} (RFC 3581) so that the phone answers to the
     * address and port the probe came from, through its NAT, whatever the sent-by says.
     *
     * @param target    the Request-URI: the contact the phone registered
     * @param transport the Via transport token, e.g. "UDP"
     * @param sentBy    the Via sent-by: the edge's host and listening port
     * @param branch    the Via branch, starting with the RFC 3261 magic cookie {@code z9hG4bK}
     * @param from      the From URI (the edge speaking for a domain)
     * @param fromTag   the From tag
     * @param to        the To URI (the AOR the binding belongs to)
     * @param callId    the Call-ID
     */
    public static byte[] options(String target, String transport, String sentBy, String branch, String from,
                                 String fromTag, String to, String callId) {
        StringBuilder b = new StringBuilder(384);
        b.append("OPTIONS ").append(target).append(" SIP/2.0\r\n");
        b.append("Via: SIP/2.0/").append(transport).append(' ').append(sentBy).append(";branch=").append(branch)
                .append(";rport\r\n");
        b.append("Max-Forwards: 70\r\n");
        b.append("From: <").append(from).append(">;tag=").append(fromTag).append("\r\n");
        b.append("To: <").append(to).append(">\r\n");
        b.append("Call-ID: ").append(callId).append("\r\n");
        b.append("CSeq: 1 OPTIONS\r\n");
        b.append("Content-Length: 0\r\n\r\n");
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }
}
