package io.sipedge.sip.wire;

import static io.sipedge.sip.wire.HeaderBytes.digit;
import static io.sipedge.sip.wire.HeaderBytes.indexOf;
import static io.sipedge.sip.wire.HeaderBytes.is;
import static io.sipedge.sip.wire.HeaderBytes.lineEnd;
import static io.sipedge.sip.wire.HeaderBytes.parameter;
import static io.sipedge.sip.wire.HeaderBytes.region;

import io.sipedge.model.Flow;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A request read in place, as far as a proxy forwarding it along a dialog's route needs: the
 * method, the top Via (its branch, and where a UDP answer goes), the To tag, Max-Forwards, and the
 * Route values in order. {@link #forward} writes the forwarded copy by splicing bytes: a new Via on
 * top, Max-Forwards one less, the first Route values removed; every other byte (the body, Contact,
 * the other headers) passes untouched. A request of a shape this reader does not take (folded or
 * bare-LF lines, several Max-Forwards, a Via or Route it cannot split) is null, and the stack's
 * parser reads it instead.
 */
public final class RawRequest {
    private final byte[] bytes;
    private final String method;
    private final int requestLineEnd;
    private final String branch;
    /** The top Via value's bytes: a forwarded copy carries it stamped (RFC 3261 §18.2.1, RFC 3581). */
    private final int viaStart;
    private final int viaEnd;
    private final boolean rport;
    private final int viaPort;
    private final String toTag;
    private final int maxForwards;
    private final int maxForwardsStart;
    private final int maxForwardsEnd;
    /**
     * Route values in order: [valueStart, valueEnd, lineStart, lineEnd after its CRLF, the start of
     * the next value on the same line or -1].
     */
    private final List<int[]> routes;
    /** Proxy-Authorization lines: [lineStart, lineEnd after its CRLF], and the realm each names (or null). */
    private final List<int[]> credentialLines;
    private final List<String> credentialRealms;

    private RawRequest(byte[] bytes, String method, int requestLineEnd, String branch, int viaStart, int viaEnd,
                       boolean rport, int viaPort, String toTag, int maxForwards, int maxForwardsStart,
                       int maxForwardsEnd, List<int[]> routes, List<int[]> credentialLines,
                       List<String> credentialRealms) {
        this.bytes = bytes;
        this.method = method;
        this.requestLineEnd = requestLineEnd;
        this.branch = branch;
        this.viaStart = viaStart;
        this.viaEnd = viaEnd;
        this.rport = rport;
        this.viaPort = viaPort;
        this.toTag = toTag;
        this.maxForwards = maxForwards;
        this.maxForwardsStart = maxForwardsStart;
        this.maxForwardsEnd = maxForwardsEnd;
        this.routes = routes;
        this.credentialLines = credentialLines;
        this.credentialRealms = credentialRealms;
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

    /** The URI user part of Route value {@code i} ({@code <sip:USER@host;lr>}), or null. */
    public String routeUser(int i) {
        int[] r = routes.get(i);
        String value = new String(bytes, r[0], r[1] - r[0], StandardCharsets.ISO_8859_1);
        int lt = value.indexOf('<');
        int colon = value.indexOf(':', lt + 1);
        int at = value.indexOf('@', colon + 1);
        int gt = value.indexOf('>');
        if (lt != 0 || colon < 0 || at < 0 || gt < at || !value.regionMatches(true, 1, "sip", 0, colon - 1)) {
            return null;
        }
        return value.substring(colon + 1, at);
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
                cuts.add(credentialLines.get(i));
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

    private static RawRequest read(byte[] b) {
        int lineEnd = lineEnd(b, 0);
        if (lineEnd < 0) {
            return null;
        }
        int sp1 = indexOf(b, (byte) ' ', 0, lineEnd);
        int sp2 = sp1 < 0 ? -1 : indexOf(b, (byte) ' ', sp1 + 1, lineEnd);
        if (sp1 <= 0 || sp2 < 0 || !region(b, sp2 + 1, lineEnd, "SIP/2.0")) {
            return null;
        }
        for (int i = 0; i < sp1; i++) {
            if (b[i] < 'A' || b[i] > 'Z') {
                return null; // an extension method in lower case: the parser knows
            }
        }
        String method = new String(b, 0, sp1, StandardCharsets.US_ASCII);
        int at = lineEnd + 2;
        int requestLineEnd = at;
        String branch = null;
        boolean rport = false;
        int viaPort = -1;
        boolean viaSeen = false;
        int viaStart = -1;
        int viaEnd = -1;
        String toTag = null;
        int mf = -1;
        int mfStart = -1;
        int mfEnd = -1;
        List<int[]> routes = new ArrayList<>(2);
        List<int[]> credentialLines = new ArrayList<>(0);
        List<String> credentialRealms = new ArrayList<>(0);
        boolean cseqSeen = false;
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
            int nameEnd = colon;
            while (nameEnd > at && (b[nameEnd - 1] == ' ' || b[nameEnd - 1] == '\t')) {
                nameEnd--;
            }
            int value = colon + 1;
            while (value < end && (b[value] == ' ' || b[value] == '\t')) {
                value++;
            }
            if (!viaSeen && (is(b, at, nameEnd, "via") || is(b, at, nameEnd, "v"))) {
                viaSeen = true;
                int comma = indexOf(b, (byte) ',', value, end);
                viaStart = value;
                viaEnd = comma < 0 ? end : comma;
                while (viaEnd > viaStart && (b[viaEnd - 1] == ' ' || b[viaEnd - 1] == '\t')) {
                    viaEnd--;
                }
                String top = new String(b, value, viaEnd - value, StandardCharsets.ISO_8859_1);
                int semi = top.indexOf(';');
                String sentBy = (semi < 0 ? top : top.substring(0, semi)).strip();
                int space = sentBy.indexOf(' ');
                String hostPort = space < 0 ? "" : sentBy.substring(space + 1).strip();
                int portColon = hostPort.lastIndexOf(':');
                if (portColon > 0 && hostPort.indexOf(']') < portColon) {
                    viaPort = Integer.parseInt(hostPort.substring(portColon + 1).strip());
                }
                branch = parameter(top, "branch");
                if (branch != null && branch.isEmpty()) {
                    branch = null;
                }
                rport = parameter(top, "rport") != null;
            } else if (is(b, at, nameEnd, "to") || is(b, at, nameEnd, "t")) {
                if (toTag != null) {
                    return null;
                }
                toTag = tag(new String(b, value, end - value, StandardCharsets.ISO_8859_1));
                if (toTag == null) {
                    toTag = "";
                }
            } else if (is(b, at, nameEnd, "max-forwards")) {
                if (mf >= 0) {
                    return null;
                }
                int ve = end;
                while (ve > value && (b[ve - 1] == ' ' || b[ve - 1] == '\t')) {
                    ve--;
                }
                if (ve == value || ve - value > 3) {
                    return null;
                }
                mf = 0;
                for (int i = value; i < ve; i++) {
                    mf = mf * 10 + digit(b[i]);
                }
                mfStart = value;
                mfEnd = ve;
            } else if (is(b, at, nameEnd, "cseq")) {
                int space = indexOf(b, (byte) ' ', value, end);
                int m = space + 1;
                while (m < end && b[m] == ' ') {
                    m++;
                }
                int me = end;
                while (me > m && (b[me - 1] == ' ' || b[me - 1] == '\t')) {
                    me--;
                }
                if (space < 0 || !region(b, m, me, method)) {
                    return null; // a CSeq of another method: the parsed path's 400
                }
                cseqSeen = true;
            } else if (is(b, at, nameEnd, "proxy-authorization")) {
                credentialLines.add(new int[] {at, end + 2});
                credentialRealms.add(realm(new String(b, value, end - value, StandardCharsets.ISO_8859_1)));
            } else if (is(b, at, nameEnd, "route")) {
                if (!routeValues(b, at, value, end, routes)) {
                    return null;
                }
            }
            at = end + 2;
        }
        if (!viaSeen || toTag == null || !cseqSeen) {
            return null;
        }
        return new RawRequest(b, method, requestLineEnd, branch, viaStart, viaEnd, rport, viaPort,
                toTag.isEmpty() ? null : toTag, mf, mfStart, mfEnd, routes, credentialLines, credentialRealms);
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
            int ve = comma < 0 ? end : comma;
            while (ve > i && (b[ve - 1] == ' ' || b[ve - 1] == '\t')) {
                ve--;
            }
            values.add(new int[] {i, ve});
            if (comma < 0) {
                break;
            }
            i = comma + 1;
            while (i < end && (b[i] == ' ' || b[i] == '\t')) {
                i++;
            }
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
