package io.sipedge.launcher;

import io.sipedge.directory.DirectoryListener;
import io.sipedge.location.LocationStore;
import io.sipedge.model.Aor;
import io.sipedge.model.Device;
import io.sipedge.model.Tenant;
import java.time.InstantSource;

/**
 * Where provisioning meets registrations, through the stores only: a device that is disabled,
 * renamed or deleted (alone or with its tenant) loses its bindings as part of the write, before the
 * API answers. A password change keeps them: the phone's next REGISTER must use the new password.
 */
final class BindingCleanup implements DirectoryListener {
    private final LocationStore locations;
    private final InstantSource clock;

    BindingCleanup(LocationStore locations, InstantSource clock) {
        this.locations = locations;
        this.clock = clock;
    }

    @Override
    public void deviceChanged(Device before, Device after, Tenant tenant) {
        if (before == null || tenant == null) {
            return;
        }
        if (!after.enabled() || !before.username().equals(after.username())) {
            locations.removeAll(new Aor(before.username(), tenant.domain()), clock.instant());
        }
    }

    @Override
    public void deviceRemoved(Device device, Tenant tenant) {
        if (tenant != null) {
            locations.removeAll(new Aor(device.username(), tenant.domain()), clock.instant());
        }
    }
}
