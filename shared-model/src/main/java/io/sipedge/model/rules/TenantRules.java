package io.sipedge.model.rules;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The tenant rules from the seeds (tenant-auth-rules.txt, sip-settings-schema.txt) as pure
 * functions returning violations. Nothing here throws on bad input: callers decide whether a
 * violation is a 400, a skipped import line or a refused start.
 */
public final class TenantRules {
    /** SIP settings schema: "user" is at most 31 characters. */
    public static final int USERNAME_MAX = 31;
    /** SIP settings schema: a password has 6 to 31 characters. */
    public static final int PASSWORD_MIN = 6;
    public static final int PASSWORD_MAX = 31;
    /** RFC 1035 §2.3.4: 253 characters for a name, 63 for a label. */
    private static final int DOMAIN_MAX = 253;

    /** Letters, digits, underscore, dash, single quote and period. */
    private static final Pattern USERNAME_CHARS = Pattern.compile("[A-Za-z0-9_\\-'.]+");
    private static final Set<String> RESERVED = Set.of("admin", "system", "administrator", "root");
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern IPV4 =
            Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern IPV6_BRACKETED = Pattern.compile("\\[[0-9a-f:.]{2,45}]");

    private TenantRules() {
    }

    /** True for a dotted-quad IPv4 literal such as 192.0.2.10 (never a name, never looked up). */
    public static boolean isIpv4Literal(String value) {
        return value != null && IPV4.matcher(value).matches();
    }

    /** Username rules of the tenant seed; {@code field} names the field in the violations. */
    public static List<Violation> username(String field, String value) {
        List<Violation> out = new ArrayList<>(2);
        if (value == null || value.isEmpty()) {
            out.add(new Violation(field, "required", "is required"));
            return out;
        }
        if (value.length() > USERNAME_MAX) {
            out.add(new Violation(field, "max_length", "must be at most " + USERNAME_MAX + " characters"));
        }
        if (!USERNAME_CHARS.matcher(value).matches()) {
            out.add(new Violation(field, "characters",
                    "may contain only letters, digits and _ - ' ."));
        }
        if (value.startsWith(".") || value.endsWith(".")) {
            out.add(new Violation(field, "period_edge", "must not start or end with a period"));
        }
        if (RESERVED.contains(value.toLowerCase(Locale.ROOT))) {
            out.add(new Violation(field, "reserved", "is a reserved name (admin, system, administrator, root)"));
        }
        return out;
    }

    /** Password rules: 6 to 31 characters, no control characters (they cannot be typed or rendered). */
    public static List<Violation> password(String field, String value) {
        return password(field, value, PASSWORD_MIN, PASSWORD_MAX);
    }

    /** A password of {@code min} to {@code max} characters, none of them a control character. */
    public static List<Violation> password(String field, String value, int min, int max) {
        List<Violation> out = new ArrayList<>(1);
        if (value == null || value.isEmpty()) {
            out.add(new Violation(field, "required", "is required"));
        } else if (value.length() < min) {
            out.add(new Violation(field, "min_length", "must be at least " + min + " characters"));
        } else if (value.length() > max) {
            out.add(new Violation(field, "max_length", "must be at most " + max + " characters"));
        } else if (value.chars().anyMatch(Character::isISOControl)) {
            out.add(new Violation(field, "characters", "must not contain control characters"));
        }
        return out;
    }

    /**
     * A tenant's SIP domain: an FQDN (or single host name) or an IP literal (IPv4, or IPv6 in
     * brackets as in SIP URIs). Checked by syntax only: the seed says the domain "does not require
     * analysis", and the edge never resolves it.
     */
    public static List<Violation> domain(String field, String value) {
        List<Violation> out = new ArrayList<>(1);
        if (value == null || value.isEmpty()) {
            out.add(new Violation(field, "required", "is required"));
            return out;
        }
        String v = value.toLowerCase(Locale.ROOT);
        if (IPV4.matcher(v).matches() || IPV6_BRACKETED.matcher(v).matches()) {
            return out;
        }
        boolean ok = v.length() <= DOMAIN_MAX && !v.endsWith(".");
        if (ok) {
            for (String label : v.split("\\.", -1)) {
                if (!LABEL.matcher(label).matches()) {
                    ok = false;
                    break;
                }
            }
        }
        if (ok && v.matches("[0-9.]+")) {
            ok = false; // all-numeric but not a valid IPv4 address, e.g. 300.1.1.1
        }
        if (!ok) {
            out.add(new Violation(field, "domain", "must be a domain name or an IP address"));
        }
        return out;
    }

    /** A tenant's digest choice: MD5 alone or SHA-256 alone, never both ({@code field} is the second). */
    public static List<Violation> digest(String field, boolean md5Only, boolean sha256Only) {
        List<Violation> out = new ArrayList<>(1);
        if (md5Only && sha256Only) {
            out.add(new Violation(field, "exclusive", "cannot be true together with md5_only"));
        }
        return out;
    }
}
