package io.sipedge.directory;

import java.time.InstantSource;

/** {@link InMemoryDirectory} keeps the Directory contract, as {@code FileDirectory} does. */
class InMemoryDirectoryTest extends DirectoryContract {
    @Override
    Directory open(InstantSource clock) {
        return new InMemoryDirectory(clock);
    }
}
