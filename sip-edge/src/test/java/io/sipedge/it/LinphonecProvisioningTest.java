package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.it.ApiClient.Reply;
import io.sipedge.model.Aor;
import io.sipedge.model.Binding;
import io.sipedge.model.Device;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The "done when": Debian's linphonec (liblinphone 5.1), given nothing but a provisioning
 * URL in its config ({@code [misc] config-uri}), fetches the XML, configures its account from it
 * and registers with the edge. That release sends no x-linphone-provisioning header, so its
 * account has the requirement turned off. linphonec runs headless: its own HOME, commands on
 * stdin, no sound card needed for registering. Skipped only when linphonec is not installed
 * (CI installs Debian's linphone-cli).
 */
@Timeout(180)
class LinphonecProvisioningTest {
    private static final Path LINPHONEC = Path.of("/usr/bin/linphonec");
    private static final String DOMAIN = "linphone.example.com";
    private static final String USER = "linphonec";

    @Test
    void linphonecProvisionsItselfFromTheUrlAndRegisters() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(LINPHONEC),
                "linphonec is not installed (Debian: apt-get install linphone-cli); skipping the real-client check");
        Path home = Files.createTempDirectory("linphonec-home");
        Process p = null;
        try (EdgeUnderTest edge = EdgeUnderTest.start("sip.tls-port=-1")) {
            ApiClient api = edge.api();
            String admin = api.adminToken();
            String acc = api.account(admin, "linphonec", DOMAIN);
            Reply off = api.call("PATCH", "/v2/accounts/" + acc, admin, Map.of("linphone_header_required", false));
            assertEquals(200, off.status(), off.toString());
            Reply created = api.call("PUT", "/v2/accounts/" + acc + "/devices", admin, Map.of("enabled", false,
                    "sip", Map.of("username", USER, "password", "Linphonec-pw-42")));
            assertEquals(201, created.status(), created.toString());
            String dev = created.data().get("id").asText();
            Reply t = api.call("POST", "/v2/accounts/" + acc + "/devices/" + dev + "/provisioning_token", admin, null);
            assertEquals(201, t.status(), t.toString());
            // The default public URL is http://<sip host>:<http port>: here 127.0.0.1 and the ephemeral port.
            String url = t.data().get("url").asText();
            assertTrue(url.startsWith("http://127.0.0.1:" + edge.httpPort() + "/provisioning/"), url);

            // liblinphone keeps its database there and does not create the directories itself.
            Files.createDirectories(home.resolve(".local/share/linphone"));
            Path rc = home.resolve(".linphonerc");
            Files.writeString(rc, "[misc]\nconfig-uri=" + url + "\n\n[sound]\nplayback_dev_id=\ncapture_dev_id=\n"
                    + "ringer_dev_id=\n\n[video]\nenabled=0\ncapture=0\ndisplay=0\n", StandardCharsets.UTF_8);
            Path log = home.resolve("linphonec.log");
            ProcessBuilder pb = new ProcessBuilder(LINPHONEC.toString(), "-c", rc.toString(), "-d", "6",
                    "-l", log.toString())
                    .directory(home.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(home.resolve("linphonec.out").toFile());
            pb.environment().put("HOME", home.toString());
            pb.environment().remove("DISPLAY");
            p = pb.start();
            OutputStream stdin = p.getOutputStream();

            Aor aor = new Aor(USER, DOMAIN);
            List<Binding> bindings = List.of();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (bindings.isEmpty() && System.nanoTime() < deadline && p.isAlive()) {
                Thread.sleep(250);
                bindings = edge.locations().lookup(aor, edge.clock().instant());
            }
            String diagnostics = tail(home.resolve("linphonec.out")) + "\n--- log ---\n" + tail(log);
            assertFalse(bindings.isEmpty(), "linphonec did not register; its output:\n" + diagnostics);
            Device d = edge.directory().device(dev).orElseThrow();
            assertTrue(d.enabled(), "the fetch enabled the device");
            assertNotNull(d.provisioned(), "the fetch recorded the provisioning");
            assertEquals("127.0.0.1", d.provisioned().ip());
            // A spent token is unknown, so the account's header exemption no longer applies: with the
            // header it is the 404, without it the 400 every header-less request for an unknown token gets.
            assertEquals(404, new ProvisioningClient(edge.httpPort()).fetch(ProvisioningClient.pathOf(url)).statusCode(),
                    "single use: the token is spent");
            try {
                stdin.write("quit\n".getBytes(StandardCharsets.US_ASCII));
                stdin.flush();
            } catch (IOException e) {
                // already gone
            }
            p.waitFor(10, TimeUnit.SECONDS);
        } finally {
            if (p != null && p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
            if (System.getenv("KEEP_LINPHONEC_HOME") != null) {
                return;
            }
            try (Stream<Path> s = Files.walk(home)) {
                s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.ISO_8859_1).stream()
                    .filter(l -> !l.contains("codec") && !l.contains("encoder for")).toList();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
        } catch (IOException e) {
            return "(no " + file.getFileName() + ")";
        }
    }
}
