package io.sipedge.loadtest.register;

import io.sipedge.loadtest.sip.Digest;
import io.sipedge.loadtest.sip.DigestAlgorithm;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A test registrar over UDP that does check digests, written with plain string handling so it
 * shares no parsing code with the generator: 401 with the given challenges ({@code %s} = the To
 * domain), then 200 when the credentials are right, else 403.
 */
final class VerifyingRegistrar implements AutoCloseable {
    private final DatagramSocket socket;
    private final List<String> challenges;
    private final Map<String, String> passwords;
    private final List<String> rejections = new ArrayList<>();
    /** Call-ID to the CSeq numbers received with it, in order. */
    private final Map<String, List<Long>> cseqs = new HashMap<>();
    private final Thread thread;

    VerifyingRegistrar(List<String> challenges, Map<String, String> passwords) throws IOException {
        this.challenges = challenges;
        this.passwords = passwords;
        this.socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        this.thread = new Thread(this::serve, "verifying-registrar");
        thread.setDaemon(true);
        thread.start();
    }

    int port() {
        return socket.getLocalPort();
    }

    /** Every Call-ID received, with the CSeq numbers that came with it in order. */
    synchronized Map<String, List<Long>> cseqsByCallId() {
        Map<String, List<Long>> copy = new HashMap<>();
        cseqs.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        return copy;
    }

    synchronized List<String> rejections() {
        return new ArrayList<>(rejections);
    }

    private void serve() {
        byte[] buf = new byte[65536];
        while (!socket.isClosed()) {
            try {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                socket.receive(p);
                String req = new String(buf, 0, p.getLength(), StandardCharsets.UTF_8);
                byte[] resp = answer(req).getBytes(StandardCharsets.UTF_8);
                socket.send(new DatagramPacket(resp, resp.length, p.getSocketAddress()));
            } catch (IOException e) {
                return;
            }
        }
    }

    String answer(String req) {
        Map<String, String> h = new HashMap<>();
        String[] lines = req.split("\r\n");
        for (int i = 1; i < lines.length && !lines[i].isEmpty(); i++) {
            int c = lines[i].indexOf(':');
            h.putIfAbsent(lines[i].substring(0, c).trim().toLowerCase(), lines[i].substring(c + 1).trim());
        }
        synchronized (this) {
            cseqs.computeIfAbsent(h.get("call-id"), k -> new ArrayList<>())
                    .add(Long.parseLong(h.get("cseq").split(" ")[0]));
        }
        String toDomain = h.get("to").replaceAll(".*@([^>;]+).*", "$1");
        StringBuilder r = new StringBuilder();
        String auth = h.get("authorization");
        if (auth == null) {
            r.append("SIP/2.0 401 Unauthorized\r\n");
            dialog(r, h);
            for (String c : challenges) {
                r.append("WWW-Authenticate: ").append(c.replace("%s", toDomain)).append("\r\n");
            }
        } else {
            String problem = check(auth, lines[0].split(" ")[1], toDomain);
            r.append(problem == null ? "SIP/2.0 200 OK\r\n" : "SIP/2.0 403 Forbidden\r\n");
            dialog(r, h);
            if (problem != null) {
                synchronized (this) {
                    rejections.add(problem);
                }
            }
        }
        return r.append("Content-Length: 0\r\n\r\n").toString();
    }

    private static void dialog(StringBuilder r, Map<String, String> h) {
        r.append("Via: ").append(h.get("via")).append("\r\nFrom: ").append(h.get("from")).append("\r\nTo: ")
                .append(h.get("to")).append(";tag=v\r\nCall-ID: ").append(h.get("call-id")).append("\r\nCSeq: ")
                .append(h.get("cseq")).append("\r\n");
    }

    private String check(String auth, String requestUri, String toDomain) {
        Map<String, String> p = new HashMap<>();
        Matcher m = Pattern.compile("(\\w+)=(?:\"([^\"]*)\"|([^,\\s]+))").matcher(auth);
        while (m.find()) {
            p.put(m.group(1), m.group(2) != null ? m.group(2) : m.group(3));
        }
        String password = passwords.get(p.get("username"));
        if (password == null) {
            return "unknown user " + p.get("username");
        }
        String pair = "realm=\"" + p.get("realm") + "\", nonce=\"" + p.get("nonce") + "\"";
        if (challenges.stream().noneMatch(c -> c.replace("%s", toDomain).contains(pair))) {
            return "realm and nonce not from a challenge: " + pair;
        }
        boolean qopOffered = challenges.stream().anyMatch(c -> c.contains("qop="));
        if (qopOffered != "auth".equals(p.get("qop"))) {
            return "qop " + p.get("qop") + " does not answer the challenge";
        }
        if (!requestUri.equals(p.get("uri"))) {
            return "uri " + p.get("uri") + " is not the Request-URI " + requestUri;
        }
        DigestAlgorithm alg = "SHA-256".equals(p.get("algorithm")) ? DigestAlgorithm.SHA_256 : DigestAlgorithm.MD5;
        String expected = Digest.response(alg, p.get("username"), p.get("realm"), password, "REGISTER", p.get("uri"),
                p.get("nonce"), p.get("nc"), p.get("cnonce"), p.get("qop"));
        return expected.equals(p.get("response")) ? null : "wrong response for " + p.get("username") + ": " + auth;
    }

    @Override
    public void close() {
        socket.close();
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
