package io.sipedge.sip.wire;

import static io.sipedge.sip.wire.HeaderBytes.indexOf;
import static io.sipedge.sip.wire.HeaderBytes.is;
import static io.sipedge.sip.wire.HeaderBytes.lineEnd;
import static io.sipedge.sip.wire.HeaderBytes.number;
import static io.sipedge.sip.wire.HeaderBytes.parameter;
import static io.sipedge.sip.wire.HeaderBytes.region;
import static io.sipedge.sip.wire.HeaderBytes.skipBlanks;
import static io.sipedge.sip.wire.HeaderBytes.trimBlanks;

import io.sipedge.model.Flow;
import io.sipedge.sip.auth.DigestCredentials;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A request read in place, as far as the proxy needs to decide and forward it: the method and
 * Request-URI, the Vias (the top one's branch, and where a UDP answer goes), From, To and their
 * tags, Call-ID, CSeq, Max-Forwards, the Route values in order and the credentials. {@link #forward}
 * writes the forwarded copy by splicing bytes: a new Via on top, Max-Forwards one less, the first
 * Route values removed; every other byte (the body, Contact, the other headers) passes untouched. A
 * request of a shape this reader does not take (folded or bare-LF lines, a repeated From, To,
 * Call-ID or Max-Forwards, a Via or Route it cannot split, a Content-Length the body does not
 * have) is null, and the stack's parser reads it instead.
 */
public final class RawRequest {
    private final byte[] bytes;
    private final String method;
    private final int requestUriStart;
    private final int requestUriEnd;
    private final int requestLineEnd;
    private final String branch;
    /** The top Via value's bytes: a forwarded copy carries it stamped (RFC 3261 §18.2.1, RFC 3581). */
    private final int viaStart;
    private final int viaEnd;
    private final boolean rport;
    private final int viaPort;
    /** Every Via value in order, the top one first: [valueStart, valueEnd]. */
    private final List<int[]> vias;
    private final int fromStart;
    private final int fromEnd;
    private final int toStart;
    private final int toEnd;
    private final String toTag;
    private final int callIdStart;
    private final int callIdEnd;
    private final long cseq;
    private final boolean proxyRequire;
    private final int maxForwards;
    private final int maxForwardsStart;
    private final int maxForwardsEnd;
    /**
     * Route values in order: [valueStart, valueEnd, lineStart, lineEnd after its CRLF, the start of
     * the next value on the same line or -1].
     */
    private final List<int[]> routes;
    /**
     * Proxy-Authorization lines: [lineStart, lineEnd after its CRLF, valueStart, valueEnd], and the
     * realm each names (or null).
     */
    private final List<int[]> credentialLines;
    private final List<String> credentialRealms;
    /** {@link #credentials}, read when first asked for. */
    private List<DigestCredentials> credentials;
    private boolean credentialsRead;

    private RawRequest(Scan r) {
        this.bytes = r.b;
        this.method = r.method;
        this.requestUriStart = r.requestUriStart;
        this.requestUriEnd = r.requestUriEnd;
        this.requestLineEnd = r.requestLineEnd;
        this.branch = r.branch;
        this.viaStart = r.viaStart;
        this.viaEnd = r.viaEnd;
        this.rport = r.rport;
        this.viaPort = r.viaPort;
        this.vias = r.vias;
        this.fromStart = r.fromStart;
        this.fromEnd = r.fromEnd;
        this.toStart = r.toStart;
        this.toEnd = r.toEnd;
        this.toTag = r.toTag.isEmpty() ? null : r.toTag;
        this.callIdStart = r.callIdStart;
        this.callIdEnd = r.callIdEnd;
        this.cseq = r.cseq;
        this.proxyRequire = r.proxyRequire;
        this.maxForwards = r.mf;
        this.maxForwardsStart = r.mfStart;
        this.maxForwardsEnd = r.mfEnd;
        this.routes = r.routes;
        this.credentialLines = r.credentialLines;
        this.credentialRealms = r.credentialRealms;
    }

    public String method() {
        return method;
    }

    /** The top Via's branch, or null. */
    public String branch() {
        return branch;
    }

    /** The To tag, or null: a request outside a dialog. */
    public String toTag() {
        return toTag;
    }

    /** The Max-Forwards value, or -1 without the header. */
    public int maxForwards() {
        return maxForwards;
    }

    /** How many Route values the request carries. */
    public int routeCount() {
        return routes.size();
    }

    /** The URI of Route value {@code i} ({@code <sip:user@host;lr>}), or null for a shape not read here. */
    public SipUriParts routeUri(int i) {
        String uri = SipUriParts.addrSpec(route(i));
        return uri == null ? null : SipUriParts.parse(uri);
    }

    /** Route value {@code i} as received. */
    public String route(int i) {
        int[] r = routes.get(i);
        return text(r[0], r[1]);
    }

    /** The Request-URI as received. */
    public String requestUri() {
        return text(requestUriStart, requestUriEnd);
    }

    /** The From value as received. */
    public String from() {
        return text(fromStart, fromEnd);
    }

    /** The From tag, or null. */
    public String fromTag() {
        return tag(from());
    }

    public String callId() {
        return text(callIdStart, callIdEnd);
    }

    /** The CSeq number. */
    public long cseq() {
        return cseq;
    }

    /** The request carries a Proxy-Require (extensions the proxy must support). */
    public boolean proxyRequire() {
        return proxyRequire;
    }

    /** The branch of every Via, the top one first (null for a Via without one). */
    public List<String> viaBranches() {
        List<String> out = new ArrayList<>(vias.size());
        for (int[] v : vias) {
            String branchValue = parameter(text(v[0], v[1]), "branch");
            out.add(branchValue == null || branchValue.isEmpty() ? null : branchValue);
        }
        return out;
    }

    /**
     * The Digest credentials of every Proxy-Authorization, in order; null when one is not of the
     * shape read here (another scheme, escapes), and the stack's parser must read the request.
     */
    public List<DigestCredentials> credentials() {
        if (credentialsRead) {
            return credentials;
        }
        credentialsRead = true;
        credentials = readCredentials();
        return credentials;
    }

    private List<DigestCredentials> readCredentials() {
        List<DigestCredentials> out = new ArrayList<>(credentialLines.size());
        for (int[] line : credentialLines) {
            DigestCredentials c = RawRegister.digest(text(line[2], line[3]), 0, line[3] - line[2]);
            if (c == null) {
                return null;
            }
            out.add(c);
        }
        return out;
    }

    /** The Proxy-Authorization values as received whose realm {@code consumed} does not accept. */
    public List<String> credentialsKept(Predicate<String> consumed) {
        List<String> out = new ArrayList<>(0);
        for (int i = 0; i < credentialLines.size(); i++) {
            if (!consumed.test(credentialRealms.get(i))) {
                int[] line = credentialLines.get(i);
                out.add(text(line[2], line[3]));
            }
        }
        return out;
    }

    /** What a response repeats of this request, the top Via stamped for one that arrived on {@code flow}. */
    public RequestHead head(Flow flow) {
        List<String> others = new ArrayList<>(vias.size() - 1);
        for (int i = 1; i < vias.size(); i++) {
            others.add(text(vias.get(i)[0], vias.get(i)[1]));
        }
        return new RequestHead(ViaStamp.stamp(text(viaStart, viaEnd), flow.transport(), flow.remoteIp(),
                flow.remotePort()), others, from(), text(toStart, toEnd), toTag != null, fromTag(), callId(),
                cseq + " " + method, branch, udpPort(flow));
    }

    private String text(int start, int end) {
        return new String(bytes, start, end - start, StandardCharsets.ISO_8859_1);
    }

    /** Where a UDP answer goes on the source address ({@link ViaStamp#udpPort}). */
    public int udpPort(Flow flow) {
        return ViaStamp.udpPort(rport, viaPort, flow.remotePort());
    }

    /** The request as read. */
    public byte[] bytes() {
        return bytes;
    }

    /**
     * The forwarded copy: {@code via} (a whole Via value) on top, the received one stamped with
     * where it came from ({@code source}), Max-Forwards one less (70 - 1 added when it had none),
     * the first {@code pop} Route values removed, and the Proxy-Authorization lines whose realm
     * {@code consumed} accepts (credentials for the edge, never for the next hop).
     */
    public byte[] forward(String via, int pop, Flow source, Predicate<String> consumed) {
        return forward(null, via, List.of(), pop, source, consumed);
    }

    /**
     * The same, with the Request-URI {@code requestUri} (null: unchanged) and {@code lines} (whole
     * header lines without their CRLF: Record-Route, Route) right below the new Via, so that they
     * come first among their kind.
     */
    public byte[] forward(String requestUri, String via, List<String> lines, int pop, Flow source,
                          Predicate<String> consumed) {
        byte[] stamped = ViaStamp.stamp(new String(bytes, viaStart, viaEnd - viaStart, StandardCharsets.ISO_8859_1),
                source.transport(), source.remoteIp(), source.remotePort()).getBytes(StandardCharsets.ISO_8859_1);
        StringBuilder head = new StringBuilder(via.length() + 40);
        if (requestUri != null) {
            head.append(method).append(' ').append(requestUri).append(" SIP/2.0\r\n");
        }
        head.append("Via: ").append(via).append("\r\n");
        for (String line : lines) {
            head.append(line).append("\r\n");
        }
        if (maxForwards < 0) {
            head.append("Max-Forwards: 69\r\n");
        }
        // Popped values are the first ones: a line loses a prefix of its values, or the whole line.
        List<int[]> cuts = new ArrayList<>(pop + 1);
        for (int i = 0; i < credentialLines.size(); i++) {
            if (consumed.test(credentialRealms.get(i))) {
                int[] line = credentialLines.get(i);
                cuts.add(new int[] {line[0], line[1]});
            }
        }
        int lineFirst = -1;
        for (int i = 0; i < pop; i++) {
            int[] r = routes.get(i);
            if (lineFirst < 0) {
                lineFirst = r[0];
            }
            boolean lastPoppedOnLine = i == pop - 1 || routes.get(i + 1)[2] != r[2];
            if (lastPoppedOnLine) {
                cuts.add(r[4] < 0 ? new int[] {r[2], r[3]} : new int[] {lineFirst, r[4]});
                lineFirst = -1;
            }
        }
        byte[] inserted = head.toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] mf = maxForwards < 0 ? new byte[0]
                : Integer.toString(maxForwards - 1).getBytes(StandardCharsets.ISO_8859_1);
        int keep = requestUri == null ? requestLineEnd : 0; // the request line, unless replaced
        int size = bytes.length - (requestLineEnd - keep) + inserted.length;
        for (int[] c : cuts) {
            size -= c[1] - c[0];
        }
        if (maxForwards >= 0) {
            size += mf.length - (maxForwardsEnd - maxForwardsStart);
        }
        size += stamped.length - (viaEnd - viaStart);
        byte[] out = new byte[size];
        int o = 0;
        System.arraycopy(bytes, 0, out, 0, keep);
        o += keep;
        System.arraycopy(inserted, 0, out, o, inserted.length);
        o += inserted.length;
        int at = requestLineEnd;
        // The edits in byte order: cuts never overlap each other or the Max-Forwards value.
        List<int[]> edits = new ArrayList<>(cuts);
        if (maxForwards >= 0) {
            edits.add(new int[] {maxForwardsStart, maxForwardsEnd, 1});
        }
        edits.add(new int[] {viaStart, viaEnd, 2});
        edits.sort((x, y) -> Integer.compare(x[0], y[0]));
        for (int[] e : edits) {
            System.arraycopy(bytes, at, out, o, e[0] - at);
            o += e[0] - at;
            byte[] replacement = e.length < 3 ? null : e[2] == 1 ? mf : stamped;
            if (replacement != null) {
                System.arraycopy(replacement, 0, out, o, replacement.length);
                o += replacement.length;
            }
            at = e[1];
        }
        System.arraycopy(bytes, at, out, o, bytes.length - at);
        return out;
    }

    /** A request of the shape this reader takes, or null. Never throws. */
    public static RawRequest scan(byte[] message) {
        try {
            return read(message);
        } catch (RuntimeException e) {
            return null; // a shape this reader did not foresee: the stack's parser decides
        }
    }

    /** What {@link #read} found so far. */
    private static final class Scan {
        final byte[] b;
        String method;
        int requestUriStart;
        int requestUriEnd;
        int requestLineEnd;
        String branch;
        boolean rport;
        int viaPort = -1;
        int viaStart = -1;
        int viaEnd = -1;
        final List<int[]> vias = new ArrayList<>(2);
        int fromStart = -1;
        int fromEnd;
        int toStart = -1;
        int toEnd;
        String toTag;
        int callIdStart = -1;
        int callIdEnd;
        long cseq = -1;
        boolean proxyRequire;
        int mf = -1;
        int mfStart = -1;
        int mfEnd = -1;
        int contentLength = -1;
        final List<int[]> routes = new ArrayList<>(2);
        final List<int[]> credentialLines = new ArrayList<>(0);
        final List<String> credentialRealms = new ArrayList<>(0);

        Scan(byte[] b) {
            this.b = b;
        }
    }

    private static RawRequest read(byte[] b) {
        int lineEnd = lineEnd(b, 0);
        if (lineEnd < 0) {
            return null;
        }
        int sp1 = indexOf(b, (byte) ' ', 0, lineEnd);
        int sp2 = sp1 < 0 ? -1 : indexOf(b, (byte) ' ', sp1 + 1, lineEnd);
        if (sp1 <= 0 || sp2 < 0 || sp2 == sp1 + 1 || !region(b, sp2 + 1, lineEnd, "SIP/2.0")) {
            return null;
        }
        for (int i = 0; i < sp1; i++) {
            if (b[i] < 'A' || b[i] > 'Z') {
                return null; // an extension method in lower case: the parser knows
            }
        }
        Scan r = new Scan(b);
        r.method = new String(b, 0, sp1, StandardCharsets.US_ASCII);
        r.requestUriStart = sp1 + 1;
        r.requestUriEnd = sp2;
        int at = lineEnd + 2;
        r.requestLineEnd = at;
        while (true) {
            int end = lineEnd(b, at);
            if (end < 0) {
                return null;
            }
            if (end == at) {
                break;
            }
            if (b[at] == ' ' || b[at] == '\t') {
                return null; // a folded line
            }
            int colon = indexOf(b, (byte) ':', at, end);
            if (colon < 0) {
                return null;
            }
            int nameEnd = trimBlanks(b, at, colon);
            int value = skipBlanks(b, colon + 1, end);
            int valueEnd = trimBlanks(b, value, end);
            if (!header(r, at, nameEnd, value, valueEnd, end)) {
                return null;
            }
            at = end + 2;
        }
        int body = b.length - (at + 2);
        if (r.viaStart < 0 || r.toTag == null || r.fromStart < 0 || r.callIdStart < 0 || r.cseq < 0
                || r.contentLength >= 0 && r.contentLength != body) {
            return null;
        }
        return new RawRequest(r);
    }

    /** Reads one header line, {@code b[line, end)} with its value at {@code b[value, valueEnd)}; false: not this shape. */
    private static boolean header(Scan r, int line, int nameEnd, int value, int valueEnd, int end) {
        byte[] b = r.b;
        if (is(b, line, nameEnd, "via") || is(b, line, nameEnd, "v")) {
            if (indexOf(b, (byte) '"', value, valueEnd) >= 0) {
                return false; // a quoted comma would not split values
            }
            int s = value;
            while (true) {
                int comma = indexOf(b, (byte) ',', s, valueEnd);
                int e = comma < 0 ? valueEnd : comma;
                int ve = trimBlanks(b, s, e);
                if (ve == s) {
                    return false;
                }
                r.vias.add(new int[] {s, ve});
                if (comma < 0) {
                    break;
                }
                s = skipBlanks(b, comma + 1, valueEnd);
            }
            if (r.viaStart < 0) {
                topVia(r, r.vias.get(0));
            }
        } else if (is(b, line, nameEnd, "to") || is(b, line, nameEnd, "t")) {
            if (r.toTag != null) {
                return false;
            }
            r.toStart = value;
            r.toEnd = valueEnd;
            String tag = tag(new String(b, value, valueEnd - value, StandardCharsets.ISO_8859_1));
            r.toTag = tag == null ? "" : tag;
        } else if (is(b, line, nameEnd, "from") || is(b, line, nameEnd, "f")) {
            if (r.fromStart >= 0 || valueEnd == value) {
                return false;
            }
            r.fromStart = value;
            r.fromEnd = valueEnd;
        } else if (is(b, line, nameEnd, "call-id") || is(b, line, nameEnd, "i")) {
            if (r.callIdStart >= 0 || valueEnd == value) {
                return false;
            }
            r.callIdStart = value;
            r.callIdEnd = valueEnd;
        } else if (is(b, line, nameEnd, "max-forwards")) {
            if (r.mf >= 0 || valueEnd == value || valueEnd - value > 3) {
                return false;
            }
            r.mf = (int) number(b, value, valueEnd);
            r.mfStart = value;
            r.mfEnd = valueEnd;
        } else if (is(b, line, nameEnd, "cseq")) {
            int space = indexOf(b, (byte) ' ', value, valueEnd);
            if (r.cseq >= 0 || space <= value || space - value > 10) {
                return false;
            }
            long n = number(b, value, space);
            int m = space + 1;
            while (m < valueEnd && b[m] == ' ') {
                m++;
            }
            if (n >= 1L << 31 || !region(b, m, valueEnd, r.method)) {
                return false; // a CSeq of another method: the parsed path's 400
            }
            r.cseq = n;
        } else if (is(b, line, nameEnd, "content-length") || is(b, line, nameEnd, "l")) {
            if (r.contentLength >= 0 || valueEnd == value || valueEnd - value > 7) {
                return false;
            }
            r.contentLength = (int) number(b, value, valueEnd);
        } else if (is(b, line, nameEnd, "proxy-require")) {
            r.proxyRequire = true;
        } else if (is(b, line, nameEnd, "proxy-authorization")) {
            r.credentialLines.add(new int[] {line, end + 2, value, valueEnd});
            r.credentialRealms.add(realm(new String(b, value, valueEnd - value, StandardCharsets.ISO_8859_1)));
        } else if (is(b, line, nameEnd, "route")) {
            return routeValues(b, line, value, end, r.routes);
        }
        return true;
    }

    /** Reads the top Via value {@code [start, end]}: its sent-by port, branch and rport. */
    private static void topVia(Scan r, int[] v) {
        r.viaStart = v[0];
        r.viaEnd = v[1];
        String top = new String(r.b, v[0], v[1] - v[0], StandardCharsets.ISO_8859_1);
        int semi = top.indexOf(';');
        String sentBy = (semi < 0 ? top : top.substring(0, semi)).strip();
        int space = sentBy.indexOf(' ');
        String hostPort = space < 0 ? "" : sentBy.substring(space + 1).strip();
        int portColon = hostPort.lastIndexOf(':');
        if (portColon > 0 && hostPort.indexOf(']') < portColon) {
            r.viaPort = Integer.parseInt(hostPort.substring(portColon + 1).strip());
        }
        String branch = parameter(top, "branch");
        r.branch = branch != null && branch.isEmpty() ? null : branch;
        r.rport = parameter(top, "rport") != null;
    }

    /** The Route values of the line {@code b[line, end)}, each {@code <...>} with its parameters. */
    private static boolean routeValues(byte[] b, int line, int value, int end, List<int[]> out) {
        List<int[]> values = new ArrayList<>(2);
        int i = value;
        while (i < end) {
            if (b[i] != '<') {
                return false;
            }
            int gt = indexOf(b, (byte) '>', i, end);
            if (gt < 0) {
                return false;
            }
            int comma = indexOf(b, (byte) ',', gt, end);
            int ve = trimBlanks(b, i, comma < 0 ? end : comma);
            values.add(new int[] {i, ve});
            if (comma < 0) {
                break;
            }
            i = skipBlanks(b, comma + 1, end);
            if (i == end) {
                return false;
            }
        }
        for (int k = 0; k < values.size(); k++) {
            int[] v = values.get(k);
            out.add(new int[] {v[0], v[1], line, end + 2, k + 1 < values.size() ? values.get(k + 1)[0] : -1});
        }
        return true;
    }

    /** The realm of Digest credentials ({@code realm="example.com"}), or null. */
    private static String realm(String credentials) {
        int i = credentials.toLowerCase(java.util.Locale.ROOT).indexOf("realm");
        while (i >= 0) {
            int eq = i + 5;
            while (eq < credentials.length() && credentials.charAt(eq) == ' ') {
                eq++;
            }
            boolean boundary = i == 0 || " ,".indexOf(credentials.charAt(i - 1)) >= 0;
            if (boundary && eq < credentials.length() && credentials.charAt(eq) == '=') {
                String v = credentials.substring(eq + 1).strip();
                if (v.startsWith("\"")) {
                    int close = v.indexOf('"', 1);
                    return close < 0 ? null : v.substring(1, close);
                }
                int comma = v.indexOf(',');
                return (comma < 0 ? v : v.substring(0, comma)).strip();
            }
            i = credentials.toLowerCase(java.util.Locale.ROOT).indexOf("realm", i + 5);
        }
        return null;
    }

    /** The tag parameter of a From or To value, or null. */
    private static String tag(String value) {
        int gt = value.lastIndexOf('>');
        String params = gt < 0 ? value : value.substring(gt + 1);
        for (String p : params.split(";")) {
            int eq = p.indexOf('=');
            if (eq > 0 && p.substring(0, eq).strip().equalsIgnoreCase("tag")) {
                String t = p.substring(eq + 1).strip();
                return t.isEmpty() ? null : t;
            }
        }
        return null;
    }
}
