package io.sipedge.sip.wire;

import io.sipedge.model.Binding;
import io.sipedge.sip.registrar.RegisterReply;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * Every response the edge writes, as bytes, from the request's {@link RequestHead}: the status
 * line, the Vias, From, To (with the §8.2.7 tag when it had none), Call-ID and CSeq, then the
 * answer's own headers and an empty body. One writer for the fast path, the parsed path and the
 * answers to requests that do not parse, so they cannot drift apart.
 */
public final class SipResponses {
    /** The methods the edge takes: its Allow header (a 405, and the 200 to an OPTIONS to the edge). */
    public static final String ALLOW = "Allow: INVITE, ACK, CANCEL, BYE, REGISTER, OPTIONS, MESSAGE, SUBSCRIBE, "
            + "NOTIFY, REFER, INFO, PUBLISH, UPDATE, PRACK";

    /**
     * The random half of every To tag the edge makes, drawn once per process (64 bits), as
     * Kamailio's stateless replies do: tags of different edges and runs never collide.
     */
    private static final String TAG_PREFIX = HexFormat.of().formatHex(randomBytes(8)) + "-";
    /** RFC 3261 §20.17 (RFC 1123 with a two-digit day). */
    private static final DateTimeFormatter DATE = DateTimeFormatter
            .ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    /** The Date header's value of the last second formatted: it changes once a second. */
    private static volatile DateText lastDate = new DateText(Long.MIN_VALUE, "");

    private record DateText(long second, String text) {
    }

    private SipResponses() {
    }

    /**
     * RFC 3261 §20.17's date of {@code now}, formatted once per second: the formatter cost more than
     * the rest of a 200's headers together.
     */
    static String date(Instant now) {
        DateText d = lastDate;
        long second = now.getEpochSecond();
        if (d.second() != second) {
            d = new DateText(second, DATE.format(now));
            lastDate = d;
        }
        return d.text();
    }

    /** A response with the given extra header lines (each without its CRLF). */
    public static byte[] write(int status, String reason, RequestHead head, String... headers) {
        ResponseBuffer b = start(status, reason, head);
        for (String h : headers) {
            b.append(h).append("\r\n");
        }
        return end(b);
    }

    /**
     * The registrar's answer: a 200 lists every binding with its remaining seconds and carries Date,
     * and {@code Require: outbound} with any {@code Flow-Timer} when the registrar applied RFC 5626.
     */
    public static byte[] register(RegisterReply reply, RequestHead head) {
        ResponseBuffer b = start(reply.status(), reply.reason(), head);
        if (reply.status() == 200) {
            for (Binding binding : reply.bindings()) {
                b.append("Contact: <").append(binding.contact()).append(">;expires=")
                        .append(Math.min(Integer.MAX_VALUE, binding.secondsLeft(reply.now())));
                if (binding.q() != 1.0f) {
                    b.append(";q=").append(Float.toString(binding.q()));
                }
                if (binding.instanceId() != null) {
                    b.append(";+sip.instance=\"<").append(binding.instanceId()).append(">\"");
                }
                if (binding.regId() > 0) {
                    b.append(";reg-id=").append(binding.regId());
                }
                b.append("\r\n");
            }
            b.append("Date: ").append(date(reply.now())).append("\r\n");
            if (reply.outbound().require()) {
                b.append("Require: outbound\r\n");
                if (reply.outbound().flowTimer() > 0) {
                    b.append("Flow-Timer: ").append(reply.outbound().flowTimer()).append("\r\n");
                }
            }
        }
        challenges(b, "WWW-Authenticate", reply.challenges());
        if (reply.minExpires() > 0) {
            b.append("Min-Expires: ").append(reply.minExpires()).append("\r\n");
        }
        if (!reply.unsupported().isEmpty()) {
            b.append("Unsupported: ").append(String.join(", ", reply.unsupported())).append("\r\n");
        }
        return end(b);
    }

    /**
     * A proxy's 407 (RFC 3261 §22.3): one Proxy-Authenticate per challenge, written as the
     * registrar's WWW-Authenticate is.
     */
    public static byte[] proxyChallenge(RequestHead head, List<RegisterReply.Challenge> challenges) {
        ResponseBuffer b = start(407, "Proxy Authentication Required", head);
        challenges(b, "Proxy-Authenticate", challenges);
        return end(b);
    }

    /**
     * A proxy's 100 Trying to an INVITE, hop by hop (RFC 3261 §16.2): without a To tag, since it
     * speaks for no user agent and creates no dialog.
     */
    public static byte[] trying(RequestHead head) {
        return end(start(100, "Trying", head, false));
    }

    private static void challenges(ResponseBuffer b, String header, List<RegisterReply.Challenge> challenges) {
        for (RegisterReply.Challenge ch : challenges) {
            b.append(header).append(": Digest realm=\"").append(ch.realm()).append("\",nonce=\"").append(ch.nonce())
                    .append("\",algorithm=").append(ch.algorithm().token()).append(",qop=\"auth\"");
            if (ch.stale()) {
                b.append(",stale=true");
            }
            b.append("\r\n");
        }
    }

    private static ResponseBuffer start(int status, String reason, RequestHead head) {
        return start(status, reason, head, true);
    }

    private static ResponseBuffer start(int status, String reason, RequestHead head, boolean tagged) {
        ResponseBuffer b = ResponseBuffer.begin();
        b.append("SIP/2.0 ").append(status).append(' ').append(reason).append("\r\n");
        b.append("Via: ").append(head.topVia()).append("\r\n");
        for (String via : head.otherVias()) {
            b.append("Via: ").append(via).append("\r\n");
        }
        b.append("From: ").append(head.from()).append("\r\nTo: ").append(head.to());
        if (tagged && !head.toTagged()) {
            b.append(";tag=");
            tag(b, head.callId(), head.fromTag(), head.cseq(), head.branch());
        }
        b.append("\r\nCall-ID: ").append(head.callId()).append("\r\nCSeq: ").append(head.cseq()).append("\r\n");
        return b;
    }

    private static byte[] end(ResponseBuffer b) {
        b.append("Content-Length: 0\r\n\r\n");
        return b.toBytes();
    }

    /**
     * RFC 3261 §8.2.6.2: a UAS adds a To tag to its responses when the request had none. The edge
     * answers without transactions, so §8.2.7 applies: a stateless UAS must give the same request
     * the same tag every time. The tag is the process's random prefix and a CRC-32C of what
     * identifies the request (Call-ID, From tag, CSeq, the top Via's branch; any may be null),
     * which the response carries. It names no dialog (no dialog-creating request is answered
     * here), so it needs to be unique, not secret; an HMAC per response cost a tenth of a REGISTER.
     */
    private static void tag(ResponseBuffer b, String callId, String fromTag, String cseq, String branch) {
        b.append(TAG_PREFIX).appendCrcHex(callId, fromTag, cseq, branch);
    }

    /** The tag {@link #write} gives a request with these fields. */
    static String tag(String callId, String fromTag, String cseq, String branch) {
        ResponseBuffer b = ResponseBuffer.begin();
        tag(b, callId, fromTag, cseq, branch);
        return new String(b.toBytes(), StandardCharsets.US_ASCII);
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }
}
