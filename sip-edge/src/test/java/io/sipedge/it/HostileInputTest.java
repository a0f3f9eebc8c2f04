package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.sipedge.it.SipTestClient.SipResponse;
import io.sipedge.it.SipTestClient.Transport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile and broken input over UDP and TCP: each datagram gets the answer the stack and registrar
 * promise (a specific status, or silence), never a 200 or a 5xx, and the listener survives it: a
 * normal authenticated REGISTER from a fresh client still gets 200 after every case. Then the
 * stack-depth attack the parser guard exists for, raw TCP garbage and a slow-loris connection.
 */
@Timeout(120)
class HostileInputTest {
    private static final String DOMAIN = EdgeUnderTest.DOMAIN;
    private static final String USER = "alice";
    private static final String PASSWORD = "s3cret-Hostile";
    /** How long silence must last to count as "no reply". */
    private static final int SILENCE_MS = 1000;
    /** The default sip.max-message-size. */
    private static final int MAX_MESSAGE_SIZE = 8192;
    private static final int WORKER_THREADS = 8;
    private static final int NESTING = 20_000;

    static EdgeUnderTest edge;

    @BeforeAll
    static void start() throws Exception {
        // TLS off: these tests need UDP and TCP only, and skip the certificate generation.
        edge = EdgeUnderTest.start("sip.tls-port=-1", "http.port=-1", "sip.read-timeout-ms=500",
                "sip.worker-threads=" + WORKER_THREADS);
        edge.user(DOMAIN, USER, PASSWORD);
    }

    @AfterAll
    static void stop() throws Exception {
        if (edge != null) {
            edge.close();
        }
    }

    // ------------------------------------------------------------------ expectations

    /** What the edge must do with one datagram. */
    sealed interface Outcome permits Status, NoReply, RejectedOrSilent {
    }

    /** Exactly this status; {@code reason} (when not null) must appear in the reason phrase. */
    record Status(int code, String reason) implements Outcome {
        @Override
        public String toString() {
            return Integer.toString(code) + (reason == null ? "" : " '" + reason + "'");
        }
    }

    /** No datagram back within {@link #SILENCE_MS}. */
    record NoReply() implements Outcome {
        @Override
        public String toString() {
            return "no reply";
        }
    }

    /** A 4xx or silence; never 1xx/2xx/3xx/5xx/6xx. */
    record RejectedOrSilent() implements Outcome {
        @Override
        public String toString() {
            return "4xx or no reply";
        }
    }

    /** Builds the datagram for a client (whose port goes into Via and Contact); may talk to the edge first. */
    @FunctionalInterface
    interface Payload {
        byte[] build(SipTestClient c) throws IOException;
    }

    private static Status status(int code) {
        return new Status(code, null);
    }

    private static Status status(int code, String reason) {
        return new Status(code, reason);
    }

    private static Arguments hostile(String name, Payload payload, Outcome outcome) {
        return Arguments.argumentSet(name + " -> " + outcome, payload, outcome);
    }

    /** A well-formed unauthenticated REGISTER from {@code c}, CRLF line ends. */
    private static String register(SipTestClient c, String... extraHeaders) {
        return crlf(c.register(USER, DOMAIN, c.contact(USER), extraHeaders));
    }

    private static String crlf(String s) {
        return s.replace("\r\n", "\n").replace("\n", "\r\n");
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A REGISTER from {@code c} with {@code edit} applied to its text. */
    private static Payload edited(UnaryOperator<String> edit) {
        return c -> utf8(edit.apply(register(c)));
    }

    /** A REGISTER whose line starting with {@code name + ":"} is replaced by {@code line} (or removed if null). */
    private static Payload replacing(String name, String line) {
        return c -> {
            String msg = register(c);
            String prefix = "\r\n" + name + ":";
            int start = msg.indexOf(prefix);
            if (start < 0) {
                throw new IllegalStateException(name + " not in " + msg);
            }
            int end = msg.indexOf("\r\n", start + 2);
            return utf8(msg.substring(0, start) + (line == null ? "" : "\r\n" + line) + msg.substring(end));
        };
    }

    /** The text of a REGISTER with {@code raw} (bytes, not UTF-8) spliced in place of {@code marker}. */
    private static Payload withBytes(String marker, byte[] raw, UnaryOperator<String> edit) {
        return c -> {
            String msg = edit.apply(register(c));
            int at = msg.indexOf(marker);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(utf8(msg.substring(0, at)));
            out.writeBytes(raw);
            out.writeBytes(utf8(msg.substring(at + marker.length())));
            return out.toByteArray();
        };
    }

    /**
     * An authenticated REGISTER (challenge answered) of exactly {@code size} bytes, padded with a
     * body or with a header. Above the message-size limit, a stack that read datagrams into a
     * buffer of that size would parse a truncated copy.
     */
    private static Payload padded(int size, boolean paddingInBody) {
        return c -> {
            SipResponse challenge = c.request(register(c));
            assertNotNull(challenge, "no challenge");
            assertEquals(401, challenge.status(), challenge.raw());
            String auth = SipTestClient.authorization(challenge, USER, PASSWORD, "sip:" + DOMAIN, "MD5", 1);
            String msg = register(c, auth);
            if (paddingInBody) {
                String head = msg.substring(0, msg.indexOf("Content-Length: 0"));
                String prefix = head + "Content-Type: text/plain\r\nContent-Length: ";
                int bodyLength = size - prefix.length() - "NNNN\r\n\r\n".length();
                msg = prefix + bodyLength + "\r\n\r\n" + "x".repeat(bodyLength);
            } else {
                // The padding header comes before Content-Length, so a truncated copy is a complete,
                // authenticated REGISTER without Content-Length and without the padding.
                String tail = "Content-Length: 0\r\n\r\n";
                String head = msg.substring(0, msg.indexOf(tail));
                int pad = size - head.length() - tail.length() - "X-Padding: \r\n".length();
                msg = head + "X-Padding: " + "p".repeat(pad) + "\r\n" + tail;
            }
            byte[] b = utf8(msg);
            assertEquals(size, b.length, "datagram size");
            return b;
        };
    }

    static Stream<Arguments> malformedDatagrams() {
        byte[] garbage = new byte[600];
        new Random(20240601L).nextBytes(garbage);
        byte[] latin1 = {(byte) 0xE9, (byte) 0xFF, (byte) 0xFE, (byte) 0xC3, (byte) 0x28};
        return Stream.of(
                hostile("random garbage bytes", c -> garbage.clone(), new NoReply()),
                hostile("printable garbage", c -> utf8("Hello, is this the SIP edge?\r\n\r\n"), new NoReply()),
                hostile("CRLF CRLF keepalive", c -> utf8("\r\n\r\n"), new NoReply()),
                hostile("Linphone jaK ping", c -> utf8("jaK\n\r"), new NoReply()),
                hostile("single NUL byte", c -> new byte[1], new NoReply()),
                hostile("request line without version",
                        edited(m -> m.replaceFirst(" SIP/2\\.0\r\n", "\r\n")), status(400)),
                hostile("missing Call-ID", replacing("Call-ID", null), new NoReply()),
                hostile("missing CSeq", replacing("CSeq", null), new NoReply()),
                hostile("missing Via", replacing("Via", null), new NoReply()),
                hostile("missing From", replacing("From", null), new NoReply()),
                hostile("CSeq method mismatch", replacing("CSeq", "CSeq: 1 INVITE"), status(400)),
                hostile("CSeq not a number", replacing("CSeq", "CSeq: one REGISTER"), status(400)),
                hostile("Content-Length not a number", replacing("Content-Length", "Content-Length: abc"),
                        status(400)),
                hostile("Content-Length negative", replacing("Content-Length", "Content-Length: -5"), status(400)),
                hostile("Content-Length beyond the datagram", replacing("Content-Length", "Content-Length: 500"),
                        status(400)),
                hostile("To header unparseable", replacing("To", "To: <<<sip:alice@example.com"), status(400)),
                hostile("Contact expires=abc",
                        replacing("Contact", "Contact: <sip:alice@127.0.0.1:5070>;expires=abc"),
                        status(400, "Malformed Contact")),
                hostile("Contact <<<sip:x>", replacing("Contact", "Contact: <<<sip:x>"),
                        status(400, "Malformed Contact")),
                hostile("Contact q=high", replacing("Contact", "Contact: <sip:alice@127.0.0.1:5070>;q=high"),
                        status(400, "Malformed Contact")),
                // Legal syntax: "expires=abc" inside the brackets is a URI parameter, not the
                // Contact's expires, so the REGISTER is processed (and challenged) like any other.
                hostile("Contact URI param expires=abc",
                        replacing("Contact", "Contact: <sip:alice@127.0.0.1:5070;expires=abc>"), status(401)),
                hostile("Expires not a number", c -> utf8(register(c, "Expires: notanumber")),
                        status(400, "Malformed Expires")),
                hostile("Expires above 2^32-1: capped, so challenged like any REGISTER",
                        c -> utf8(register(c, "Expires: 99999999999")), status(401)),
                hostile("Authorization unparseable", c -> utf8(register(c, "Authorization: Digest realm==x")),
                        status(400, "Malformed Authorization")),
                // Decoded with replacement characters; User-Agent is free text, so: challenged.
                hostile("non-UTF-8 bytes in User-Agent",
                        withBytes("sip-edge-test/1.0", latin1, UnaryOperator.identity()), status(401)),
                hostile("non-UTF-8 bytes in Request-URI",
                        withBytes("REGISTER sip:" + DOMAIN, concat(utf8("REGISTER sip:"), latin1),
                                UnaryOperator.identity()), status(400)),
                hostile("non-UTF-8 bytes in From display name",
                        withBytes("From: <", concat(utf8("From: \""), concat(latin1, utf8("\" <"))),
                                UnaryOperator.identity()), status(401)),
                hostile("datagram above sip.max-message-size, padded body", padded(MAX_MESSAGE_SIZE + 100, true),
                        new RejectedOrSilent()));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    // ------------------------------------------------------------------ the table

    @ParameterizedTest
    @MethodSource("malformedDatagrams")
    void malformedDatagramGetsItsAnswerAndTheListenerSurvives(Payload payload, Outcome outcome) throws Exception {
        exchange(payload, outcome);
    }

    /** RFC 3261 §8.2.2 / §21.5.20; the RI parser reads any version as SIP/2.0, so its own 505 check never fires. */
    @Test
    void unsupportedSipVersionGets505() throws Exception {
        exchange(edited(m -> m.replaceFirst(" SIP/2\\.0\r\n", " SIP/3.0\r\n")), status(505));
    }

    /**
     * The RI's own reader read datagrams into a buffer of sip.max-message-size bytes and parsed
     * what fit: with the padding before Content-Length, the cut-off copy is a complete
     * authenticated REGISTER.
     */
    @Test
    void datagramAboveTheSizeLimitIsNotTruncatedIntoASuccess() throws Exception {
        exchange(padded(MAX_MESSAGE_SIZE + 100, false), new RejectedOrSilent());
    }

    /** Datagrams are received whole, so one of exactly sip.max-message-size is a complete REGISTER. */
    @Test
    void datagramOfExactlyTheSizeLimitIsAnswered() throws Exception {
        exchange(padded(MAX_MESSAGE_SIZE, false), status(200));
    }

    /** One byte over the limit is dropped whole, before any parser sees it. */
    @Test
    void datagramOneByteOverTheSizeLimitIsDropped() throws Exception {
        exchange(padded(MAX_MESSAGE_SIZE + 1, false), new NoReply());
    }

    /** Sends one datagram from a fresh client, checks the outcome, then that a normal REGISTER still works. */
    private static void exchange(Payload payload, Outcome outcome) throws Exception {
        try (SipTestClient c = new SipTestClient(Transport.UDP, edge.sipPort())) {
            c.sendBytes(payload.build(c));
            SipResponse r = c.receive(outcome instanceof Status ? 5000 : SILENCE_MS);
            if (outcome instanceof Status s) {
                assertNotNull(r, "expected " + s + ", got no reply");
                assertEquals(s.code(), r.status(), r.raw());
                if (s.reason() != null) {
                    assertTrue(r.reason().contains(s.reason()), "reason phrase: " + r.reason());
                }
            } else if (outcome instanceof NoReply) {
                assertNull(r, () -> "expected no reply, got:\n" + r.raw());
            } else if (r != null) {
                assertTrue(r.status() >= 400 && r.status() < 500, "expected 4xx or silence, got:\n" + r.raw());
            }
        }
        assertUdpRegisterSucceeds();
    }

    // ------------------------------------------------------------------ stack depth

    /**
     * One kind of deeply nested datagram. {@code guarded}: tooDeep sees the nesting, so the stack's
     * automatic 400 carries the guard's reason ("nesting deeper than 16").
     */
    record Shape(String name, Payload payload, boolean guarded) {
    }

    /** Datagrams with intact mandatory headers and one header nested {@value #NESTING} deep. */
    private static List<Shape> angleShapes() {
        String angles = "<".repeat(NESTING);
        return List.of(
                new Shape("Contact <", replacing("Contact", "Contact: " + angles + "sip:alice@127.0.0.1:5070"), true),
                new Shape("User-Agent <", replacing("User-Agent", "User-Agent: " + angles), true),
                new Shape("To <", replacing("To", "To: " + angles + "sip:alice@example.com>"), true),
                new Shape("Contact (<", replacing("Contact", "Contact: " + "(<".repeat(NESTING / 2)
                        + "sip:alice@127.0.0.1:5070"), true),
                // Shapes that slip past tooDeep (see SipParserTest): the RI parser is
                // then all that stands between them and the stack, so only "some 4xx" is asked.
                new Shape("leading CRLF, User-Agent <", c -> utf8("\r\n\r\n" + register(c, "User-Agent: " + angles)),
                        false),
                new Shape("folded User-Agent (", c -> utf8(register(c, "User-Agent: x " + String.join("\r\n ",
                        Collections.nCopies(NESTING / 10, "(".repeat(10))))), false));
    }

    /** User-Agent and Server style comments nested {@value #NESTING} deep. */
    private static List<Shape> commentShapes() {
        String parens = "(".repeat(NESTING);
        return List.of(
                new Shape("User-Agent (", replacing("User-Agent", "User-Agent: softphone/1.0 " + parens), true),
                new Shape("Server ()", c -> utf8(register(c, "Server: edge/1.0 " + parens + ")".repeat(NESTING))),
                        true));
    }

    @Test
    void deeplyNestedHeadersDoNotKillTheWorkers() throws Exception {
        try (EdgeUnderTest big = EdgeUnderTest.start("sip.tls-port=-1", "http.port=-1",
                "sip.max-message-size=65000", "sip.worker-threads=" + WORKER_THREADS)) {
            big.user(DOMAIN, USER, PASSWORD);
            Map<String, Shape> sent = new HashMap<>();
            List<SipResponse> replies = new ArrayList<>();
            try (SipTestClient attacker = new SipTestClient(Transport.UDP, big.sipPort())) {
                for (List<Shape> batch : List.of(angleShapes(), commentShapes())) {
                    for (int i = 0; i < WORKER_THREADS + 20; i++) {
                        Shape shape = batch.get(i % batch.size());
                        attacker.newCallId();
                        byte[] b = shape.payload().build(attacker);
                        assertTrue(b.length > NESTING && b.length < 65000, shape.name() + ": size " + b.length);
                        sent.put(attacker.callId(), shape);
                        attacker.sendBytes(b);
                        if (i % 4 == 3) {
                            drain(attacker, replies, 50);
                        }
                    }
                }
                drain(attacker, replies, 500);
            }
            assertFalse(replies.isEmpty(), "not one deeply nested REGISTER was answered");
            int refusedByGuard = 0;
            for (SipResponse r : replies) {
                Shape shape = sent.get(r.first("Call-ID"));
                assertNotNull(shape, () -> "a reply to nothing sent:\n" + r.raw());
                assertTrue(r.status() >= 400 && r.status() < 500, () -> shape.name() + " got " + r.status());
                if (shape.guarded()) {
                    assertEquals(400, r.status(), shape.name());
                    assertTrue(r.reason().contains("nesting"), () -> shape.name() + ": " + r.reason());
                    refusedByGuard++;
                }
            }
            assertTrue(refusedByGuard > 0, "no reply shows the parser guard at work");
            assertRegisterSucceeds(big, Transport.UDP);
            assertRegisterSucceeds(big, Transport.TCP);
            // Once more, so a worker that died on the last datagram of the batch is noticed too.
            assertRegisterSucceeds(big, Transport.UDP);
        }
    }

    private static void drain(SipTestClient c, List<SipResponse> replies, int waitMs) throws IOException {
        SipResponse r;
        while ((r = c.receive(waitMs)) != null) {
            replies.add(r);
        }
    }

    // ------------------------------------------------------------------ raw TCP

    @Test
    void tcpGarbageClosesOrRejectsAndANewConnectionWorks() throws Exception {
        try (SipTestClient c = new SipTestClient(Transport.TCP, edge.sipPort())) {
            c.sendBytes(utf8("\u0001\u0002GARBAGE !!! not sip at all @@@\r\nmore: junk\r\n\r\n"));
            long deadline = System.nanoTime() + 5_000_000_000L;
            boolean closed = false;
            SipResponse r = null;
            while (!closed && r == null && System.nanoTime() < deadline) {
                r = c.receive(500);
                if (r == null) {
                    closed = c.closedByPeer(500);
                }
            }
            if (r != null) {
                assertEquals(400, r.status(), r.raw());
            } else {
                assertTrue(closed, "the edge neither closed the connection nor answered 400");
            }
        }
        assertRegisterSucceeds(edge, Transport.TCP);
    }

    @Test
    void slowLorisConnectionIsClosedAfterTheReadTimeout() throws Exception {
        try (SipTestClient c = new SipTestClient(Transport.TCP, edge.sipPort())) {
            String full = register(c);
            // Request line and a few headers, but never the blank line.
            c.sendBytes(utf8(full.substring(0, full.indexOf("Call-ID:"))));
            long t0 = System.nanoTime();
            assertTrue(c.closedByPeer(4000), "the edge kept a half-sent request open (sip.read-timeout-ms=500)");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 4000, "closed after " + ms + " ms");
        }
        assertRegisterSucceeds(edge, Transport.TCP);
    }

    // ------------------------------------------------------------------ helpers

    private static void assertUdpRegisterSucceeds() throws Exception {
        assertRegisterSucceeds(edge, Transport.UDP);
    }

    private static void assertRegisterSucceeds(EdgeUnderTest e, Transport t) throws Exception {
        try (SipTestClient c = new SipTestClient(t, e.sipPort())) {
            SipResponse r = c.registerWithAuth(USER, DOMAIN, PASSWORD, c.contact(USER), "MD5");
            if (r == null) {
                fail("no answer to a normal REGISTER over " + t + ": the listener did not survive");
            }
            assertEquals(200, r.status(), r.raw());
            assertFalse(r.all("Contact").isEmpty(), r.raw());
            assertNotEquals(null, r.first("Date"));
        }
    }
}
