package io.sipedge.sip.wire;

import gov.nist.javax.sip.header.SIPHeader;
import gov.nist.javax.sip.message.SIPMessage;
import io.sipedge.model.Flow;
import io.sipedge.sip.auth.DigestCredentials;
import io.sipedge.sip.registrar.RegisterRequest;
import io.sipedge.sip.registrar.RegisterRequest.ContactSpec;
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
    private static final Set<String> VITAL = Set.of("contact", "m", "expires", "authorization", "path", "to", "t");

    private RegisterMessages() {
    }

    /** Thrown when the Request-URI is not a SIP URI; the dispatcher answers 416. */
    public static final class UnsupportedUriException extends Exception {
        private static final long serialVersionUID = 1L;
    }

    /** @param branch the top Via's branch, or null */
    public static RegisterRequest read(Request request, String branch, Flow flow) throws UnsupportedUriException {
        URI ruri = request.getRequestURI();
        if (!(ruri instanceof SipURI sipRuri)) {
            throw new UnsupportedUriException();
        }
        String malformed = malformedVitalHeader(request);
        ToHeader to = (ToHeader) request.getHeader(ToHeader.NAME);
        String toUser = null;
        String toHost = null;
        if (to != null && to.getAddress().getURI() instanceof SipURI toUri) {
            toUser = toUri.getUser();
            toHost = toUri.getHost();
        }
        Long expiresHeader = null;
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
        Header ua = request.getHeader("User-Agent");
        CallIdHeader callId = (CallIdHeader) request.getHeader(CallIdHeader.NAME);
        CSeqHeader cseq = (CSeqHeader) request.getHeader(CSeqHeader.NAME);
        return new RegisterRequest(sipRuri.getHost(), toUser, toHost, branch, callId.getCallId(), cseq.getSeqNumber(),
                expiresHeader, star, contacts, creds, path, ua == null ? null : value(ua), outbound,
                vias(request) == 1, flow, malformed);
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
        Long expires = null;
        String e = c.getParameter("expires");
        if (e != null) {
            try {
                expires = Long.parseLong(e.strip());
            } catch (NumberFormatException ex) {
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

    /** The stack parks headers it failed to parse as text; a vital one among them fails the request. */
    private static String malformedVitalHeader(Request request) {
        if (!(request instanceof SIPMessage m)) {
            return null;
        }
        ListIterator<String> u = m.getUnrecognizedHeaders();
        while (u.hasNext()) {
            String h = u.next();
            int colon = h.indexOf(':');
            String name = (colon > 0 ? h.substring(0, colon) : h).strip();
            if (VITAL.contains(name.toLowerCase(Locale.ROOT))) {
                return name;
            }
        }
        return null;
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
