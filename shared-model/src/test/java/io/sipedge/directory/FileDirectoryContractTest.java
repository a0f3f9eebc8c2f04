package io.sipedge.directory;

import io.sipedge.directory.file.FileDirectory;
import java.nio.file.Path;
import java.time.InstantSource;
import org.junit.jupiter.api.io.TempDir;

/** The Directory contract against the file-backed directory: the reference {@link InMemoryDirectory} is held to. */
class FileDirectoryContractTest extends DirectoryContract {
    @TempDir
    Path data;

    @Override
    Directory open(InstantSource clock) {
        return FileDirectory.open(data, clock);
    }
}
