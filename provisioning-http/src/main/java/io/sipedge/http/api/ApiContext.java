package io.sipedge.http.api;

import io.sipedge.directory.Directory;
import io.sipedge.http.auth.TokenService;
import io.sipedge.http.auth.UserSessions;
import io.sipedge.location.LocationStore;
import io.sipedge.security.Bans;
import java.time.InstantSource;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What the handlers share: the same Directory and LocationStore objects the SIP side uses, the
 * clock, the tokens, the admin key's hash, and the edge-wide SIP settings handed to phones.
 *
 * @param adminKeySha256 SHA-256 of the admin API key (the key itself is never held)
 * @param sipProxy       the proxy phones are told to use ({@code sip:host[:port]}), or null for {@code sip:<realm>}
 * @param stunHost       STUN server host for sip_settings, or null when none is configured
 * @param stunPort       its port
 * @param readiness      named readiness checks for {@code /readyz} (e.g. "sip" → listeners bound)
 * @param metrics        the body of {@code GET /metrics}: Prometheus text ({@code EdgeMetrics::scrape})
 * @param provisioning   what provisioning tells phones and how it issues tokens
 * @param bans           the SIP guard's bans (the same object the guard writes)
 * @param userSessions   signed-in users' sessions (issue 17), shared by both listeners
 */
public record ApiContext(Directory directory, LocationStore locations, InstantSource clock, TokenService tokens,
                         byte[] adminKeySha256, String sipProxy, String stunHost, int stunPort,
                         Supplier<Map<String, Boolean>> readiness, Supplier<byte[]> metrics,
                         ProvisioningSettings provisioning, Bans bans, UserSessions userSessions) {

    /** With user sessions of the default lifetimes. */
    public ApiContext(Directory directory, LocationStore locations, InstantSource clock, TokenService tokens,
                      byte[] adminKeySha256, String sipProxy, String stunHost, int stunPort,
                      Supplier<Map<String, Boolean>> readiness, Supplier<byte[]> metrics,
                      ProvisioningSettings provisioning, Bans bans) {
        this(directory, locations, clock, tokens, adminKeySha256, sipProxy, stunHost, stunPort, readiness, metrics,
                provisioning, bans, new UserSessions(clock));
    }

    /** With the default provisioning settings (tests of the HTTP side alone). */
    public ApiContext(Directory directory, LocationStore locations, InstantSource clock, TokenService tokens,
                      byte[] adminKeySha256, String sipProxy, String stunHost, int stunPort,
                      Supplier<Map<String, Boolean>> readiness, Supplier<byte[]> metrics) {
        this(directory, locations, clock, tokens, adminKeySha256, sipProxy, stunHost, stunPort, readiness, metrics,
                ProvisioningSettings.defaults(), new Bans(1000));
    }
}
