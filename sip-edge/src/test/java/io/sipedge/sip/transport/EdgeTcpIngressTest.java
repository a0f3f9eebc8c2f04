package io.sipedge.sip.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import gov.nist.javax.sip.ListeningPointImpl;
import gov.nist.javax.sip.header.RetryAfter;
import gov.nist.javax.sip.message.SIPRequest;
import io.sipedge.it.SipTestClient;
import io.sipedge.it.SipTestClient.SipResponse;
import io.sipedge.it.SipTestClient.Transport;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;
import javax.sip.DialogTerminatedEvent;
import javax.sip.IOExceptionEvent;
import javax.sip.RequestEvent;
import javax.sip.ResponseEvent;
import javax.sip.ServerTransaction;
import javax.sip.SipListener;
import javax.sip.TimeoutEvent;
import javax.sip.TransactionTerminatedEvent;
import javax.sip.message.MessageFactory;
import javax.sip.message.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The TCP ingress inside the transport, with a recording handler in place of the edge's
 * dispatcher: where requests are handled (on a lane, inline), what the handler declines (the
 * transaction layer), order per Call-ID, connection ends and the caches, sending after the end,
 * threads per connection and the 503 of a full lane.
 */
@Timeout(60)
class EdgeTcpIngressTest {
    private SipTransport transport;
    private Recorder recorder;

    private void start(int workers) throws Exception {
        AtomicReference<SipTransport> self = new AtomicReference<>();
        Queue<String> transactionLayer = new ConcurrentLinkedQueue<>();
        transport = SipTransport.start(new SipTransport.Settings("127.0.0.1", 0, -1, null, 8192, 500, 5000, workers,
                500), new TransactionListener(self, transactionLayer));
        self.set(transport);
        recorder = new Recorder(transport.messageFactory(), transactionLayer);
        transport.handleRequestsWith(recorder);
    }

    @AfterEach
    void stop() {
        if (transport != null) {
            transport.close();
        }
    }

    private EdgeTcpMessageProcessor processor() {
        ListeningPointImpl lp = (ListeningPointImpl) transport.provider().getListeningPoint("tcp");
        return (EdgeTcpMessageProcessor) lp.getMessageProcessor();
    }

    private SipTestClient client() throws Exception {
        return new SipTestClient(Transport.TCP, transport.port());
    }

    private static String request(SipTestClient c, String method, String callId, int cseq) {
        return request(c.localPort(), method, callId, cseq);
    }

    private static String request(int port, String method, String callId, int cseq) {
        return method + " sip:edge.example.com SIP/2.0\r\n"
                + "Via: SIP/2.0/TCP 127.0.0.1:" + port + ";branch=z9hG4bK" + Integer.toHexString(callId.hashCode())
                + "x" + cseq + ";rport\r\n"
                + "Max-Forwards: 70\r\n"
                + "From: <sip:t@edge.example.com>;tag=t1\r\n"
                + "To: <sip:edge.example.com>\r\n"
                + "Call-ID: " + callId + "\r\n"
                + "CSeq: " + cseq + " " + method + "\r\n"
                + "Content-Length: 0\r\n\r\n";
    }

    private static void eventually(String what, IntSupplier value, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (value.getAsInt() != expected) {
            if (System.nanoTime() > deadline) {
                fail(what + ": " + value.getAsInt() + ", expected " + expected);
            }
            Thread.sleep(10);
        }
    }

    // ------------------------------------------------------------------ where requests run

    @Test
    void theHandlerRunsInlineOnALaneAndWhatItDeclinesReachesTheTransactionLayer() throws Exception {
        start(4);
        try (SipTestClient c = client()) {
            SipResponse ok = c.request(request(c, "OPTIONS", "inline-1", 1));
            assertNotNull(ok);
            assertEquals(200, ok.status(), ok.raw());
            Seen options = recorder.seen.poll();
            assertNotNull(options);
            assertTrue(options.thread().contains("-lane-"), options.thread());

            // INFO is declined by the handler: the RI creates a server transaction and the
            // SipListener answers through it, still on the connection.
            SipResponse info = c.request(request(c, "INFO", "inline-2", 1));
            assertNotNull(info, "no answer from the transaction layer");
            assertEquals(200, info.status(), info.raw());
            assertEquals("INFO", recorder.transactionLayer.poll());
        }
    }

    @Test
    void requestsOfOneCallIdKeepTheirOrderAcrossLanes() throws Exception {
        start(4);
        int callIds = 6;
        int perCallId = 40;
        try (SipTestClient c = client()) {
            StringBuilder burst = new StringBuilder();
            for (int n = 1; n <= perCallId; n++) {
                for (int id = 0; id < callIds; id++) {
                    burst.append(request(c, "OPTIONS", "order-" + id, n));
                }
            }
            c.sendBytes(burst.toString().getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < callIds * perCallId; i++) {
                SipResponse r = c.receive(5000);
                assertNotNull(r, "responses so far: " + i);
                assertEquals(200, r.status());
            }
        }
        Map<String, List<Integer>> byCallId = new HashMap<>();
        Set<String> threads = new HashSet<>();
        for (Seen s : recorder.seen) {
            byCallId.computeIfAbsent(s.callId(), k -> new ArrayList<>()).add(s.cseq());
            threads.add(s.thread());
        }
        assertEquals(callIds, byCallId.size());
        for (Map.Entry<String, List<Integer>> e : byCallId.entrySet()) {
            List<Integer> cseqs = e.getValue();
            for (int i = 0; i < cseqs.size(); i++) {
                assertEquals(i + 1, cseqs.get(i), e.getKey() + " handled out of order: " + cseqs);
            }
        }
        assertTrue(threads.size() > 1, "one connection's Call-IDs all ran on one lane: " + threads);
    }

    // ------------------------------------------------------------------ connections

    @Test
    void oneThreadPerConnectionAndTheCachesEmptyWhenConnectionsEnd() throws Exception {
        start(2);
        String prefix = transport.provider().getSipStack().getStackName() + "-tcp-";
        EdgeTcpMessageProcessor p = processor();
        List<SipTestClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                SipTestClient c = client();
                clients.add(c);
                assertNotNull(c.request(request(c, "OPTIONS", "conn-" + i, 1)));
            }
            assertEquals(3, p.openConnections());
            assertEquals(3, p.cachedConnections());
            assertEquals(3, threads(prefix));
            assertEquals(0, threads("PipelineThread"), "the RI's parser thread is running");
        } finally {
            for (SipTestClient c : clients) {
                c.close();
            }
        }
        eventually("open connections", p::openConnections, 0);
        eventually("cached connections", p::cachedConnections, 0);
        eventually("reader threads", () -> threads(prefix), 0);
    }

    private static int threads(String prefix) {
        return (int) Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith(prefix)).count();
    }

    /** A client that half-closes after sending still gets every answer; then the edge closes. */
    @Test
    void endOfStreamAnswersWhatWasSentThenCloses() throws Exception {
        start(4);
        EdgeTcpMessageProcessor p = processor();
        try (SipTestClient c = client()) {
            StringBuilder burst = new StringBuilder();
            for (int i = 0; i < 10; i++) {
                burst.append(request(c, "OPTIONS", "eof-" + i, 1));
            }
            c.sendBytes(burst.toString().getBytes(StandardCharsets.US_ASCII));
            c.shutdownOutput();
            for (int i = 0; i < 10; i++) {
                SipResponse r = c.receive(5000);
                assertNotNull(r, "answers after end of stream: " + i);
                assertEquals(200, r.status());
            }
            assertTrue(c.closedByPeer(3000), "the edge kept the half-closed connection");
        }
        eventually("open connections", p::openConnections, 0);
        eventually("cached connections", p::cachedConnections, 0);
    }

    /**
     * A response to a connection that has gone fails; it never opens a new connection to the
     * client's address and source port (the RI's send path did).
     */
    @Test
    void aResponseAfterTheConnectionEndedIsNotSentAnywhere() throws Exception {
        start(2);
        EdgeTcpMessageProcessor p = processor();
        recorder.hold = "held@test";
        int clientPort;
        // SO_REUSEADDR on the client too: Linux lets the trap below take a port in TIME_WAIT only
        // when the socket that left it there had it.
        try (Socket c = new Socket()) {
            c.setReuseAddress(true);
            c.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), transport.port()));
            clientPort = c.getLocalPort();
            c.getOutputStream().write(request(clientPort, "OPTIONS", "held@test", 1).getBytes(StandardCharsets.US_ASCII));
            eventually("held requests", () -> recorder.held.get() == null ? 0 : 1, 1);
        }
        eventually("open connections", p::openConnections, 0);
        Held held = recorder.held.get();
        ServerSocket trap;
        try {
            trap = new ServerSocket();
            trap.setReuseAddress(true);
            trap.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), clientPort));
        } catch (IOException e) {
            assumeTrue(false, "cannot listen on the client's old port " + clientPort + ": " + e);
            return;
        }
        try (ServerSocket s = trap) {
            s.setSoTimeout(500);
            Response r = transport.messageFactory().createResponse(200, held.request());
            assertThrows(IOException.class, () -> held.reply().send(r));
            assertThrows(SocketTimeoutException.class, s::accept, "the edge reconnected to the client");
        }
    }

    // ------------------------------------------------------------------ overload

    @Test
    void aFullLaneAnswers503WithRetryAfterAndTheRestAreStillHandled() throws Exception {
        start(1);
        CountDownLatch gate = new CountDownLatch(1);
        recorder.gate = gate;
        int total = SipTransport.LANE_QUEUE + 30;
        Map<String, Integer> statusByCallId = new HashMap<>();
        try (SipTestClient c = client()) {
            StringBuilder burst = new StringBuilder();
            for (int i = 0; i < total; i++) {
                burst.append(request(c, "OPTIONS", "full-" + i, 1));
            }
            c.sendBytes(burst.toString().getBytes(StandardCharsets.US_ASCII));
            // While the only lane is stuck, the reader answers what does not fit in its queue.
            int early = 0;
            for (SipResponse r = c.receive(5000); r != null; r = c.receive(500)) {
                assertEquals(503, r.status(), r.raw());
                assertNotNull(r.first("Retry-After"), r.raw());
                statusByCallId.put(r.first("Call-ID"), r.status());
                early++;
            }
            // One is on the lane, LANE_QUEUE wait behind it (one more if the lane took its first late).
            assertTrue(early >= 29 && early <= 30, "refused " + early);
            gate.countDown();
            for (int i = early; i < total; i++) {
                SipResponse r = c.receive(5000);
                assertNotNull(r, "responses so far: " + i);
                if (r.status() == 503) {
                    assertNotNull(r.first("Retry-After"), r.raw());
                }
                assertEquals(null, statusByCallId.put(r.first("Call-ID"), r.status()), "answered twice");
            }
        }
        long refused = statusByCallId.values().stream().filter(s -> s == 503).count();
        long handled = statusByCallId.values().stream().filter(s -> s == 200).count();
        assertEquals(total, refused + handled);
        assertTrue(refused >= 29 && refused <= 30, "refused " + refused);
        assertEquals(refused, transportLanes().refusedCount());
    }

    private ReliableLanes transportLanes() {
        return ReliableLanes.of(transport.provider().getSipStack().getStackName());
    }

    // ------------------------------------------------------------------ the stand-ins

    record Seen(String callId, int cseq, String thread) {
    }

    record Held(SIPRequest request, ReplyPath reply) {
    }

    /** Answers 200 (INFO: declined), records who handled what; can hold one Call-ID or wait at a gate. */
    static final class Recorder implements InboundHandler {
        final MessageFactory messages;
        final Queue<String> transactionLayer;
        final Queue<Seen> seen = new ConcurrentLinkedQueue<>();
        volatile CountDownLatch gate;
        volatile String hold;
        final AtomicReference<Held> held = new AtomicReference<>();

        Recorder(MessageFactory messages, Queue<String> transactionLayer) {
            this.messages = messages;
            this.transactionLayer = transactionLayer;
        }

        @Override
        public boolean handle(SIPRequest request, ReplyPath reply) {
            seen.add(new Seen(request.getCallId().getCallId(), (int) request.getCSeq().getSeqNumber(),
                    Thread.currentThread().getName()));
            if ("INFO".equals(request.getMethod())) {
                return false;
            }
            if (request.getCallId().getCallId().equals(hold)) {
                held.set(new Held(request, reply));
                return true;
            }
            CountDownLatch g = gate;
            try {
                if (g != null && !g.await(10, TimeUnit.SECONDS)) {
                    return true;
                }
                reply.send(messages.createResponse(Response.OK, request));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return true;
        }

        @Override
        public void overloaded(SIPRequest request, ReplyPath reply) {
            try {
                Response r = messages.createResponse(Response.SERVICE_UNAVAILABLE, request);
                RetryAfter retryAfter = new RetryAfter();
                retryAfter.setRetryAfter(5);
                r.setHeader(retryAfter);
                reply.send(r);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** What reaches the RI's transaction layer: recorded and answered 200 through a server transaction. */
    static final class TransactionListener implements SipListener {
        private final AtomicReference<SipTransport> transport;
        private final Queue<String> methods;

        TransactionListener(AtomicReference<SipTransport> transport, Queue<String> methods) {
            this.transport = transport;
            this.methods = methods;
        }

        @Override
        public void processRequest(RequestEvent event) {
            methods.add(event.getRequest().getMethod());
            try {
                SipTransport t = transport.get();
                ServerTransaction st = event.getServerTransaction() != null ? event.getServerTransaction()
                        : t.provider().getNewServerTransaction(event.getRequest());
                st.sendResponse(t.messageFactory().createResponse(Response.OK, event.getRequest()));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void processResponse(ResponseEvent event) {
        }

        @Override
        public void processTimeout(TimeoutEvent event) {
        }

        @Override
        public void processIOException(IOExceptionEvent event) {
        }

        @Override
        public void processTransactionTerminated(TransactionTerminatedEvent event) {
        }

        @Override
        public void processDialogTerminated(DialogTerminatedEvent event) {
        }
    }
}
