package io.sipedge.loadtest.transport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;
import java.util.Random;

/**
 * The client's side of the opening handshake (RFC 6455 §4.1) for SIP over WebSocket (RFC 7118
 * §4): {@code GET /} with the {@code sip} sub-protocol, and the checks on the server's answer.
 */
public final class WebSocketHandshake {
    /** RFC 6455 §1.3: appended to the key before hashing it into Sec-WebSocket-Accept. */
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    /** An HTTP response head longer than this is not a handshake answer. */
    private static final int MAX_HEAD = 8192;

    private WebSocketHandshake() {
    }

    /** A Sec-WebSocket-Key: 16 random bytes in base64 (§4.1). */
    public static String newKey(Random random) {
        byte[] nonce = new byte[16];
        random.nextBytes(nonce);
        return Base64.getEncoder().encodeToString(nonce);
    }

    /** The request; {@code server} gives the Host header (a bracketed IPv6 literal when it is one). */
    static String request(InetSocketAddress server, String key) {
        String host = server.getHostString();
        if (host.indexOf(':') >= 0) {
            host = "[" + host + "]";
        }
        return "GET / HTTP/1.1\r\n"
                + "Host: " + host + ":" + server.getPort() + "\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + key + "\r\n"
                + "Sec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Protocol: sip\r\n"
                + "\r\n";
    }

    /** The Sec-WebSocket-Accept a server must answer {@code key} with: base64(SHA-1(key + GUID)). */
    public static String accept(String key) {
        try {
            byte[] sha1 = MessageDigest.getInstance("SHA-1").digest((key + GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(sha1);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-1", e);
        }
    }

    /**
     * Sends the request and checks the answer; throws with what was wrong. Reads the answer's head
     * one byte at a time, so that nothing after it (a first frame) is taken from the stream: it is
     * once per connection.
     */
    static void perform(InputStream in, OutputStream out, InetSocketAddress server, String key) throws IOException {
        out.write(request(server, key).getBytes(StandardCharsets.US_ASCII));
        out.flush();
        check(readHead(in), key);
    }

    /** The response head up to and without the blank line, as ISO-8859-1 text. */
    static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder(256);
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("WebSocket handshake: the server closed the connection"
                        + (head.length() > 0 ? " after '" + firstLine(head.toString()) + "'" : ""));
            }
            head.append((char) c);
            int n = head.length();
            if (n >= 4 && head.charAt(n - 1) == '\n' && head.charAt(n - 2) == '\r' && head.charAt(n - 3) == '\n'
                    && head.charAt(n - 4) == '\r') {
                return head.substring(0, n - 4);
            }
            if (n > MAX_HEAD) {
                throw new IOException("WebSocket handshake: no end of the HTTP head in " + MAX_HEAD + " bytes");
            }
        }
    }

    /**
     * Checks a response head (§4.1, the client's checks): 101, {@code Upgrade: websocket},
     * {@code Connection: Upgrade}, the accept value for {@code key}, the {@code sip} sub-protocol
     * (RFC 7118 §4), no extension (none was offered).
     */
    static void check(String head, String key) throws IOException {
        String[] lines = head.split("\r\n", -1);
        String status = lines[0];
        if (!status.equals("HTTP/1.1 101") && !status.startsWith("HTTP/1.1 101 ")) {
            throw new IOException("WebSocket handshake refused: '" + status + "'");
        }
        String upgrade = null;
        String connection = null;
        String accept = null;
        String protocol = null;
        String extensions = null;
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon <= 0) {
                throw new IOException("WebSocket handshake: malformed header line '" + lines[i] + "'");
            }
            String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = lines[i].substring(colon + 1).trim();
            switch (name) {
                case "upgrade" -> upgrade = value;
                case "connection" -> connection = connection == null ? value : connection + "," + value;
                case "sec-websocket-accept" -> accept = value;
                case "sec-websocket-protocol" -> protocol = value;
                case "sec-websocket-extensions" -> extensions = value;
                default -> {
                }
            }
        }
        if (upgrade == null || !upgrade.equalsIgnoreCase("websocket")) {
            throw new IOException("WebSocket handshake: Upgrade is '" + upgrade + "', not websocket");
        }
        if (connection == null || !hasToken(connection, "upgrade")) {
            throw new IOException("WebSocket handshake: Connection is '" + connection + "', without Upgrade");
        }
        String expected = accept(key);
        if (!expected.equals(accept)) {
            throw new IOException("WebSocket handshake: Sec-WebSocket-Accept is '" + accept + "', expected '"
                    + expected + "'");
        }
        if (!"sip".equals(protocol)) {
            throw new IOException("WebSocket handshake: Sec-WebSocket-Protocol is '" + protocol + "', not sip");
        }
        if (extensions != null && !extensions.isEmpty()) {
            throw new IOException("WebSocket handshake: extensions '" + extensions + "' that were not offered");
        }
    }

    private static boolean hasToken(String list, String token) {
        for (String t : list.split(",")) {
            if (t.trim().equalsIgnoreCase(token)) {
                return true;
            }
        }
        return false;
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\r');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
