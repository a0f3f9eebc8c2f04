package io.sipedge.sip.wire;

import gov.nist.javax.sip.address.AddressImpl;
import gov.nist.javax.sip.header.SIPHeader;
import gov.nist.javax.sip.message.SIPMessage;
import io.sipedge.model.Flow;
import io.sipedge.sip.auth.DigestCredentials;
import io.sipedge.sip.registrar.RegisterRequest;
import io.sipedge.sip.registrar.RegisterRequest.ContactSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.ListIterator;
import java.util.Locale;
import java.util.Set;
import javax.sip.address.SipURI;
import javax.sip.address.URI;
import javax.sip.header.AuthorizationHeader;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.header.ContactHeader;
import javax.sip.header.ExpiresHeader;
import javax.sip.header.Header;
import javax.sip.header.RequireHeader;
import javax.sip.header.SupportedHeader;
import javax.sip.header.ToHeader;
import javax.sip.header.ViaHeader;
import javax.sip.message.Request;

/**
 * Reads a parsed REGISTER (any shape the fast path declines) into the {@link RegisterRequest} the
 * registrar takes; {@link SipResponses} writes the answer.
 */
public final class RegisterMessages {
    /** Headers whose parse failure must fail the REGISTER instead of being silently skipped. */
    /** The option tags a REGISTER may require of this registrar (RFC 3327 Path, RFC 5626 outbound). */
    private static final Set<String> SUPPORTED = Set.of("path", "outbound");
    private static final Set<String> VITAL = Set.of("contact", "m", "expires", "authorization", "path", "to", "t");

    private RegisterMessages() {
    }

    /** Thrown when the Request-URI is not a SIP URI; the dispatcher answers 416. */
    public static final class UnsupportedUriException extends Exception {
        private static final long serialVersionUID = 1L;
    }

    /** @param branch the top Via's branch, or null */
    public static RegisterRequest read(Request request, String branch, Flow flow) throws UnsupportedUriException {
        return read(request, branch, flow, null);
    }

    /**
     * @param branch the top Via's branch, or null
     * @param raw    the message as it arrived, or null: what the stack's model loses is read from it
     */
    public static RegisterRequest read(Request request, String branch, Flow flow, byte[] raw)
            throws UnsupportedUriException {
        URI ruri = request.getRequestURI();
        if (!(ruri instanceof SipURI sipRuri)) {
            throw new UnsupportedUriException();
        }
        Long hugeExpires = hugeExpires(request);
        String malformed = malformedVitalHeader(request, hugeExpires != null);
        if (raw != null && ipv6OutsideBrackets(raw)) {
            malformed = "Request-URI"; // RFC 5118 §4.2; the stack would read it as if bracketed
        }
        ToHeader to = (ToHeader) request.getHeader(ToHeader.NAME);
        String toUser = null;
        String toHost = null;
        if (to != null && to.getAddress().getURI() instanceof SipURI toUri) {
            // RFC 3261 §19.1.4: an escaped character other than a reserved one equals the character.
            toUser = toUri.getUser() == null ? null : SipUriParts.unescape(toUri.getUser());
            toHost = toUri.getHost();
        }
        Long expiresHeader = hugeExpires;
        ExpiresHeader eh = (ExpiresHeader) request.getHeader(ExpiresHeader.NAME);
        if (eh != null) {
            expiresHeader = (long) eh.getExpires();
        }
        boolean star = false;
        List<ContactSpec> contacts = new ArrayList<>();
        ListIterator<?> it = request.getHeaders(ContactHeader.NAME);
        while (it.hasNext()) {
            ContactHeader c = (ContactHeader) it.next();
            if (c.isWildCard()) {
                star = true;
                continue;
            }
            ContactSpec spec = contact(c);
            if (spec == null) {
                malformed = "Contact";
            } else {
                contacts.add(spec);
            }
        }
        // The stack drops a "Contact: *" that follows another Contact header field; its text still says so.
        star |= raw != null && wildcardAmongOthers(raw);
        List<DigestCredentials> creds = new ArrayList<>(1);
        ListIterator<?> ai = request.getHeaders(AuthorizationHeader.NAME);
        while (ai.hasNext()) {
            AuthorizationHeader a = (AuthorizationHeader) ai.next();
            if ("Digest".equalsIgnoreCase(a.getScheme())) {
                creds.add(new DigestCredentials(a.getParameter("username"), a.getParameter("realm"),
                        a.getParameter("nonce"), a.getParameter("uri"), a.getParameter("response"),
                        a.getParameter("algorithm"), a.getParameter("qop"), a.getParameter("nc"),
                        a.getParameter("cnonce")));
            }
        }
        List<String> path = new ArrayList<>();
        ListIterator<?> pi = request.getHeaders("Path");
        while (pi.hasNext()) {
            path.add(value((Header) pi.next()));
        }
        boolean outbound = false;
        ListIterator<?> si = request.getHeaders(SupportedHeader.NAME);
        while (si.hasNext()) {
            // RFC 3261 §7.3.1: tokens compare case-insensitively.
            if (si.next() instanceof SupportedHeader s && "outbound".equalsIgnoreCase(s.getOptionTag())) {
                outbound = true;
            }
        }
        List<String> unsupported = new ArrayList<>();
        ListIterator<?> ri = request.getHeaders(RequireHeader.NAME);
        while (ri.hasNext()) {
            if (ri.next() instanceof RequireHeader r && r.getOptionTag() != null
                    && !SUPPORTED.contains(r.getOptionTag().toLowerCase(Locale.ROOT))) {
                if (r.getOptionTag().matches("[A-Za-z0-9.!%*_+`'~-]+")) {
                    unsupported.add(r.getOptionTag()); // a token: safe to name in the 420's Unsupported
                } else {
                    malformed = "Require";
                }
            }
        }
        Header ua = request.getHeader("User-Agent");
        CallIdHeader callId = (CallIdHeader) request.getHeader(CallIdHeader.NAME);
        CSeqHeader cseq = (CSeqHeader) request.getHeader(CSeqHeader.NAME);
        return new RegisterRequest(sipRuri.getHost(), toUser, toHost, branch, callId.getCallId(), cseq.getSeqNumber(),
                expiresHeader, star, contacts, creds, path, ua == null ? null : value(ua), outbound,
                vias(request) == 1, flow, malformed, unsupported);
    }

    private static int vias(Request request) {
        int n = 0;
        ListIterator<?> vi = request.getHeaders(ViaHeader.NAME);
        while (vi.hasNext()) {
            vi.next();
            n++;
        }
        return n;
    }

    /** A Contact value, or null when a parameter is malformed. */
    private static ContactSpec contact(ContactHeader c) {
        if (c.getAddress() instanceof AddressImpl a && a.getAddressType() == AddressImpl.ADDRESS_SPEC
                && c.getAddress().getURI() instanceof SipURI u && u.getHeaderNames().hasNext()) {
            return null; // RFC 3261 §20.10: a URI with headers ('?') only inside < >
        }
        Long expires = null;
        String e = c.getParameter("expires");
        if (e != null) {
            expires = deltaSeconds(e.strip());
            if (expires == null) {
                return null;
            }
        }
        Float q = null;
        String qs = c.getParameter("q");
        if (qs != null) {
            try {
                q = Float.parseFloat(qs.strip());
            } catch (NumberFormatException ex) {
                return null;
            }
        }
        String instance = c.getParameter("+sip.instance");
        if (instance != null) {
            instance = instance.strip();
            if (instance.startsWith("\"") && instance.endsWith("\"") && instance.length() >= 2) {
                instance = instance.substring(1, instance.length() - 1);
            }
            if (instance.startsWith("<") && instance.endsWith(">")) {
                instance = instance.substring(1, instance.length() - 1);
            }
            if (instance.isEmpty()) {
                instance = null;
            }
        }
        int regId = 0;
        String r = c.getParameter("reg-id");
        if (r != null) {
            try {
                regId = Integer.parseInt(r.strip());
            } catch (NumberFormatException ex) {
                return null;
            }
            if (regId < 1) {
                return null; // RFC 5626 §4.2: reg-id is 1 to 2^31-1
            }
        }
        return new ContactSpec(c.getAddress().getURI().toString(), expires, q, instance, regId);
    }

    /**
     * The stack parks headers it failed to parse as text; a vital one among them fails the request,
     * except an Expires of more digits than the stack's int holds ({@code hugeExpires}: it is capped).
     */
    private static String malformedVitalHeader(Request request, boolean hugeExpires) {
        for (String[] h : unparsed(request)) {
            boolean capped = hugeExpires && h[0].equalsIgnoreCase(ExpiresHeader.NAME);
            if (VITAL.contains(h[0].toLowerCase(Locale.ROOT)) && !capped) {
                return h[0];
            }
        }
        return null;
    }

    /**
     * An Expires header the stack could not hold (delta-seconds is any number of digits, RFC 3261
     * §25.1; its int stops at 2^31-1) as the largest value: the registrar caps it, as it caps any
     * expiry past its maximum. Null when there is none.
     */
    private static Long hugeExpires(Request request) {
        for (String[] h : unparsed(request)) {
            if (h[0].equalsIgnoreCase(ExpiresHeader.NAME)) {
                return deltaSeconds(h[1]);
            }
        }
        return null;
    }

    /** The headers the stack parked as text, each as its name and value, stripped. */
    private static List<String[]> unparsed(Request request) {
        List<String[]> out = new ArrayList<>(1);
        if (request instanceof SIPMessage m) {
            ListIterator<String> u = m.getUnrecognizedHeaders();
            while (u.hasNext()) {
                String h = u.next();
                int colon = h.indexOf(':');
                out.add(colon > 0 ? new String[] {h.substring(0, colon).strip(), h.substring(colon + 1).strip()}
                        : new String[] {h.strip(), ""});
            }
        }
        return out;
    }

    /** delta-seconds (1*DIGIT), saturating at Long.MAX_VALUE; null when it is not digits. */
    static Long deltaSeconds(String text) {
        if (text.isEmpty() || text.length() > 1000) {
            return null;
        }
        long v = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return null;
            }
            v = v > (Long.MAX_VALUE - 9) / 10 ? Long.MAX_VALUE : v * 10 + (c - '0');
        }
        return v;
    }

    /**
     * True when one of several Contact values, in one header field or several, is "*": the stack
     * drops such a "*" and keeps the others, which would register them (RFC 3261 §10.3 step 6 asks
     * for a 400).
     */
    private static boolean wildcardAmongOthers(byte[] raw) {
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        int values = 0;
        boolean star = false;
        for (String line : text.split("\r?\n")) {
            if (line.isEmpty()) {
                break; // the end of the headers
            }
            int colon = line.indexOf(':');
            if (colon > 0 && !Character.isWhitespace(line.charAt(0))) {
                String name = line.substring(0, colon).strip();
                if (name.equalsIgnoreCase("Contact") || name.equalsIgnoreCase("m")) {
                    for (String v : commaSeparated(line.substring(colon + 1))) {
                        values++;
                        star |= v.strip().equals("*");
                    }
                }
            }
        }
        return values > 1 && star;
    }

    /** True when the request line's URI has more than one ':' in its host and port outside brackets. */
    private static boolean ipv6OutsideBrackets(byte[] raw) {
        String text = new String(raw, 0, Math.min(raw.length, 2048), StandardCharsets.ISO_8859_1);
        int sp = text.indexOf(' ');
        int end = sp < 0 ? -1 : text.indexOf(' ', sp + 1);
        if (end < 0) {
            return false;
        }
        String uri = text.substring(sp + 1, end);
        int scheme = uri.indexOf(':');
        int at = uri.indexOf('@');
        int hostStart = at > scheme ? at + 1 : scheme + 1;
        int hostEnd = hostStart;
        while (hostEnd < uri.length() && uri.charAt(hostEnd) != ';' && uri.charAt(hostEnd) != '?') {
            hostEnd++;
        }
        String hostPort = uri.substring(hostStart, hostEnd);
        if (hostPort.startsWith("[")) {
            return false;
        }
        return hostPort.indexOf(':') != hostPort.lastIndexOf(':');
    }

    /** The values of a comma-separated header value; commas inside quotes or angle brackets do not separate. */
    private static List<String> commaSeparated(String v) {
        List<String> out = new ArrayList<>();
        boolean quoted = false;
        int angle = 0;
        int start = 0;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '"' && (i == 0 || v.charAt(i - 1) != '\\')) {
                quoted = !quoted;
            } else if (!quoted && c == '<') {
                angle++;
            } else if (!quoted && c == '>') {
                angle = Math.max(0, angle - 1);
            } else if (!quoted && angle == 0 && c == ',') {
                out.add(v.substring(start, i));
                start = i + 1;
            }
        }
        out.add(v.substring(start));
        return out;
    }

    private static String value(Header h) {
        if (h instanceof SIPHeader s) {
            return s.getHeaderValue().strip();
        }
        String t = h.toString();
        int colon = t.indexOf(':');
        return (colon >= 0 ? t.substring(colon + 1) : t).strip();
    }
}
