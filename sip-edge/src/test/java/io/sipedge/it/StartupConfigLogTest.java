package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher in its own JVM logs its effective configuration once at start, secrets masked, and
 * takes a secret from the file a {@code _FILE} variable names, as a systemd unit or a Docker secret
 * hands it over.
 */
class StartupConfigLogTest {
    private static final String ADMIN_KEY = "admin-key-from-a-file-5b81e0";
    private static final String KEYSTORE_PASSWORD = "keystore-password-from-env-c29d";

    @TempDir
    Path tmp;

    private ChildEdge child;

    @AfterEach
    void kill() throws InterruptedException {
        if (child != null) {
            child.kill();
        }
    }

    @Test
    void theEffectiveConfigurationIsLoggedOnceAndNoSecretReachesTheOutput() throws Exception {
        Path keyFile = Files.writeString(tmp.resolve("admin-key"), ADMIN_KEY + "\n", StandardCharsets.UTF_8);
        child = ChildEdge.spawn(Map.of("SIPEDGE_ADMIN_KEY_FILE", keyFile.toString(),
                "SIPEDGE_TLS_KEYSTORE_PASSWORD", KEYSTORE_PASSWORD), tmp.resolve("data"));
        ApiClient api = new ApiClient(child.awaitHttpPort());
        assertNotNull(api.token(ADMIN_KEY), "the admin key came from the file, newline dropped");
        child.stop();
        String output = child.output();

        List<String> config = output.lines().filter(l -> l.contains(" configuration ")).toList();
        for (String section : List.of("configuration data-dir=", "configuration sip: ", "configuration tls: ",
                "configuration http: ", "configuration registrar: ", "configuration security: ",
                "configuration log: ")) {
            assertEquals(1, config.stream().filter(l -> l.contains(section)).count(),
                    "'" + section + "' logged once\n" + output);
        }
        assertEquals(1, config.stream().filter(l -> l.contains(" admin-key=***")).count(), output);
        assertEquals(1, config.stream().filter(l -> l.contains("tls: keystore= keystore-password=*** ")).count(),
                output);
        assertFalse(output.contains(ADMIN_KEY), "the admin key leaked\n" + output);
        assertFalse(output.contains(KEYSTORE_PASSWORD), "the keystore password leaked\n" + output);
    }
}
