package io.sipedge.directory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;
import org.junit.jupiter.api.Test;

class PasswordHashTest {
    private static final String PW = "correct horse battery";

    @Test
    void theRightPasswordVerifiesAndAWrongOneDoesNot() {
        String phc = PasswordHash.hash(PW);
        assertTrue(phc.startsWith("$argon2id$v=19$m=19456,t=2,p=1$"), phc);
        assertTrue(PasswordHash.verify(PW, phc));
        assertFalse(PasswordHash.verify(PW + " ", phc));
        assertFalse(PasswordHash.verify("", phc));
        assertFalse(PasswordHash.verify(null, phc));
        assertFalse(phc.contains(PW));
        assertFalse(PasswordHash.needsRehash(phc));
    }

    @Test
    void everyHashHasItsOwnRandomSalt() {
        String a = PasswordHash.hash(PW);
        String b = PasswordHash.hash(PW);
        assertNotEquals(a, b);
        assertNotEquals(a.split("\\$")[4], b.split("\\$")[4], "salts repeat");
        assertEquals(16, Base64.getDecoder().decode(a.split("\\$")[4]).length);
        assertEquals(32, Base64.getDecoder().decode(a.split("\\$")[5]).length);
    }

    /** A PHC string with other parameters than ours (as an older edge or argon2's CLI writes) is read by its own. */
    @Test
    void aHashWrittenByAnotherImplementationWithOtherParametersVerifies() {
        // Made here with the raw generator at m=64 KiB, t=3, p=2.
        byte[] salt = "somesaltsomesalt".getBytes(StandardCharsets.US_ASCII);
        Argon2BytesGenerator g = new Argon2BytesGenerator();
        g.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id).withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withSalt(salt).withMemoryAsKB(64).withIterations(3).withParallelism(2).build());
        byte[] out = new byte[32];
        g.generateBytes("password".getBytes(StandardCharsets.UTF_8), out);
        String phc = "$argon2id$v=19$m=64,t=3,p=2$" + Base64.getEncoder().withoutPadding().encodeToString(salt) + "$"
                + Base64.getEncoder().withoutPadding().encodeToString(out);
        assertTrue(PasswordHash.verify("password", phc));
        assertTrue(PasswordHash.needsRehash(phc), "weaker parameters than today's should be replaced");
    }

    @Test
    void malformedOrOutOfBoundsStringsAreRefusedNotThrown() {
        String good = PasswordHash.hash(PW);
        String[] bad = {
            "", "plain", PW, "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2g",
            good.replace("v=19", "v=16"), good.replace("$argon2id$", "$argon2d$"),
            good.replace("m=19456", "m=99999999"), good.replace("t=2", "t=0"), good.replace("p=1", "p=0"),
            good.replace("t=2", "t=500"), good.substring(0, good.lastIndexOf('$')), good + "$extra",
            good.substring(0, good.lastIndexOf('$') + 1) + "!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
            good.substring(0, good.lastIndexOf('$') + 1) + "A", // not a base64 length
        };
        for (String phc : bad) {
            assertFalse(PasswordHash.isWellFormed(phc), phc);
            assertFalse(PasswordHash.verify(PW, phc), phc);
            assertTrue(PasswordHash.needsRehash(phc), phc);
        }
        assertFalse(PasswordHash.verify(PW, null));
        assertTrue(PasswordHash.isWellFormed(good));
    }
}
