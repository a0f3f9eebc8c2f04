package io.sipedge.loadtest.register;

import io.sipedge.loadtest.sip.Ascii;
import io.sipedge.loadtest.sip.Digest;
import io.sipedge.loadtest.sip.DigestAlgorithm;
import io.sipedge.loadtest.sip.DigestChallenge;
import io.sipedge.loadtest.sip.MessageBuilder;
import io.sipedge.loadtest.sip.RegisterTemplate;
import io.sipedge.loadtest.sip.ResponseReader;
import io.sipedge.loadtest.sip.SipDomain;
import io.sipedge.loadtest.transport.ClientTransport;
import io.sipedge.loadtest.transport.ResponseHandler;
import io.sipedge.loadtest.transport.SendBufferFullException;
import io.sipedge.loadtest.transport.TransportType;
import io.sipedge.loadtest.transport.Warmup;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs registrations: the calling thread paces leg 1 open-loop, the transport's reader threads
 * answer challenges with leg 2 and complete registrations, one timer thread retransmits (UDP) and
 * times out. Users keep their Call-ID and CSeq across the steps of one driver.
 */
final class RegistrationDriver implements ResponseHandler, AutoCloseable {
    static final long T1 = TimeUnit.MILLISECONDS.toNanos(500);
    static final long T2 = TimeUnit.SECONDS.toNanos(4);
    /**
     * The sender sleeps at least this long between batches: at high rates it sends the few
     * registrations that fell due together instead of waking up for each one, which halves its CPU
     * cost (wake-ups, not sends, dominate). It is never early: a registration goes out up to this
     * much after its scheduled time, and that delay is part of its measured latency.
     */
    static final long MIN_PARK = TimeUnit.MICROSECONDS.toNanos(200);
    private static final long TICK = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long LATE = TimeUnit.MILLISECONDS.toNanos(RunResult.LATE_MS);
    private static final ThreadLocal<MessageBuilder> BUILDER = ThreadLocal.withInitial(() -> new MessageBuilder(2048));
    private static final ThreadLocal<ResponseReader> READER = ThreadLocal.withInitial(ResponseReader::new);

    private final RegisterOptions options;
    private final ClientTransport transport;
    private final boolean retransmit;
    private final long timeoutNanos;
    private final RegisterTemplate[] templates;
    private final UserState[] users;
    /** Call-IDs and CSeqs kept from run to run, or null. */
    private final PhoneState phones;
    private final TimerWheel timers;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicIntegerArray connectionLost;
    private int cursor;

    RegistrationDriver(RegisterOptions options) throws IOException {
        this.options = options;
        this.timeoutNanos = (long) (options.timeoutSeconds() * 1e9);
        InetSocketAddress server = new InetSocketAddress(options.host(), options.port());
        if (server.isUnresolved()) {
            throw new IOException("cannot resolve " + options.host());
        }
        this.transport = ClientTransport.open(options.transport(), server, options.localAddress(), options.connections());
        try {
            this.users = loadUsers(options.users(), transport.connections());
        } catch (RuntimeException e) {
            transport.close();
            throw e;
        }
        this.retransmit = !transport.type().reliable();
        this.connectionLost = new AtomicIntegerArray(transport.connections());
        String runTag = String.format(Locale.ROOT, "%08x", ThreadLocalRandom.current().nextInt());
        try {
            this.phones = options.phoneState() == null ? null : PhoneState.load(options.phoneState());
        } catch (IOException | RuntimeException e) {
            transport.close();
            throw e;
        }
        String callIdTag = phones == null ? runTag : phones.callIdTag();
        if (phones != null) {
            for (UserState u : users) {
                u.cseq = phones.nextCseq() - 1; // each registration first counts it up
            }
        }
        this.templates = new RegisterTemplate[transport.connections()];
        for (int c = 0; c < templates.length; c++) {
            InetSocketAddress local = transport.localAddress(c);
            templates[c] = transport.type().webSocket()
                    ? RegisterTemplate.webSocket(transport.type().viaToken(), webSocketHost(c, options.contactPort()),
                            runTag, callIdTag, options.expires())
                    : new RegisterTemplate(transport.type().viaToken(), local,
                            options.contactPort() > 0 ? options.contactPort() : local.getPort(), runTag, callIdTag,
                            options.expires());
        }
        warmUp(transport.type());
        // The users' state lives as long as the run: promote it now, in one collection before any
        // traffic, instead of young collections copying it during the first step.
        System.gc();
        this.timers = new TimerWheel(TICK, Math.max(timeoutNanos, T2) + TICK, this::expired, "loadtest-timers");
        timers.start();
        transport.start(this);
    }

    /**
     * The invented host of a WebSocket connection's Via and Contact, made as browsers make theirs
     * (JsSIP: 12 random letters and digits under {@code .invalid}). With a fixed contact port, which
     * a benchmark gives so that each run replaces a user's binding instead of adding one, the name
     * is fixed instead (per connection number): a WebSocket Contact has no port to fix.
     */
    static String webSocketHost(int connection, int contactPort) {
        Random random = contactPort > 0 ? new Random(contactPort * 1_000_003L + connection) : ThreadLocalRandom.current();
        char[] token = new char[12];
        for (int i = 0; i < token.length; i++) {
            token[i] = Character.forDigit(random.nextInt(36), 36);
        }
        return new String(token) + ".invalid";
    }

    private static volatile boolean warmedUp;

    /**
     * Runs the per-message code (formatting, parsing, digest) and the transport's socket code 20 000
     * times, once per JVM, and waits for the JIT to finish compiling it (see {@link Warmup} for why).
     */
    static void warmUp(TransportType transport) {
        if (warmedUp) {
            return;
        }
        warmedUp = true;
        if (transport == TransportType.UDP) {
            Warmup.udp();
        } else {
            Warmup.tcp();
        }
        if (transport.webSocket()) {
            Warmup.webSocketFrames();
        }
        RegisterTemplate t = new RegisterTemplate("UDP", new InetSocketAddress(InetAddress.getLoopbackAddress(), 5060), 5060,
                "00000000", 3600);
        SipDomain domain = new SipDomain("warmup.invalid");
        byte[] user = Ascii.bytes("warmup");
        byte[] ha1 = Digest.get().ha1(DigestAlgorithm.MD5, user, domain.bytes(), user);
        byte[] challenge = Ascii.bytes("SIP/2.0 401 Unauthorized\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:5060;rport=5060;branch=z9hG4bK00000000-1-1\r\n"
                + "From: <sip:warmup@warmup.invalid>;tag=1\r\nTo: <sip:warmup@warmup.invalid>;tag=2\r\n"
                + "Call-ID: 00000000-1@sip-edge-loadtest\r\nCSeq: 1 REGISTER\r\n"
                + "WWW-Authenticate: Digest realm=\"warmup.invalid\", nonce=\"0123456789abcdef\", algorithm=MD5, qop=\"auth\"\r\n"
                + "Content-Length: 0\r\n\r\n");
        MessageBuilder b = new MessageBuilder(2048);
        ResponseReader r = new ResponseReader();
        long sink = 0;
        for (int i = 0; i < 20_000; i++) {
            t.writeRegister(b, domain, user, i, i);
            r.read(challenge, 0, challenge.length);
            sink += t.decodeBranch(challenge, r.branchStart(), r.branchEnd());
            t.writeAuthenticatedRegister(b, domain, user, i, i + 1, r.preferredChallenge(), user, ha1, i);
            sink += b.length();
        }
        if (sink == 42) {
            System.out.print(""); // keeps the loop from being optimised away
        }
        Warmup.awaitQuietCompiler(3000);
    }

    /** Precomputes per-user bytes and MD5 HA1 (realm = domain), sharing one SipDomain per domain. */
    private static UserState[] loadUsers(List<SipUser> list, int connections) {
        Map<String, SipDomain> domains = new HashMap<>();
        Digest digest = Digest.get();
        UserState[] out = new UserState[list.size()];
        for (int i = 0; i < out.length; i++) {
            SipUser u = list.get(i);
            SipDomain d = domains.computeIfAbsent(u.domain(), SipDomain::new);
            byte[] ha1 = digest.ha1(DigestAlgorithm.MD5, Ascii.bytes(u.digestUsername()), d.bytes(),
                    Ascii.bytes(u.password()));
            out[i] = new UserState(i, i % connections, u, d, ha1);
        }
        return out;
    }

    /** One step: registrations at {@code rate}/s for {@code seconds}, then the drain. */
    RunResult runStep(double rate, double seconds) {
        StepStats stats = new StepStats();
        long cpuAtStart = processCpuNanos();
        long wallAtStart = System.nanoTime();
        PrintStream progress = options.progress();
        long total = Math.max(1, Math.round(rate * seconds));
        double intervalNanos = 1e9 / rate;
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(5);
        stats.stepEndNanos = start + (long) (seconds * 1e9);
        long maxLag = 0;
        long late = 0;
        long nextReport = start + TimeUnit.SECONDS.toNanos(1);
        long lastOk = 0;
        int second = 0;
        for (long i = 0; i < total; i++) {
            long due = start + (long) (i * intervalNanos);
            long now = System.nanoTime();
            while (true) {
                if (now >= nextReport) {
                    lastOk = report(progress, stats, ++second, lastOk);
                    nextReport += TimeUnit.SECONDS.toNanos(1);
                }
                if (now >= due) {
                    break;
                }
                LockSupport.parkNanos(Math.max(MIN_PARK, Math.min(due, nextReport) - now));
                now = System.nanoTime();
            }
            maxLag = Math.max(maxLag, now - due);
            if (now - due >= LATE) {
                late++;
            }
            begin(stats, due, now);
        }
        // drain: wait for what is in flight to finish or time out, at most the timeout
        long lastDue = start + (long) ((total - 1) * intervalNanos);
        long drainEnd = Math.max(System.nanoTime(), lastDue) + timeoutNanos + TICK;
        long now;
        while (inFlight.get() > 0 && (now = System.nanoTime()) < drainEnd) {
            if (now >= nextReport) {
                lastOk = report(progress, stats, ++second, lastOk);
                nextReport += TimeUnit.SECONDS.toNanos(1);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        abandonInFlight();
        long cpu = processCpuNanos();
        double cores = cpu < 0 || cpuAtStart < 0 ? -1 : (double) (cpu - cpuAtStart) / (System.nanoTime() - wallAtStart);
        return stats.result(rate, seconds, maxLag / 1e6, late, cores);
    }

    /** CPU time of this JVM, or -1 when the platform does not tell. */
    private static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : -1;
    }

    private long report(PrintStream progress, StepStats stats, int second, long lastOk) {
        long ok = stats.succeeded.sum();
        if (progress != null) {
            stats.drain();
            LatencySummary l = stats.registrationSoFar();
            progress.printf(Locale.ROOT, "[%4ds] rate=%d/s ok=%d failed=%d retrans=%d inflight=%d p50=%.2fms p99=%.2fms%n",
                    second, ok - lastOk, ok, stats.failed.sum(), stats.retransmissions.sum(), inFlight.get(),
                    l.p50Ms(), l.p99Ms());
        }
        return ok;
    }

    /** Starts the registration scheduled at {@code due} with the next user, unless that user is busy. */
    private void begin(StepStats stats, long due, long now) {
        UserState u = users[cursor];
        cursor = cursor + 1 == users.length ? 0 : cursor + 1;
        synchronized (u) {
            if (u.phase != UserState.IDLE) {
                stats.skippedBusy.increment();
                return;
            }
            stats.attempted.increment();
            inFlight.incrementAndGet();
            u.stats = stats;
            u.scheduledNanos = due;
            u.phase = UserState.LEG1;
            u.cseq++;
            u.challenge = null;
            startLeg(u, now);
        }
    }

    /** Sends the current leg for the first time and arms its timer (caller holds the user's lock). */
    private void startLeg(UserState u, long now) {
        u.legSentNanos = now;
        u.timeoutAtNanos = now + timeoutNanos;
        u.retransmitIntervalNanos = T1;
        u.retransmitAtNanos = now + T1;
        if (!sendLeg(u)) {
            return;
        }
        timers.schedule(retransmit ? Math.min(u.retransmitAtNanos, u.timeoutAtNanos) : u.timeoutAtNanos, timerEntry(u));
    }

    private static long timerEntry(UserState u) {
        return (long) u.index << 32 | (u.cseq & 0xFFFFFFFFL);
    }

    /** Writes and sends the current leg; on an I/O error fails the registration. Caller holds the lock. */
    private boolean sendLeg(UserState u) {
        if (connectionLost.get(u.connection) != 0) {
            finish(u, StepStats.TRANSPORT_ERROR);
            return false;
        }
        MessageBuilder b = BUILDER.get();
        RegisterTemplate t = templates[u.connection];
        if (u.phase == UserState.LEG1) {
            t.writeRegister(b, u.domain, u.username, u.index, u.cseq);
        } else {
            t.writeAuthenticatedRegister(b, u.domain, u.username, u.index, u.cseq, u.challenge, u.digestUsername,
                    u.challengeHa1, u.cnonce);
        }
        try {
            transport.send(u.connection, b.array(), 0, b.length());
            return true;
        } catch (SendBufferFullException e) {
            finish(u, StepStats.SEND_BUFFER_FULL);
            return false;
        } catch (IOException e) {
            finish(u, StepStats.TRANSPORT_ERROR);
            return false;
        }
    }

    /** Ends the registration in flight: success when {@code failure} is null. Caller holds the lock. */
    private void finish(UserState u, String failure) {
        if (failure == null) {
            u.stats.succeeded(u.scheduledNanos, System.nanoTime());
        } else {
            u.stats.fail(failure);
        }
        u.phase = UserState.IDLE;
        u.challenge = null;
        u.challengeHa1 = null;
        inFlight.decrementAndGet();
    }

    @Override
    public void onMessage(int connection, byte[] buf, int off, int len) {
        ResponseReader r = READER.get();
        if (!r.read(buf, off, len) || r.branchStart() < 0) {
            return; // not a response, or no Via: nothing of ours
        }
        long key = templates[connection].decodeBranch(buf, r.branchStart(), r.branchEnd());
        if (key < 0 || (key >>> 32) >= users.length) {
            return;
        }
        UserState u = users[(int) (key >>> 32)];
        int cseq = (int) key;
        synchronized (u) {
            if (u.phase == UserState.IDLE || u.cseq != cseq) {
                return; // a late or duplicate response to a finished transaction
            }
            int code = r.statusCode();
            long now = System.nanoTime();
            if (code < 200) {
                // provisional: RFC 3261 §17.1.2.2, Timer E continues at T2
                u.retransmitIntervalNanos = T2;
                return;
            }
            if (u.phase == UserState.LEG2) {
                if (code < 300) {
                    u.stats.leg2(now - u.legSentNanos);
                    finish(u, null);
                } else {
                    finish(u, StepStats.statusReason(code));
                }
                return;
            }
            if (code < 300) {
                finish(u, StepStats.UNEXPECTED_200);
            } else if (code == 401 || code == 407) {
                u.stats.leg1(now - u.legSentNanos);
                DigestChallenge c = r.preferredChallenge();
                if (c == null) {
                    finish(u, StepStats.UNSUPPORTED_CHALLENGE);
                    return;
                }
                u.challenge = c;
                u.challengeHa1 = ha1(u, c);
                u.cnonce = ThreadLocalRandom.current().nextLong();
                u.phase = UserState.LEG2;
                u.cseq++;
                startLeg(u, now);
            } else {
                finish(u, StepStats.statusReason(code));
            }
        }
    }

    /** HA1 for the challenge: precomputed when the realm is the user's domain, else computed now. */
    private static byte[] ha1(UserState u, DigestChallenge c) {
        boolean domainRealm = Arrays.equals(c.realm(), u.domain.bytes());
        if (domainRealm && c.algorithm() == DigestAlgorithm.MD5) {
            return u.ha1Md5;
        }
        if (domainRealm && u.ha1Sha256 != null) {
            return u.ha1Sha256;
        }
        byte[] ha1 = Digest.get().ha1(c.algorithm(), u.digestUsername, c.realm(), u.password);
        if (domainRealm) {
            u.ha1Sha256 = ha1;
        }
        return ha1;
    }

    /** Timer E / Timer F for the transaction in {@code entry}, if it is still the current one. */
    private void expired(long entry, long now) {
        UserState u = users[(int) (entry >>> 32)];
        synchronized (u) {
            if (u.phase == UserState.IDLE || u.cseq != (int) entry) {
                return;
            }
            if (now >= u.timeoutAtNanos) {
                finish(u, StepStats.TIMEOUT);
                return;
            }
            if (retransmit && now >= u.retransmitAtNanos) {
                if (!sendLeg(u)) {
                    return;
                }
                u.stats.retransmissions.increment();
                u.retransmitIntervalNanos = Math.min(2 * u.retransmitIntervalNanos, T2);
                u.retransmitAtNanos += u.retransmitIntervalNanos;
                if (u.retransmitAtNanos < now) {
                    u.retransmitAtNanos = now + u.retransmitIntervalNanos; // the timer thread fell behind
                }
            }
            timers.schedule(retransmit ? Math.min(u.retransmitAtNanos, u.timeoutAtNanos) : u.timeoutAtNanos, entry);
        }
    }

    @Override
    public void onConnectionLost(int connection, IOException cause) {
        if (connectionLost.getAndSet(connection, 1) != 0) {
            return; // the reader and the writer both noticed
        }
        System.err.println("loadtest: connection " + connection + " lost: " + cause.getMessage());
        for (int i = connection; i < users.length; i += templates.length) {
            UserState u = users[i];
            synchronized (u) {
                if (u.phase != UserState.IDLE) {
                    finish(u, StepStats.TRANSPORT_ERROR);
                }
            }
        }
    }

    /** After the drain: whatever is still in flight has run out of time. */
    private void abandonInFlight() {
        if (inFlight.get() == 0) {
            return;
        }
        for (UserState u : users) {
            synchronized (u) {
                if (u.phase != UserState.IDLE) {
                    finish(u, StepStats.TIMEOUT);
                }
            }
        }
    }

    @Override
    public void close() {
        timers.close();
        transport.close();
        if (phones != null) {
            int highest = 0;
            for (UserState u : users) {
                synchronized (u) {
                    highest = Math.max(highest, u.cseq);
                }
            }
            try {
                phones.save(options.phoneState(), highest);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + options.phoneState(), e);
            }
        }
    }
}
