package io.sipedge.directory;

import io.sipedge.model.Device;
import io.sipedge.model.Tenant;

/**
 * Told after a write is durable; runs on the writer's thread before the write call returns, so a
 * caller that gets its answer knows the listeners have run. Keep it short.
 *
 * <p>The three-argument forms carry the device's tenant as it was before the write (so a listener
 * can build the AOR even when the write deleted the tenant); by default they call the short forms.
 */
public interface DirectoryListener {
    /** A device was created or changed. */
    default void deviceChanged(Device before, Device after) {
    }

    /** A device was deleted (also once per device of a deleted tenant). */
    default void deviceRemoved(Device device) {
    }

    /** {@link #deviceChanged(Device, Device)} with the device's tenant. */
    default void deviceChanged(Device before, Device after, Tenant tenant) {
        deviceChanged(before, after);
    }

    /** {@link #deviceRemoved(Device)} with the tenant the device belonged to. */
    default void deviceRemoved(Device device, Tenant tenant) {
        deviceRemoved(device);
    }

    /** A tenant was deleted (after its devices were reported removed). */
    default void tenantRemoved(Tenant tenant) {
    }
}
