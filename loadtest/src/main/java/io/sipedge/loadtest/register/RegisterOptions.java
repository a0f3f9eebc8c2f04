package io.sipedge.loadtest.register;

import io.sipedge.loadtest.transport.TransportType;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * One registration load: where to, which users, how fast and how long. Build with
 * {@link #builder}; the defaults are the CLI's.
 *
 * @param rate            registrations started per second (open loop)
 * @param durationSeconds how long registrations are started for
 * @param expires         the Expires value sent
 * @param timeoutSeconds  Timer F per transaction (RFC 3261 default 64*T1 = 32 s)
 * @param connections     connections (UDP: sockets, each its own source port); users are spread over them
 * @param localAddress    address to bind to, null for any
 * @param progress        where the per-second progress line goes; null for none
 * @param contactPort     the port written into Contact URIs, 0 for the socket's own. A fixed one keeps
 *                        each user's contact the same from run to run, so a registrar replaces the
 *                        user's binding instead of adding one per run (benchmarks)
 * @param phoneState      a file that keeps each user's Call-ID and CSeq from run to run, as a phone
 *                        keeps them between refreshes ({@link PhoneState}); null: new ones per run
 */
public record RegisterOptions(String host, int port, TransportType transport, List<SipUser> users, double rate,
                              double durationSeconds, int expires, double timeoutSeconds, int connections,
                              InetAddress localAddress, PrintStream progress, int contactPort,
                              Path phoneState) {
    public RegisterOptions {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(transport, "transport");
        users = List.copyOf(users);
        if (users.isEmpty()) {
            throw new IllegalArgumentException("no users");
        }
        if (!(rate > 0) || !(durationSeconds > 0) || !(timeoutSeconds > 0) || expires < 0 || connections < 1
                || port < 1 || port > 65535 || contactPort < 0 || contactPort > 65535) {
            throw new IllegalArgumentException("rate, duration, timeout must be > 0, expires >= 0, connections >= 1, port 1..65535");
        }
    }

    public static Builder builder(String host, int port, TransportType transport, List<SipUser> users) {
        return new Builder(host, port, transport, users);
    }

    /** A copy with another rate and duration: one find-max step. */
    public RegisterOptions withStep(double newRate, double newDurationSeconds) {
        return new RegisterOptions(host, port, transport, users, newRate, newDurationSeconds, expires, timeoutSeconds,
                connections, localAddress, progress, contactPort, phoneState);
    }

    public static final class Builder {
        private final String host;
        private final int port;
        private final TransportType transport;
        private final List<SipUser> users;
        private double rate = 1000;
        private double durationSeconds = 20;
        private int expires = 3600;
        private double timeoutSeconds = 32;
        private int connections = 1;
        private InetAddress localAddress;
        private PrintStream progress;
        private int contactPort;
        private Path phoneState;

        private Builder(String host, int port, TransportType transport, List<SipUser> users) {
            this.host = host;
            this.port = port;
            this.transport = transport;
            this.users = users;
        }

        public Builder rate(double v) {
            rate = v;
            return this;
        }

        public Builder durationSeconds(double v) {
            durationSeconds = v;
            return this;
        }

        public Builder expires(int v) {
            expires = v;
            return this;
        }

        public Builder timeoutSeconds(double v) {
            timeoutSeconds = v;
            return this;
        }

        public Builder connections(int v) {
            connections = v;
            return this;
        }

        public Builder localAddress(InetAddress v) {
            localAddress = v;
            return this;
        }

        public Builder progress(PrintStream v) {
            progress = v;
            return this;
        }

        public Builder contactPort(int v) {
            contactPort = v;
            return this;
        }

        public Builder phoneState(Path v) {
            phoneState = v;
            return this;
        }

        public RegisterOptions build() {
            return new RegisterOptions(host, port, transport, users, rate, durationSeconds, expires, timeoutSeconds,
                    connections, localAddress, progress, contactPort, phoneState);
        }
    }
}
