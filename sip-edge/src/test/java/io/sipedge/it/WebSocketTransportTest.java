package io.sipedge.it;

import static io.sipedge.loadtest.transport.WebSocketFrames.BINARY;
import static io.sipedge.loadtest.transport.WebSocketFrames.CLOSE;
import static io.sipedge.loadtest.transport.WebSocketFrames.CONTINUATION;
import static io.sipedge.loadtest.transport.WebSocketFrames.PING;
import static io.sipedge.loadtest.transport.WebSocketFrames.PONG;
import static io.sipedge.loadtest.transport.WebSocketFrames.TEXT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipedge.it.SipTestClient.SipResponse;
import io.sipedge.it.WebSocketTestClient.Frame;
import io.sipedge.it.WebSocketTestClient.HttpAnswer;
import io.sipedge.loadtest.transport.WebSocketHandshake;
import io.sipedge.model.Aor;
import io.sipedge.model.Binding;
import io.sipedge.model.Device;
import io.sipedge.model.Transport;
import io.sipedge.testing.PrometheusText;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SIP over WebSocket (RFC 7118) against the running edge, over real sockets with a raw client: the
 * digest registration over WS and WSS and what the binding keeps, bindings that go with their
 * connection, the CRLF keepalive, PINGs, and hostile handshakes and frames, each followed by a
 * phone that still registers.
 *
 * <p>Three edges: one with small connection bounds for most tests, one with an Origin allow-list,
 * one that PINGs every second.
 */
@Timeout(60)
class WebSocketTransportTest {
    private static final String D = "ws.example.com";
    /** Also the WebSocket handshake timeout (plus the TLS handshake's, over WSS). */
    private static final int READ_MS = 500;
    private static final int IDLE_MS = 2500;
    private static final int PER_IP = 50;
    private static final int MAX_MESSAGE = 8192;
    private static final String APP = "https://app.example.com";
    /** The made-up host a browser's stack puts in its Via and Contact (RFC 7118 §5). */
    private static final String INVALID_HOST = "abc.invalid";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static EdgeUnderTest edge;
    static EdgeUnderTest originEdge;
    static EdgeUnderTest pingEdge;

    @BeforeAll
    static void start() throws Exception {
        // The other two need no WSS: without a TLS listener they skip generating a certificate.
        CompletableFuture<EdgeUnderTest> origins = CompletableFuture.supplyAsync(() -> startEdge(
                "sip.ws-allowed-origins=" + APP, "sip.tls-port=-1", "sip.wss-port=-1"));
        CompletableFuture<EdgeUnderTest> pings = CompletableFuture.supplyAsync(() -> startEdge(
                "sip.ws-ping-interval-seconds=1", "sip.ws-ping-misses=2", "sip.tls-port=-1", "sip.wss-port=-1"));
        edge = EdgeUnderTest.start("sip.read-timeout-ms=" + READ_MS, "sip.connection-idle-timeout-ms=" + IDLE_MS,
                "sip.max-connections-per-ip=" + PER_IP, "sip.max-message-size=" + MAX_MESSAGE,
                EdgeUnderTest.BOTH_DIGESTS);
        originEdge = origins.get(30, TimeUnit.SECONDS);
        pingEdge = pings.get(30, TimeUnit.SECONDS);
        for (String u : List.of("alice", "bob", "carol", "dave", "erin", "frank", "probe")) {
            edge.user(D, u, password(u));
        }
        originEdge.user(D, "probe", password("probe"));
        pingEdge.user(D, "alice", password("alice"));
        pingEdge.user(D, "bob", password("bob"));
    }

    private static EdgeUnderTest startEdge(String... sets) {
        try {
            return EdgeUnderTest.start(sets);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        for (EdgeUnderTest e : new EdgeUnderTest[] {edge, originEdge, pingEdge}) {
            if (e != null) {
                e.close();
            }
        }
    }

    // ------------------------------------------------------------------ SIP over the client

    private static String password(String user) {
        return user + "-secret-pw";
    }

    /** A REGISTER as JsSIP and SIP.js send it: Via and Contact on a made-up {@code .invalid} host. */
    private static String register(String transport, String user, String callId, int cseq, String branch,
                                   String contact, String... extraHeaders) {
        StringBuilder sb = new StringBuilder();
        sb.append("REGISTER sip:").append(D).append(" SIP/2.0\r\n");
        sb.append("Via: SIP/2.0/").append(transport).append(' ').append(INVALID_HOST).append(";branch=").append(branch)
                .append("\r\n");
        sb.append("Max-Forwards: 70\r\n");
        sb.append("From: <sip:").append(user).append('@').append(D).append(">;tag=ws").append(cseq).append("\r\n");
        sb.append("To: <sip:").append(user).append('@').append(D).append(">\r\n");
        sb.append("Call-ID: ").append(callId).append("\r\n");
        sb.append("CSeq: ").append(cseq).append(" REGISTER\r\n");
        sb.append("Contact: ").append(contact).append("\r\n");
        sb.append("Expires: 600\r\n");
        for (String h : extraHeaders) {
            sb.append(h).append("\r\n");
        }
        sb.append("User-Agent: ws-test/1.0\r\n");
        sb.append("Content-Length: 0\r\n\r\n");
        return sb.toString();
    }

    private static String contact(String transport) {
        return "<sip:x@" + INVALID_HOST + ";transport=" + transport.toLowerCase(Locale.ROOT) + ">";
    }

    private static String branch() {
        return "z9hG4bK" + SipTestClient.randomHex(6);
    }

    /** Sends one SIP message as one text frame; the answer must be one whole text frame (RFC 7118 §5). */
    private static SipResponse exchange(WebSocketTestClient ws, String message) throws IOException {
        ws.sendText(message);
        return answer(ws);
    }

    private static SipResponse answer(WebSocketTestClient ws) throws IOException {
        Frame f = ws.readFrame(5000);
        assertNotNull(f, "no answer over the WebSocket");
        assertEquals(TEXT, f.opcode(), "a SIP answer goes in a text frame");
        assertTrue(f.fin(), "a SIP answer goes in one frame");
        return SipResponse.parse(f.text());
    }

    /** The two legs of a digest registration. */
    private record Registered(SipResponse challenge, SipResponse ok, String branch) {
    }

    /** REGISTER, the 401, REGISTER with MD5 credentials: the final answer must be a 200. */
    private static Registered registerWithDigest(WebSocketTestClient ws, String transport, String user,
                                                 String contact, String... extra) throws IOException {
        String callId = SipTestClient.randomHex(8) + "@" + INVALID_HOST;
        SipResponse challenge = exchange(ws, register(transport, user, callId, 1, branch(), contact, extra));
        assertEquals(401, challenge.status(), challenge.raw());
        String branch = branch();
        String[] withAuth = SipTestClient.with(extra,
                SipTestClient.authorization(challenge, user, password(user), "sip:" + D, "MD5", 1));
        SipResponse ok = exchange(ws, register(transport, user, callId, 2, branch, contact, withAuth));
        assertEquals(200, ok.status(), ok.raw());
        return new Registered(challenge, ok, branch);
    }

    /** A phone on a fresh WebSocket connection registers: the edge still serves after what came before. */
    private static void assertAPhoneStillRegisters(EdgeUnderTest e, String... extraHeaders) throws Exception {
        try (WebSocketTestClient ws = WebSocketTestClient.open(e.transports().wsPort(), false, extraHeaders)) {
            registerWithDigest(ws, "WS", "probe", contact("WS"));
        }
    }

    private static List<Binding> bindings(EdgeUnderTest e, String user) {
        return e.locations().lookup(new Aor(user, D), e.clock().instant());
    }

    // ------------------------------------------------------------------ metrics and waiting

    private static PrometheusText scrape(EdgeUnderTest e) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + e.httpPort() + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return PrometheusText.parse(r.body());
    }

    /** One counter's sample, with exactly these labels: it must exist before anything happened. */
    private record Counter(EdgeUnderTest edge, String name, String... labels) {
        double now() throws Exception {
            return scrape(edge).value(name, labels);
        }

        /** Waits until the counter has risen by {@code by} from {@code before}. */
        void risesBy(double before, double by) throws Exception {
            long deadline = System.nanoTime() + 5_000_000_000L;
            double v = now();
            while (v < before + by && System.nanoTime() < deadline) {
                Thread.sleep(20);
                v = now();
            }
            assertEquals(before + by, v, name + Arrays.toString(labels));
        }
    }

    private static Counter refused(EdgeUnderTest e, String reason) {
        return new Counter(e, "sip_ws_handshakes_refused_total", "transport", "ws", "reason", reason);
    }

    private static Counter ended(EdgeUnderTest e, String reason) {
        return new Counter(e, "sip_connections_ended_total", "transport", "ws", "reason", reason);
    }

    private static void eventually(String what, BooleanSupplier ok) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!ok.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what);
            Thread.sleep(20);
        }
    }

    /** Waits until the edge holds no connection of any transport (earlier tests' closes have landed). */
    private static void noConnectionsOpen(EdgeUnderTest e) throws InterruptedException {
        eventually("connections still open", () -> Arrays.stream(Transport.values())
                .filter(t -> t != Transport.UDP).mapToInt(t -> e.transports().openConnections(t)).sum() == 0);
    }

    // ------------------------------------------------------------------ registration

    @ParameterizedTest
    @ValueSource(strings = {"WS", "WSS"})
    void aBrowserRegistersWithAnMd5DigestAndItsBindingKeepsTheWebSocketFlow(String transport) throws Exception {
        boolean tls = transport.equals("WSS");
        String user = tls ? "bob" : "alice";
        int port = tls ? edge.transports().wssPort() : edge.transports().wsPort();
        try (WebSocketTestClient ws = WebSocketTestClient.open(port, tls)) {
            Registered r = registerWithDigest(ws, transport, user, contact(transport));

            // JsSIP keeps only the last WWW-Authenticate: over WebSocket, MD5 alone.
            assertEquals(1, r.challenge().all("WWW-Authenticate").size(), r.challenge().raw());
            assertNotNull(r.challenge().challenge("MD5"), r.challenge().raw());
            assertNull(r.challenge().challenge("SHA-256"), r.challenge().raw());

            // RFC 7118 §5: the sent-by stays the client's .invalid name; received/rport may be added.
            String via = r.ok().first("Via");
            assertEquals("SIP/2.0/" + transport + " " + INVALID_HOST, via.substring(0, via.indexOf(';')), via);
            assertTrue((via + ";").contains(";branch=" + r.branch() + ";"), via);
            assertEquals(1, r.ok().all("Via").size(), r.ok().raw());

            List<String> contacts = r.ok().all("Contact");
            assertEquals(1, contacts.size(), r.ok().raw());
            assertTrue(contacts.get(0).startsWith(contact(transport)), contacts.get(0));
            Matcher expires = Pattern.compile(";\\s*expires=(\\d+)").matcher(contacts.get(0));
            assertTrue(expires.find(), contacts.get(0));
            assertEquals(600, Integer.parseInt(expires.group(1)), contacts.get(0));

            List<Binding> b = bindings(edge, user);
            assertEquals(1, b.size(), b.toString());
            assertEquals(Transport.valueOf(transport), b.get(0).transport());
            assertEquals("127.0.0.1", b.get(0).sourceIp());
            assertEquals(ws.localPort(), b.get(0).sourcePort(), "the client's own source port");
            assertTrue(b.get(0).flow().open() && b.get(0).flow().onConnection(), b.get(0).toString());
            assertEquals("sip:x@" + INVALID_HOST + ";transport=" + transport.toLowerCase(Locale.ROOT),
                    b.get(0).contact());

            Device d = edge.directory().devices(edge.tenant(D, false).id()).stream()
                    .filter(x -> x.username().equals(user)).findFirst().orElseThrow();
            ApiClient api = edge.api();
            JsonNode status = api.get("/v2/accounts/" + d.tenantId() + "/devices/" + d.id() + "/status",
                    api.adminToken()).data();
            assertTrue(status.get("registered").asBoolean(), status.toString());
            assertEquals(transport.toLowerCase(Locale.ROOT), status.get("transport").asText(), status.toString());
            assertEquals("127.0.0.1", status.get("ip").asText(), status.toString());
            assertEquals(ws.localPort(), status.get("port").asInt(), status.toString());
            assertTrue(status.get("contacts").get(0).get("reachable").asBoolean(), status.toString());
        }
    }

    @Test
    void theSameTenantOverTcpIsChallengedWithBothAlgorithms() throws Exception {
        try (SipTestClient tcp = new SipTestClient(SipTestClient.Transport.TCP, edge.sipPort())) {
            SipResponse challenge = tcp.request(tcp.register("erin", D, tcp.contact("erin")));
            assertEquals(401, challenge.status(), challenge.raw());
            assertNotNull(challenge.challenge("MD5"), challenge.raw());
            assertNotNull(challenge.challenge("SHA-256"), challenge.raw());
        }
    }

    @Test
    void closingTheWebSocketRemovesItsBindingsWithOrWithoutRegId() throws Exception {
        Counter flowsClosed = new Counter(edge, "sip_flows_closed_with_bindings_total", "transport", "ws");
        int port = edge.transports().wsPort();

        // SIP.js registers without reg-id; the tab goes away without a close frame.
        double before = flowsClosed.now();
        try (WebSocketTestClient ws = WebSocketTestClient.open(port, false)) {
            registerWithDigest(ws, "WS", "carol", contact("WS"));
            assertEquals(1, bindings(edge, "carol").size());
        }
        eventually("the binding outlived its WebSocket", () -> bindings(edge, "carol").isEmpty());
        flowsClosed.risesBy(before, 1);

        // JsSIP registers with +sip.instance and reg-id (RFC 5626) and closes with a close frame.
        before = flowsClosed.now();
        try (WebSocketTestClient ws = WebSocketTestClient.open(port, false)) {
            registerWithDigest(ws, "WS", "dave",
                    contact("WS") + ";+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-00aa00bb00dd>\";reg-id=1",
                    "Supported: path, outbound, gruu");
            assertEquals(1, bindings(edge, "dave").size());
            ws.sendClose(1000);
            List<Frame> seen = new ArrayList<>();
            assertTrue(ws.awaitClose(5000, seen), "the edge did not close after our close frame");
            assertTrue(seen.stream().anyMatch(f -> f.opcode() == CLOSE), "no close frame in answer: " + seen);
        }
        eventually("the outbound binding outlived its WebSocket", () -> bindings(edge, "dave").isEmpty());
        flowsClosed.risesBy(before, 1);
    }

    /** The first binding's object waits vacant for the next (AorBindings); the phone must not tell. */
    @Test
    void aBrowserThatReconnectsIsRegisteredOnItsNewConnectionOnly() throws Exception {
        int port = edge.transports().wsPort();
        try (WebSocketTestClient ws = WebSocketTestClient.open(port, false)) {
            registerWithDigest(ws, "WS", "frank", contact("WS"));
        }
        eventually("the binding outlived its WebSocket", () -> bindings(edge, "frank").isEmpty());

        String reloaded = "<sip:y@def.invalid;transport=ws>";
        try (WebSocketTestClient ws = WebSocketTestClient.open(port, false)) {
            Registered r = registerWithDigest(ws, "WS", "frank", reloaded);
            List<String> contacts = r.ok().all("Contact");
            assertEquals(1, contacts.size(), "the closed connection's contact is gone: " + r.ok().raw());
            assertTrue(contacts.get(0).startsWith(reloaded), contacts.get(0));
            List<Binding> b = bindings(edge, "frank");
            assertEquals(1, b.size(), b.toString());
            assertEquals(ws.localPort(), b.get(0).sourcePort(), "the new connection's flow");
            assertTrue(b.get(0).flow().open(), b.get(0).toString());
        }
        eventually("the second binding outlived its WebSocket", () -> bindings(edge, "frank").isEmpty());
    }

    @Test
    void aCrlfCrlfKeepaliveIsAnsweredWithCrlfAndTheConnectionGoesOn() throws Exception {
        try (WebSocketTestClient ws = WebSocketTestClient.open(edge.transports().wsPort(), false)) {
            ws.sendText("\r\n\r\n");
            Frame pong = ws.readFrame(3000);
            assertNotNull(pong, "no answer to the CRLFCRLF keepalive");
            assertEquals(TEXT, pong.opcode());
            assertEquals("\r\n", pong.text());
            registerWithDigest(ws, "WS", "erin", contact("WS"));
        }
    }

    // ------------------------------------------------------------------ hostile handshakes

    @Test
    void anUpgradeWithoutTheSipSubprotocolGets400AndIsClosed() throws Exception {
        Counter noSip = refused(edge, "no_sip_subprotocol");
        Counter wsHandshake = ended(edge, "ws_handshake");
        double before = noSip.now();
        double endedBefore = wsHandshake.now();
        int port = edge.transports().wsPort();
        try (WebSocketTestClient ws = WebSocketTestClient.connect(port, false)) {
            List<String> h = WebSocketTestClient.defaultHeaders(port);
            h.removeIf(line -> line.startsWith("Sec-WebSocket-Protocol"));
            HttpAnswer a = ws.upgrade(WebSocketTestClient.request("GET / HTTP/1.1", h));
            assertNotNull(a, "no HTTP answer");
            assertEquals(400, a.status(), a.raw());
            assertNull(a.header("Sec-WebSocket-Accept"), a.raw());
            assertTrue(ws.awaitClose(3000), "a refused upgrade left open");
        }
        noSip.risesBy(before, 1);
        wsHandshake.risesBy(endedBefore, 1);
        assertAPhoneStillRegisters(edge);
    }

    @Test
    void aPostGets405AndAGetWithoutUpgradeGets426() throws Exception {
        Counter notWs = refused(edge, "not_websocket");
        double before = notWs.now();
        int port = edge.transports().wsPort();
        try (WebSocketTestClient ws = WebSocketTestClient.connect(port, false)) {
            HttpAnswer a = ws.upgrade(WebSocketTestClient.request("POST / HTTP/1.1",
                    WebSocketTestClient.defaultHeaders(port)));
            assertNotNull(a, "no HTTP answer");
            assertEquals(405, a.status(), a.raw());
            assertTrue(ws.awaitClose(3000));
        }
        try (WebSocketTestClient ws = WebSocketTestClient.connect(port, false)) {
            List<String> h = WebSocketTestClient.defaultHeaders(port);
            h.removeIf(line -> line.startsWith("Upgrade") || line.startsWith("Connection"));
            HttpAnswer a = ws.upgrade(WebSocketTestClient.request("GET / HTTP/1.1", h));
            assertNotNull(a, "no HTTP answer");
            assertEquals(426, a.status(), a.raw());
            assertEquals("websocket", a.header("Upgrade"), a.raw()); // RFC 7231 §6.5.15
            assertTrue(ws.awaitClose(3000));
        }
        notWs.risesBy(before, 2);
        assertAPhoneStillRegisters(edge);
    }

    @Test
    void onlyAnAllowedOriginGetsItsUpgrade() throws Exception {
        Counter origin = refused(originEdge, "origin");
        double before = origin.now();
        int port = originEdge.transports().wsPort();
        for (String bad : List.of("Origin: https://evil.example.com", "Origin: http://app.example.com")) {
            try (WebSocketTestClient ws = WebSocketTestClient.connect(port, false)) {
                List<String> h = WebSocketTestClient.defaultHeaders(port);
                h.add(bad);
                HttpAnswer a = ws.upgrade(WebSocketTestClient.request("GET / HTTP/1.1", h));
                assertNotNull(a, "no HTTP answer to " + bad);
                assertEquals(403, a.status(), a.raw());
                assertTrue(ws.awaitClose(3000));
            }
        }
        try (WebSocketTestClient ws = WebSocketTestClient.connect(port, false)) {
            HttpAnswer a = ws.upgrade(WebSocketTestClient.request("GET / HTTP/1.1",
                    WebSocketTestClient.defaultHeaders(port)));
            assertNotNull(a, "no HTTP answer without Origin");
            assertEquals(403, a.status(), "no Origin where an allow-list is set:\n" + a.raw());
        }
        origin.risesBy(before, 3);

        try (WebSocketTestClient ws = WebSocketTestClient.connect(port, false)) {
            List<String> h = WebSocketTestClient.defaultHeaders(port);
            h.add("Origin: https://APP.example.com");
            String key = h.stream().filter(l -> l.startsWith("Sec-WebSocket-Key")).findFirst().orElseThrow()
                    .substring("Sec-WebSocket-Key: ".length());
            HttpAnswer a = ws.upgrade(WebSocketTestClient.request("GET / HTTP/1.1", h));
            assertNotNull(a, "no HTTP answer");
            assertEquals(101, a.status(), a.raw());
            assertEquals("sip", a.header("Sec-WebSocket-Protocol"), a.raw()); // RFC 7118 §4
            assertEquals(WebSocketHandshake.accept(key), a.header("Sec-WebSocket-Accept"),
                    a.raw());
            registerWithDigest(ws, "WS", "probe", contact("WS"));
        }
        assertAPhoneStillRegisters(originEdge, "Origin: " + APP);
    }

    /**
     * RFC 7230 §5.3: a request target in absolute form ({@code GET http://host/}) or asterisk form
     * ({@code GET *}). Either the edge upgrades it or it answers with an HTTP error; it must not hand
     * the HTTP request on to the SIP connection as if it were a WebSocket frame.
     */
    @ParameterizedTest
    @ValueSource(strings = {"GET http://127.0.0.1:%d/ HTTP/1.1", "GET * HTTP/1.1"})
    void anUpgradeWithAnotherRequestTargetFormGetsAnHttpAnswer(String requestLine) throws Exception {
        Counter error = ended(edge, "error");
        double before = error.now();
        int port = edge.transports().wsPort();
        try (WebSocketTestClient ws = WebSocketTestClient.connect(port, false)) {
            HttpAnswer a = ws.upgrade(WebSocketTestClient.request(String.format(Locale.ROOT, requestLine, port),
                    WebSocketTestClient.defaultHeaders(port)));
            assertNotNull(a, "closed without an HTTP answer");
            assertTrue(a.status() == 101 || a.status() >= 400 && a.status() < 500, a.raw());
        }
        assertAPhoneStillRegisters(edge);
        assertEquals(before, error.now(), "the request ended its connection as an internal error");
    }

    @Test
    void aHandshakeThatNeverFinishesIsClosedAfterTheHandshakeTimeout() throws Exception {
        Counter timeout = refused(edge, "timeout");
        Counter wsHandshake = ended(edge, "ws_handshake");
        Counter idle = ended(edge, "idle");
        double before = timeout.now();
        double endedBefore = wsHandshake.now();
        double idleBefore = idle.now();
        int port = edge.transports().wsPort();
        try (WebSocketTestClient ws = WebSocketTestClient.connect(port, false)) {
            String whole = WebSocketTestClient.request("GET / HTTP/1.1", WebSocketTestClient.defaultHeaders(port));
            ws.sendRaw(whole.substring(0, whole.length() / 2).getBytes(StandardCharsets.US_ASCII));
            long t0 = System.nanoTime();
            assertTrue(ws.awaitClose(IDLE_MS * 3), "half an upgrade request held open");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            double idleClosed = idle.now() - idleBefore;
            assertTrue(ms < IDLE_MS - 500, "closed after " + ms + " ms (" + idleClosed + " closed as idle): the"
                    + " handshake timeout is " + READ_MS + " ms, the idle timeout " + IDLE_MS + " ms");
        }
        timeout.risesBy(before, 1);
        wsHandshake.risesBy(endedBefore, 1);
        assertAPhoneStillRegisters(edge);
    }

    @Test
    void silentConnectionsFromOneSourceStopAtTheCapAndCloseWhenIdle() throws Exception {
        Counter capPerIp = ended(edge, "cap_per_ip");
        Counter idle = ended(edge, "idle");
        noConnectionsOpen(edge);
        double capBefore = capPerIp.now();
        double idleBefore = idle.now();
        int port = edge.transports().wsPort();
        int tries = 300;
        List<WebSocketTestClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < tries; i++) {
                clients.add(WebSocketTestClient.connect(port, false));
            }
            List<WebSocketTestClient> upgraded = new ArrayList<>();
            for (WebSocketTestClient c : clients) {
                HttpAnswer a;
                try {
                    a = c.upgrade(WebSocketTestClient.request("GET / HTTP/1.1",
                            WebSocketTestClient.defaultHeaders(port)));
                } catch (IOException refusedAtAccept) {
                    a = null;
                }
                if (a != null) {
                    assertEquals(101, a.status(), a.raw());
                    upgraded.add(c);
                }
            }
            assertEquals(PER_IP, upgraded.size(), "upgraded connections from one address");
            capPerIp.risesBy(capBefore, tries - PER_IP);
            for (WebSocketTestClient c : upgraded) {
                assertTrue(c.awaitClose(IDLE_MS * 3), "a WebSocket that never sent SIP stayed open");
            }
        } finally {
            for (WebSocketTestClient c : clients) {
                c.close();
            }
        }
        idle.risesBy(idleBefore, PER_IP);
        noConnectionsOpen(edge);
        assertAPhoneStillRegisters(edge);
    }

    // ------------------------------------------------------------------ hostile frames

    @Test
    void aFrameLongerThanTheMessageLimitClosesTheConnection() throws Exception {
        int port = edge.transports().wsPort();
        for (long declared : new long[] {MAX_MESSAGE + 1, Long.MAX_VALUE}) {
            try (WebSocketTestClient ws = WebSocketTestClient.open(port, false)) {
                ws.sendFrameHeader(true, TEXT, declared, 16);
                List<Frame> seen = new ArrayList<>();
                assertTrue(ws.awaitClose(3000, seen), "a frame declaring " + declared + " bytes left open");
                assertCloseCode(seen, 1009); // RFC 6455 §7.4.1: message too big
            }
        }
        // Fragments each within the limit that add up past it.
        try (WebSocketTestClient ws = WebSocketTestClient.open(port, false)) {
            byte[] half = "A".repeat(MAX_MESSAGE / 2 + 1).getBytes(StandardCharsets.US_ASCII);
            ws.sendFrame(false, TEXT, half);
            ws.sendFrame(true, CONTINUATION, half);
            assertTrue(ws.awaitClose(3000), "a fragmented message past the limit left open");
        }
        assertAPhoneStillRegisters(edge);
    }

    @Test
    void anUnmaskedClientFrameClosesTheConnection() throws Exception {
        try (WebSocketTestClient ws = WebSocketTestClient.open(edge.transports().wsPort(), false)) {
            ws.masked(false).sendText(register("WS", "probe", "unmasked@test", 1, branch(), contact("WS")));
            List<Frame> seen = new ArrayList<>();
            assertTrue(ws.awaitClose(3000, seen), "an unmasked frame was taken (RFC 6455 §5.1)");
            assertTrue(seen.stream().noneMatch(f -> f.opcode() == TEXT), "an unmasked frame was answered: " + seen);
            assertCloseCode(seen, 1002);
        }
        assertAPhoneStillRegisters(edge);
    }

    @Test
    void garbageAfterTheHandshakeClosesTheConnection() throws Exception {
        int port = edge.transports().wsPort();
        // A reserved opcode (RFC 6455 §5.2: 0x3-0x7 and 0xB-0xF), then bytes that are no frame at all.
        for (byte[] garbage : List.of(new byte[] {(byte) 0x83, (byte) 0x80, 1, 2, 3, 4},
                "GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII))) {
            try (WebSocketTestClient ws = WebSocketTestClient.open(port, false)) {
                ws.sendRaw(garbage);
                List<Frame> seen = new ArrayList<>();
                assertTrue(ws.awaitClose(3000, seen), "garbage left the connection open");
                assertCloseCode(seen, 1002);
            }
        }
        // Text that is not UTF-8 (RFC 6455 §8.1).
        try (WebSocketTestClient ws = WebSocketTestClient.open(port, false)) {
            ws.sendFrame(true, TEXT, new byte[] {'R', 'E', (byte) 0xC3, (byte) 0x28});
            List<Frame> seen = new ArrayList<>();
            assertTrue(ws.awaitClose(3000, seen), "invalid UTF-8 in a text frame left open");
            assertCloseCode(seen, 1007);
        }
        assertAPhoneStillRegisters(edge);
    }

    @Test
    void aMessageInThreeFragmentsIsAnsweredAsOne() throws Exception {
        try (WebSocketTestClient ws = WebSocketTestClient.open(edge.transports().wsPort(), false)) {
            String callId = "fragments@" + INVALID_HOST;
            byte[] msg = register("WS", "probe", callId, 1, branch(), contact("WS")).getBytes(StandardCharsets.UTF_8);
            int third = msg.length / 3;
            ws.sendFrame(false, TEXT, Arrays.copyOfRange(msg, 0, third));
            // A control frame may come between fragments (RFC 6455 §5.4).
            ws.sendFrame(true, PING, "between".getBytes(StandardCharsets.US_ASCII));
            ws.sendFrame(false, CONTINUATION, Arrays.copyOfRange(msg, third, 2 * third));
            ws.sendFrame(true, CONTINUATION, Arrays.copyOfRange(msg, 2 * third, msg.length));
            Frame pong = ws.readFrame(3000);
            assertNotNull(pong, "no PONG");
            assertEquals(PONG, pong.opcode());
            assertEquals("between", pong.text());
            SipResponse r = answer(ws);
            assertEquals(401, r.status(), r.raw());
            assertEquals(callId, r.first("Call-ID"));
            assertEquals("1 REGISTER", r.first("CSeq"));
            assertNull(ws.readFrame(300), "more than one answer to one fragmented message");
        }
        assertAPhoneStillRegisters(edge);
    }

    @Test
    void aRegisterInABinaryFrameIsAnsweredInATextFrame() throws Exception {
        // RFC 7118 §5.1: a SIP message may come in a binary frame; the edge answers in text.
        try (WebSocketTestClient ws = WebSocketTestClient.open(edge.transports().wsPort(), false)) {
            String callId = "binary@" + INVALID_HOST;
            ws.sendFrame(true, BINARY,
                    register("WS", "probe", callId, 1, branch(), contact("WS")).getBytes(StandardCharsets.UTF_8));
            SipResponse r = answer(ws);
            assertEquals(401, r.status(), r.raw());
            assertEquals(callId, r.first("Call-ID"));
        }
    }

    private static void assertCloseCode(List<Frame> seen, int code) {
        Frame close = seen.stream().filter(f -> f.opcode() == CLOSE).findFirst().orElse(null);
        assertNotNull(close, "closed without a close frame: " + seen);
        assertEquals(code, close.closeCode(), "close code");
    }

    // ------------------------------------------------------------------ PING keepalive

    @Test
    void aClientThatAnswersPingsStaysAndOneThatIgnoresThemIsClosedWithItsBinding() throws Exception {
        Counter keepaliveFailed = new Counter(pingEdge, "sip_keepalive_failures_total", "transport", "ws",
                "kind", "ws_ping");
        Counter keepaliveEnded = ended(pingEdge, "keepalive");
        double failedBefore = keepaliveFailed.now();
        double endedBefore = keepaliveEnded.now();
        int port = pingEdge.transports().wsPort();
        try (WebSocketTestClient answering = WebSocketTestClient.open(port, false);
             WebSocketTestClient silent = WebSocketTestClient.open(port, false)) {
            long opened = System.nanoTime();
            registerWithDigest(answering, "WS", "alice", contact("WS"));
            registerWithDigest(silent, "WS", "bob", contact("WS"));
            CompletableFuture<Boolean> answeringClosed = CompletableFuture.supplyAsync(() -> {
                try {
                    return answering.answerPings(true).awaitClose(3500);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            List<Frame> seen = new ArrayList<>();
            assertTrue(silent.answerPings(false).awaitClose(8000, seen), "a client that ignores PINGs stayed open");
            long ms = (System.nanoTime() - opened) / 1_000_000;
            // PING at 1 s, PING at 2 s with the first unanswered, close at 3 s with the second.
            assertTrue(ms >= 2500 && ms <= 5000, "closed " + ms + " ms after the handshake");
            assertTrue(seen.stream().filter(f -> f.opcode() == PING).count() >= 2, "PINGs before the close: " + seen);

            assertFalse(answeringClosed.get(10, TimeUnit.SECONDS), "a client that answers PINGs was closed");
            assertTrue(answering.pingsSeen() >= 3, "PINGs in 3.5 s: " + answering.pingsSeen());
            eventually("the silent client's binding outlived its connection",
                    () -> bindings(pingEdge, "bob").isEmpty());
            assertEquals(1, bindings(pingEdge, "alice").size());
            registerWithDigest(answering, "WS", "alice", contact("WS"));
        }
        keepaliveFailed.risesBy(failedBefore, 1);
        keepaliveEnded.risesBy(endedBefore, 1);
    }
}
