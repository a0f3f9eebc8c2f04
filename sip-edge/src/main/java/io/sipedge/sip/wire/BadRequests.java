package io.sipedge.sip.wire;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The 400 for a request that did not parse, written from its raw header lines: a response needs the
 * request's Via, From, To, Call-ID and CSeq (RFC 3261 §8.2.6.2), copied as sent. Without one of
 * them, and for responses and ACKs (never answered), there is nothing to send: the message is
 * dropped. No body: the answer is never larger than it must be.
 */
public final class BadRequests {
    private static final int MAX_REASON = 100;

    private BadRequests() {
    }

    /** The 400's bytes, or null when {@code message} cannot be answered. */
    public static byte[] answer(byte[] message, String why) {
        String text = new String(message, StandardCharsets.ISO_8859_1);
        if (text.startsWith("SIP/") || text.startsWith("ACK ")) {
            return null;
        }
        List<String> vias = new ArrayList<>(2);
        String from = null;
        String to = null;
        String callId = null;
        String cseq = null;
        int start = text.indexOf('\n') + 1; // after the request line
        while (start > 0 && start < text.length()) {
            int end = text.indexOf('\n', start);
            String line = (end < 0 ? text.substring(start) : text.substring(start, end)).stripTrailing();
            if (line.isEmpty()) {
                break; // end of the headers
            }
            int colon = line.indexOf(':');
            if (colon > 0) {
                String value = line.substring(colon + 1).strip();
                switch (line.substring(0, colon).strip().toLowerCase(Locale.ROOT)) {
                    case "via", "v" -> vias.add(value);
                    case "from", "f" -> from = value;
                    case "to", "t" -> to = value;
                    case "call-id", "i" -> callId = value;
                    case "cseq" -> cseq = value;
                    default -> {
                    }
                }
            }
            start = end < 0 ? -1 : end + 1;
        }
        if (vias.isEmpty() || from == null || to == null || callId == null || cseq == null) {
            return null;
        }
        StringBuilder b = new StringBuilder(256 + text.length() / 2);
        b.append("SIP/2.0 400 Bad Request (").append(printable(why)).append(")\r\n");
        for (String v : vias) {
            b.append("Via: ").append(v).append("\r\n");
        }
        b.append("From: ").append(from).append("\r\nTo: ").append(to);
        if (!to.toLowerCase(Locale.ROOT).contains(";tag=")) {
            b.append(";tag=").append(Responses.tag(callId, null, cseq, vias.get(0)));
        }
        b.append("\r\nCall-ID: ").append(callId).append("\r\nCSeq: ").append(cseq)
                .append("\r\nContent-Length: 0\r\n\r\n");
        return b.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The reason must stay on its line: control characters out, and short. */
    private static String printable(String s) {
        if (s == null) {
            return "unparseable";
        }
        StringBuilder b = new StringBuilder(Math.min(s.length(), MAX_REASON));
        for (int i = 0; i < s.length() && b.length() < MAX_REASON; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? ' ' : c);
        }
        return b.toString();
    }
}
