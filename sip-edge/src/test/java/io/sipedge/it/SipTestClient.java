package io.sipedge.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A small SIP user agent for tests, written from the RFC text rather than with JAIN-SIP, so it can
 * send exactly the bytes a test wants (including broken ones) and see exactly the bytes the edge
 * returns. UDP, TCP or TLS (trusting any certificate: the edge's is self-signed).
 */
public final class SipTestClient implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();

    public enum Transport { UDP, TCP, TLS }

    private final Transport transport;
    private final InetAddress edge;
    private final int edgePort;
    private DatagramSocket udp;
    private Socket stream;
    private InputStream in;
    private OutputStream out;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    private String callId = randomHex(8) + "@test";
    private long cseq = 0;
    private final String fromTag = randomHex(4);

    public SipTestClient(Transport transport, int edgePort) throws Exception {
        this(transport, edgePort, "TLSv1.3", "TLSv1.2");
    }

    public SipTestClient(Transport transport, int edgePort, String... tlsProtocols) throws Exception {
        this(transport, edgePort, InetAddress.getLoopbackAddress(), tlsProtocols);
    }

    /** Sends from {@code source}, another loopback address than 127.0.0.1 (the edge sees another client). */
    public static SipTestClient from(String source, Transport transport, int edgePort) throws Exception {
        return new SipTestClient(transport, edgePort, InetAddress.getByName(source), "TLSv1.3", "TLSv1.2");
    }

    private SipTestClient(Transport transport, int edgePort, InetAddress source, String... tlsProtocols)
            throws Exception {
        this.transport = transport;
        this.edge = InetAddress.getLoopbackAddress();
        this.edgePort = edgePort;
        switch (transport) {
            case UDP -> {
                udp = new DatagramSocket(new InetSocketAddress(source, 0));
                udp.setSoTimeout(5000);
            }
            case TCP -> {
                stream = new Socket(edge, edgePort, source, 0);
                stream.setSoTimeout(5000);
                stream.setTcpNoDelay(true); // a test's split writes leave as separate segments
            }
            case TLS -> {
                SSLSocket s = (SSLSocket) trustAll().getSocketFactory().createSocket(edge, edgePort, source, 0);
                s.setEnabledProtocols(tlsProtocols);
                s.setSoTimeout(5000);
                s.startHandshake();
                stream = s;
            }
            default -> throw new IllegalArgumentException();
        }
        if (stream != null) {
            in = stream.getInputStream();
            out = stream.getOutputStream();
        }
    }

    /** A TLS client context that trusts any certificate: the edge's is self-signed. */
    static SSLContext trustAll() throws java.security.GeneralSecurityException {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {TRUST_ALL}, RANDOM);
        return ctx;
    }

    /** The certificate the edge presented in this TLS connection's handshake. */
    public X509Certificate peerCertificate() throws javax.net.ssl.SSLPeerUnverifiedException {
        return (X509Certificate) ((SSLSocket) stream).getSession().getPeerCertificates()[0];
    }

    public int localPort() {
        return udp != null ? udp.getLocalPort() : stream.getLocalPort();
    }

    public String transportToken() {
        return transport.name();
    }

    public String callId() {
        return callId;
    }

    public void newCallId() {
        callId = randomHex(8) + "@test";
    }

    public long cseq() {
        return cseq;
    }

    public void setCseq(long value) {
        cseq = value;
    }

    /** Sends text as is, after turning bare LF into CRLF. */
    public void sendText(String text) throws IOException {
        sendBytes(text.replace("\r\n", "\n").replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    public void sendBytes(byte[] b) throws IOException {
        if (udp != null) {
            udp.send(new DatagramPacket(b, b.length, edge, edgePort));
        } else {
            out.write(b);
            out.flush();
        }
    }

    /** The next message from the edge, or null after {@code timeoutMs} of silence. */
    public SipResponse receive(int timeoutMs) throws IOException {
        if (udp != null) {
            udp.setSoTimeout(timeoutMs);
            byte[] buf = new byte[65535];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                udp.receive(p);
            } catch (SocketTimeoutException e) {
                return null;
            }
            return SipResponse.parse(new String(buf, 0, p.getLength(), StandardCharsets.UTF_8));
        }
        stream.setSoTimeout(timeoutMs);
        try {
            while (true) {
                String have = pending.toString(StandardCharsets.UTF_8);
                int end = have.indexOf("\r\n\r\n");
                if (end >= 0) {
                    Matcher m = Pattern.compile("(?im)^(content-length|l)\\s*:\\s*(\\d+)").matcher(have.substring(0, end));
                    int len = m.find() ? Integer.parseInt(m.group(2)) : 0;
                    if (have.length() >= end + 4 + len) {
                        String msg = have.substring(0, end + 4 + len);
                        byte[] rest = have.substring(end + 4 + len).getBytes(StandardCharsets.UTF_8);
                        pending.reset();
                        pending.write(rest);
                        return SipResponse.parse(msg);
                    }
                }
                byte[] buf = new byte[8192];
                int n = in.read(buf);
                if (n < 0) {
                    return null;
                }
                pending.write(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            return null;
        }
    }

    /** Raw bytes from a stream transport (for the CRLF keepalive pong); null on timeout or close. */
    /** The next datagram with its source (UDP), or null on timeout. */
    public DatagramPacket receivePacket(int timeoutMs) throws IOException {
        udp.setSoTimeout(timeoutMs);
        DatagramPacket p = new DatagramPacket(new byte[8192], 8192);
        try {
            udp.receive(p);
            return p;
        } catch (SocketTimeoutException e) {
            return null;
        }
    }

    public byte[] receiveRaw(int timeoutMs) throws IOException {
        stream.setSoTimeout(timeoutMs);
        byte[] buf = new byte[1024];
        try {
            int n = in.read(buf);
            return n < 0 ? null : java.util.Arrays.copyOf(buf, n);
        } catch (SocketTimeoutException e) {
            return null;
        }
    }

    /** Half-closes a stream connection: the edge reads end of stream, responses can still come back. */
    public void shutdownOutput() throws IOException {
        stream.shutdownOutput();
    }

    /** True when the edge has closed a stream connection (read returns end of stream). */
    public boolean closedByPeer(int timeoutMs) throws IOException {
        stream.setSoTimeout(timeoutMs);
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    /** A REGISTER for {@code user@domain}; {@code extraHeaders} lines are added verbatim. */
    public String register(String user, String domain, String contact, String... extraHeaders) {
        cseq++;
        StringBuilder sb = new StringBuilder();
        sb.append("REGISTER sip:").append(domain).append(" SIP/2.0\n");
        sb.append("Via: SIP/2.0/").append(transport.name()).append(" 127.0.0.1:").append(localPort())
                .append(";branch=z9hG4bK").append(randomHex(8)).append(";rport\n");
        sb.append("Max-Forwards: 70\n");
        sb.append("From: <sip:").append(user).append('@').append(domain).append(">;tag=").append(fromTag).append('\n');
        sb.append("To: <sip:").append(user).append('@').append(domain).append(">\n");
        sb.append("Call-ID: ").append(callId).append('\n');
        sb.append("CSeq: ").append(cseq).append(" REGISTER\n");
        if (contact != null) {
            sb.append("Contact: ").append(contact).append('\n');
        }
        for (String h : extraHeaders) {
            sb.append(h).append('\n');
        }
        sb.append("User-Agent: sip-edge-test/1.0\n");
        sb.append("Content-Length: 0\n\n");
        return sb.toString();
    }

    /** The default contact of this client: its own address and port. */
    public String contact(String user) {
        return "<sip:" + user + "@127.0.0.1:" + localPort() + ";transport=" + transport.name().toLowerCase(Locale.ROOT)
                + ">";
    }

    /** Sends a REGISTER and returns the response (null on timeout). */
    public SipResponse request(String text) throws IOException {
        sendText(text);
        return receive(5000);
    }

    /**
     * The full exchange: REGISTER, the 401, REGISTER with digest for the first offered algorithm
     * that is {@code algorithm} (MD5 or SHA-256), and the final response.
     */
    public SipResponse registerWithAuth(String user, String domain, String password, String contact,
                                        String algorithm, String... extraHeaders) throws IOException {
        SipResponse challenge = request(register(user, domain, contact, extraHeaders));
        if (challenge == null || challenge.status() != 401) {
            return challenge;
        }
        return request(register(user, domain, contact,
                with(extraHeaders, authorization(challenge, user, password, "sip:" + domain, algorithm, 1))));
    }

    static String[] with(String[] headers, String extra) {
        String[] all = java.util.Arrays.copyOf(headers, headers.length + 1);
        all[headers.length] = extra;
        return all;
    }

    /** An Authorization header answering the challenge of {@code algorithm} in {@code challenge}. */
    public static String authorization(SipResponse challenge, String user, String password, String uri,
                                       String algorithm, int nc) {
        Map<String, String> c = challenge.challenge(algorithm);
        if (c == null) {
            throw new AssertionError("no " + algorithm + " challenge in\n" + challenge.raw());
        }
        String realm = c.get("realm");
        String nonce = c.get("nonce");
        String cnonce = randomHex(8);
        String ncHex = String.format("%08x", nc);
        String ha1 = hash(algorithm, user + ":" + realm + ":" + password);
        String ha2 = hash(algorithm, "REGISTER:" + uri);
        String response = hash(algorithm, ha1 + ":" + nonce + ":" + ncHex + ":" + cnonce + ":auth:" + ha2);
        return "Authorization: Digest username=\"" + user + "\", realm=\"" + realm + "\", nonce=\"" + nonce
                + "\", uri=\"" + uri + "\", response=\"" + response + "\", algorithm=" + algorithm
                + ", qop=auth, nc=" + ncHex + ", cnonce=\"" + cnonce + "\"";
    }

    public static String hash(String algorithm, String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm.equals("MD5") ? "MD5" : "SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    @Override
    public void close() throws IOException {
        if (udp != null) {
            udp.close();
        }
        if (stream != null) {
            stream.close();
        }
    }

    /** Trusts any certificate: the edge under test has a freshly generated self-signed one. */
    static final X509TrustManager TRUST_ALL = new X509TrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    };

    /** A received SIP response: status line and headers (names lower-cased, values in order). */
    public record SipResponse(int status, String reason, Map<String, List<String>> headers, String raw) {
        static SipResponse parse(String raw) {
            String[] lines = raw.split("\r\n");
            String[] first = lines[0].split(" ", 3);
            int status = first[0].startsWith("SIP/") ? Integer.parseInt(first[1]) : 0;
            Map<String, List<String>> h = new LinkedHashMap<>();
            for (int i = 1; i < lines.length && !lines[i].isEmpty(); i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) {
                    h.computeIfAbsent(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT),
                            k -> new ArrayList<>()).add(lines[i].substring(colon + 1).strip());
                }
            }
            return new SipResponse(status, first.length > 2 ? first[2] : "", h, raw);
        }

        public List<String> all(String name) {
            return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
        }

        public String first(String name) {
            List<String> v = all(name);
            return v.isEmpty() ? null : v.get(0);
        }

        /** The parameters of the WWW-Authenticate header with {@code algorithm=...}, or null. */
        public Map<String, String> challenge(String algorithm) {
            for (String v : all("WWW-Authenticate")) {
                Map<String, String> p = params(v.replaceFirst("(?i)^Digest\\s+", ""));
                if (algorithm.equalsIgnoreCase(p.getOrDefault("algorithm", "MD5"))) {
                    return p;
                }
            }
            return null;
        }

        static Map<String, String> params(String s) {
            Map<String, String> out = new LinkedHashMap<>();
            Matcher m = Pattern.compile("([A-Za-z-]+)\\s*=\\s*(\"([^\"]*)\"|[^,\\s]+)").matcher(s);
            while (m.find()) {
                out.put(m.group(1).toLowerCase(Locale.ROOT), m.group(3) != null ? m.group(3) : m.group(2));
            }
            return out;
        }
    }
}
