package io.sipedge.model.rules;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Rules for a user's fields (issue 17). The username follows {@link TenantRules#username}, as
 * devices' do. A sign-in password is not a SIP password typed into a phone keypad: it has NIST SP
 * 800-63B's 8-character floor and a generous ceiling (long passphrases are welcome, but Argon2 is
 * not fed megabytes).
 */
public final class UserRules {
    public static final int NAME_MAX = 128;
    public static final int PASSWORD_MIN = 8;
    public static final int PASSWORD_MAX = 128;
    /** RFC 5321 §4.5.3.1.3: a path is at most 256 octets, so an address at most 254 characters. */
    public static final int EMAIL_MAX = 254;
    /** UPNs are e-mail shaped; object ids are GUIDs. */
    public static final int MS365_BINDING_MAX = 254;

    /** One @, something on each side, a dot in the domain, no spaces: the check that catches typos, not RFC 5322. */
    private static final Pattern EMAIL = Pattern.compile("[^@\\s\\p{Cntrl}]{1,64}@[^@\\s\\p{Cntrl}.]+(\\.[^@\\s\\p{Cntrl}.]+)+");
    private static final Pattern GUID =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private UserRules() {
    }

    /** An optional name: at most {@link #NAME_MAX} characters, none of them control characters. */
    public static List<Violation> name(String field, String value) {
        List<Violation> out = new ArrayList<>(1);
        if (value == null) {
            return out;
        }
        if (value.length() > NAME_MAX) {
            out.add(new Violation(field, "max_length", "must be at most " + NAME_MAX + " characters"));
        } else if (value.chars().anyMatch(Character::isISOControl)) {
            out.add(new Violation(field, "characters", "must not contain control characters"));
        }
        return out;
    }

    /** An optional e-mail address. */
    public static List<Violation> email(String field, String value) {
        List<Violation> out = new ArrayList<>(1);
        if (value == null) {
            return out;
        }
        if (value.length() > EMAIL_MAX) {
            out.add(new Violation(field, "max_length", "must be at most " + EMAIL_MAX + " characters"));
        } else if (!EMAIL.matcher(value).matches()) {
            out.add(new Violation(field, "email", "must be an e-mail address such as alice@example.com"));
        }
        return out;
    }

    /** A sign-in password: 8 to 128 characters, no control characters. */
    public static List<Violation> password(String field, String value) {
        return TenantRules.password(field, value, PASSWORD_MIN, PASSWORD_MAX);
    }

    /** The Microsoft binding, when set: an Entra object id (a GUID) or a UPN (e-mail shaped). */
    public static List<Violation> ms365Binding(String field, String value) {
        List<Violation> out = new ArrayList<>(1);
        if (value == null) {
            return out;
        }
        if (value.length() > MS365_BINDING_MAX) {
            out.add(new Violation(field, "max_length", "must be at most " + MS365_BINDING_MAX + " characters"));
        } else if (!GUID.matcher(value).matches() && !EMAIL.matcher(value).matches()) {
            out.add(new Violation(field, "ms365_binding",
                    "must be a Microsoft object id (GUID) or a user principal name (user@tenant.example)"));
        }
        return out;
    }
}
