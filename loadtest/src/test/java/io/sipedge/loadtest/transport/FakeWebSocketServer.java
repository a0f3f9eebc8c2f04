package io.sipedge.loadtest.transport;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;

/**
 * A WebSocket server for tests, written with plain stream code so that it shares nothing with the
 * generator's frame code: it answers the opening handshake (or refuses it as told), records every
 * frame clients send (unmasking them and checking that they were masked), answers each text
 * message through {@code answerer} when there is one, and sends whatever raw bytes a test gives it.
 */
public final class FakeWebSocketServer implements AutoCloseable {
    /** How the opening handshake is answered. */
    public enum Handshake { ACCEPT, REFUSE_400, WRONG_ACCEPT, NO_SUBPROTOCOL }

    /** A frame as received: the mask key is 0 when it was not masked. */
    public record Frame(int opcode, boolean fin, boolean masked, int maskKey, byte[] payload) {
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    private final ServerSocket server;
    private final Handshake handshake;
    private final UnaryOperator<String> answerer;
    private final Thread acceptor;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Map<Integer, OutputStream> outs = new ConcurrentHashMap<>();
    /** The handshake requests' heads, in the order they came. */
    public final BlockingQueue<String> requests = new LinkedBlockingQueue<>();
    public final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
    /** Connections that reached the end of their stream. */
    public final BlockingQueue<Integer> ended = new LinkedBlockingQueue<>();

    public FakeWebSocketServer(SSLContext tls, Handshake handshake, UnaryOperator<String> answerer) throws IOException {
        this.handshake = handshake;
        this.answerer = answerer;
        InetSocketAddress at = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        if (tls == null) {
            server = new ServerSocket();
        } else {
            server = tls.getServerSocketFactory().createServerSocket();
        }
        server.bind(at);
        acceptor = new Thread(this::acceptLoop, "fake-ws-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Writes raw bytes to connection {@code n} (in accept order). */
    public void send(int n, byte[] raw) throws IOException {
        OutputStream out = outs.get(n);
        synchronized (out) {
            out.write(raw);
            out.flush();
        }
    }

    /** A server's frame, unmasked, with a 7-, 16- or 64-bit length as the payload needs. */
    public static byte[] frame(boolean fin, int opcode, byte[] payload) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write((fin ? 0x80 : 0) | opcode);
        int n = payload.length;
        if (n < 126) {
            b.write(n);
        } else if (n < 65536) {
            b.write(126);
            b.write(n >> 8);
            b.write(n & 0xFF);
        } else {
            b.write(127);
            for (int s = 56; s >= 0; s -= 8) {
                b.write((int) ((long) n >> s) & 0xFF);
            }
        }
        b.writeBytes(payload);
        return b.toByteArray();
    }

    public Frame nextFrame() throws InterruptedException {
        Frame f = frames.poll(5, TimeUnit.SECONDS);
        if (f == null) {
            throw new AssertionError("no frame from the client within 5 s");
        }
        return f;
    }

    private void acceptLoop() {
        try {
            while (true) {
                Socket s = server.accept();
                sockets.add(s);
                int index = sockets.size() - 1;
                Thread t = new Thread(() -> serve(index, s), "fake-ws-" + index);
                t.setDaemon(true);
                t.start();
            }
        } catch (IOException e) {
            // closed
        }
    }

    private void serve(int index, Socket s) {
        try {
            DataInputStream in = new DataInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            outs.put(index, out);
            String head = readHead(in);
            requests.add(head);
            String key = header(head, "Sec-WebSocket-Key");
            String accept = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                    .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII)));
            String answer = switch (handshake) {
                case ACCEPT -> "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Accept: " + accept + "\r\nSec-WebSocket-Protocol: sip\r\n\r\n";
                case REFUSE_400 -> "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
                case WRONG_ACCEPT -> "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Accept: " + accept.substring(1) + "x\r\nSec-WebSocket-Protocol: sip\r\n\r\n";
                case NO_SUBPROTOCOL -> "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Accept: " + accept + "\r\n\r\n";
            };
            synchronized (out) {
                out.write(answer.getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            while (true) {
                int b0 = in.readUnsignedByte();
                int b1 = in.readUnsignedByte();
                long len = b1 & 0x7F;
                if (len == 126) {
                    len = in.readUnsignedShort();
                } else if (len == 127) {
                    len = in.readLong();
                }
                boolean masked = (b1 & 0x80) != 0;
                int maskKey = masked ? in.readInt() : 0;
                byte[] payload = new byte[(int) len];
                in.readFully(payload);
                for (int i = 0; i < payload.length; i++) {
                    payload[i] ^= (byte) (maskKey >>> (8 * (3 - i % 4)));
                }
                Frame f = new Frame(b0 & 0x0F, (b0 & 0x80) != 0, masked, maskKey, payload);
                frames.add(f);
                if (answerer != null && f.opcode() == 1) {
                    byte[] reply = answerer.apply(f.text()).getBytes(StandardCharsets.UTF_8);
                    send(index, frame(true, 1, reply));
                }
            }
        } catch (EOFException e) {
            ended.add(index);
        } catch (Exception e) {
            // closed by the test
        }
    }

    private static String readHead(DataInputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        while (!b.toString().endsWith("\r\n\r\n")) {
            b.append((char) in.readUnsignedByte());
        }
        return b.toString();
    }

    /** The value of a header of the head, or null. */
    public static String header(String head, String name) {
        for (String line : head.split("\r\n")) {
            int c = line.indexOf(':');
            if (c > 0 && line.substring(0, c).trim().equalsIgnoreCase(name)) {
                return line.substring(c + 1).trim();
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
        try {
            acceptor.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
