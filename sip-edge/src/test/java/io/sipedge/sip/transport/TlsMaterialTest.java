package io.sipedge.sip.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsMaterialTest {
    /**
     * keytool's launcher takes any argument starting with "-J" as a JVM option: a base64url password
     * did so once in 4 096 first starts. A hex password never starts with '-'.
     */
    @Test
    void theSelfSignedKeystoresPasswordIsHexAndOpensTheKeystoreAgain(@TempDir Path data) throws Exception {
        assertNotNull(TlsMaterial.selfSigned(data));
        Path tls = data.resolve("tls");
        String password = Files.readString(tls.resolve("edge.p12.password"), StandardCharsets.US_ASCII).strip();
        assertTrue(password.matches("[0-9a-f]{48}"), "48 hex digits (24 random bytes)");
        assertNotNull(TlsMaterial.load(tls.resolve("edge.p12"), password.toCharArray()));
        assertNotNull(TlsMaterial.selfSigned(data), "a second start reads what the first made");
        assertEquals(password, Files.readString(tls.resolve("edge.p12.password"), StandardCharsets.US_ASCII).strip());
    }
}
