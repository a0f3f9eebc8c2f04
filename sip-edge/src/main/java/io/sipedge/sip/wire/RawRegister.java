package io.sipedge.sip.wire;

import io.sipedge.model.Flow;
import io.sipedge.sip.auth.DigestCredentials;
import io.sipedge.sip.registrar.RegisterRequest;
import io.sipedge.sip.registrar.RegisterRequest.ContactSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

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
 */
public final class RawRegister {
    /**
     * Headers the registrar never reads and whose parsers in the stack cannot fail the whole
     * message, plus extension headers ({@code X-}). Any other header (Path, Route, Require, a body's
     * headers, or one whose stack parser can throw, like Accept-Language's q values) sends the
     * REGISTER down the stack's path.
     */
    private static final Set<String> IGNORED = Set.of("allow", "accept", "allow-events", "u", "organization",
            "subject", "s");
    /** Every header name this reader takes, in lower case: the registrar's and {@link #IGNORED}. */
    private static final String[] KNOWN = {"via", "v", "from", "f", "to", "t", "call-id", "i", "cseq", "contact",
        "m", "expires", "authorization", "max-forwards", "content-length", "l", "user-agent", "allow", "supported",
        "k", "accept", "allow-events", "u", "organization", "subject", "s"};
    /** The option tag of RFC 5626 (SIP Outbound). */
    private static final String OUTBOUND = "outbound";
    /** The Digest parameters the registrar reads. */
    private static final String[] DIGEST_PARAMETERS = {"username", "realm", "nonce", "uri", "response", "algorithm",
        "qop", "nc", "cnonce"};

    // The top Via: protocol ("SIP/2.0/UDP"), sent-by and its parameters in order (null value = flag).
    final String viaProtocol;
    final String viaHost;
    final int viaPort;
    final List<String[]> viaParams;
    final String from;
    final String fromTag;
    final String to;
    final boolean toTagged;
    final String callId;
    final long cseq;

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

    private RawRegister(Builder b) {
        viaProtocol = b.viaProtocol;
        viaHost = b.viaHost;
        viaPort = b.viaPort;
        viaParams = b.viaParams;
        from = b.from;
        fromTag = b.fromTag;
        to = b.to;
        toTagged = b.toTagged;
        callId = b.callId;
        cseq = b.cseq;
        requestUriHost = b.requestUriHost;
        toUser = b.toUser;
        toHost = b.toHost;
        branch = b.branch;
        expires = b.expires;
        star = b.star;
        contact = b.contact;
        credentials = b.credentials;
        userAgent = b.userAgent;
        outboundSupported = b.outboundSupported;
    }

    /** The request as the registrar takes it; the same value {@link RegisterMessages#read} gives. */
    public RegisterRequest request(Flow flow) {
        return new RegisterRequest(requestUriHost, toUser, toHost, branch, callId, cseq, expires, star,
                contact == null ? List.of() : List.of(contact),
                credentials == null ? List.of() : List.of(credentials), List.of(), userAgent, outboundSupported,
                true, flow, null); // one Via: sent to the edge directly
    }

    /** What its answer repeats, the top Via stamped for a request that arrived on {@code flow}. */
    public RequestHead head(Flow flow) {
        boolean rport = Params.has(viaParams, "rport");
        List<String[]> params = new ArrayList<>(viaParams.size() + 2);
        params.addAll(viaParams);
        if (ViaStamp.addsReceived(rport, viaHost, flow.remoteIp())) {
            put(params, "received", flow.remoteIp());
        }
        if (ViaStamp.addsRport(rport, flow.transport())) {
            put(params, "rport", Integer.toString(flow.remotePort()));
        }
        StringBuilder via = new StringBuilder(96).append(viaProtocol).append(' ').append(viaHost);
        if (viaPort >= 0) {
            via.append(':').append(viaPort);
        }
        for (String[] p : params) {
            via.append(';').append(p[0]);
            if (p[1] != null) {
                via.append('=').append(p[1]);
            }
        }
        return new RequestHead(via.toString(), List.of(), from, to, toTagged, fromTag, callId, cseq + " REGISTER",
                branch, ViaStamp.udpPort(rport, viaPort, flow.remotePort()));
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
        int depth = 0;
        for (int i = 0; i < length; i++) {
            int c = b[i] & 0xff;
            if (c >= 0x7f || (c < 0x20 && c != '\r' && c != '\n')) {
                return null; // non-ASCII, tabs, NULs: the stack's parser knows the rules
            }
            // Nesting of < or ( is never needed in this subset; deep nesting is the parser guard's 400.
            if (c == '<' || c == '(') {
                if (++depth > 1) {
                    return null;
                }
            } else if (c == '>' || c == ')') {
                depth = Math.max(0, depth - 1);
            } else if (c == '\n') {
                if (i == 0 || b[i - 1] != '\r') {
                    return null; // a bare LF ends a line for the stack's parser, not for this one
                }
                depth = 0;
            } else if (c == '\r' && (i + 1 == length || b[i + 1] != '\n')) {
                return null; // likewise a bare CR
            }
        }
        String text = new String(b, 0, length, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (end < 0 || end + 4 != length) {
            return null; // a body, or no end of headers
        }
        int lineEnd = text.indexOf("\r\n");
        Builder r = new Builder();
        if (!r.requestLine(text.substring(0, lineEnd))) {
            return null;
        }
        int at = lineEnd + 2;
        while (at < end + 2) {
            int next = text.indexOf("\r\n", at);
            if (!r.header(text, at, next)) {
                return null;
            }
            at = next + 2;
        }
        return r.complete() ? new RawRegister(r) : null;
    }

    private static final class Builder {
        String viaProtocol;
        String viaHost;
        int viaPort = -1;
        List<String[]> viaParams;
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

        boolean requestLine(String line) {
            if (!line.startsWith("REGISTER sip:") || !line.endsWith(" SIP/2.0")) {
                return false;
            }
            String uri = line.substring("REGISTER ".length(), line.length() - " SIP/2.0".length());
            SipUri u = SipUri.parse(uri);
            if (u == null) {
                return false;
            }
            requestUriHost = u.host;
            return true;
        }

        /**
         * Reads the header line {@code text[start, end)}. Only the values the registrar reads become
         * strings: a REGISTER carries a dozen headers, and copying each name and value was a third
         * of the reader's allocation.
         */
        boolean header(String text, int start, int end) {
            int colon = text.indexOf(':', start);
            if (colon < 0 || colon >= end || colon == start || text.charAt(start) == ' ') {
                return false; // folding, or no name
            }
            int nameEnd = colon;
            while (text.charAt(nameEnd - 1) == ' ') {
                nameEnd--; // the first character is not a space: the name is never empty
            }
            if (!isToken(text, start, nameEnd)) {
                return false;
            }
            String name = knownName(KNOWN, text, start, nameEnd);
            if (name == null) {
                return nameEnd - start >= 2 && text.regionMatches(true, start, "x-", 0, 2);
            }
            if (IGNORED.contains(name)) {
                return true;
            }
            int valueStart = colon + 1;
            int valueEnd = end;
            while (valueStart < valueEnd && text.charAt(valueStart) == ' ') {
                valueStart++;
            }
            while (valueEnd > valueStart && text.charAt(valueEnd - 1) == ' ') {
                valueEnd--;
            }
            if (name.equals("supported") || name.equals("k")) {
                return supported(text, valueStart, valueEnd); // read in place: Linphone sends it every time
            }
            String value = text.substring(valueStart, valueEnd);
            return switch (name) {
                case "via", "v" -> viaProtocol == null && via(value);
                case "from", "f" -> from == null && from(value);
                case "to", "t" -> to == null && to(value);
                case "call-id", "i" -> callId == null && callId(value);
                case "cseq" -> cseq < 0 && cseq(value);
                case "contact", "m" -> !contactSeen && contact(value);
                case "expires" -> expires == null && expiresHeader(value);
                case "authorization" -> !authorizationSeen && authorization(value);
                case "max-forwards" -> maxForwards(value);
                case "content-length", "l" -> !contentLengthSeen && (contentLengthSeen = "0".equals(value));
                case "user-agent" -> userAgent == null && userAgent(value);
                default -> false;
            };
        }

        boolean complete() {
            return viaProtocol != null && from != null && to != null && callId != null && cseq >= 0;
        }

        private boolean via(String value) {
            if (!value.startsWith("SIP/2.0/") || value.indexOf(',') >= 0 || value.indexOf('"') >= 0
                    || value.indexOf('(') >= 0) {
                return false;
            }
            int sp = value.indexOf(' ');
            if (sp < 0) {
                return false;
            }
            String protocol = value.substring(0, sp);
            String transport = protocol.substring("SIP/2.0/".length());
            if (!isToken(transport) || transport.isEmpty() || !transport.equals(transport.toUpperCase(Locale.ROOT))) {
                return false;
            }
            String rest = value.substring(sp + 1);
            int semi = rest.indexOf(';');
            String sentBy = semi < 0 ? rest : rest.substring(0, semi);
            HostPort hp = HostPort.parse(sentBy);
            if (hp == null) {
                return false;
            }
            List<String[]> params = semi < 0 ? new ArrayList<>(2) : Params.parse(rest.substring(semi), false);
            if (params == null) {
                return false;
            }
            for (String[] p : params) {
                // The stack writes parameter names in lower case: only those echo unchanged.
                if (!isToken(p[0]) || !p[0].equals(p[0].toLowerCase(Locale.ROOT)) || p[1] != null && !isToken(p[1])) {
                    return false;
                }
                if (p[0].equals("branch")) {
                    if (p[1] == null || p[1].isEmpty()) {
                        return false;
                    }
                    branch = p[1];
                } else if (p[0].equals("rport") && p[1] != null && !isDigits(p[1], 5)) {
                    return false;
                }
            }
            viaProtocol = protocol;
            viaHost = hp.host;
            viaPort = hp.port;
            viaParams = params;
            return true;
        }

        private boolean from(String value) {
            NameAddr a = NameAddr.parse(value);
            if (a == null || SipUri.parse(a.uri) == null || !plainTag(a.params)) {
                return false;
            }
            from = value;
            fromTag = Params.get(a.params, "tag");
            return true;
        }

        private boolean to(String value) {
            NameAddr a = NameAddr.parse(value);
            if (a == null) {
                return false;
            }
            SipUri u = SipUri.parse(a.uri);
            if (u == null || !plainTag(a.params)) {
                return false;
            }
            to = value;
            toUser = u.user;
            toHost = u.host;
            toTagged = Params.get(a.params, "tag") != null;
            return true;
        }

        /** No tag, or a tag with a token value (a flag or a quoted tag reads differently in the stack). */
        private static boolean plainTag(List<String[]> params) {
            if (!Params.has(params, "tag")) {
                return true;
            }
            String tag = Params.get(params, "tag");
            return tag != null && isToken(tag);
        }

        private boolean callId(String value) {
            if (value.isEmpty()) {
                return false;
            }
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c <= ' ' || c == '"' || c == '<' || c == '>' || c == ',' || c == ';') {
                    return false;
                }
            }
            callId = value;
            return true;
        }

        private boolean cseq(String value) {
            int sp = value.indexOf(' ');
            if (sp < 0 || !value.substring(sp + 1).equals("REGISTER") || !isDigits(value.substring(0, sp), 9)) {
                return false; // a method mismatch is the stack's 400
            }
            cseq = Long.parseLong(value.substring(0, sp));
            return true;
        }

        private boolean expiresHeader(String value) {
            if (!isDigits(value, 9)) {
                return false;
            }
            expires = Long.parseLong(value);
            return true;
        }

        /**
         * A Supported value {@code text[start, end)}: option tags between commas, in any number of
         * headers. Only a list of plain tokens reads here; an empty element or anything else takes
         * the stack's path, which decides what it means.
         */
        private boolean supported(String text, int start, int end) {
            int at = start;
            while (at < end) {
                int comma = text.indexOf(',', at);
                int stop = comma < 0 || comma > end ? end : comma;
                int tagStart = at;
                int tagEnd = stop;
                while (tagStart < tagEnd && text.charAt(tagStart) == ' ') {
                    tagStart++;
                }
                while (tagEnd > tagStart && text.charAt(tagEnd - 1) == ' ') {
                    tagEnd--;
                }
                if (tagStart == tagEnd || !isToken(text, tagStart, tagEnd)) {
                    return false;
                }
                // RFC 3261 §7.3.1: tokens compare case-insensitively.
                if (tagEnd - tagStart == OUTBOUND.length() && text.regionMatches(true, tagStart, OUTBOUND, 0,
                        OUTBOUND.length())) {
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

        private boolean maxForwards(String value) {
            if (maxForwardsSeen || !isDigits(value, 3)) {
                return false;
            }
            maxForwardsSeen = true;
            return true;
        }

        private boolean userAgent(String value) {
            // The stack re-encodes product tokens and comments; only the plain form reads the same.
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                boolean spaceBefore = i > 0 && value.charAt(i - 1) == ' ';
                boolean spaceAfter = i + 1 < value.length() && value.charAt(i + 1) == ' ';
                if (c == '(' || c == ')' || c == '"' || c == '\\' || c == ' ' && spaceBefore
                        || c == '/' && (spaceBefore || spaceAfter)) {
                    return false;
                }
            }
            userAgent = value;
            return !value.isEmpty();
        }

        private boolean contact(String value) {
            contactSeen = true;
            if (value.equals("*")) {
                star = true;
                return true;
            }
            NameAddr a = NameAddr.parse(value);
            if (a == null || SipUri.parse(a.uri) == null) {
                return false;
            }
            Long exp = null;
            Float q = null;
            String instance = null;
            int regId = 0;
            for (String[] p : a.params) {
                String v = p[1];
                switch (p[0].toLowerCase(Locale.ROOT)) {
                    case "expires" -> {
                        if (v == null || !isDigits(v, 9)) {
                            return false;
                        }
                        exp = Long.parseLong(v);
                    }
                    case "q" -> {
                        if (v == null || !isQ(v)) {
                            return false;
                        }
                        q = Float.parseFloat(v);
                    }
                    case "+sip.instance" -> {
                        if (v == null || !v.startsWith("\"<") || !v.endsWith(">\"") || v.length() < 5) {
                            return false;
                        }
                        instance = v.substring(2, v.length() - 2);
                    }
                    case "reg-id" -> {
                        if (v == null || !isDigits(v, 9) || Integer.parseInt(v) < 1) {
                            return false;
                        }
                        regId = Integer.parseInt(v);
                    }
                    default -> {
                        // other parameters are kept by the stack but not read by the registrar
                    }
                }
            }
            contact = new ContactSpec(a.uri, exp, q, instance, regId);
            return true;
        }

        private boolean authorization(String value) {
            authorizationSeen = true;
            if (value.length() < 7 || !value.regionMatches(true, 0, "Digest ", 0, 7)) {
                return false; // other schemes: the stack's path ignores them, and so would this, but rarely
            }
            String username = null;
            String realm = null;
            String nonce = null;
            String uri = null;
            String response = null;
            String algorithm = null;
            String qop = null;
            String nc = null;
            String cnonce = null;
            int i = 7;
            int n = value.length();
            List<String> seen = new ArrayList<>(10);
            while (i < n) {
                while (i < n && value.charAt(i) == ' ') {
                    i++;
                }
                int eq = value.indexOf('=', i);
                if (eq < 0) {
                    return false;
                }
                int nameEnd = eq;
                while (nameEnd > i && value.charAt(nameEnd - 1) == ' ') {
                    nameEnd--;
                }
                if (nameEnd == i || !isToken(value, i, nameEnd)) {
                    return false;
                }
                String name = knownName(DIGEST_PARAMETERS, value, i, nameEnd);
                if (name == null) {
                    name = value.substring(i, nameEnd).toLowerCase(Locale.ROOT);
                }
                if (seen.contains(name)) {
                    return false;
                }
                seen.add(name);
                i = eq + 1;
                while (i < n && value.charAt(i) == ' ') {
                    i++;
                }
                String v;
                if (i < n && value.charAt(i) == '"') {
                    int close = value.indexOf('"', i + 1);
                    if (close < 0) {
                        return false;
                    }
                    v = value.substring(i + 1, close);
                    if (v.indexOf('\\') >= 0) {
                        return false;
                    }
                    i = close + 1;
                } else {
                    int stop = i;
                    while (stop < n && value.charAt(stop) != ',' && value.charAt(stop) != ' ') {
                        stop++;
                    }
                    v = value.substring(i, stop);
                    if (!isToken(v) || v.isEmpty()) {
                        return false;
                    }
                    i = stop;
                }
                while (i < n && value.charAt(i) == ' ') {
                    i++;
                }
                if (i < n) {
                    if (value.charAt(i) != ',') {
                        return false;
                    }
                    i++;
                }
                switch (name) {
                    case "username" -> username = v;
                    case "realm" -> realm = v;
                    case "nonce" -> nonce = v;
                    case "uri" -> uri = v;
                    case "response" -> response = v;
                    case "algorithm" -> algorithm = v;
                    case "qop" -> qop = v;
                    case "nc" -> nc = v;
                    case "cnonce" -> cnonce = v;
                    default -> {
                        // opaque, userhash and extensions: not read by the registrar
                    }
                }
            }
            credentials = new DigestCredentials(username, realm, nonce, uri, response, algorithm, qop, nc, cnonce);
            return true;
        }
    }

    /** {@code [display-name] <uri> *(;param)} or {@code uri *(;param)}. */
    private record NameAddr(String uri, List<String[]> params) {
        static NameAddr parse(String value) {
            int open = value.indexOf('<');
            String uri;
            String rest;
            if (open >= 0) {
                String display = value.substring(0, open).strip();
                if (!display.isEmpty() && !plainDisplayName(display)) {
                    return null;
                }
                int close = value.indexOf('>', open);
                if (close < 0) {
                    return null;
                }
                uri = value.substring(open + 1, close);
                rest = value.substring(close + 1).strip();
            } else {
                int semi = value.indexOf(';');
                uri = semi < 0 ? value : value.substring(0, semi);
                rest = semi < 0 ? "" : value.substring(semi);
            }
            if (uri.isEmpty() || uri.indexOf(' ') >= 0 || uri.indexOf('"') >= 0) {
                return null;
            }
            List<String[]> params = rest.isEmpty() ? List.of() : Params.parse(rest, true);
            return params == null ? null : new NameAddr(uri, params);
        }

        /** A quoted display name without escapes, or tokens separated by single spaces. */
        private static boolean plainDisplayName(String d) {
            if (d.startsWith("\"")) {
                return d.length() >= 2 && d.endsWith("\"") && d.indexOf('"', 1) == d.length() - 1
                        && d.indexOf('\\') < 0;
            }
            for (String word : d.split(" ", -1)) {
                if (word.isEmpty() || !isToken(word)) {
                    return false;
                }
            }
            return true;
        }
    }

    /** {@code sip:[user@]host[:port][;params]}: no password, escapes, headers or IPv6. */
    private record SipUri(String user, String host) {
        static SipUri parse(String uri) {
            if (!uri.startsWith("sip:")) {
                return null;
            }
            String s = uri.substring(4);
            if (s.indexOf('?') >= 0 || s.indexOf('%') >= 0 || s.indexOf('[') >= 0 || s.indexOf('>') >= 0
                    || s.indexOf('<') >= 0 || s.indexOf(',') >= 0 || s.indexOf('"') >= 0) {
                return null;
            }
            // The user part ends at the '@' (it may not hold ';', which the stack would take as part
            // of the user); the parameters start at the first ';' after it.
            int atSign = s.indexOf('@');
            String user = null;
            if (atSign >= 0) {
                user = s.substring(0, atSign);
                if (!isUriPart(user)) {
                    return null;
                }
            }
            String rest = s.substring(atSign + 1);
            if (rest.indexOf('@') >= 0) {
                return null;
            }
            int semi = rest.indexOf(';');
            if (semi >= 0 && Params.parse(rest.substring(semi), false) == null) {
                return null;
            }
            HostPort hp = HostPort.parse(semi < 0 ? rest : rest.substring(0, semi));
            return hp == null ? null : new SipUri(user, hp.host);
        }
    }

    /** {@code host[:port]} with a domain name or IPv4 host. */
    private record HostPort(String host, int port) {
        static HostPort parse(String s) {
            int colon = s.indexOf(':');
            String host = colon < 0 ? s : s.substring(0, colon);
            if (host.isEmpty()) {
                return null;
            }
            for (int i = 0; i < host.length(); i++) {
                char c = host.charAt(i);
                if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-')) {
                    return null;
                }
            }
            if (colon < 0) {
                return new HostPort(host, -1);
            }
            String port = s.substring(colon + 1);
            if (!isDigits(port, 5) || Integer.parseInt(port) > 65_535 || port.length() > 1 && port.charAt(0) == '0') {
                return null;
            }
            return new HostPort(host, Integer.parseInt(port));
        }
    }

    /** {@code *(;name[=value])}, values tokens or (where allowed) quoted strings without escapes. */
    static final class Params {
        private Params() {
        }

        /** @param quotedValues header parameters (quoted values allowed); false: URI parameters */
        static List<String[]> parse(String s, boolean quotedValues) {
            List<String[]> out = new ArrayList<>(4);
            int i = 0;
            int n = s.length();
            while (i < n) {
                if (s.charAt(i) != ';') {
                    return null;
                }
                i++;
                int stop = i;
                while (stop < n && s.charAt(stop) != ';' && s.charAt(stop) != '=') {
                    stop++;
                }
                String name = s.substring(i, stop);
                if (name.isEmpty() || !(quotedValues ? isToken(name) : isUriPart(name)) || has(out, name)) {
                    return null;
                }
                String value = null;
                i = stop;
                if (i < n && s.charAt(i) == '=') {
                    i++;
                    if (i < n && s.charAt(i) == '"') {
                        int close = s.indexOf('"', i + 1);
                        if (!quotedValues || close < 0 || s.substring(i, close).indexOf('\\') >= 0) {
                            return null;
                        }
                        value = s.substring(i, close + 1);
                        i = close + 1;
                    } else {
                        stop = i;
                        while (stop < n && s.charAt(stop) != ';') {
                            stop++;
                        }
                        value = s.substring(i, stop);
                        if (value.isEmpty() || !(quotedValues ? isToken(value) : isUriPart(value))) {
                            return null;
                        }
                        i = stop;
                    }
                }
                out.add(new String[] {name, value});
            }
            return out;
        }

        /** The value of parameter {@code name}, or null when it is absent or a flag (see {@link #has}). */
        static String get(List<String[]> params, String name) {
            String[] p = find(params, name);
            return p == null ? null : p[1];
        }

        static boolean has(List<String[]> params, String name) {
            return find(params, name) != null;
        }

        private static String[] find(List<String[]> params, String name) {
            for (String[] p : params) {
                if (p[0].equalsIgnoreCase(name)) {
                    return p;
                }
            }
            return null;
        }
    }

    /** RFC 3261 token characters, as the stack's lexer has them (LexerCore.isTokenChar). */
    private static final boolean[] TOKEN = new boolean[128];
    private static final boolean[] URI_PART = new boolean[128];

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
        for (char c = 0; c < 128; c++) {
            // URI parts: unreserved characters plus those the stack's URL parser takes in a user
            // part (no ';', which would split user from parameters) or a parameter.
            URI_PART[c] = c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
                    || "-_.!~*'&=+$".indexOf(c) >= 0;
        }
    }

    /** A URI user part or parameter name or value this reader and the stack's read alike. */
    static boolean isUriPart(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 128 || !URI_PART[c]) {
                return false;
            }
        }
        return !s.isEmpty();
    }

    static boolean isToken(String s) {
        return isToken(s, 0, s.length());
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

    /** The lower-case constant of {@code known} that {@code s[start, end)} names in any case, or null. */
    private static String knownName(String[] known, String s, int start, int end) {
        int length = end - start;
        for (String k : known) {
            if (k.length() == length && s.regionMatches(true, start, k, 0, length)) {
                return k;
            }
        }
        return null;
    }

    static boolean isDigits(String s, int maxLength) {
        if (s.isEmpty() || s.length() > maxLength) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
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
