package io.sipedge.directory;

import io.sipedge.model.Device;

/** Told after a write is durable; runs on the writer's thread, so keep it short. */
public interface DirectoryListener {
    /** A device was created or changed. */
    default void deviceChanged(Device before, Device after) {
    }

    /** A device was deleted (also once per device of a deleted tenant). */
    default void deviceRemoved(Device device) {
    }
}
