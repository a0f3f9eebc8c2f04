package io.sipedge.loadtest.responder;

import io.sipedge.loadtest.sip.MessageBuilder;
import io.sipedge.loadtest.sip.StreamFramer;
import io.sipedge.loadtest.transport.TrustAllTls;
import io.sipedge.loadtest.transport.Warmup;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.SSLServerSocket;

/**
 * A trivial stateless SIP server for measuring the generator's own ceiling: see
 * {@link RequestAnswerer} for what it answers (it does <b>no</b> authentication check). UDP and TCP
 * share one port. UDP is served by {@code workerThreads} threads on one socket (default one); each
 * TCP/TLS connection by its own thread, which answers everything one read brought in with one write.
 */
public final class Responder implements AutoCloseable {
    private static final int MAX_MESSAGE = 65535;

    private final ResponderOptions options;
    private final DatagramChannel udp;
    private final ServerSocket tcp;
    private final ServerSocket tls;
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();
    private final Set<String> seenBranches = ConcurrentHashMap.newKeySet();
    private final LongAdder requests = new LongAdder();
    private final LongAdder answered = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final RateLimit limit;
    private volatile boolean closed;

    private Responder(ResponderOptions options) throws IOException {
        this.options = options;
        this.limit = options.maxRegistrationsPerSecond() > 0 ? new RateLimit(2 * options.maxRegistrationsPerSecond()) : null;
        DatagramChannel u = null;
        ServerSocket t = null;
        ServerSocket s = null;
        try {
            int port = options.port();
            if (options.tcp()) {
                t = new ServerSocket();
                t.setReuseAddress(true);
                t.bind(new InetSocketAddress(options.address(), port), 1024);
                port = t.getLocalPort(); // UDP takes the same number when it was ephemeral
            }
            if (options.udp()) {
                u = DatagramChannel.open();
                u.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
                u.setOption(StandardSocketOptions.SO_SNDBUF, 4 << 20);
                u.bind(new InetSocketAddress(options.address(), port));
            }
            if (options.tls() != null) {
                SSLServerSocket ss = (SSLServerSocket) options.tls().getServerSocketFactory().createServerSocket();
                ss.setEnabledProtocols(TrustAllTls.protocols(ss.getSupportedProtocols()));
                ss.setReuseAddress(true);
                ss.bind(new InetSocketAddress(options.address(), options.tlsPort()), 1024);
                s = ss;
            }
        } catch (IOException | RuntimeException e) {
            closeQuietly(u);
            closeQuietly(t);
            closeQuietly(s);
            throw e;
        }
        this.udp = u;
        this.tcp = t;
        this.tls = s;
    }

    /** Binds and starts serving. */
    public static Responder start(ResponderOptions options) throws IOException {
        Responder r = new Responder(options);
        warmUp();
        if (r.udp != null) {
            for (int i = 0; i < Math.max(1, options.workerThreads()); i++) {
                r.thread("responder-udp-" + i, r::udpLoop);
            }
        }
        if (r.tcp != null) {
            r.thread("responder-tcp-accept", () -> r.acceptLoop(r.tcp, "tcp"));
        }
        if (r.tls != null) {
            r.thread("responder-tls-accept", () -> r.acceptLoop(r.tls, "tls"));
        }
        return r;
    }

    private static volatile boolean warmedUp;

    /** Compiles the per-request code before traffic arrives (see the generator's warm-up for why). */
    private static void warmUp() {
        if (warmedUp) {
            return;
        }
        warmedUp = true;
        String head = "REGISTER sip:warmup.invalid SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;rport;branch=z9hG4bKw\r\n"
                + "From: <sip:w@warmup.invalid>;tag=1\r\nTo: <sip:w@warmup.invalid>\r\nCall-ID: w\r\n"
                + "CSeq: 1 REGISTER\r\nContact: <sip:w@127.0.0.1:5070>\r\nExpires: 60\r\n";
        byte[][] requests = {(head + "Content-Length: 0\r\n\r\n").getBytes(StandardCharsets.US_ASCII),
            (head + "Authorization: Digest username=\"w\"\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.US_ASCII)};
        RequestAnswerer a = new RequestAnswerer();
        MessageBuilder out = new MessageBuilder(1024);
        for (int i = 0; i < 20_000; i++) {
            byte[] req = requests[i & 1];
            out.reset();
            if (a.parse(req, 0, req.length)) {
                a.answer(out);
            }
        }
        Warmup.udp();
        Warmup.tcp();
        Warmup.awaitQuietCompiler(3000);
    }

    private void thread(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    /** The UDP port, -1 without UDP. */
    public int udpPort() {
        return udp == null ? -1 : ((InetSocketAddress) udp.socket().getLocalSocketAddress()).getPort();
    }

    /** The TCP port, -1 without TCP. */
    public int tcpPort() {
        return tcp == null ? -1 : tcp.getLocalPort();
    }

    /** The TLS port, -1 without TLS. */
    public int tlsPort() {
        return tls == null ? -1 : tls.getLocalPort();
    }

    /** Requests received (retransmissions included). */
    public long requests() {
        return requests.sum();
    }

    public long answered() {
        return answered.sum();
    }

    /** Requests left unanswered by the fault mode or the rate limit. */
    public long dropped() {
        return dropped.sum();
    }

    /** Whether to answer this request (it is parsed in {@code a}); counts it. */
    private boolean admit(RequestAnswerer a) {
        requests.increment();
        boolean answer = switch (options.mode()) {
            case ANSWER -> true;
            case SILENT -> false;
            case DROP_FIRST_COPY -> {
                String branch = a.branch();
                yield branch == null || !seenBranches.add(branch);
            }
        };
        if (answer && limit != null && !a.isAck()) {
            answer = limit.tryAcquire();
        }
        if (!answer) {
            dropped.increment();
        }
        return answer;
    }

    private void udpLoop() {
        byte[] in = new byte[65536];
        ByteBuffer inBuf = ByteBuffer.wrap(in);
        MessageBuilder out = new MessageBuilder(4096);
        RequestAnswerer a = new RequestAnswerer();
        while (!closed) {
            try {
                inBuf.clear();
                SocketAddress from = udp.receive(inBuf);
                if (from == null || !a.parse(in, 0, inBuf.position()) || !admit(a)) {
                    continue;
                }
                out.reset();
                if (a.answer(out)) {
                    udp.send(ByteBuffer.wrap(out.array(), 0, out.length()), from);
                    answered.increment();
                }
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void acceptLoop(ServerSocket server, String name) {
        int n = 0;
        while (!closed) {
            try {
                Socket s = server.accept();
                s.setTcpNoDelay(true);
                accepted.add(s);
                thread("responder-" + name + "-" + n++, () -> connectionLoop(s));
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void connectionLoop(Socket socket) {
        StreamFramer framer = new StreamFramer(65536, MAX_MESSAGE);
        MessageBuilder out = new MessageBuilder(65536);
        RequestAnswerer a = new RequestAnswerer();
        StreamFramer.Sink sink = (buf, off, len) -> {
            if (a.parse(buf, off, len) && admit(a) && a.answer(out)) {
                answered.increment();
            }
        };
        try (socket) {
            InputStream in = socket.getInputStream();
            OutputStream os = socket.getOutputStream();
            while (!closed) {
                int n = framer.readFrom(in);
                if (n < 0) {
                    return;
                }
                out.reset();
                framer.received(n, sink);
                if (out.length() > 0) {
                    os.write(out.array(), 0, out.length());
                }
            }
        } catch (IOException e) {
            // peer gone or unframeable stream: drop the connection
        } finally {
            accepted.remove(socket);
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(udp);
        closeQuietly(tcp);
        closeQuietly(tls);
        for (Socket s : accepted) {
            closeQuietly(s);
        }
        for (Thread t : threads) {
            try {
                t.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception e) {
                // closing anyway
            }
        }
    }

    /** Token bucket holding a tenth of a second of requests, refilled continuously. */
    private static final class RateLimit {
        private final double perNano;
        private final double capacity;
        private double tokens;
        private long last = System.nanoTime();

        RateLimit(double perSecond) {
            this.perNano = perSecond / 1e9;
            this.capacity = Math.max(1, perSecond / 10);
            this.tokens = capacity;
        }

        synchronized boolean tryAcquire() {
            long now = System.nanoTime();
            tokens = Math.min(capacity, tokens + (now - last) * perNano);
            last = now;
            if (tokens >= 1) {
                tokens -= 1;
                return true;
            }
            return false;
        }
    }
}
