package io.sipedge.directory;

import io.sipedge.model.DeviceProfile;

/**
 * What a caller asks a device to be. {@code password} may be null on update to keep the current one;
 * {@code profile} may be null to keep the current profile (on create: the defaults).
 * Records print every component, so {@link #toString()} hides the password.
 */
public record DeviceSpec(String username, String authUsername, String password, boolean enabled,
                         DeviceProfile profile) {

    /** SIP credentials only: the profile stays as it is (defaults for a new device). */
    public DeviceSpec(String username, String authUsername, String password, boolean enabled) {
        this(username, authUsername, password, enabled, null);
    }

    @Override
    public String toString() {
        return "DeviceSpec[username=" + username + ", authUsername=" + authUsername
                + ", password=<redacted>, enabled=" + enabled + ", profile=" + profile + "]";
    }
}
