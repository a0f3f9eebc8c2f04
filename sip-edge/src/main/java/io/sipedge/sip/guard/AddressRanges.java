package io.sipedge.sip.guard;

import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import io.netty.util.NetUtil;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * A set of address ranges in CIDR notation ({@code 192.0.2.0/24}, {@code 2001:db8::/32}, or one
 * address): the proxy's trusted peers (SBCs, trunks), the guard's allowlist. Matching is Netty's
 * subnet rule; addresses are literals only, never resolved.
 */
public final class AddressRanges {
    public static final AddressRanges NONE = new AddressRanges(List.of());

    private final List<IpSubnetFilterRule> ranges;

    private AddressRanges(List<IpSubnetFilterRule> ranges) {
        this.ranges = List.copyOf(ranges);
    }

    /** Parses {@code cidrs}; an entry that is no address range fails naming it and why. */
    public static AddressRanges parse(List<String> cidrs) {
        List<IpSubnetFilterRule> ranges = new ArrayList<>(cidrs.size());
        for (String cidr : cidrs) {
            String entry = cidr.trim();
            int slash = entry.indexOf('/');
            String address = slash < 0 ? entry : entry.substring(0, slash);
            InetAddress ip = NetUtil.createInetAddressFromIpAddressString(address);
            if (ip == null) {
                throw new IllegalArgumentException("'" + cidr + "': not an IP address or CIDR range");
            }
            int bits = ip instanceof Inet4Address ? 32 : 128;
            int prefix;
            try {
                prefix = slash < 0 ? bits : Integer.parseInt(entry.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + cidr + "': the prefix length is not a number");
            }
            if (prefix < 0 || prefix > bits) {
                throw new IllegalArgumentException("'" + cidr + "': the prefix length must be 0.." + bits);
            }
            ranges.add(new IpSubnetFilterRule(ip, prefix, IpFilterRuleType.ACCEPT));
        }
        return new AddressRanges(ranges);
    }

    public boolean isEmpty() {
        return ranges.isEmpty();
    }

    /** True when {@code ip} (a literal address, as a flow records it) is in one of the ranges. */
    public boolean contains(String ip) {
        if (ranges.isEmpty()) {
            return false;
        }
        InetAddress address = NetUtil.createInetAddressFromIpAddressString(ip);
        return address != null && contains(new InetSocketAddress(address, 0));
    }

    /** True when {@code source}'s address is in one of the ranges. */
    public boolean contains(InetSocketAddress source) {
        if (ranges.isEmpty()) {
            return false;
        }
        for (IpSubnetFilterRule r : ranges) {
            if (r.matches(source)) {
                return true;
            }
        }
        return false;
    }
}
