package io.sipedge.security;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A set of address ranges in CIDR notation ({@code 192.0.2.0/24}, {@code 2001:db8::/32}, or one
 * address): the proxy's trusted peers (SBCs, trunks), the guard's allowlist, the HTTP side's
 * trusted proxies. Addresses are literals only, never resolved; an IPv4 address matches only IPv4
 * ranges and an IPv6 address only IPv6 ones.
 */
public final class AddressRanges {
    public static final AddressRanges NONE = new AddressRanges(List.of());
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    /** One range: the network's address bytes and how many leading bits must match. */
    private record Range(byte[] network, int prefix) {
        boolean contains(byte[] a) {
            if (a.length != network.length) {
                return false;
            }
            int whole = prefix / 8;
            for (int i = 0; i < whole; i++) {
                if (a[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = 0xFF << (8 - rest) & 0xFF;
            return (a[whole] & mask) == (network[whole] & mask);
        }
    }

    private final List<Range> ranges;

    private AddressRanges(List<Range> ranges) {
        this.ranges = List.copyOf(ranges);
    }

    /** Parses {@code cidrs}; an entry that is no address range fails naming it and why. */
    public static AddressRanges parse(List<String> cidrs) {
        List<Range> ranges = new ArrayList<>(cidrs.size());
        for (String cidr : cidrs) {
            String entry = cidr.trim();
            int slash = entry.indexOf('/');
            InetAddress ip = literal(slash < 0 ? entry : entry.substring(0, slash));
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
            ranges.add(new Range(ip.getAddress(), prefix));
        }
        return new AddressRanges(ranges);
    }

    /** The address {@code text} is, or null when it is not an IPv4 or IPv6 literal (never looked up). */
    public static InetAddress literal(String text) {
        if (!IPV4.matcher(text).matches() && !IPV6.matcher(text).matches()) {
            return null;
        }
        try {
            return InetAddress.getByName(text); // a literal: parsed, not resolved
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** True when {@code ip} (a literal address, as a flow records it) is in one of the ranges. */
    public boolean contains(String ip) {
        if (ranges.isEmpty()) {
            return false;
        }
        InetAddress address = literal(ip);
        return address != null && contains(address);
    }

    /** True when {@code source}'s address is in one of the ranges. */
    public boolean contains(InetSocketAddress source) {
        return !ranges.isEmpty() && contains(source.getAddress());
    }

    public boolean contains(InetAddress address) {
        if (ranges.isEmpty() || address == null) {
            return false;
        }
        byte[] a = address.getAddress();
        for (Range r : ranges) {
            if (r.contains(a)) {
                return true;
            }
        }
        return false;
    }
}
