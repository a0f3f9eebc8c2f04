package io.sipedge.sip.wire;

import io.sipedge.model.Binding;
import io.sipedge.model.Transport;
import io.sipedge.sip.registrar.RegisterReply;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The answer to a {@link RawRegister}, written as bytes: the same headers {@link RegisterMessages#write}
 * and the stack put on the wire (Via with RFC 3581 {@code received}/{@code rport} as the stack's
 * channels set them, From, To with the §8.2.7 tag, Call-ID, CSeq, then Contact, Date,
 * WWW-Authenticate or Min-Expires), without building and encoding a JAIN-SIP response.
 */
public final class RawResponses {
    /** RFC 3261 §20.17 (RFC 1123 with a two-digit day), as the stack's SIPDate writes it. */
    private static final DateTimeFormatter DATE = DateTimeFormatter
            .ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    private RawResponses() {
    }

    /** The port a UDP response to {@code request} goes to ({@link ViaStamp#udpPort}). */
    public static int udpPort(RawRegister request, int sourcePort) {
        return ViaStamp.udpPort(RawRegister.Params.has(request.viaParams, "rport"), request.viaPort, sourcePort);
    }

    public static byte[] register(RegisterReply reply, RawRegister req, Transport transport, String sourceIp,
                                  int sourcePort) {
        StringBuilder b = new StringBuilder(512);
        b.append("SIP/2.0 ").append(reply.status()).append(' ').append(reply.reason()).append("\r\n");
        via(b, req, transport, sourceIp, sourcePort);
        b.append("From: ").append(req.from).append("\r\nTo: ").append(req.to);
        if (!req.toTagged) {
            b.append(";tag=").append(Responses.tag(req.callId, req.fromTag, req.cseq + " REGISTER", req.branch()));
        }
        b.append("\r\nCall-ID: ").append(req.callId).append("\r\nCSeq: ").append(req.cseq).append(" REGISTER\r\n");
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
        b.append("Content-Length: 0\r\n\r\n");
        return b.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The top Via as received, stamped ({@link ViaStamp}). */
    private static void via(StringBuilder b, RawRegister req, Transport transport, String sourceIp, int sourcePort) {
        boolean rport = RawRegister.Params.has(req.viaParams, "rport");
        List<String[]> params = new ArrayList<>(req.viaParams.size() + 2);
        params.addAll(req.viaParams);
        if (ViaStamp.addsReceived(rport, req.viaHost, sourceIp)) {
            put(params, "received", sourceIp);
        }
        if (ViaStamp.addsRport(rport, transport)) {
            put(params, "rport", Integer.toString(sourcePort));
        }
        b.append("Via: ").append(req.viaProtocol).append(' ').append(req.viaHost);
        if (req.viaPort >= 0) {
            b.append(':').append(req.viaPort);
        }
        for (String[] p : params) {
            b.append(';').append(p[0]);
            if (p[1] != null) {
                b.append('=').append(p[1]);
            }
        }
        b.append("\r\n");
    }

    private static void put(List<String[]> params, String name, String value) {
        for (int i = 0; i < params.size(); i++) {
            if (params.get(i)[0].equalsIgnoreCase(name)) {
                params.set(i, new String[] {params.get(i)[0], value});
                return;
            }
        }
        params.add(new String[] {name, value});
    }
}
