package io.sipedge.model.rules;

import io.sipedge.model.CallerId;
import io.sipedge.model.DeviceProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Rules for a device's profile fields, where the seeds are silent and Kazoo's device schema sets
 * the shape: names up to 128 characters, caller id names up to 35 (what most trunks carry), caller
 * id numbers as dialable digits. Field names are the operator API's dotted JSON paths.
 */
public final class DeviceRules {
    public static final int NAME_MAX = 128;
    public static final int OWNER_ID_MAX = 64;
    /** Kazoo's caller_id name limit; longer names are cut by most carriers anyway. */
    public static final int CALLER_ID_NAME_MAX = 35;

    private static final Pattern DEVICE_TYPE = Pattern.compile("[a-z][a-z0-9_]{0,31}");
    private static final Pattern OWNER_ID = Pattern.compile("[A-Za-z0-9_.@:+-]{1," + OWNER_ID_MAX + "}");
    /** Extensions and E.164: digits, optional leading '+', and the keypad's * and #. */
    private static final Pattern NUMBER = Pattern.compile("\\+?[0-9*#]{1,32}");

    private DeviceRules() {
    }

    public static List<Violation> profile(DeviceProfile p) {
        List<Violation> out = new ArrayList<>();
        text(out, "name", p.name(), NAME_MAX);
        if (!DEVICE_TYPE.matcher(p.deviceType()).matches()) {
            out.add(new Violation("device_type", "pattern",
                    "must be a lower-case token such as softphone or sip_device"));
        }
        if (p.ownerId() != null && !OWNER_ID.matcher(p.ownerId()).matches()) {
            out.add(new Violation("owner_id", "pattern",
                    "must be 1 to " + OWNER_ID_MAX + " letters, digits or _ . @ : + -"));
        }
        callerId(out, "caller_id.internal", p.internalCallerId());
        callerId(out, "caller_id.external", p.externalCallerId());
        out.addAll(registrationInterval("registration_interval", p.registrationInterval()));
        return out;
    }

    /** sip-settings seed: 30..900 seconds. */
    public static List<Violation> registrationInterval(String field, int value) {
        if (value < DeviceProfile.MIN_REGISTRATION_INTERVAL || value > DeviceProfile.MAX_REGISTRATION_INTERVAL) {
            return List.of(new Violation(field, "range", "must be from " + DeviceProfile.MIN_REGISTRATION_INTERVAL
                    + " to " + DeviceProfile.MAX_REGISTRATION_INTERVAL + " seconds"));
        }
        return List.of();
    }

    private static void callerId(List<Violation> out, String field, CallerId c) {
        if (c == null) {
            return;
        }
        if (c.number() != null && !NUMBER.matcher(c.number()).matches()) {
            out.add(new Violation(field + ".number", "pattern",
                    "must be 1 to 32 digits, * or #, with an optional leading +"));
        }
        if (c.name() != null) {
            text(out, field + ".name", c.name(), CALLER_ID_NAME_MAX);
        }
    }

    private static void text(List<Violation> out, String field, String value, int max) {
        if (value == null || value.isBlank()) {
            out.add(new Violation(field, "required", "is required"));
        } else if (value.length() > max) {
            out.add(new Violation(field, "max_length", "must be at most " + max + " characters"));
        } else if (value.chars().anyMatch(Character::isISOControl)) {
            out.add(new Violation(field, "characters", "must not contain control characters"));
        }
    }
}
