package io.sipedge.http.server;

import io.sipedge.security.AddressRanges;
import java.time.Duration;
import java.util.List;

/**
 * The HTTP side's bounds on clients (README: "Security"): who is exempt, whose X-Forwarded-For is
 * believed, how fast one client may try credentials and how many failures lock it out, and the
 * connections a client may hold.
 *
 * @param allowlist             clients never limited or locked out
 * @param trustedProxies        peers whose X-Forwarded-For names the client (reverse proxies)
 * @param ratePerSecond         requests that carry or check a credential, per client per second; 0 = no limit
 * @param burst                 what a quiet client may send at once
 * @param failuresBeforeLockout failed credentials within {@code failureWindow} that lock a client out; 0 = never
 * @param failureWindow         the window
 * @param lockout               how long a lockout lasts
 * @param maxConnections        connections open at once, in total
 * @param maxConnectionsPerIp   connections open at once from one peer (trusted proxies are exempt)
 * @param requestTimeout        a request must arrive whole within this of its first byte
 */
public record ClientLimits(List<String> allowlist, List<String> trustedProxies, int ratePerSecond, int burst,
                           int failuresBeforeLockout, Duration failureWindow, Duration lockout, int maxConnections,
                           int maxConnectionsPerIp, Duration requestTimeout) {
    /** No limits beyond the connection defaults: tests of the HTTP side alone. */
    public static final ClientLimits NONE = new ClientLimits(List.of(), List.of(), 0, 1, 0, Duration.ofMinutes(1),
            Duration.ofMinutes(5), 10_000, 10_000, Duration.ofSeconds(30));

    public ClientLimits {
        allowlist = List.copyOf(allowlist);
        trustedProxies = List.copyOf(trustedProxies);
        AddressRanges.parse(allowlist);
        AddressRanges.parse(trustedProxies);
    }
}
