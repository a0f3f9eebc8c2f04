package io.sipedge.sip.wire;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The 400 for a request that did not parse, from its raw header lines: a response needs the
 * request's Via, From, To, Call-ID and CSeq (RFC 3261 §8.2.6.2), copied as sent (the top Via
 * unstamped: it could not be read). Without one of
 * them, and for responses and ACKs (never answered), there is nothing to send: the message is
 * dropped. No body: the answer is never larger than it must be.
 */
public final class BadRequests {
    private static final int MAX_REASON = 100;

    private BadRequests() {
    }

    /**
     * The 400's bytes, or null when {@code message} cannot be answered.
     *
     * @param sourcePort where the answer goes over UDP: the request's own Via could not be read
     */
    public static byte[] answer(byte[] message, String why, int sourcePort) {
        String text = new String(message, StandardCharsets.UTF_8);
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
        boolean tagged = to.toLowerCase(Locale.ROOT).contains(";tag=");
        // The top Via's text stands in for its branch in the To tag: any stable value will do.
        RequestHead head = new RequestHead(vias.get(0), vias.subList(1, vias.size()), from, to, tagged, null, callId,
                cseq, vias.get(0), sourcePort);
        return SipResponses.write(400, "Bad Request (" + printable(why) + ")", head);
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
