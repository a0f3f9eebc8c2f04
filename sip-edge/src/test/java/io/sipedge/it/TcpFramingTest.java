package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.it.SipTestClient.SipResponse;
import io.sipedge.it.SipTestClient.Transport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The edge's TCP framing on real sockets: messages split anywhere, many in one segment, compact
 * headers, bodies, the size limit, the read timeout against trickled and idle connections, CRLF
 * keepalives (also before the first request) and what a malformed message gets.
 */
@Timeout(60)
class TcpFramingTest {
    private static final String D = EdgeUnderTest.DOMAIN;
    private static final String USER = "framer";
    private static final String PASSWORD = "fr4ming-Secret";
    private static final int READ_TIMEOUT_MS = 500;
    private static final int MAX_MESSAGE_SIZE = 8192;
    private static int sequence;

    static EdgeUnderTest edge;

    @BeforeAll
    static void start() throws Exception {
        edge = EdgeUnderTest.start("sip.tls-port=-1", "http.port=-1", "sip.read-timeout-ms=" + READ_TIMEOUT_MS,
                "sip.max-message-size=" + MAX_MESSAGE_SIZE);
        edge.user(D, USER, PASSWORD);
    }

    @AfterAll
    static void stop() throws Exception {
        if (edge != null) {
            edge.close();
        }
    }

    private static SipTestClient tcp() throws Exception {
        return new SipTestClient(Transport.TCP, edge.sipPort());
    }

    /** An OPTIONS to the edge (answered 200 without a challenge) with its own Call-ID, CRLF line ends. */
    private static String options(SipTestClient c, String callId, String... extra) {
        StringBuilder sb = new StringBuilder("OPTIONS sip:" + D + " SIP/2.0\r\n"
                + "Via: SIP/2.0/TCP 127.0.0.1:" + c.localPort() + ";branch=z9hG4bK" + Integer.toHexString(callId.hashCode()) + ";rport\r\n"
                + "Max-Forwards: 70\r\n"
                + "From: <sip:" + USER + "@" + D + ">;tag=f1\r\n"
                + "To: <sip:" + D + ">\r\n"
                + "Call-ID: " + callId + "\r\n"
                + "CSeq: 1 OPTIONS\r\n");
        for (String e : extra) {
            sb.append(e).append("\r\n");
        }
        if (extra.length == 0 || !String.join("", extra).contains("Content-Length")) {
            sb.append("Content-Length: 0\r\n");
        }
        return sb.append("\r\n").toString();
    }

    private static String callId(String name) {
        return name + "-" + (++sequence) + "@framing";
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void assertOk(SipResponse r, String callId) {
        assertNotNull(r, "no answer for " + callId);
        assertEquals(200, r.status(), r.raw());
        assertEquals(callId, r.first("Call-ID"), r.raw());
    }

    /** 200 for each Call-ID, in any order (the test does not rely on one connection's order here). */
    private static void assertAnswered(SipTestClient c, String... callIds) throws IOException {
        Set<String> answered = new HashSet<>();
        for (int i = 0; i < callIds.length; i++) {
            SipResponse r = c.receive(5000);
            assertNotNull(r, "answered so far: " + answered);
            assertEquals(200, r.status(), r.raw());
            answered.add(r.first("Call-ID"));
        }
        assertEquals(Set.of(callIds), answered);
    }

    private static void pause(int ms) throws InterruptedException {
        Thread.sleep(ms);
    }

    // ------------------------------------------------------------------ framing

    @Test
    void aMessageSplitAtEveryByteBoundaryIsAnsweredEachTime() throws Exception {
        try (SipTestClient c = tcp()) {
            int length = bytes(options(c, callId("split"))).length;
            for (int cut = 1; cut < length; cut++) {
                String id = callId("split");
                byte[] m = bytes(options(c, id));
                c.sendBytes(java.util.Arrays.copyOfRange(m, 0, cut));
                pause(1);
                c.sendBytes(java.util.Arrays.copyOfRange(m, cut, m.length));
                assertOk(c.receive(5000), id);
            }
        }
    }

    @Test
    void oneByteAtATime() throws Exception {
        try (SipTestClient c = tcp()) {
            String id = callId("bytewise");
            for (byte b : bytes(options(c, id))) {
                c.sendBytes(new byte[] {b});
            }
            assertOk(c.receive(5000), id);
        }
    }

    @Test
    void manyMessagesInOneWriteAreAllAnswered() throws Exception {
        try (SipTestClient c = tcp()) {
            StringBuilder burst = new StringBuilder();
            Set<String> ids = new HashSet<>();
            for (int i = 0; i < 40; i++) {
                String id = callId("burst");
                ids.add(id);
                burst.append(options(c, id));
            }
            c.sendBytes(bytes(burst.toString()));
            Set<String> answered = new HashSet<>();
            for (int i = 0; i < ids.size(); i++) {
                SipResponse r = c.receive(5000);
                assertNotNull(r, "answers so far: " + answered.size());
                assertEquals(200, r.status(), r.raw());
                answered.add(r.first("Call-ID"));
            }
            assertEquals(ids, answered);
        }
    }

    @Test
    void compactHeaderForms() throws Exception {
        try (SipTestClient c = tcp()) {
            String id = callId("compact");
            String m = "OPTIONS sip:" + D + " SIP/2.0\r\n"
                    + "v: SIP/2.0/TCP 127.0.0.1:" + c.localPort() + ";branch=z9hG4bKcompact1;rport\r\n"
                    + "f: <sip:" + USER + "@" + D + ">;tag=c1\r\n"
                    + "t: <sip:" + D + ">\r\n"
                    + "i: " + id + "\r\n"
                    + "CSeq: 1 OPTIONS\r\n"
                    + "c: text/plain\r\n"
                    + "l: 5\r\n\r\nhello";
            String next = callId("after-compact");
            c.sendBytes(bytes(m + options(c, next)));
            assertAnswered(c, id, next);
        }
    }

    /** The body is skipped by its Content-Length, even when it looks like a SIP message itself. */
    @Test
    void aBodyIsReadByContentLengthAndNotTakenForAMessage() throws Exception {
        try (SipTestClient c = tcp()) {
            String inner = options(c, "inner@framing");
            String id = callId("body");
            String m = options(c, id, "Content-Type: message/sipfrag", "Content-Length: " + bytes(inner).length)
                    + inner;
            String next = callId("after-body");
            byte[] all = bytes(m + options(c, next));
            // Cut inside the body, so the framer must wait for the rest of it.
            int cut = all.length - bytes(options(c, next)).length - 10;
            c.sendBytes(java.util.Arrays.copyOfRange(all, 0, cut));
            pause(50);
            c.sendBytes(java.util.Arrays.copyOfRange(all, cut, all.length));
            assertAnswered(c, id, next);
            assertNull(c.receive(300), "the body was taken for a message");
        }
    }

    @Test
    void anAuthenticatedRegistrationWithEveryMessageSplitInThree() throws Exception {
        try (SipTestClient c = tcp()) {
            byte[] first = bytes(c.register(USER, D, c.contact(USER)).replace("\n", "\r\n"));
            sendInThree(c, first);
            SipResponse challenge = c.receive(5000);
            assertNotNull(challenge);
            assertEquals(401, challenge.status(), challenge.raw());
            byte[] second = bytes(c.register(USER, D, c.contact(USER),
                    SipTestClient.authorization(challenge, USER, PASSWORD, "sip:" + D, "MD5", 1)).replace("\n", "\r\n"));
            sendInThree(c, second);
            SipResponse ok = c.receive(5000);
            assertNotNull(ok);
            assertEquals(200, ok.status(), ok.raw());
        }
    }

    private static void sendInThree(SipTestClient c, byte[] m) throws Exception {
        int a = m.length / 3;
        int b = 2 * m.length / 3;
        c.sendBytes(java.util.Arrays.copyOfRange(m, 0, a));
        pause(20);
        c.sendBytes(java.util.Arrays.copyOfRange(m, a, b));
        pause(20);
        c.sendBytes(java.util.Arrays.copyOfRange(m, b, m.length));
    }

    // ------------------------------------------------------------------ limits

    @Test
    void aContentLengthBeyondTheLimitClosesBeforeTheBodyIsSent() throws Exception {
        try (SipTestClient c = tcp()) {
            String id = callId("huge");
            c.sendBytes(bytes(options(c, id, "Content-Type: text/plain", "Content-Length: " + MAX_MESSAGE_SIZE)));
            assertTrue(c.closedByPeer(3000), "the edge waited for a body above sip.max-message-size");
        }
        assertOptionsWork();
    }

    @Test
    void headersThatNeverEndCloseAtTheLimit() throws Exception {
        try (SipTestClient c = tcp()) {
            String head = options(c, callId("endless"));
            head = head.substring(0, head.length() - 2); // no blank line yet
            c.sendBytes(bytes(head + "X-Padding: " + "p".repeat(MAX_MESSAGE_SIZE) + "\r\n"));
            assertTrue(c.closedByPeer(3000), "the edge kept reading a header section above the limit");
        }
        assertOptionsWork();
    }

    @Test
    void anUnframeableContentLengthCloses() throws Exception {
        try (SipTestClient c = tcp()) {
            c.sendBytes(bytes(options(c, callId("badlength"), "Content-Length: twelve")));
            assertTrue(c.closedByPeer(3000));
        }
        assertOptionsWork();
    }

    // ------------------------------------------------------------------ timeouts

    /** Each byte arrives well within the timeout, but the message as a whole does not. */
    @Test
    void aTrickledMessageIsClosedAfterTheReadTimeout() throws Exception {
        try (SipTestClient c = tcp()) {
            byte[] m = bytes(options(c, callId("trickle")));
            long t0 = System.nanoTime();
            boolean closed = false;
            for (int i = 0; i < m.length - 1 && !closed; i++) {
                try {
                    c.sendBytes(new byte[] {m[i]});
                } catch (IOException e) {
                    closed = true;
                    break;
                }
                closed = c.closedByPeer(READ_TIMEOUT_MS / 5);
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(closed, "still open after " + ms + " ms of trickling");
            assertTrue(ms >= READ_TIMEOUT_MS - 50 && ms < 3 * READ_TIMEOUT_MS, "closed after " + ms + " ms");
        }
        assertOptionsWork();
    }

    /** Idle between messages is no timeout: phones keep their connection for hours. */
    @Test
    void anIdleConnectionIsKeptPastTheReadTimeout() throws Exception {
        try (SipTestClient c = tcp()) {
            String id = callId("before-idle");
            assertOk(c.request(options(c, id)), id);
            assertFalse(c.closedByPeer(3 * READ_TIMEOUT_MS), "an idle connection was closed");
            c.sendBytes(bytes("\r\n")); // half a keepalive does not start the clock either
            assertFalse(c.closedByPeer(3 * READ_TIMEOUT_MS), "a connection idle after a CRLF was closed");
            String after = callId("after-idle");
            assertOk(c.request(options(c, after)), after);
        }
    }

    // ------------------------------------------------------------------ keepalive

    @Test
    void aKeepaliveBeforeTheFirstRequestIsAnswered() throws Exception {
        try (SipTestClient c = tcp()) {
            c.sendBytes(bytes("\r\n\r\n"));
            byte[] pong = c.receiveRaw(3000);
            assertNotNull(pong, "no pong to a ping on a fresh connection");
            assertArrayEquals(bytes("\r\n"), pong);
            c.sendBytes(bytes("\r\n\r\n\r\n\r\n"));
            List<Byte> got = new ArrayList<>();
            while (got.size() < 4) {
                byte[] b = c.receiveRaw(3000);
                assertNotNull(b, "pongs so far: " + got.size() / 2);
                for (byte x : b) {
                    got.add(x);
                }
            }
            assertEquals(4, got.size(), "two pings, two CRLF pongs");
            String id = callId("after-ping");
            assertOk(c.request(options(c, id)), id);
        }
    }

    // ------------------------------------------------------------------ malformed

    /** Via, From, To, Call-ID and CSeq intact: 400, then the connection is closed. */
    @Test
    void aMalformedRequestWithIntactHeadersGets400ThenClose() throws Exception {
        try (SipTestClient c = tcp()) {
            String id = callId("malformed");
            String m = options(c, id).replace("To: <sip:" + D + ">", "To: <<<sip:" + D);
            c.sendBytes(bytes(m));
            SipResponse r = c.receive(5000);
            assertNotNull(r, "no 400");
            assertEquals(400, r.status(), r.raw());
            assertEquals(id, r.first("Call-ID"));
            assertTrue(c.closedByPeer(3000), "still open after the 400");
        }
        assertOptionsWork();
    }

    @Test
    void aRequestWithoutCallIdClosesWithoutAnswer() throws Exception {
        try (SipTestClient c = tcp()) {
            String m = options(c, callId("nocallid")).replaceFirst("Call-ID: [^\r]*\r\n", "");
            c.sendBytes(bytes(m));
            assertTrue(c.closedByPeer(3000), "still open");
        }
        assertOptionsWork();
    }

    /** The RI's own checks after parsing answer and leave the connection in step. */
    @Test
    void aCseqMethodMismatchIsAnswered400AndTheConnectionStays() throws Exception {
        try (SipTestClient c = tcp()) {
            String id = callId("cseq");
            SipResponse r = c.request(options(c, id).replace("CSeq: 1 OPTIONS", "CSeq: 1 INVITE"));
            assertNotNull(r);
            assertEquals(400, r.status(), r.raw());
            String next = callId("after-cseq");
            assertOk(c.request(options(c, next)), next);
        }
    }

    private static void assertOptionsWork() throws Exception {
        try (SipTestClient c = tcp()) {
            String id = callId("probe");
            assertOk(c.request(options(c, id)), id);
        }
    }
}
