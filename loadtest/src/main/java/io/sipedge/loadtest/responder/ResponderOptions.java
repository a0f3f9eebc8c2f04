package io.sipedge.loadtest.responder;

import java.net.InetAddress;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * What the responder listens on and how it behaves.
 *
 * @param port                      UDP and TCP port (0 = ephemeral)
 * @param tls                       server context for a TLS listener on {@code tlsPort}, null for none
 * @param tlsPort                   TLS port (0 = ephemeral)
 * @param workerThreads             UDP threads sharing the socket
 * @param mode                      normal answering, or a fault mode for tests
 * @param maxRegistrationsPerSecond answer at most this many registrations (2 requests each) per
 *                                  second and drop the rest; 0 for no limit
 */
public record ResponderOptions(InetAddress address, int port, boolean udp, boolean tcp, SSLContext tls, int tlsPort,
                               int workerThreads, Mode mode, double maxRegistrationsPerSecond) {
    /** How requests are treated. */
    public enum Mode {
        /** Answer every request. */
        ANSWER,
        /** Drop the first copy of each request (by Via branch), answer retransmissions: for UDP tests. */
        DROP_FIRST_COPY,
        /** Read and never answer. */
        SILENT
    }

    public ResponderOptions {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(mode, "mode");
        if (!udp && !tcp && tls == null) {
            throw new IllegalArgumentException("no transport");
        }
    }

    /**
     * UDP and TCP on {@code port} of {@code address}, answering everything. One UDP thread: two
     * threads on one socket only take turns on its lock and cost more CPU in wake-ups.
     */
    public static ResponderOptions of(InetAddress address, int port) {
        return new ResponderOptions(address, port, true, true, null, 0, 1, Mode.ANSWER, 0);
    }

    public ResponderOptions withTransports(boolean newUdp, boolean newTcp) {
        return new ResponderOptions(address, port, newUdp, newTcp, tls, tlsPort, workerThreads, mode,
                maxRegistrationsPerSecond);
    }

    public ResponderOptions withTls(SSLContext context, int port) {
        return new ResponderOptions(address, this.port, udp, tcp, context, port, workerThreads, mode,
                maxRegistrationsPerSecond);
    }

    public ResponderOptions withMode(Mode newMode) {
        return new ResponderOptions(address, port, udp, tcp, tls, tlsPort, workerThreads, newMode,
                maxRegistrationsPerSecond);
    }

    public ResponderOptions withMaxRegistrationsPerSecond(double limit) {
        return new ResponderOptions(address, port, udp, tcp, tls, tlsPort, workerThreads, mode, limit);
    }
}
