package io.sipedge.sip.keepalive;

import io.sipedge.model.Aor;
import io.sipedge.model.Binding;
import io.sipedge.model.Flow;
import io.sipedge.model.Transport;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;

/**
 * Which bindings the edge qualifies, when, and for how long it waits: pure functions, so each rule
 * is a table test ({@code QualifyRulesTest}); {@link Qualifier} applies them.
 */
final class QualifyRules {
    /**
     * A probe not answered in this time is a miss: RFC 3261's Timer F (64 × T1) for a non-INVITE
     * transaction, after which its client gives up too.
     */
    static final Duration TIMER_F = Duration.ofSeconds(32);

    private QualifyRules() {
    }

    /**
     * True when the edge probes this binding: over UDP, where no connection tells the edge that a
     * phone has gone and only traffic keeps the phone's NAT mapping open, and behind NAT, where the
     * mapping can close. Over TCP, TLS and WebSocket the connection is the keepalive.
     */
    static boolean qualifies(Binding b) {
        return b.transport() == Transport.UDP && b.flow().open() && behindNat(b.contact(), b.flow());
    }

    /**
     * True when the REGISTER's source (after any NAT) is not the address and port its Contact names:
     * something between the phone and the edge rewrote it. A Contact host that is a name rather than
     * an address counts as behind NAT: the edge never resolves a name to find out.
     */
    static boolean behindNat(String contact, Flow flow) {
        HostPort hp = HostPort.of(contact);
        if (hp == null) {
            return true;
        }
        return hp.port != flow.remotePort() || !sameAddress(hp.host, flow.remoteIp());
    }

    /** IPv4 dotted quads compare as text; IPv6 literals in canonical form. A name is no address. */
    private static boolean sameAddress(String host, String ip) {
        if (host.equals(ip)) {
            return true;
        }
        if (host.indexOf(':') < 0 || ip.indexOf(':') < 0) {
            return false;
        }
        try {
            // A text with ':' is parsed as an IPv6 literal, never looked up.
            return InetAddress.getByName(host).equals(InetAddress.getByName(ip));
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /**
     * The second of the interval at which a binding is probed: spread by a hash of its AOR and
     * identity, so that bindings registered together (after an outage, say) are not probed in one
     * burst, and stable, so that each binding is probed every {@code intervalSeconds}.
     */
    static int slot(Aor aor, String identity, int intervalSeconds) {
        int h = aor.hashCode() * 31 + identity.hashCode();
        h ^= h >>> 16; // String and record hashes vary most in their low bits; mix the high ones in
        return Math.floorMod(h, intervalSeconds);
    }

    /** A probe is a miss once it has waited Timer F, or the interval if shorter: before the next probe. */
    static Duration timeout(int intervalSeconds) {
        Duration interval = Duration.ofSeconds(intervalSeconds);
        return interval.compareTo(TIMER_F) < 0 ? interval : TIMER_F;
    }

    /**
     * What identifies a binding in the store (RFC 5626 §6): its instance and reg-id when it has an
     * instance, else its contact URI. A refresh keeps it, even from another contact URI.
     */
    static String identity(Binding b) {
        return b.instanceId() != null ? b.instanceId() + ";reg-id=" + b.regId() : b.contact();
    }

    /**
     * Host and port of a SIP or SIPS URI (RFC 3261 §19.1.1), the port defaulted (§19.1.2); null
     * when there is none to read.
     */
    record HostPort(String host, int port) {
        static HostPort of(String uri) {
            int colon = uri.indexOf(':');
            if (colon < 0) {
                return null;
            }
            String scheme = uri.substring(0, colon).toLowerCase(Locale.ROOT);
            if (!scheme.equals("sip") && !scheme.equals("sips")) {
                return null;
            }
            String rest = uri.substring(colon + 1);
            rest = rest.substring(rest.lastIndexOf('@') + 1); // a user part may hold ';' but never '@'
            int end = rest.length();
            for (int i = 0; i < rest.length(); i++) {
                char c = rest.charAt(i);
                if (c == ';' || c == '?') {
                    end = i;
                    break;
                }
            }
            String hostPort = rest.substring(0, end);
            String host;
            String port;
            if (hostPort.startsWith("[")) {
                int close = hostPort.indexOf(']');
                if (close < 0) {
                    return null;
                }
                host = hostPort.substring(1, close);
                port = close + 1 < hostPort.length() && hostPort.charAt(close + 1) == ':'
                        ? hostPort.substring(close + 2) : close + 1 == hostPort.length() ? "" : null;
            } else {
                int c = hostPort.indexOf(':');
                host = c < 0 ? hostPort : hostPort.substring(0, c);
                port = c < 0 ? "" : hostPort.substring(c + 1);
            }
            if (host.isEmpty() || port == null) {
                return null;
            }
            if (port.isEmpty()) {
                return new HostPort(host.toLowerCase(Locale.ROOT), scheme.equals("sips") ? 5061 : 5060);
            }
            if (port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return null;
            }
            int p = Integer.parseInt(port);
            return p > 65_535 ? null : new HostPort(host.toLowerCase(Locale.ROOT), p);
        }
    }
}
