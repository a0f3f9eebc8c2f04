package io.sipedge.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ModelRecordsTest {

    private static final Instant T0 = Instant.parse("2024-05-01T10:00:00Z");

    @Test
    void aorLowerCasesTheDomainButNotTheUser() {
        Aor aor = new Aor("Alice", "Example.COM");
        assertEquals("example.com", aor.domain());
        assertEquals("Alice", aor.user());
        assertEquals(new Aor("Alice", "example.com"), aor);
        assertFalse(new Aor("alice", "example.com").equals(aor));
        assertEquals("sip:Alice@example.com", aor.toString());
    }

    @Test
    void tenantLowerCasesItsDomain() {
        Tenant t = new Tenant("id", "n", "SIP.Example.com", false, T0);
        assertEquals("sip.example.com", t.domain());
        assertTrue(t.updated("n", true, false, T0).md5Only());
        assertEquals(t.id(), t.updated("n", true, false, T0).id());
    }

    @Test
    void aTenantPinsOneDigestAlgorithmAtMost() {
        Tenant t = new Tenant("id", "n", "example.com", false, T0);
        List<DigestAlgorithm> edge = List.of(DigestAlgorithm.MD5, DigestAlgorithm.SHA_256);
        assertEquals(edge, t.digestAlgorithms(edge));
        assertEquals(List.of(DigestAlgorithm.MD5), t.updated("n", true, false, T0).digestAlgorithms(edge));
        assertEquals(List.of(DigestAlgorithm.SHA_256),
                t.updated("n", false, true, T0).digestAlgorithms(List.of(DigestAlgorithm.MD5)));
        assertThrows(IllegalArgumentException.class, () -> t.updated("n", true, true, T0));
    }

    @Test
    void bindingExpiryIsInclusiveAndSecondsLeftNeverNegative() {
        Binding b = new Binding("sip:a@192.0.2.1", Flow.of(Transport.UDP, "192.0.2.1", 5060), T0.plusSeconds(60), 1f, "c",
                1, null, 0, null, null, T0);
        assertFalse(b.expiredAt(T0.plusSeconds(59)));
        assertTrue(b.expiredAt(T0.plusSeconds(60)));
        assertEquals(60, b.secondsLeft(T0));
        assertEquals(0, b.secondsLeft(T0.plusSeconds(61)));
        assertEquals(List.of(), b.path());
    }

    @Test
    void bindingCopiesItsPath() {
        List<String> path = new ArrayList<>(List.of("<sip:p1;lr>"));
        Binding b = new Binding("sip:a@192.0.2.1", Flow.of(Transport.TCP, "192.0.2.1", 5060), T0, 1f, "c", 1, null, 0, path,
                null, T0);
        path.add("<sip:p2;lr>");
        assertEquals(List.of("<sip:p1;lr>"), b.path());
        assertThrows(UnsupportedOperationException.class, () -> b.path().add("x"));
    }

    @Test
    void deviceDropsAnAuthUsernameEqualToItsUsername() {
        SipSecret s = new SipSecret("m", "s", "sealed");
        assertNull(new Device("id", "t", "alice", "alice", true, s, T0, T0).authUsername());
        assertNull(new Device("id", "t", "alice", "", true, s, T0, T0).authUsername());
        Device d = new Device("id", "t", "alice", "a-auth", true, s, T0, T0);
        assertEquals("a-auth", d.digestUsername());
        Device off = d.withEnabled(false, T0.plusSeconds(1));
        assertFalse(off.enabled());
        assertEquals(T0.plusSeconds(1), off.updatedAt());
        assertEquals(T0, off.createdAt());
    }

    @Test
    void sipSecretPrintsRedacted() {
        SipSecret s = new SipSecret("md5-ha1", "sha-ha1", "sealed-pw");
        assertFalse(s.toString().contains("md5-ha1"));
        assertFalse(s.toString().contains("sealed-pw"));
        assertEquals("sha-ha1", s.ha1(DigestAlgorithm.SHA_256));
        assertEquals("md5-ha1", s.ha1(DigestAlgorithm.MD5));
    }

    @Test
    void sipSecretGivesBackExactlyWhatItWasGiven() throws Exception {
        String md5 = DigestAlgorithm.MD5.ha1("alice", "example.com", "pw");
        String sha = DigestAlgorithm.SHA_256.ha1("alice", "example.com", "pw");
        String sealed = "nKp0DUX6EUFU4YaVq9vPrDfCQXnd6JEcY5rJfv4T4aIEDw3d1QqPrxtj";
        SipSecret s = new SipSecret(md5, sha, sealed);
        assertEquals(md5, s.ha1Md5());
        assertEquals(sha, s.ha1Sha256());
        assertEquals(sealed, s.sealedPassword());
        assertEquals(sha, s.ha1(DigestAlgorithm.SHA_256));
        assertEquals(new SipSecret(md5, sha, sealed), s);
        assertEquals(new SipSecret(md5, sha, sealed).hashCode(), s.hashCode());
        assertFalse(s.equals(new SipSecret(md5, sha, sealed + "A")));
        // Not canonical (upper-case hex, padded base64): kept as given, still equal only to itself.
        SipSecret odd = new SipSecret(md5.toUpperCase(Locale.ROOT), sha, "YWI=");
        assertEquals(md5.toUpperCase(Locale.ROOT), odd.ha1Md5());
        assertEquals("YWI=", odd.sealedPassword());
        assertFalse(odd.equals(new SipSecret(md5, sha, "YWI")));

        // The stores' JSON form is the record's: same property names, order and hex/base64 text.
        ObjectMapper json = new ObjectMapper();
        String text = json.writeValueAsString(s);
        assertEquals("{\"ha1Md5\":\"" + md5 + "\",\"ha1Sha256\":\"" + sha + "\",\"sealedPassword\":\""
                + sealed + "\"}", text);
        assertEquals(s, json.readValue(text, SipSecret.class));
        assertEquals(odd, json.readValue(json.writeValueAsString(odd), SipSecret.class));
    }

    @Test
    void deviceKeepsItsDefaultProfileImplicitly() {
        SipSecret s = new SipSecret("m", "s", "sealed");
        Device plain = new Device("id", "t", "alice", null, true, s, T0, T0);
        Device given = new Device("id", "t", "alice", null, true, s, T0, T0, DeviceProfile.defaultsFor("alice"));
        assertEquals(DeviceProfile.defaultsFor("alice"), plain.profile());
        assertEquals(plain, given);
        assertEquals(plain.hashCode(), given.hashCode());
        assertTrue(plain.toString().contains("profile=" + DeviceProfile.defaultsFor("alice")));
        Device named = new Device("id", "t", "alice", null, true, s, T0, T0, DeviceProfile.defaultsFor("Al"));
        assertEquals("Al", named.profile().name());
        assertFalse(named.equals(plain));
    }

    @Test
    void digestAlgorithmMatchesTheRfcExamples() {
        // RFC 2617 §3.5: HA1 of Mufasa:testrealm@host.com:Circle Of Life.
        assertEquals("939e7578ed9e3c518a452acee763bce9",
                DigestAlgorithm.MD5.ha1("Mufasa", "testrealm@host.com", "Circle Of Life"));
        // RFC 7616 §3.9.1 uses realm http-auth@example.org and password "Circle of Life".
        assertEquals("7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232",
                DigestAlgorithm.SHA_256.ha1("Mufasa", "http-auth@example.org", "Circle of Life"));
        assertEquals(Optional.of(DigestAlgorithm.SHA_256), DigestAlgorithm.fromToken("sha-256"));
        assertEquals(Optional.of(DigestAlgorithm.MD5), DigestAlgorithm.fromToken("md5"));
        assertEquals(Optional.empty(), DigestAlgorithm.fromToken("MD5-sess"));
    }

    @Test
    void transportParsesTokensCaseInsensitively() {
        assertEquals(Transport.UDP, Transport.parse(" udp "));
        assertEquals(Transport.TLS, Transport.parse("TLS"));
        assertEquals("tcp", Transport.TCP.token());
        assertThrows(IllegalArgumentException.class, () -> Transport.parse("sctp"));
    }
}
