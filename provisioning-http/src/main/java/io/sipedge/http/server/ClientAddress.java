package io.sipedge.http.server;

import io.sipedge.security.AddressRanges;
import java.net.InetAddress;
import java.util.List;

/**
 * The client's address: the peer's, or, when the peer is a trusted reverse proxy, the right-most
 * address in X-Forwarded-For that is not itself a trusted proxy. From any other peer the header
 * is ignored: a client cannot pick the address it is limited as.
 */
final class ClientAddress {
    private final AddressRanges trustedProxies;

    ClientAddress(List<String> trustedProxies) {
        this.trustedProxies = AddressRanges.parse(trustedProxies);
    }

    /** True when {@code peer} is a trusted proxy (it carries many clients: no per-peer connection cap). */
    boolean trusted(String peer) {
        return trustedProxies.contains(peer);
    }

    /** @param forwardedFor the X-Forwarded-For header(s), comma-joined, or null */
    String of(String peer, String forwardedFor) {
        if (forwardedFor == null || !trustedProxies.contains(peer)) {
            return peer;
        }
        String[] hops = forwardedFor.split(",");
        for (int i = hops.length - 1; i >= 0; i--) {
            InetAddress a = AddressRanges.literal(hops[i].strip());
            if (a == null) {
                return peer; // a hop that is no address: nothing left of it can be believed
            }
            if (!trustedProxies.contains(a)) {
                return a.getHostAddress();
            }
        }
        return peer;
    }
}
