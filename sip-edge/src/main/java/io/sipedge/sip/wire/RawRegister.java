package io.sipedge.sip.wire;

import io.sipedge.model.Flow;
import io.sipedge.sip.auth.DigestCredentials;
import io.sipedge.sip.registrar.RegisterRequest;
import io.sipedge.sip.registrar.RegisterRequest.ContactSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * A REGISTER read straight from its bytes: the fast path that skips the stack's parser for the
 * shape phones and load generators send (one Via, at most one Contact, Digest credentials, no
 * body). JFR put the RI's parser at about 45 % of a UDP worker's time and its response building and
 * encoding at another quarter, for a message whose dozen headers the registrar reads a handful of.
 *
 * <p>The grammar accepted is a strict subset of RFC 3261's: anything else (folded or repeated
 * headers, several Vias or Contacts, a Path, a body, escapes, quoted pairs, IPv6, non-ASCII bytes,
 * a value the stack would refuse) makes {@link #scan} return null, and the message takes the
 * stack's own path, which is where every malformed-input rule lives. A message the fast path
 * accepts must read exactly as {@link RegisterMessages#read} reads it (pinned by
 * {@code RawRegisterTest}, which compares the two on a corpus of real clients' requests).
 *
 * <p>The message is read in place, by offsets into one string of it: only the values the
 * registrar keeps become strings. Cutting every header, URI and parameter into strings and lists
 * made most of what a registration allocated, and so most of the young collections' work.
 */
public final class RawRegister {
    /**
     * Every header name this reader takes, in lower case: first the registrar's, then from
     * {@link #FIRST_IGNORED} those it never reads and whose parsers in the stack cannot fail the
     * whole message. Extension headers ({@code X-}) are ignored too. Any other header (Path, Route,
     * Require, a body's headers, or one whose stack parser can throw, like Accept-Language's q
     * values) sends the REGISTER down the stack's path.
     */
    private static final Names KNOWN = new Names("via", "v", "from", "f", "to", "t", "call-id", "i", "cseq", "contact",
        "m", "expires", "authorization", "max-forwards", "content-length", "l", "user-agent", "supported", "k",
        "allow", "accept", "allow-events", "u", "organization", "subject", "s");
    private static final int FIRST_IGNORED = KNOWN.slot("allow");
    /** A REGISTER of more lines than this takes the stack's path. */
    private static final int MAX_LINES = 64;
    /** Room for the lines of nearly every phone's REGISTER (a dozen to twenty). */
    private static final int LINES = 24;
    /** The option tag of RFC 5626 (SIP Outbound). */
    private static final String OUTBOUND = "outbound";
    /** The Digest parameters the registrar reads, in the order of {@link #digest}'s slots. */
    private static final Names DIGEST_PARAMETERS = new Names("username", "realm", "nonce", "uri", "response",
        "algorithm", "qop", "nc", "cnonce");

    /** The whole message, one char per byte. */
    private final String text;
    // The top Via: its value text[viaStart, viaEnd), its sent-by, and where its received and rport
    // parameters are (from their ';' to their end; -1 when absent).
    private final int viaStart;
    private final int viaEnd;
    private final String viaHost;
    private final int viaPort;
    private final boolean rport;
    private final int receivedStart;
    private final int receivedEnd;
    private final int rportStart;
    private final int rportEnd;
    private final String from;
    private final String fromTag;
    private final String to;
    private final boolean toTagged;
    private final String callId;
    private final long cseq;
    private final String requestUriHost;
    private final String toUser;
    private final String toHost;
    private final String branch;
    private final Long expires;
    private final boolean star;
    private final ContactSpec contact;
    private final DigestCredentials credentials;
    private final String userAgent;
    private final boolean outboundSupported;

    private RawRegister(Reader r) {
        text = r.t;
        viaStart = r.viaStart;
        viaEnd = r.viaEnd;
        viaHost = r.viaHost;
        viaPort = r.viaPort;
        rport = r.rport;
        receivedStart = r.receivedStart;
        receivedEnd = r.receivedEnd;
        rportStart = r.rportStart;
        rportEnd = r.rportEnd;
        from = r.from;
        fromTag = r.fromTag;
        to = r.to;
        toTagged = r.toTagged;
        callId = r.callId;
        cseq = r.cseq;
        requestUriHost = r.requestUriHost;
        toUser = r.toUser;
        toHost = r.toHost;
        branch = r.branch;
        expires = r.expires;
        star = r.star;
        contact = r.contact;
        credentials = r.credentials;
        userAgent = r.userAgent;
        outboundSupported = r.outboundSupported;
    }

    /** The request as the registrar takes it; the same value {@link RegisterMessages#read} gives. */
    public RegisterRequest request(Flow flow) {
        return new RegisterRequest(requestUriHost, toUser, toHost, branch, callId, cseq, expires, star,
                contact == null ? List.of() : List.of(contact),
                credentials == null ? List.of() : List.of(credentials), List.of(), userAgent, outboundSupported,
                true, flow, null, List.of()); // one Via, no Require: the fast path's shape
    }

    /**
     * What its answer repeats, the top Via stamped for a request that arrived on {@code flow}: the
     * Via as received, with {@code received} and {@code rport} set where they were, or added in
     * that order at its end.
     */
    public RequestHead head(Flow flow) {
        boolean addsReceived = ViaStamp.addsReceived(rport, viaHost, flow.remoteIp());
        boolean addsRport = ViaStamp.addsRport(rport, flow.transport());
        String port = addsRport ? Integer.toString(flow.remotePort()) : null;
        StringBuilder via = new StringBuilder(viaEnd - viaStart + 48);
        int at = viaStart;
        if (receivedStart < rportStart) {
            at = stamp(via, at, addsReceived, receivedStart, ";received=", flow.remoteIp(), receivedEnd);
            at = stamp(via, at, addsRport, rportStart, ";rport=", port, rportEnd);
        } else {
            at = stamp(via, at, addsRport, rportStart, ";rport=", port, rportEnd);
            at = stamp(via, at, addsReceived, receivedStart, ";received=", flow.remoteIp(), receivedEnd);
        }
        via.append(text, at, viaEnd);
        if (addsReceived && receivedStart < 0) {
            via.append(";received=").append(flow.remoteIp());
        }
        if (addsRport && rportStart < 0) {
            via.append(";rport=").append(port);
        }
        return new RequestHead(via.toString(), List.of(), from, to, toTagged, fromTag, callId, cseq + " REGISTER",
                branch, ViaStamp.udpPort(rport, viaPort, flow.remotePort()));
    }

    /** Copies the Via up to a parameter at {@code start} and writes it with {@code value}, when asked. */
    private int stamp(StringBuilder via, int at, boolean replace, int start, String param, String value, int end) {
        if (!replace || start < 0) {
            return at; // copied as received
        }
        via.append(text, at, start).append(param).append(value);
        return end;
    }

    public String callId() {
        return callId;
    }

    /** The top Via's branch, or null. */
    public String branch() {
        return branch;
    }

    /** A REGISTER of the fast path's shape, or null: then the stack parses it. Never throws. */
    public static RawRegister scan(byte[] message) {
        try {
            return read(message);
        } catch (RuntimeException e) {
            return null; // a shape this reader did not foresee: the stack's parser decides
        }
    }

    private static RawRegister read(byte[] b) {
        int length = b.length;
        if (length < 16 || b[0] != 'R') {
            return null;
        }
        int[] lineEnds = new int[LINES]; // where each CRLF is
        int lines = 0;
        int depth = 0;
        for (int i = 0; i < length; i++) {
            byte kind = BYTES[b[i] & 0xff];
            if (kind == PLAIN) {
                continue;
            }
            switch (kind) {
                case OPEN -> {
                    // Nesting of < or ( is never needed in this subset; deep nesting is the parser guard's 400.
                    if (++depth > 1) {
                        return null;
                    }
                }
                case CLOSE -> depth = Math.max(0, depth - 1);
                case CR -> {
                    if (i + 1 == length || b[i + 1] != '\n' || lines == MAX_LINES) {
                        return null; // a bare CR ends a line for the stack's parser, not for this one
                    }
                    if (lines == lineEnds.length) {
                        lineEnds = Arrays.copyOf(lineEnds, MAX_LINES);
                    }
                    lineEnds[lines++] = i;
                    depth = 0;
                    i++;
                }
                default -> {
                    return null; // non-ASCII, tabs, NULs, a bare LF: the stack's parser knows the rules
                }
            }
        }
        // The headers end at the first empty line, which must end the message: no body.
        if (lines < 2 || lineEnds[lines - 1] != length - 2 || lineEnds[lines - 2] != length - 4) {
            return null;
        }
        String text = new String(b, 0, length, StandardCharsets.ISO_8859_1);
        Reader r = new Reader(text);
        if (!r.requestLine(lineEnds[0])) {
            return null;
        }
        for (int k = 1; k < lines - 1; k++) {
            int start = lineEnds[k - 1] + 2;
            if (start == lineEnds[k] || !r.header(start, lineEnds[k])) {
                return null; // an empty line before the end, or a header this reader declines
            }
        }
        return r.complete() ? new RawRegister(r) : null;
    }

    /** Reads one message: what it found so far, and the positions its last URI and name-addr had. */
    private static final class Reader {
        final String t;
        final Params params;

        int viaStart = -1;
        int viaEnd;
        String viaHost;
        int viaPort = -1;
        boolean rport;
        int receivedStart = -1;
        int receivedEnd;
        int rportStart = -1;
        int rportEnd;
        String from;
        String fromTag;
        String to;
        boolean toTagged;
        String callId;
        long cseq = -1;
        String requestUriHost;
        String toUser;
        String toHost;
        String branch;
        Long expires;
        boolean star;
        boolean contactSeen;
        ContactSpec contact;
        DigestCredentials credentials;
        boolean authorizationSeen;
        String userAgent;
        boolean outboundSupported;
        boolean maxForwardsSeen;
        boolean contentLengthSeen;

        // The last host[:port] read (hostPort), sip URI (sipUri; user -1 when absent), name-addr
        // (nameAddr) and From or To tag (taggedAddress; -1 when absent).
        int hostStart;
        int hostEnd;
        int port;
        int userStart;
        int userEnd;
        int uriHostStart;
        int uriHostEnd;
        int addrUriStart;
        int addrUriEnd;
        int addrParamsStart;
        int addrParamsEnd;
        int tagStart;
        int tagEnd;

        Reader(String t) {
            this.t = t;
            this.params = new Params(t);
        }

        boolean requestLine(int lineEnd) {
            if (lineEnd < 21 || !t.startsWith("REGISTER sip:") || !t.startsWith(" SIP/2.0", lineEnd - 8)) {
                return false;
            }
            if (!sipUri(9, lineEnd - 8)) {
                return false;
            }
            requestUriHost = t.substring(uriHostStart, uriHostEnd);
            return true;
        }

        /** Reads the header line {@code t[start, end)}. */
        boolean header(int start, int end) {
            int colon = indexOf(t, ':', start, end);
            if (colon < 0 || colon == start || t.charAt(start) == ' ') {
                return false; // folding, or no name
            }
            int nameEnd = colon;
            while (t.charAt(nameEnd - 1) == ' ') {
                nameEnd--; // the first character is not a space: the name is never empty
            }
            if (!isToken(t, start, nameEnd)) {
                return false;
            }
            int known = KNOWN.slot(t, start, nameEnd);
            if (known < 0) {
                return nameEnd - start >= 2 && t.regionMatches(true, start, "x-", 0, 2);
            }
            if (known >= FIRST_IGNORED) {
                return true;
            }
            String name = KNOWN.name(known);
            int s = colon + 1;
            int e = end;
            while (s < e && t.charAt(s) == ' ') {
                s++;
            }
            while (e > s && t.charAt(e - 1) == ' ') {
                e--;
            }
            return switch (name) {
                case "via", "v" -> viaStart < 0 && via(s, e);
                case "from", "f" -> from == null && from(s, e);
                case "to", "t" -> to == null && to(s, e);
                case "call-id", "i" -> callId == null && callId(s, e);
                case "cseq" -> cseq < 0 && cseq(s, e);
                case "contact", "m" -> !contactSeen && contact(s, e);
                case "expires" -> expires == null && expiresHeader(s, e);
                case "authorization" -> !authorizationSeen && authorization(s, e);
                case "max-forwards" -> maxForwards(s, e);
                case "content-length", "l" -> !contentLengthSeen && (contentLengthSeen = e - s == 1 && t.charAt(s) == '0');
                case "user-agent" -> userAgent == null && userAgent(s, e);
                case "supported", "k" -> supported(s, e); // any number of them: Linphone sends it every time
                default -> false;
            };
        }

        boolean complete() {
            return viaStart >= 0 && from != null && to != null && callId != null && cseq >= 0;
        }

        private boolean via(int s, int e) {
            if (!t.startsWith("SIP/2.0/", s) || e - s < 8) {
                return false;
            }
            for (int i = s; i < e; i++) {
                char c = t.charAt(i);
                if (c == ',' || c == '"' || c == '(') {
                    return false;
                }
            }
            int sp = indexOf(t, ' ', s, e);
            if (sp < 0 || sp == s + 8 || !isToken(t, s + 8, sp) || hasLowerCase(s + 8, sp)) {
                return false; // the transport: an upper-case token
            }
            int semi = indexOf(t, ';', sp + 1, e);
            if (!hostPort(sp + 1, semi < 0 ? e : semi)) {
                return false;
            }
            viaHost = t.substring(hostStart, hostEnd);
            viaPort = port;
            if (semi >= 0) {
                Params p = params.over(semi, e, false);
                while (p.next()) {
                    // The stack writes parameter names in lower case: only those echo unchanged.
                    if (!isToken(t, p.nameStart, p.nameEnd) || hasUpperCase(p.nameStart, p.nameEnd)
                            || p.valueStart >= 0 && !isToken(t, p.valueStart, p.valueEnd)) {
                        return false;
                    }
                    if (p.nameIs("branch")) {
                        if (p.valueStart < 0) {
                            return false;
                        }
                        branch = p.value();
                    } else if (p.nameIs("rport")) {
                        if (p.valueStart >= 0 && !isDigits(t, p.valueStart, p.valueEnd, 5)) {
                            return false;
                        }
                        rport = true;
                        rportStart = p.nameStart - 1;
                        rportEnd = p.end();
                    } else if (p.nameIs("received")) {
                        receivedStart = p.nameStart - 1;
                        receivedEnd = p.end();
                    }
                }
                if (p.failed) {
                    return false;
                }
            }
            viaStart = s;
            viaEnd = e;
            return true;
        }

        private boolean hasLowerCase(int s, int e) {
            for (int i = s; i < e; i++) {
                if (t.charAt(i) >= 'a' && t.charAt(i) <= 'z') {
                    return true;
                }
            }
            return false;
        }

        private boolean hasUpperCase(int s, int e) {
            for (int i = s; i < e; i++) {
                if (t.charAt(i) >= 'A' && t.charAt(i) <= 'Z') {
                    return true;
                }
            }
            return false;
        }

        private boolean from(int s, int e) {
            if (!taggedAddress(s, e)) {
                return false;
            }
            from = t.substring(s, e);
            fromTag = tagStart < 0 ? null : t.substring(tagStart, tagEnd);
            return true;
        }

        private boolean to(int s, int e) {
            if (!taggedAddress(s, e)) {
                return false;
            }
            to = t.substring(s, e);
            toUser = userStart < 0 ? null : t.substring(userStart, userEnd);
            toHost = t.substring(uriHostStart, uriHostEnd);
            toTagged = tagStart >= 0;
            return true;
        }

        /**
         * A From or To value: a name-addr with a sip URI, whose tag (its position, -1 when absent) is
         * a token: a flag or a quoted tag reads differently in the stack.
         */
        private boolean taggedAddress(int s, int e) {
            if (!nameAddr(s, e) || !sipUri(addrUriStart, addrUriEnd)) {
                return false;
            }
            tagStart = -1;
            Params p = params.over(addrParamsStart, addrParamsEnd, true);
            while (p.next()) {
                if (p.nameIs("tag")) {
                    if (!p.isTokenValue()) {
                        return false;
                    }
                    tagStart = p.valueStart;
                    tagEnd = p.valueEnd;
                }
            }
            return !p.failed;
        }

        private boolean callId(int s, int e) {
            if (s == e) {
                return false;
            }
            for (int i = s; i < e; i++) {
                char c = t.charAt(i);
                if (c <= ' ' || c == '"' || c == '<' || c == '>' || c == ',' || c == ';') {
                    return false;
                }
            }
            callId = t.substring(s, e);
            return true;
        }

        private boolean cseq(int s, int e) {
            int sp = indexOf(t, ' ', s, e);
            if (sp < 0 || e - sp - 1 != 8 || !t.startsWith("REGISTER", sp + 1) || !isDigits(t, s, sp, 9)) {
                return false; // a method mismatch is the stack's 400
            }
            cseq = Long.parseLong(t, s, sp, 10);
            return true;
        }

        private boolean expiresHeader(int s, int e) {
            if (!isDigits(t, s, e, 9)) {
                return false;
            }
            expires = Long.parseLong(t, s, e, 10);
            return true;
        }

        /**
         * A Supported value {@code t[start, end)}: option tags between commas, in any number of
         * headers. Only a list of plain tokens reads here; an empty element or anything else takes
         * the stack's path, which decides what it means.
         */
        private boolean supported(int start, int end) {
            int at = start;
            while (at < end) {
                int comma = indexOf(t, ',', at, end);
                int stop = comma < 0 ? end : comma;
                int tagStart = at;
                int tagEnd = stop;
                while (tagStart < tagEnd && t.charAt(tagStart) == ' ') {
                    tagStart++;
                }
                while (tagEnd > tagStart && t.charAt(tagEnd - 1) == ' ') {
                    tagEnd--;
                }
                if (tagStart == tagEnd || !isToken(t, tagStart, tagEnd)) {
                    return false;
                }
                // RFC 3261 §7.3.1: tokens compare case-insensitively.
                if (tagEnd - tagStart == OUTBOUND.length()
                        && t.regionMatches(true, tagStart, OUTBOUND, 0, OUTBOUND.length())) {
                    outboundSupported = true;
                }
                if (stop == end) {
                    return true;
                }
                at = stop + 1;
                if (at == end) {
                    return false; // a trailing comma
                }
            }
            return true;
        }

        private boolean maxForwards(int s, int e) {
            if (maxForwardsSeen || !isDigits(t, s, e, 3)) {
                return false;
            }
            maxForwardsSeen = true;
            return true;
        }

        private boolean userAgent(int s, int e) {
            // The stack re-encodes product tokens and comments; only the plain form reads the same.
            for (int i = s; i < e; i++) {
                char c = t.charAt(i);
                boolean spaceBefore = i > s && t.charAt(i - 1) == ' ';
                boolean spaceAfter = i + 1 < e && t.charAt(i + 1) == ' ';
                if (c == '(' || c == ')' || c == '"' || c == '\\' || c == ' ' && spaceBefore
                        || c == '/' && (spaceBefore || spaceAfter)) {
                    return false;
                }
            }
            userAgent = t.substring(s, e);
            return s < e;
        }

        private boolean contact(int s, int e) {
            contactSeen = true;
            if (e - s == 1 && t.charAt(s) == '*') {
                star = true;
                return true;
            }
            if (!nameAddr(s, e) || !sipUri(addrUriStart, addrUriEnd)) {
                return false;
            }
            Long exp = null;
            Float q = null;
            String instance = null;
            int regId = 0;
            Params p = params.over(addrParamsStart, addrParamsEnd, true);
            while (p.next()) {
                int vs = p.valueStart;
                int ve = p.valueEnd;
                if (p.nameIs("expires")) {
                    if (vs < 0 || !isDigits(t, vs, ve, 9)) {
                        return false;
                    }
                    exp = Long.parseLong(t, vs, ve, 10);
                } else if (p.nameIs("q")) {
                    String v = vs < 0 ? null : p.value();
                    if (v == null || !isQ(v)) {
                        return false;
                    }
                    q = Float.parseFloat(v);
                } else if (p.nameIs("+sip.instance")) {
                    if (vs < 0 || ve - vs < 5 || !t.startsWith("\"<", vs) || !t.startsWith(">\"", ve - 2)) {
                        return false;
                    }
                    instance = t.substring(vs + 2, ve - 2);
                } else if (p.nameIs("reg-id")) {
                    if (vs < 0 || !isDigits(t, vs, ve, 9) || Integer.parseInt(t, vs, ve, 10) < 1) {
                        return false;
                    }
                    regId = Integer.parseInt(t, vs, ve, 10);
                }
                // other parameters are kept by the stack but not read by the registrar
            }
            if (p.failed) {
                return false;
            }
            contact = new ContactSpec(t.substring(addrUriStart, addrUriEnd), exp, q, instance, regId);
            return true;
        }

        private boolean authorization(int s, int e) {
            authorizationSeen = true;
            credentials = digest(t, s, e);
            return credentials != null;
        }

        /**
         * {@code [display-name] <uri> *(;param)} or {@code uri *(;param)} in {@code t[s, e)}: sets
         * the URI's and the parameters' positions; the parameters are checked as they are read.
         */
        private boolean nameAddr(int s, int e) {
            int open = indexOf(t, '<', s, e);
            if (open >= 0) {
                int ds = s;
                int de = open;
                while (ds < de && t.charAt(ds) == ' ') {
                    ds++;
                }
                while (de > ds && t.charAt(de - 1) == ' ') {
                    de--;
                }
                if (ds < de && !plainDisplayName(ds, de)) {
                    return false;
                }
                int close = indexOf(t, '>', open, e);
                if (close < 0) {
                    return false;
                }
                addrUriStart = open + 1;
                addrUriEnd = close;
                int rest = close + 1;
                while (rest < e && t.charAt(rest) == ' ') {
                    rest++;
                }
                addrParamsStart = rest;
            } else {
                int semi = indexOf(t, ';', s, e);
                addrUriStart = s;
                addrUriEnd = semi < 0 ? e : semi;
                addrParamsStart = addrUriEnd;
            }
            addrParamsEnd = e;
            return addrUriStart < addrUriEnd && indexOf(t, ' ', addrUriStart, addrUriEnd) < 0
                    && indexOf(t, '"', addrUriStart, addrUriEnd) < 0;
        }

        /** A quoted display name without escapes, or tokens separated by single spaces. */
        private boolean plainDisplayName(int s, int e) {
            if (t.charAt(s) == '"') {
                return e - s >= 2 && t.charAt(e - 1) == '"' && indexOf(t, '"', s + 1, e) == e - 1
                        && indexOf(t, '\\', s, e) < 0;
            }
            int word = s;
            for (int i = s; i <= e; i++) {
                if (i == e || t.charAt(i) == ' ') {
                    if (i == word || !isToken(t, word, i)) {
                        return false;
                    }
                    word = i + 1;
                }
            }
            return true;
        }

        /**
         * {@code sip:[user@]host[:port][;params]} in {@code t[s, e)}: no password, escapes, headers or
         * IPv6. Sets the user's (-1 when absent) and the host's positions.
         */
        private boolean sipUri(int s, int e) {
            if (e - s < 4 || !t.startsWith("sip:", s)) {
                return false;
            }
            int p = s + 4;
            for (int i = p; i < e; i++) {
                char c = t.charAt(i);
                if (c >= 128 || NOT_IN_URI[c]) {
                    return false;
                }
            }
            // The user part ends at the '@' (it may not hold ';', which the stack would take as part
            // of the user); the parameters start at the first ';' after it.
            int atSign = indexOf(t, '@', p, e);
            int rest = p;
            userStart = -1;
            if (atSign >= 0) {
                if (!isUriPart(t, p, atSign)) {
                    return false;
                }
                userStart = p;
                userEnd = atSign;
                rest = atSign + 1;
                if (indexOf(t, '@', rest, e) >= 0) {
                    return false;
                }
            }
            int semi = indexOf(t, ';', rest, e);
            if (semi >= 0) {
                Params uriParams = params.over(semi, e, false);
                while (uriParams.next()) {
                    // checked as they are read
                }
                if (uriParams.failed) {
                    return false;
                }
            }
            if (!hostPort(rest, semi < 0 ? e : semi)) {
                return false;
            }
            uriHostStart = hostStart;
            uriHostEnd = hostEnd;
            return true;
        }

        /** {@code host[:port]} in {@code t[s, e)} with a domain name or IPv4 host; port -1 when absent. */
        private boolean hostPort(int s, int e) {
            int colon = indexOf(t, ':', s, e);
            int he = colon < 0 ? e : colon;
            if (!SipUriParts.isHostName(t, s, he)) {
                return false;
            }
            hostStart = s;
            hostEnd = he;
            if (colon < 0) {
                port = -1;
                return true;
            }
            int ps = colon + 1;
            if (!isDigits(t, ps, e, 5) || e - ps > 1 && t.charAt(ps) == '0') {
                return false;
            }
            port = Integer.parseInt(t, ps, e, 10);
            return port <= 65_535;
        }
    }

    /**
     * Digest credentials ({@code Digest username="a", realm="b", ...}) in {@code t[s, e)}, as the
     * fast paths take them: token or quoted values without escapes, no parameter twice; null for
     * anything else (another scheme, a shape the stack's parser must judge).
     */
    static DigestCredentials digest(String t, int s, int e) {
        if (e - s < 7 || !t.regionMatches(true, s, "Digest ", 0, 7)) {
            return null; // other schemes: the stack's path ignores them, and so would this, but rarely
        }
        String[] values = new String[DIGEST_PARAMETERS.size()];
        int seen = 0; // a bit per DIGEST_PARAMETERS slot
        List<String> others = null; // opaque, userhash, extensions: rare
        int i = s + 7;
        while (i < e) {
            while (i < e && t.charAt(i) == ' ') {
                i++;
            }
            int eq = indexOf(t, '=', i, e);
            if (eq < 0) {
                return null;
            }
            int nameEnd = eq;
            while (nameEnd > i && t.charAt(nameEnd - 1) == ' ') {
                nameEnd--;
            }
            if (nameEnd == i || !isToken(t, i, nameEnd)) {
                return null;
            }
            int slot = DIGEST_PARAMETERS.slot(t, i, nameEnd);
            if (slot >= 0) {
                if ((seen & 1 << slot) != 0) {
                    return null;
                }
                seen |= 1 << slot;
            } else {
                String other = t.substring(i, nameEnd).toLowerCase(Locale.ROOT);
                if (others == null) {
                    others = new ArrayList<>(2);
                } else if (others.contains(other)) {
                    return null;
                }
                others.add(other);
            }
            i = eq + 1;
            while (i < e && t.charAt(i) == ' ') {
                i++;
            }
            int vs;
            int ve;
            if (i < e && t.charAt(i) == '"') {
                int close = i + 1;
                while (close < e && t.charAt(close) != '"') {
                    if (t.charAt(close++) == '\\') {
                        return null; // an escape: the stack's parser reads those
                    }
                }
                if (close == e) {
                    return null;
                }
                vs = i + 1;
                ve = close;
                i = close + 1;
            } else {
                int stop = i;
                while (stop < e && t.charAt(stop) != ',' && t.charAt(stop) != ' ') {
                    stop++;
                }
                if (stop == i || !isToken(t, i, stop)) {
                    return null;
                }
                vs = i;
                ve = stop;
                i = stop;
            }
            while (i < e && t.charAt(i) == ' ') {
                i++;
            }
            if (i < e) {
                if (t.charAt(i) != ',') {
                    return null;
                }
                i++;
            }
            if (slot >= 0) {
                values[slot] = t.substring(vs, ve);
            }
        }
        return new DigestCredentials(values[0], values[1], values[2], values[3], values[4], values[5],
                values[6], values[7], values[8]);
    }


    /**
     * Walks {@code *(;name[=value])} in place: values are tokens (header parameters) or URI parts
     * (URI parameters), or, in header parameters, quoted strings without escapes. A name repeated in
     * any case, or more than {@link #MAX} parameters, fails the walk. One per {@link Reader}, reused:
     * walks never nest.
     */
    private static final class Params {
        private static final int MAX = 16;

        private final String t;
        private final int[] names = new int[2 * MAX];
        private int count;
        private int at;
        private int end;
        private boolean quotedValues;
        int nameStart;
        int nameEnd;
        /** -1: the parameter is a flag. A quoted value keeps its quotes. */
        int valueStart;
        int valueEnd;
        boolean failed;

        Params(String t) {
            this.t = t;
        }

        /** @param quotedValues header parameters (quoted values allowed); false: URI parameters */
        Params over(int start, int stop, boolean quotedValues) {
            this.at = start;
            this.end = stop;
            this.quotedValues = quotedValues;
            this.count = 0;
            this.failed = false;
            return this;
        }

        /** Moves to the next parameter; false at the end or when the text breaks the rules ({@link #failed}). */
        boolean next() {
            if (at >= end) {
                return false;
            }
            if (t.charAt(at) != ';') {
                return fail();
            }
            int s = at + 1;
            int stop = s;
            while (stop < end && t.charAt(stop) != ';' && t.charAt(stop) != '=') {
                stop++;
            }
            if (stop == s || !valid(s, stop) || !firstTime(s, stop)) {
                return fail();
            }
            nameStart = s;
            nameEnd = stop;
            valueStart = -1;
            valueEnd = -1;
            at = stop;
            if (at < end && t.charAt(at) == '=') {
                int vs = at + 1;
                if (vs < end && t.charAt(vs) == '"') {
                    int close = indexOf(t, '"', vs + 1, end);
                    if (!quotedValues || close < 0 || indexOf(t, '\\', vs, close) >= 0) {
                        return fail();
                    }
                    valueStart = vs;
                    valueEnd = close + 1;
                } else {
                    int ve = vs;
                    while (ve < end && t.charAt(ve) != ';') {
                        ve++;
                    }
                    if (ve == vs || !valid(vs, ve)) {
                        return fail();
                    }
                    valueStart = vs;
                    valueEnd = ve;
                }
                at = valueEnd;
            }
            return true;
        }

        private boolean valid(int s, int e) {
            return quotedValues ? isToken(t, s, e) : isUriPart(t, s, e);
        }

        private boolean firstTime(int s, int e) {
            if (count == MAX) {
                return false;
            }
            for (int i = 0; i < count; i++) {
                int ps = names[2 * i];
                int length = names[2 * i + 1] - ps;
                if (length == e - s && t.regionMatches(true, ps, t, s, length)) {
                    return false;
                }
            }
            names[2 * count] = s;
            names[2 * count + 1] = e;
            count++;
            return true;
        }

        private boolean fail() {
            failed = true;
            at = end;
            return false;
        }

        boolean nameIs(String lowerCase) {
            return nameEnd - nameStart == lowerCase.length()
                    && t.regionMatches(true, nameStart, lowerCase, 0, lowerCase.length());
        }

        /** A value that is a token: not a flag, not quoted. */
        boolean isTokenValue() {
            return valueStart >= 0 && isToken(t, valueStart, valueEnd);
        }

        String value() {
            return t.substring(valueStart, valueEnd);
        }

        /** Where this parameter ends. */
        int end() {
            return valueStart < 0 ? nameEnd : valueEnd;
        }
    }

    /** Classes of bytes in {@link #read}'s first pass. */
    private static final byte PLAIN = 0;
    private static final byte OPEN = 1;
    private static final byte CLOSE = 2;
    private static final byte CR = 3;
    private static final byte REFUSED = 4;
    private static final byte[] BYTES = new byte[256];

    static {
        for (int c = 0; c < 256; c++) {
            BYTES[c] = c < 0x20 || c >= 0x7f ? REFUSED : PLAIN;
        }
        BYTES['<'] = OPEN;
        BYTES['('] = OPEN;
        BYTES['>'] = CLOSE;
        BYTES[')'] = CLOSE;
        BYTES['\r'] = CR;
    }

    /** RFC 3261 token characters, as the stack's lexer has them (LexerCore.isTokenChar). */
    private static final boolean[] TOKEN = new boolean[128];
    private static final boolean[] URI_PART = new boolean[128];
    /** What a URI of this reader never holds: headers, escapes, IPv6, or the end of a name-addr or list. */
    private static final boolean[] NOT_IN_URI = new boolean[128];

    static {
        for (char c = '0'; c <= '9'; c++) {
            TOKEN[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            TOKEN[c] = true;
            TOKEN[c - 'a' + 'A'] = true;
        }
        for (char c : "-.!%*_+`'~".toCharArray()) {
            TOKEN[c] = true;
        }
        for (char c : "?%[<>,\"".toCharArray()) {
            NOT_IN_URI[c] = true;
        }
        for (char c = 0; c < 128; c++) {
            // URI parts: unreserved characters plus those the stack's URL parser takes in a user
            // part (no ';', which would split user from parameters) or a parameter.
            URI_PART[c] = c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
                    || "-_.!~*'&=+$".indexOf(c) >= 0;
        }
    }

    /** {@code s[start, end)} is a non-empty URI user part or parameter that this reader and the stack read alike. */
    private static boolean isUriPart(String s, int start, int end) {
        for (int i = start; i < end; i++) {
            char c = s.charAt(i);
            if (c >= 128 || !URI_PART[c]) {
                return false;
            }
        }
        return start < end;
    }

    private static boolean isToken(String s, int start, int end) {
        for (int i = start; i < end; i++) {
            char c = s.charAt(i);
            if (c >= 128 || !TOKEN[c]) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(String s, char c, int start, int end) {
        for (int i = start; i < end; i++) {
            if (s.charAt(i) == c) {
                return i;
            }
        }
        return -1;
    }

    /** Lower-case names, looked up in any case among those of the same length. */
    private static final class Names {
        private final String[] names;
        /** For each length, the slots of the names that have it. */
        private final int[][] byLength;

        Names(String... names) {
            this.names = names;
            int longest = Arrays.stream(names).mapToInt(String::length).max().orElse(0);
            this.byLength = new int[longest + 1][];
            for (int length = 0; length <= longest; length++) {
                int n = length;
                byLength[length] = IntStream.range(0, names.length).filter(i -> names[i].length() == n).toArray();
            }
        }

        int size() {
            return names.length;
        }

        String name(int slot) {
            return names[slot];
        }

        int slot(String name) {
            return slot(name, 0, name.length());
        }

        /** The slot of the name {@code s[start, end)} in any case, or -1. */
        int slot(String s, int start, int end) {
            int length = end - start;
            if (length >= byLength.length) {
                return -1;
            }
            for (int i : byLength[length]) {
                String k = names[i];
                int j = 0;
                while (j < length && lower(s.charAt(start + j)) == k.charAt(j)) {
                    j++;
                }
                if (j == length) {
                    return i;
                }
            }
            return -1;
        }
    }

    private static char lower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
    }

    /** {@code s[start, end)} is 1 to {@code maxLength} decimal digits. */
    private static boolean isDigits(String s, int start, int end, int maxLength) {
        if (start >= end || end - start > maxLength) {
            return false;
        }
        for (int i = start; i < end; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static final Pattern Q_VALUE = Pattern.compile("0(\\.\\d{1,3})?|1(\\.0{1,3})?");

    /** {@code 0[.ddd]} or {@code 1[.000]}. */
    private static boolean isQ(String s) {
        return Q_VALUE.matcher(s).matches();
    }
}
