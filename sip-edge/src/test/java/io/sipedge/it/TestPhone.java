package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.sipedge.it.SipTestClient.SipResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A scripted phone for proxy tests: registers with digest over UDP, TCP, TLS, WS or WSS, calls
 * (answering the edge's 407), answers calls, and builds in-dialog requests from the route set the
 * way RFC 3261 §12 says. Every message is plain text the test can inspect; nothing is hidden.
 */
final class TestPhone implements AutoCloseable {
    /** The transports a phone can use. */
    enum Via { UDP, TCP, TLS, WS, WSS }

    final Via transport;
    final String user;
    final String domain;
    final String password;
    private final SipTestClient sip;
    private final WebSocketTestClient ws;
    private final List<SipResponse> backlog = new ArrayList<>();
    private int cseq = 1;
    /** Parameters after the Contact's URI in a REGISTER, e.g. {@code ;q=0.5}. */
    String contactParams = "";

    TestPhone(EdgeUnderTest edge, Via transport, String user, String domain, String password) throws Exception {
        this(edge.sipPort(), edge.sipTlsPort(), edge.transports().wsPort(), edge.transports().wssPort(), transport,
                user, domain, password);
    }

    /** A phone of an edge in another process, known by its ports. */
    TestPhone(int sipPort, int tlsPort, int wsPort, int wssPort, Via transport, String user, String domain,
              String password) throws Exception {
        this.transport = transport;
        this.user = user;
        this.domain = domain;
        this.password = password;
        switch (transport) {
            case UDP, TCP -> {
                sip = new SipTestClient(SipTestClient.Transport.valueOf(transport.name()), sipPort);
                ws = null;
            }
            case TLS -> {
                sip = new SipTestClient(SipTestClient.Transport.TLS, tlsPort);
                ws = null;
            }
            default -> {
                sip = null;
                boolean tls = transport == Via.WSS;
                ws = WebSocketTestClient.open(tls ? wssPort : wsPort, tls);
            }
        }
    }

    int localPort() {
        return sip != null ? sip.localPort() : ws.localPort();
    }

    String token() {
        return transport.name().toLowerCase(Locale.ROOT);
    }

    /** The phone's own Contact URI (a browser's is an {@code .invalid} host: only its connection reaches it). */
    String contactUri() {
        String host = sip != null ? "127.0.0.1:" + localPort() : "df7jal23ls0d.invalid";
        return "sip:" + user + "@" + host + ";transport=" + token();
    }

    String aor() {
        return "sip:" + user + "@" + domain;
    }

    void send(String text) throws IOException {
        String crlf = text.replace("\r\n", "\n").replace("\n", "\r\n");
        if (sip != null) {
            sip.sendText(crlf);
        } else {
            ws.sendText(crlf);
        }
    }

    /** The next message from the edge (requests too: their status is 0), or null after {@code ms}. */
    SipResponse next(int ms) throws IOException {
        if (!backlog.isEmpty()) {
            return backlog.remove(0);
        }
        return read(ms);
    }

    private SipResponse read(int ms) throws IOException {
        if (sip != null) {
            return sip.receive(ms);
        }
        WebSocketTestClient.Frame f = ws.readFrame(ms);
        return f == null ? null : SipResponse.parse(f.text());
    }

    /** Waits for the first message matching {@code what}; others seen meanwhile are kept for later. */
    SipResponse await(Predicate<SipResponse> what, int ms, String description) throws IOException {
        for (int i = 0; i < backlog.size(); i++) {
            if (what.test(backlog.get(i))) {
                return backlog.remove(i);
            }
        }
        long deadline = System.nanoTime() + ms * 1_000_000L;
        List<SipResponse> skipped = new ArrayList<>();
        try {
            while (true) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    throw new AssertionError(user + " waited " + ms + " ms for " + description + "; got " + skipped);
                }
                SipResponse m = read((int) left);
                if (m == null) {
                    continue;
                }
                if (what.test(m)) {
                    return m;
                }
                skipped.add(m);
            }
        } finally {
            backlog.addAll(skipped);
        }
    }

    SipResponse awaitRequest(String method) throws IOException {
        return await(m -> isRequest(m, method), 5000, method);
    }

    SipResponse awaitResponse(int status, String method) throws IOException {
        return await(m -> m.status() == status && cseqMethod(m).equals(method), 5000, status + " to " + method);
    }

    /** The next final response (200-699) to {@code method}. */
    SipResponse awaitFinal(String method) throws IOException {
        return await(m -> m.status() >= 200 && cseqMethod(m).equals(method), 5000, "a final response to " + method);
    }

    /** True when nothing but what {@code ignore} accepts arrives within {@code ms}. */
    boolean quiet(int ms, Predicate<SipResponse> ignore) throws IOException {
        long deadline = System.nanoTime() + ms * 1_000_000L;
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0) {
                return true;
            }
            SipResponse m = next((int) left);
            if (m != null && !ignore.test(m)) {
                backlog.add(m);
                return false;
            }
        }
    }

    static boolean isRequest(SipResponse m, String method) {
        return m.status() == 0 && m.raw().startsWith(method + " ");
    }

    static String cseqMethod(SipResponse m) {
        String cseq = m.first("CSeq");
        return cseq == null ? "" : cseq.substring(cseq.indexOf(' ') + 1).strip();
    }

    /** Registers its own contact with digest (MD5), expecting 200. */
    TestPhone register() throws IOException {
        String text = registerText(null);
        send(text);
        SipResponse challenge = awaitFinal("REGISTER");
        assertEquals(401, challenge.status(), challenge.raw());
        send(registerText(SipTestClient.authorization(challenge, user, password, "sip:" + domain, "MD5", 1)));
        SipResponse ok = awaitFinal("REGISTER");
        assertEquals(200, ok.status(), ok.raw());
        return this;
    }

    private String registerText(String authorization) {
        return "REGISTER sip:" + domain + " SIP/2.0\n" + via() + "Max-Forwards: 70\n"
                + "From: <" + aor() + ">;tag=r" + user + "\nTo: <" + aor() + ">\nCall-ID: reg-" + user + "-" + localPort()
                + "\nCSeq: " + cseq++ + " REGISTER\nContact: <" + contactUri() + ">" + contactParams + "\n"
                + (authorization == null ? "" : authorization + "\n") + "Content-Length: 0\n\n";
    }

    String via() {
        String host = sip != null ? "127.0.0.1:" + localPort() : "df7jal23ls0d.invalid";
        return "Via: SIP/2.0/" + transport.name() + " " + host + ";branch=z9hG4bK" + SipTestClient.randomHex(8)
                + ";rport\n";
    }

    // ---- calling -----------------------------------------------------------------------------

    /** A call or other request this phone sent: what later requests of it repeat. */
    final class Outgoing {
        final String method;
        final String target;
        final String callId = SipTestClient.randomHex(8) + "@" + user;
        final String fromTag = SipTestClient.randomHex(4);
        String lastText;
        int number;

        Outgoing(String method, String target) {
            this.method = method;
            this.target = target;
        }

        /** The request text with a new branch and CSeq; {@code extra} header lines added. */
        String text(String body, String... extra) {
            number = cseq++;
            StringBuilder sb = new StringBuilder();
            sb.append(method).append(' ').append(target).append(" SIP/2.0\n").append(via())
                    .append("Max-Forwards: 70\nFrom: <").append(aor()).append(">;tag=").append(fromTag)
                    .append("\nTo: <").append(target).append(">\nCall-ID: ").append(callId).append("\nCSeq: ")
                    .append(number).append(' ').append(method).append("\nContact: <").append(contactUri()).append(">\n");
            for (String h : extra) {
                sb.append(h).append('\n');
            }
            if (body != null) {
                sb.append("Content-Type: ").append(method.equals("MESSAGE") ? "text/plain" : "application/sdp")
                        .append("\nContent-Length: ").append(body.length()).append("\n\n").append(body);
            } else {
                sb.append("Content-Length: 0\n\n");
            }
            lastText = sb.toString();
            return lastText;
        }

        /** The ACK of a non-2xx final to the last request: its branch, the To of the response. */
        String ackFor(SipResponse finalResponse) {
            String via = lastText.lines().filter(l -> l.startsWith("Via:")).findFirst().orElseThrow();
            return "ACK " + target + " SIP/2.0\n" + via + "\nMax-Forwards: 70\nFrom: <" + aor() + ">;tag=" + fromTag
                    + "\nTo: " + finalResponse.first("To") + "\nCall-ID: " + callId + "\nCSeq: " + number + " ACK\n"
                    + "Content-Length: 0\n\n";
        }

        /** CANCEL of the last request: its branch and CSeq number. */
        String cancel() {
            String via = lastText.lines().filter(l -> l.startsWith("Via:")).findFirst().orElseThrow();
            return "CANCEL " + target + " SIP/2.0\n" + via + "\nMax-Forwards: 70\nFrom: <" + aor() + ">;tag=" + fromTag
                    + "\nTo: <" + target + ">\nCall-ID: " + callId + "\nCSeq: " + number + " CANCEL\n"
                    + "Content-Length: 0\n\n";
        }
    }

    /**
     * Sends {@code method} to {@code target} and answers the edge's 407 once; returns the request
     * and the first response after the authenticated request that is not a 100.
     */
    Outgoing sendAuthenticated(String method, String target, String body, String... extra) throws IOException {
        Outgoing out = new Outgoing(method, target);
        send(out.text(body, extra));
        SipResponse challenge = await(m -> m.status() >= 200 && cseqMethod(m).equals(method), 5000,
                "407 to " + method);
        assertEquals(407, challenge.status(), challenge.raw());
        if (method.equals("INVITE")) {
            send(out.ackFor(challenge));
        }
        String[] withAuth = java.util.Arrays.copyOf(extra, extra.length + 1);
        withAuth[extra.length] = proxyAuthorization(challenge, method, target);
        send(out.text(body, withAuth));
        return out;
    }

    String proxyAuthorization(SipResponse challenge, String method, String uri) {
        Map<String, String> c = null;
        for (String v : challenge.all("Proxy-Authenticate")) {
            Map<String, String> p = SipResponse.params(v.replaceFirst("(?i)^Digest\\s+", ""));
            if ("MD5".equalsIgnoreCase(p.getOrDefault("algorithm", "MD5"))) {
                c = p;
            }
        }
        assertNotNull(c, "no MD5 Proxy-Authenticate in\n" + challenge.raw());
        String cnonce = SipTestClient.randomHex(8);
        String ha1 = SipTestClient.hash("MD5", user + ":" + c.get("realm") + ":" + password);
        String ha2 = SipTestClient.hash("MD5", method + ":" + uri);
        String response = SipTestClient.hash("MD5", ha1 + ":" + c.get("nonce") + ":00000001:" + cnonce + ":auth:" + ha2);
        return "Proxy-Authorization: Digest username=\"" + user + "\", realm=\"" + c.get("realm") + "\", nonce=\""
                + c.get("nonce") + "\", uri=\"" + uri + "\", response=\"" + response
                + "\", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"" + cnonce + "\"";
    }

    // ---- answering ---------------------------------------------------------------------------

    /** A response to {@code request}: its Vias, From, To (with {@code toTag} if it had none), Call-ID, CSeq. */
    String response(SipResponse request, int status, String reason, String toTag, String... extra) {
        StringBuilder sb = new StringBuilder("SIP/2.0 ").append(status).append(' ').append(reason).append('\n');
        for (String v : vias(request)) {
            sb.append("Via: ").append(v).append('\n');
        }
        String to = request.first("To");
        if (!to.contains(";tag=") && toTag != null) {
            to = to + ";tag=" + toTag;
        }
        sb.append("From: ").append(request.first("From")).append("\nTo: ").append(to).append("\nCall-ID: ")
                .append(request.first("Call-ID")).append("\nCSeq: ").append(request.first("CSeq")).append('\n');
        boolean dialog = status > 100 && status < 300 && isRequest(request, "INVITE");
        if (dialog) {
            for (String rr : request.all("Record-Route")) {
                sb.append("Record-Route: ").append(rr).append('\n');
            }
            sb.append("Contact: <").append(contactUri()).append(">\n");
        }
        for (String h : extra) {
            sb.append(h).append('\n');
        }
        sb.append("Content-Length: 0\n\n");
        return sb.toString();
    }

    // ---- in a dialog ---------------------------------------------------------------------------

    /**
     * A dialog as one side sees it (RFC 3261 §12.1): the route set, the remote target, the tags.
     * Built by the caller from a 2xx, by the callee from the INVITE.
     */
    final class Dialog {
        final String callId;
        final String localTag;
        final String remoteTag;
        final String remoteUri;
        final String remoteTarget;
        final List<String> routeSet;
        int localCseq;

        Dialog(String callId, String localTag, String remoteTag, String remoteUri, String remoteTarget,
               List<String> routeSet, int localCseq) {
            this.callId = callId;
            this.localTag = localTag;
            this.remoteTag = remoteTag;
            this.remoteUri = remoteUri;
            this.remoteTarget = remoteTarget;
            this.routeSet = routeSet;
            this.localCseq = localCseq;
        }

        /** A request in this dialog: R-URI the remote target, Route the route set. */
        String request(String method, int number) {
            StringBuilder sb = new StringBuilder();
            sb.append(method).append(' ').append(remoteTarget).append(" SIP/2.0\n").append(via())
                    .append("Max-Forwards: 70\nFrom: <").append(aor()).append(">;tag=").append(localTag)
                    .append("\nTo: <").append(remoteUri).append(">;tag=").append(remoteTag).append("\nCall-ID: ")
                    .append(callId).append("\nCSeq: ").append(number).append(' ').append(method).append('\n');
            for (String r : routeSet) {
                sb.append("Route: ").append(r).append('\n');
            }
            if (method.equals("INVITE")) {
                sb.append("Contact: <").append(contactUri()).append(">\n");
            }
            sb.append("Content-Length: 0\n\n");
            return sb.toString();
        }

        String request(String method) {
            return request(method, ++localCseq);
        }
    }

    /** The caller's dialog from the 2xx: route set = Record-Route reversed. */
    Dialog dialogFromAnswer(Outgoing call, SipResponse ok) {
        List<String> routes = new ArrayList<>(splitRoutes(ok.all("Record-Route")));
        Collections.reverse(routes);
        return new Dialog(call.callId, call.fromTag, tag(ok.first("To")), call.target, uri(ok.first("Contact")),
                routes, call.number);
    }

    /** The callee's dialog from the INVITE it answered with {@code toTag}. */
    Dialog dialogFromRequest(SipResponse invite, String toTag) {
        return new Dialog(invite.first("Call-ID"), toTag, tag(invite.first("From")), uri(invite.first("From")),
                uri(invite.first("Contact")), splitRoutes(invite.all("Record-Route")), 100);
    }

    /** The Via values of a message, whether on their own lines or comma-joined (RFC 3261 §7.3.1). */
    static List<String> vias(SipResponse m) {
        List<String> out = new ArrayList<>();
        for (String v : m.all("Via")) {
            for (String part : v.split(",(?=\\s*SIP/)")) {
                out.add(part.strip());
            }
        }
        return out;
    }

    static List<String> splitRoutes(List<String> values) {
        List<String> out = new ArrayList<>();
        for (String v : values) {
            for (String part : v.split(",(?=\\s*<)")) {
                out.add(part.strip());
            }
        }
        return out;
    }

    static String tag(String header) {
        int i = header.indexOf(";tag=");
        if (i < 0) {
            return null;
        }
        String t = header.substring(i + 5);
        int end = t.indexOf(';');
        return end < 0 ? t.strip() : t.substring(0, end).strip();
    }

    static String uri(String header) {
        int lt = header.indexOf('<');
        return lt >= 0 ? header.substring(lt + 1, header.indexOf('>')) : header.split(";")[0].strip();
    }

    @Override
    public void close() throws IOException {
        if (sip != null) {
            sip.close();
        } else {
            ws.close();
        }
    }
}
