package io.sipedge.sip.wire;

/**
 * What the proxy routes on in a SIP URI read from the bytes ({@link RawRequest}): the user part
 * (null when absent), the host and the port (-1 when absent). Only the plain shape is read, {@code
 * sip:} or {@code sips:}, {@code [user@]host[:port][;params]} with a domain name or IPv4 host; an
 * escape, a password, headers, an IPv6 reference or another scheme is null, and the stack's parser
 * reads the request instead.
 */
public record SipUriParts(String user, String host, int port) {

    /** The parts of {@code uri}, or null for a shape not read here. */
    public static SipUriParts parse(String uri) {
        int colon = uri.indexOf(':');
        if (colon < 3 || !(uri.regionMatches(true, 0, "sip", 0, colon) || uri.regionMatches(true, 0, "sips", 0, colon))) {
            return null;
        }
        int end = uri.length();
        for (int i = colon + 1; i < end; i++) {
            char c = uri.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '%' || c == '?' || c == '[' || c == '<' || c == '>' || c == '"'
                    || c == ',') {
                return null;
            }
        }
        int semi = uri.indexOf(';', colon + 1);
        int at = uri.indexOf('@', colon + 1);
        if (semi >= 0 && at > semi) {
            at = -1; // an '@' in a parameter: the user part ends before any ';' it could contain
        }
        String user = null;
        int hostStart = colon + 1;
        if (at >= 0) {
            user = uri.substring(colon + 1, at);
            if (user.isEmpty() || user.indexOf(':') >= 0 || user.indexOf(';') >= 0) {
                return null;
            }
            hostStart = at + 1;
        }
        int hostPortEnd = semi < 0 ? end : semi;
        int portColon = uri.indexOf(':', hostStart);
        int hostEnd = portColon < 0 || portColon > hostPortEnd ? hostPortEnd : portColon;
        if (!isHostName(uri, hostStart, hostEnd)) {
            return null;
        }
        int port = -1;
        if (hostEnd < hostPortEnd) {
            if (hostPortEnd - hostEnd < 2 || hostPortEnd - hostEnd > 6) {
                return null;
            }
            port = 0;
            for (int i = hostEnd + 1; i < hostPortEnd; i++) {
                char c = uri.charAt(i);
                if (c < '0' || c > '9') {
                    return null;
                }
                port = port * 10 + c - '0';
            }
            if (port > 65_535) {
                return null;
            }
        }
        return new SipUriParts(user, uri.substring(hostStart, hostEnd), port);
    }

    /**
     * A user part with its escapes of unreserved characters decoded (RFC 3261 §19.1.4: "%61lice" is
     * "alice"); an escaped reserved character ({@code ;/?:@&=+$,}) or a control stays escaped.
     */
    public static String unescape(String user) {
        if (user.indexOf('%') < 0) {
            return user;
        }
        StringBuilder out = new StringBuilder(user.length());
        for (int i = 0; i < user.length(); i++) {
            char c = user.charAt(i);
            int hi = i + 2 < user.length() ? Character.digit(user.charAt(i + 1), 16) : -1;
            int lo = hi >= 0 ? Character.digit(user.charAt(i + 2), 16) : -1;
            char decoded = (char) (hi * 16 + lo);
            if (c == '%' && lo >= 0 && decoded > ' ' && decoded < 0x7f && ";/?:@&=+$,%".indexOf(decoded) < 0) {
                out.append(decoded);
                i += 2;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** True when {@code s[start, end)} is a non-empty domain name or IPv4 address: letters, digits, '.' and '-'. */
    static boolean isHostName(String s, int start, int end) {
        if (end <= start) {
            return false;
        }
        for (int i = start; i < end; i++) {
            char c = s.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /**
     * The URI of a name-addr or addr-spec header value ({@code "Bob" <sip:b@h>;tag=1} or
     * {@code sip:b@h;tag=1}): within the angle brackets, or before the header's parameters; null
     * when the brackets do not close.
     */
    public static String addrSpec(String value) {
        int lt = value.indexOf('<');
        if (lt >= 0) {
            int gt = value.indexOf('>', lt);
            return gt < 0 ? null : value.substring(lt + 1, gt).strip();
        }
        int semi = value.indexOf(';');
        return (semi < 0 ? value : value.substring(0, semi)).strip();
    }
}
