package io.sipedge.sip.wire;

import io.sipedge.model.Binding;
import io.sipedge.sip.registrar.RegisterReply;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Every response the edge writes, as bytes, from the request's {@link RequestHead}: the status
 * line, the Vias, From, To (with the §8.2.7 tag when it had none), Call-ID and CSeq, then the
 * answer's own headers and an empty body. One writer for the fast path, the parsed path and the
 * answers to requests that do not parse, so they cannot drift apart.
 */
public final class SipResponses {
    /** RFC 3261 §20.17 (RFC 1123 with a two-digit day). */
    private static final DateTimeFormatter DATE = DateTimeFormatter
            .ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    private SipResponses() {
    }

    /** A response with the given extra header lines (each without its CRLF). */
    public static byte[] write(int status, String reason, RequestHead head, String... headers) {
        StringBuilder b = start(status, reason, head);
        for (String h : headers) {
            b.append(h).append("\r\n");
        }
        return end(b);
    }

    /** The registrar's answer: a 200 lists every binding with its remaining seconds and carries Date. */
    public static byte[] register(RegisterReply reply, RequestHead head) {
        StringBuilder b = start(reply.status(), reply.reason(), head);
        if (reply.status() == 200) {
            for (Binding binding : reply.bindings()) {
                b.append("Contact: <").append(binding.contact()).append(">;expires=")
                        .append(Math.min(Integer.MAX_VALUE, binding.secondsLeft(reply.now())));
                if (binding.q() != 1.0f) {
                    b.append(";q=").append(binding.q());
                }
                if (binding.instanceId() != null) {
                    b.append(";+sip.instance=\"<").append(binding.instanceId()).append(">\"");
                }
                if (binding.regId() > 0) {
                    b.append(";reg-id=").append(binding.regId());
                }
                b.append("\r\n");
            }
            b.append("Date: ");
            DATE.formatTo(reply.now(), b);
            b.append("\r\n");
        }
        for (RegisterReply.Challenge ch : reply.challenges()) {
            b.append("WWW-Authenticate: Digest realm=\"").append(ch.realm()).append("\",nonce=\"").append(ch.nonce())
                    .append("\",algorithm=").append(ch.algorithm().token()).append(",qop=\"auth\"");
            if (ch.stale()) {
                b.append(",stale=true");
            }
            b.append("\r\n");
        }
        if (reply.minExpires() > 0) {
            b.append("Min-Expires: ").append(reply.minExpires()).append("\r\n");
        }
        return end(b);
    }

    private static StringBuilder start(int status, String reason, RequestHead head) {
        StringBuilder b = new StringBuilder(512);
        b.append("SIP/2.0 ").append(status).append(' ').append(reason).append("\r\n");
        b.append("Via: ").append(head.topVia()).append("\r\n");
        for (String via : head.otherVias()) {
            b.append("Via: ").append(via).append("\r\n");
        }
        b.append("From: ").append(head.from()).append("\r\nTo: ").append(head.to());
        if (!head.toTagged()) {
            b.append(";tag=").append(Responses.tag(head.callId(), head.fromTag(), head.cseq(), head.branch()));
        }
        b.append("\r\nCall-ID: ").append(head.callId()).append("\r\nCSeq: ").append(head.cseq()).append("\r\n");
        return b;
    }

    private static byte[] end(StringBuilder b) {
        b.append("Content-Length: 0\r\n\r\n");
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }
}
