package io.sipedge.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secrets from files ({@code SIPEDGE_ADMIN_KEY_FILE}, {@code SIPEDGE_TLS_KEYSTORE_PASSWORD_FILE}), as
 * Docker secrets and systemd credentials hand them over, and masking declared on the setting.
 */
class SecretFileTest {
    @TempDir
    Path tmp;

    private Path file(String name, String content) throws Exception {
        return Files.writeString(tmp.resolve(name), content, StandardCharsets.UTF_8);
    }

    private static EdgeConfig load(Map<String, String> env, String... sets) {
        return EdgeConfig.load(null, env, List.of(sets));
    }

    @Test
    void theSecretSettingsAreDeclaredSo() {
        List<String> secret = EdgeConfig.SETTINGS.stream().filter(Setting::secret).map(Setting::key).toList();
        assertEquals(List.of("tls.keystore-password", "admin-key", "mail.password"), secret);
        assertEquals("SIPEDGE_ADMIN_KEY_FILE", EdgeConfig.ADMIN_KEY.fileEnvName());
        assertEquals("SIPEDGE_TLS_KEYSTORE_PASSWORD_FILE", EdgeConfig.TLS_KEYSTORE_PASSWORD.fileEnvName());
        assertEquals(null, EdgeConfig.SIP_PORT.fileEnvName(), "only a secret comes from a file");
    }

    @Test
    void aSecretComesFromItsFileWithoutTheTrailingNewline() throws Exception {
        EdgeConfig c = load(Map.of(
                "SIPEDGE_ADMIN_KEY_FILE", file("admin-key", "k3y-from-a-file\n").toString(),
                "SIPEDGE_TLS_KEYSTORE_PASSWORD_FILE", file("ks", "pw from a file\r\n").toString()));
        assertEquals("k3y-from-a-file", c.adminKey());
        assertEquals("pw from a file", c.tlsKeystorePassword());
        assertEquals("no-newline", load(Map.of("SIPEDGE_ADMIN_KEY_FILE",
                file("plain", "no-newline").toString())).adminKey());
    }

    @Test
    void aSetFlagStillWinsOverTheFile() throws Exception {
        EdgeConfig c = load(Map.of("SIPEDGE_ADMIN_KEY_FILE", file("admin-key", "from-file\n").toString()),
                "admin-key=from-the-command-line");
        assertEquals("from-the-command-line", c.adminKey());
    }

    @Test
    void theVariableAndItsFileTogetherAreAnError() throws Exception {
        ConfigException e = assertThrows(ConfigException.class, () -> load(Map.of(
                "SIPEDGE_ADMIN_KEY", "inline-value",
                "SIPEDGE_ADMIN_KEY_FILE", file("admin-key", "file-value\n").toString())));
        assertEquals("SIPEDGE_ADMIN_KEY_FILE", e.key());
        assertTrue(e.getMessage().contains("SIPEDGE_ADMIN_KEY "), e.getMessage());
        assertFalse(e.getMessage().contains("inline-value") || e.getMessage().contains("file-value"), e.getMessage());
    }

    @Test
    void anUnreadableFileIsAConfigurationErrorNamingTheVariable() throws Exception {
        Path missing = tmp.resolve("no-such-file");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Main.run(new String[] {"--set", "data-dir=" + tmp, "--check-config"},
                    Map.of("SIPEDGE_TLS_KEYSTORE_PASSWORD_FILE", missing.toString()), o, e);
        }
        String text = err.toString(StandardCharsets.UTF_8);
        assertEquals(Main.EXIT_CONFIG, code, text);
        assertEquals(1, text.lines().count(), text);
        assertTrue(text.startsWith("sip-edge: configuration error: SIPEDGE_TLS_KEYSTORE_PASSWORD_FILE: "), text);
        assertTrue(text.contains(missing.toString()), text);

        // a directory is no file either
        ConfigException dir = assertThrows(ConfigException.class,
                () -> load(Map.of("SIPEDGE_ADMIN_KEY_FILE", tmp.toString())));
        assertEquals("SIPEDGE_ADMIN_KEY_FILE", dir.key());
    }

    @Test
    void anEmptyFileIsAnErrorRatherThanNoKey() throws Exception {
        // An empty admin-key would have the edge generate a new key: not what a deployment that
        // names a credential file wants.
        for (String content : List.of("", "\n")) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> load(Map.of("SIPEDGE_ADMIN_KEY_FILE", file("empty", content).toString())), content);
            assertEquals("SIPEDGE_ADMIN_KEY_FILE", e.key());
        }
    }

    @Test
    void aFileVariableForASettingThatIsNotSecretIsUnknown() throws Exception {
        ConfigException e = assertThrows(ConfigException.class,
                () -> load(Map.of("SIPEDGE_SIP_PORT_FILE", file("port", "5070\n").toString())));
        assertEquals("SIPEDGE_SIP_PORT_FILE", e.key());
        assertTrue(e.getMessage().contains("SIPEDGE_ADMIN_KEY_FILE"), "names the ones that exist: " + e.getMessage());
    }

    @Test
    void aSecretsOwnRuleNeverEchoesItsValue() {
        Setting<Integer> pin = new Setting<>("x.pin", "", "must be digits", Integer::parseInt).asSecret();
        ConfigException e = assertThrows(ConfigException.class, () -> pin.parse("hunter2"));
        assertEquals("x.pin: must be digits (got '***')", e.getMessage());
        Setting<Integer> plain = new Setting<>("x.n", "", "must be digits", Integer::parseInt);
        assertTrue(assertThrows(ConfigException.class, () -> plain.parse("hunter2")).getMessage().contains("hunter2"));
    }
}
