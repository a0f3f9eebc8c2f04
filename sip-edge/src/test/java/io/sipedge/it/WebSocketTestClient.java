package io.sipedge.it;

import static io.sipedge.loadtest.transport.WebSocketFrames.CLOSE;
import static io.sipedge.loadtest.transport.WebSocketFrames.PING;
import static io.sipedge.loadtest.transport.WebSocketFrames.PONG;
import static io.sipedge.loadtest.transport.WebSocketFrames.TEXT;

import io.sipedge.loadtest.transport.WebSocketHandshake;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLSocket;

/**
 * A raw WebSocket client (RFC 6455) for tests, written from the RFC so it can send what a browser
 * never would: any upgrade request, frames with any opcode, FIN bit, mask and declared length. Plain
 * or TLS (trusting any certificate, as {@link SipTestClient} does). Not thread-safe: one test thread.
 */
public final class WebSocketTestClient implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();
    /** What {@link #next} returns when nothing came in time, and when the edge closed the connection. */
    private static final Frame TIMED_OUT = new Frame(false, -1, new byte[0]);
    private static final Frame CLOSED = new Frame(false, -1, new byte[0]);

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private boolean masked = true;
    private boolean answerPings = true;
    private int pingsSeen;
    private boolean closed;

    private WebSocketTestClient(Socket socket) throws IOException {
        this.socket = socket;
        socket.setTcpNoDelay(true); // split writes leave as separate segments
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** A TCP (or, with {@code tls}, TLS) connection to the edge's port on loopback, before any upgrade. */
    public static WebSocketTestClient connect(int port, boolean tls) throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        if (!tls) {
            return new WebSocketTestClient(new Socket(loopback, port));
        }
        SSLSocket s = (SSLSocket) SipTestClient.trustAll().getSocketFactory().createSocket(loopback, port);
        s.setSoTimeout(5000);
        s.startHandshake();
        return new WebSocketTestClient(s);
    }

    /**
     * Connected and upgraded with {@link #defaultHeaders} plus {@code extraHeaders}; fails unless the
     * edge answers 101.
     */
    public static WebSocketTestClient open(int port, boolean tls, String... extraHeaders) throws Exception {
        WebSocketTestClient c = connect(port, tls);
        try {
            List<String> headers = defaultHeaders(port);
            headers.addAll(List.of(extraHeaders));
            HttpAnswer a = c.upgrade(request("GET / HTTP/1.1", headers));
            if (a == null || a.status() != 101) {
                throw new AssertionError("no 101 to the upgrade: " + (a == null ? "closed" : a.raw()));
            }
            return c;
        } catch (Exception | AssertionError e) {
            c.close();
            throw e;
        }
    }

    /**
     * The header lines of a SIP WebSocket upgrade as a browser sends it (RFC 6455 §4.1, RFC 7118 §4),
     * in a list the test may edit before {@link #request} joins them.
     */
    public static List<String> defaultHeaders(int port) {
        List<String> h = new ArrayList<>();
        h.add("Host: 127.0.0.1:" + port);
        h.add("Upgrade: websocket");
        h.add("Connection: Upgrade");
        h.add("Sec-WebSocket-Key: " + newKey());
        h.add("Sec-WebSocket-Version: 13");
        h.add("Sec-WebSocket-Protocol: sip");
        return h;
    }

    /** The request line and header lines as one HTTP request with CRLF line ends. */
    public static String request(String requestLine, List<String> headers) {
        return requestLine + "\r\n" + String.join("\r\n", headers) + "\r\n\r\n";
    }

    /** A fresh Sec-WebSocket-Key (RFC 6455 §4.1). */
    public static String newKey() {
        return WebSocketHandshake.newKey(RANDOM);
    }

    /** Sends {@code request} as is and reads the HTTP answer's head; null when the edge closed instead. */
    public HttpAnswer upgrade(String request) throws IOException {
        sendRaw(request.getBytes(StandardCharsets.US_ASCII));
        return readHttpAnswer(5000);
    }

    /** The head of the edge's HTTP answer (up to the empty line), or null on close or timeout. */
    public HttpAnswer readHttpAnswer(int timeoutMs) throws IOException {
        socket.setSoTimeout(timeoutMs);
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        try {
            // Byte by byte, so that not one byte of the first frame is taken with the head.
            while (!endsWithEmptyLine(head.toByteArray())) {
                int b = in.read();
                if (b < 0) {
                    return null;
                }
                head.write(b);
            }
        } catch (SocketTimeoutException e) {
            return null;
        } catch (IOException e) {
            return null; // reset by the edge: refused before it read our request
        }
        return HttpAnswer.parse(head.toString(StandardCharsets.US_ASCII));
    }

    private static boolean endsWithEmptyLine(byte[] b) {
        int n = b.length;
        return n >= 4 && b[n - 4] == '\r' && b[n - 3] == '\n' && b[n - 2] == '\r' && b[n - 1] == '\n';
    }

    /** Frames sent from now on are masked (the default, RFC 6455 §5.3 requires it of clients) or not. */
    public WebSocketTestClient masked(boolean on) {
        this.masked = on;
        return this;
    }

    /** Whether reading answers a PING with its PONG (the default) or hands the PING to the caller. */
    public WebSocketTestClient answerPings(boolean on) {
        this.answerPings = on;
        return this;
    }

    /** PINGs read so far, answered or not. */
    public int pingsSeen() {
        return pingsSeen;
    }

    /** One unfragmented text message. */
    public void sendText(String text) throws IOException {
        sendFrame(true, TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    /** One frame: FIN bit, opcode and payload as given, masked unless {@link #masked} is off. */
    public void sendFrame(boolean fin, int opcode, byte[] payload) throws IOException {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        byte[] mask = header(f, fin, opcode, payload.length);
        for (int i = 0; i < payload.length; i++) {
            f.write(mask == null ? payload[i] : payload[i] ^ mask[i % 4]);
        }
        sendRaw(f.toByteArray());
    }

    /**
     * Only a frame's header, declaring {@code length} payload bytes that never follow (up to 2^63-1,
     * RFC 6455 §5.2), then {@code sent} bytes of payload.
     */
    public void sendFrameHeader(boolean fin, int opcode, long length, int sent) throws IOException {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        header(f, fin, opcode, length);
        f.write(new byte[sent], 0, sent);
        sendRaw(f.toByteArray());
    }

    /** Writes the frame header and returns the masking key, or null when unmasked. */
    private byte[] header(ByteArrayOutputStream f, boolean fin, int opcode, long length) {
        f.write((fin ? 0x80 : 0) | (opcode & 0x0F));
        int maskBit = masked ? 0x80 : 0;
        if (length < 126) {
            f.write(maskBit | (int) length);
        } else if (length <= 0xFFFF) {
            f.write(maskBit | 126);
            f.write((int) (length >>> 8));
            f.write((int) length);
        } else {
            f.write(maskBit | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                f.write((int) (length >>> shift));
            }
        }
        if (!masked) {
            return null;
        }
        byte[] mask = new byte[4];
        RANDOM.nextBytes(mask);
        f.write(mask, 0, 4);
        return mask;
    }

    /** Bytes as they are, after the handshake or instead of it. */
    public void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** The edge's close: a CLOSE frame with a status code (RFC 6455 §5.5.1), masked like any other. */
    public void sendClose(int code) throws IOException {
        sendFrame(true, CLOSE, new byte[] {(byte) (code >>> 8), (byte) code});
    }

    /**
     * The next frame from the edge (PINGs answered and skipped when {@link #answerPings} is on), or
     * null when nothing arrived within {@code timeoutMs} or the edge closed the connection.
     */
    public Frame readFrame(int timeoutMs) throws IOException {
        Frame f = next(timeoutMs);
        return f == TIMED_OUT || f == CLOSED ? null : f;
    }

    /**
     * Reads (answering PINGs if so set) until the edge closes the connection or {@code timeoutMs}
     * pass; frames read meanwhile go to {@code seen} unless it is null.
     *
     * @return true when the edge closed it (end of stream or reset)
     */
    public boolean awaitClose(int timeoutMs, List<Frame> seen) throws IOException {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        while (true) {
            Frame f = next((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000L));
            if (f == CLOSED) {
                return true;
            }
            if (f == TIMED_OUT) {
                return false;
            }
            if (seen != null) {
                seen.add(f);
            }
        }
    }

    /** {@link #awaitClose(int, List)}, dropping the frames read. */
    public boolean awaitClose(int timeoutMs) throws IOException {
        return awaitClose(timeoutMs, null);
    }

    /** True once a read found the connection closed by the edge. */
    public boolean closedByEdge() {
        return closed;
    }

    /** The next frame, or {@link #TIMED_OUT}, or {@link #CLOSED}. */
    private Frame next(int timeoutMs) throws IOException {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        while (!closed) {
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0) {
                return TIMED_OUT;
            }
            socket.setSoTimeout((int) left);
            try {
                int b0 = in.read();
                if (b0 < 0) {
                    break;
                }
                socket.setSoTimeout(5000); // the rest of a frame the edge has begun comes at once
                Frame f = readFrameAfter(b0);
                if (f.opcode() == PING) {
                    pingsSeen++;
                    if (answerPings) {
                        sendFrame(true, PONG, f.payload());
                        continue;
                    }
                }
                return f;
            } catch (SocketTimeoutException e) {
                return TIMED_OUT;
            } catch (IOException e) {
                break; // reset, or end of stream mid-frame
            }
        }
        closed = true;
        return CLOSED;
    }

    private Frame readFrameAfter(int b0) throws IOException {
        int b1 = readByte();
        long len = b1 & 0x7F;
        if (len == 126) {
            len = (readByte() << 8) | readByte();
        } else if (len == 127) {
            len = 0;
            for (int i = 0; i < 8; i++) {
                len = (len << 8) | readByte();
            }
        }
        byte[] mask = (b1 & 0x80) != 0 ? readFully(4) : null;
        byte[] payload = readFully(Math.toIntExact(len));
        if (mask != null) {
            for (int i = 0; i < payload.length; i++) {
                payload[i] ^= mask[i % 4];
            }
        }
        return new Frame((b0 & 0x80) != 0, b0 & 0x0F, payload);
    }

    private int readByte() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("the edge closed mid-frame");
        }
        return b;
    }

    private byte[] readFully(int n) throws IOException {
        byte[] b = new byte[n];
        int off = 0;
        while (off < n) {
            int r = in.read(b, off, n - off);
            if (r < 0) {
                throw new EOFException("the edge closed mid-frame");
            }
            off += r;
        }
        return b;
    }

    public int localPort() {
        return socket.getLocalPort();
    }

    /** Closes the TCP connection without a WebSocket close (a tab that vanished). */
    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** One frame from the edge. */
    public record Frame(boolean fin, int opcode, byte[] payload) {
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        /** The status code of a CLOSE frame, or -1 when it has none. */
        public int closeCode() {
            return payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : -1;
        }
    }

    /** The head of an HTTP answer: status, headers (names lower-cased) and the raw text. */
    public record HttpAnswer(int status, Map<String, List<String>> headers, String raw) {
        static HttpAnswer parse(String raw) {
            String[] lines = raw.split("\r\n");
            String[] first = lines[0].split(" ", 3);
            Map<String, List<String>> h = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) {
                    h.computeIfAbsent(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT),
                            k -> new ArrayList<>()).add(lines[i].substring(colon + 1).strip());
                }
            }
            return new HttpAnswer(Integer.parseInt(first[1]), h, raw);
        }

        public String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null ? null : v.get(0);
        }
    }
}
