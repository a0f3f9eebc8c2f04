package io.sipedge.directory;

/**
 * What a caller asks a device to be. {@code password} may be null on update to keep the current one.
 * Records print every component, so {@link #toString()} hides the password.
 */
public record DeviceSpec(String username, String authUsername, String password, boolean enabled) {
    @Override
    public String toString() {
        return "DeviceSpec[username=" + username + ", authUsername=" + authUsername
                + ", password=<redacted>, enabled=" + enabled + "]";
    }
}
