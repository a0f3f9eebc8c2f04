package io.sipedge.directory;

import io.sipedge.model.DeviceProfile;
import io.sipedge.model.rules.DeviceRules;
import io.sipedge.model.rules.TenantRules;
import io.sipedge.model.rules.Violation;
import java.util.ArrayList;
import java.util.List;

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

    /** The username digest credentials will carry: the auth username when set, else the SIP username. */
    public String digestUsername() {
        return authUsername != null && !authUsername.isEmpty() ? authUsername : username;
    }

    /**
     * Every rule the spec breaks: the username rules for both usernames, the password rules when a
     * password is required or given, the profile rules when a profile is given.
     */
    public List<Violation> violations(boolean passwordRequired) {
        List<Violation> v = new ArrayList<>(TenantRules.username("username", username));
        if (authUsername != null && !authUsername.isEmpty()) {
            v.addAll(TenantRules.username("auth_username", authUsername));
        }
        if (passwordRequired || password != null) {
            v.addAll(TenantRules.password("password", password));
        }
        if (profile != null) {
            v.addAll(DeviceRules.profile(profile.withDefaultName(username == null ? "" : username)));
        }
        return v;
    }

    @Override
    public String toString() {
        return "DeviceSpec[username=" + username + ", authUsername=" + authUsername
                + ", password=<redacted>, enabled=" + enabled + ", profile=" + profile + "]";
    }
}
