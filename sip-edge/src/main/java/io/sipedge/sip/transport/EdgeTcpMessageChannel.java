package io.sipedge.sip.transport;

import gov.nist.javax.sip.header.CSeq;
import gov.nist.javax.sip.header.CallID;
import gov.nist.javax.sip.header.ContentLength;
import gov.nist.javax.sip.header.From;
import gov.nist.javax.sip.header.RequestLine;
import gov.nist.javax.sip.header.StatusLine;
import gov.nist.javax.sip.header.To;
import gov.nist.javax.sip.header.Via;
import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.stack.MessageChannel;
import gov.nist.javax.sip.stack.SIPTransactionStack;
import gov.nist.javax.sip.stack.TCPMessageChannel;
import io.sipedge.sip.transport.EdgeTcpMessageProcessor.TcpIngress;
import io.sipedge.sip.transport.StreamFramer.FramingException;
import io.sipedge.model.Transport;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One accepted TCP connection: the RI's channel (message processing, Via received/rport, the valve,
 * transactions, keepalive answers, its caches) with the RI's two-thread read path replaced by one
 * thread that frames bytes ({@link StreamFramer}) and queues each message's exact bytes on the
 * {@link ReliableLanes} lane of its Call-ID. The lane parses them with the stack's parser (our
 * {@link HardenedParserFactory}) and calls the RI's {@code processMessage}, so the request reaches
 * the edge's handler on that lane with no further hop.
 *
 * <p>What a connection does:
 * <ul>
 * <li>Read timeout: once the first byte of a message is in, the whole message must arrive within
 * {@code READ_TIMEOUT} (the RI timed the rest of the message after its first line), else the
 * connection is closed. An idle connection, between messages, is kept however long it stays idle,
 * as before: phones hold their registration connection open for hours.</li>
 * <li>A message larger than {@code MAX_MESSAGE_SIZE}, or one whose Content-Length cannot be read,
 * closes the connection: where the next message would start is unknown.</li>
 * <li>A message that does not parse is answered 400 when it has the Via, From, To, Call-ID and
 * CSeq headers a response needs (and is neither a response nor an ACK), then the connection is
 * closed. The RI closed it without an answer when a mandatory header was broken, and silently
 * skipped a request whose mandatory header was missing.</li>
 * <li>A message the RI's checks refuse after parsing (413, 505, a CSeq method that differs) gets the
 * RI's answer and the connection stays open: it is still in step. The RI stopped reading it.</li>
 * <li>A CRLFCRLF keepalive is answered CRLF (RFC 5626 §4.4.1) also before the first request; the
 * RI's answer went through its socket table, which knows a connection only after its first
 * request.</li>
 * <li>End of stream: the messages already queued are still handled and answered (a client that
 * half-closes gets its responses), then the connection is closed and leaves the processor's caches.
 * Every other end (timeout, reset, framing or parse error, stack stop) closes it at once.</li>
 * <li>Responses leave on this connection and nowhere else; the RI's send path looked the socket up
 * in a table and, once the connection had gone, opened a new one to the client's source port.</li>
 * <li>A lane that is full: the reader parses that message itself and answers 503 with Retry-After
 * ({@link InboundHandler#overloaded}).</li>
 * </ul>
 */
final class EdgeTcpMessageChannel extends TCPMessageChannel {
    private static final Logger log = LoggerFactory.getLogger(EdgeTcpMessageChannel.class);
    /** The headers whose parse failure makes the RI's parser give up on a message (TCPMessageChannel's list). */
    private static final Set<Class<?>> MANDATORY = Set.of(From.class, To.class, CSeq.class, Via.class, CallID.class,
            ContentLength.class, RequestLine.class, StatusLine.class);
    private static final int MAX_REASON = 100;

    private final EdgeTcpMessageProcessor processor;
    private final TcpIngress ingress;
    /** One for the reader, one per message queued on a lane; whoever drops it to zero closes. */
    private final AtomicInteger holds = new AtomicInteger(1);
    private final AtomicBoolean closed = new AtomicBoolean();
    /** The fast path's answers go back on this connection. */
    private final RawReply raw;

    EdgeTcpMessageChannel(Socket socket, SIPTransactionStack stack, EdgeTcpMessageProcessor processor,
                          TcpIngress ingress) throws IOException {
        // Not the RI's accepting constructor: it starts the reader thread, which calls run(), before
        // the fields of a subclass are set. This one only takes the stack; start() starts reading.
        super(stack);
        this.processor = processor;
        this.ingress = ingress;
        socket.setTcpNoDelay(true); // EdgeNetworkLayer's server socket did so already; cheap to be sure
        mySock = socket;
        peerAddress = socket.getInetAddress();
        peerPort = socket.getPort();
        peerProtocol = "TCP";
        myAddress = processor.getIpAddress().getHostAddress();
        myPort = processor.getPort();
        myClientInputStream = socket.getInputStream();
        myClientOutputStream = socket.getOutputStream();
        key = MessageChannel.getKey(peerAddress, peerPort, "TCP");
        messageProcessor = processor;
        raw = new RawReply(Transport.TCP, peerAddress, peerPort, (bytes, to, port) -> sendMessage(bytes, false));
    }

    /**
     * Caches the connection for requests to its peer (the RI did so in {@code processMessage} on the
     * first request, with a check-then-act that two lanes could both pass: the second would close
     * the connection as a stale duplicate of itself), then starts the reader.
     */
    void start(String threadName) {
        isCached = true;
        processor.cache(this);
        mythread = new Thread(this, threadName);
        mythread.setDaemon(true);
        mythread.start();
    }

    // ------------------------------------------------------------------ the reader

    @Override
    public void run() {
        boolean endOfStream = false;
        try {
            endOfStream = read(mySock);
        } catch (SocketTimeoutException e) {
            log.debug("TCP {}: message incomplete after {} ms, closing", key, ingress.readTimeoutMs());
        } catch (FramingException e) {
            log.debug("TCP {}: {}, closing", key, e.getMessage());
        } catch (IOException e) {
            log.debug("TCP {}: {}", key, e.toString()); // reset, or closed by the stack or a lane
        } catch (RuntimeException e) {
            log.warn("TCP {}: reader failed: {}", key, e.getClass().getName());
        } finally {
            if (!endOfStream) {
                closeConnection();
            }
            release();
        }
    }

    /** Frames until end of stream (true) or an exception. */
    private boolean read(Socket socket) throws IOException, FramingException {
        StreamFramer framer = new StreamFramer(ingress.maxMessageSize());
        InputStream in = myClientInputStream;
        long limit = TimeUnit.MILLISECONDS.toNanos(ingress.readTimeoutMs());
        boolean timing = false;
        long deadline = 0;
        int soTimeout = 0; // an accepted socket starts without one
        while (true) {
            StreamFramer.Kind found = framer.next();
            if (found == StreamFramer.Kind.MESSAGE) {
                timing = false;
                dispatch(framer.message(), framer.callIdHash());
                continue;
            }
            if (found == StreamFramer.Kind.KEEPALIVE) {
                pong();
                continue;
            }
            int wanted = 0;
            if (limit > 0 && framer.midMessage()) {
                long now = System.nanoTime();
                if (!timing) {
                    timing = true;
                    deadline = now + limit;
                }
                long left = deadline - now;
                if (left <= 0) {
                    throw new SocketTimeoutException();
                }
                wanted = (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(left + 999_999));
            } else {
                timing = false;
            }
            if (wanted != soTimeout) {
                socket.setSoTimeout(wanted);
                soTimeout = wanted;
            }
            if (framer.readFrom(in) < 0) {
                return true;
            }
        }
    }

    private void dispatch(byte[] message, int callIdHash) {
        holds.incrementAndGet();
        if (!ingress.lanes().offer(callIdHash, () -> deliver(message))) {
            holds.decrementAndGet(); // the reader's own hold keeps it above zero
            refuse(message);
        }
    }

    private void pong() {
        try {
            sendSingleCLRF();
        } catch (Exception e) {
            log.debug("TCP {}: keepalive not answered: {}", key, e.toString());
        }
    }

    // ------------------------------------------------------------------ on a lane

    private void deliver(byte[] message) {
        try {
            if (closed.get()) {
                return; // an earlier message broke the connection: nobody would get the answer
            }
            if (ingress.lanes().handleRaw(message, raw)) {
                return; // answered from its bytes: the fast path
            }
            SIPMessage m = parse(message);
            if (m != null) {
                processMessage(m);
            }
        } catch (Exception e) {
            // The RI has answered (413, 505, 400) and threw to stop; the stream itself is fine. The
            // class only: its exception messages quote the whole message, credentials included.
            log.debug("TCP {}: message refused by the stack: {}", key, e.getClass().getName());
        } finally {
            release();
        }
    }

    /** Parses with the stack's parser, this channel judging header errors; null after {@link #reject}. */
    private SIPMessage parse(byte[] message) {
        try {
            return ingress.parser().parseSIPMessage(message, true, false, this);
        } catch (ParseException e) {
            reject(message, e);
            return null;
        }
    }

    /**
     * The RI's rule for header errors, without its side effect: TCPMessageChannel closed the socket
     * itself, before anyone could answer 400.
     */
    @Override
    @SuppressWarnings("rawtypes") // the RI's signature
    public void handleException(ParseException ex, SIPMessage sipMessage, Class hdrClass, String header,
                                String message) throws ParseException {
        if (hdrClass != null && MANDATORY.contains(hdrClass)) {
            throw ex;
        }
        sipMessage.addUnparsed(header);
    }

    /** 400 when the headers for a response are there (not to responses and ACKs), then close. */
    private void reject(byte[] message, ParseException e) {
        // ISO-8859-1 both ways: the 400 quotes the request byte for byte, and its Content-Length
        // (counted in chars by the RI) is then right.
        String text = new String(message, StandardCharsets.ISO_8859_1);
        if (!text.startsWith("SIP/") && !text.startsWith("ACK ")) {
            String answer = createBadReqRes(text, new ParseException(printable(e.getMessage()), e.getErrorOffset()));
            if (answer != null) {
                try {
                    sendMessage(answer.getBytes(StandardCharsets.ISO_8859_1), false);
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
        log.debug("TCP {}: unparseable message, closing", key);
        closeConnection();
    }

    /** The reason phrase must stay on its line: control characters out, and short. */
    private static String printable(String s) {
        if (s == null) {
            return "unparseable";
        }
        StringBuilder b = new StringBuilder(Math.min(s.length(), MAX_REASON));
        for (int i = 0; i < s.length() && b.length() < MAX_REASON; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? ' ' : c);
        }
        return b.toString();
    }

    // ------------------------------------------------------------------ on the reader, lane full

    /** Parses on the spot and answers 503 (the handler's {@code overloaded}); a rare, visible shed. */
    private void refuse(byte[] message) {
        SIPMessage m = parse(message);
        if (m instanceof SIPRequest r) {
            r.setRemoteAddress(peerAddress);
            r.setRemotePort(peerPort);
            r.setPeerPacketSourceAddress(peerAddress);
            r.setPeerPacketSourcePort(peerPort);
            ingress.lanes().overloaded(r, new ReplyPath(this, r));
        }
    }

    // ------------------------------------------------------------------ sending and closing

    /**
     * Encodes and writes on this connection. The RI's version first compares the peer with every
     * listening point of the stack, building their address strings, on each response, to detect a
     * stack sending to itself: impossible here, since an accepted connection's peer cannot hold
     * this stack's listening port on the same address. It also kept the Via port for reconnecting,
     * which this channel never does.
     */
    @Override
    public void sendMessage(SIPMessage sipMessage) throws IOException {
        sendMessage(sipMessage.encodeAsBytes(getTransport()), sipMessage instanceof SIPRequest);
        sipMessage.setRemoteAddress(peerAddress);
        sipMessage.setRemotePort(peerPort);
        sipMessage.setLocalAddress(processor.getIpAddress());
        sipMessage.setLocalPort(myPort);
    }

    /** Everything the RI sends on this channel (responses, its automatic answers, CRLF pongs). */
    @Override
    protected synchronized void sendMessage(byte[] msg, boolean isClient) throws IOException {
        write(msg);
    }

    /** To this connection's peer: on this connection. Elsewhere: refused, never a new connection. */
    @Override
    public synchronized void sendMessage(byte[] message, InetAddress receiverAddress, int receiverPort,
                                         boolean retry) throws IOException {
        if (!receiverAddress.equals(peerAddress) || receiverPort != peerPort) {
            throw new IOException("TCP " + key + " carries messages for its peer only, not "
                    + receiverAddress.getHostAddress() + ":" + receiverPort);
        }
        write(message);
    }

    private void write(byte[] bytes) throws IOException {
        OutputStream out = myClientOutputStream;
        if (closed.get() || out == null) {
            throw new IOException("TCP " + key + " is closed");
        }
        out.write(bytes);
    }

    private void release() {
        if (holds.decrementAndGet() == 0) {
            closeConnection();
        }
    }

    /** Closes the socket (the RI's close: streams, its socket table, keepalive timer) and uncaches. */
    void closeConnection() {
        if (closed.compareAndSet(false, true)) {
            close();
            processor.forget(this);
        }
    }
}
