package io.sipedge.it;

import static io.sipedge.it.RegistrarRulesTest.NO_HTTP;
import static io.sipedge.it.RegistrarRulesTest.NO_TLS;
import static io.sipedge.it.RegistrarRulesTest.assertNoStale;
import static io.sipedge.it.RegistrarRulesTest.assertStatus;
import static io.sipedge.it.RegistrarRulesTest.bindings;
import static io.sipedge.it.RegistrarRulesTest.single;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.directory.DeviceSpec;
import io.sipedge.it.SipTestClient.SipResponse;
import io.sipedge.it.SipTestClient.Transport;
import io.sipedge.model.Device;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;

/**
 * Digest authentication of REGISTER, end to end over UDP: the challenge headers and their order,
 * MD5-only and SHA-256-only tenants, SHA-256, refusals that look exactly like the first challenge,
 * stale nonces, nonce replay and auth usernames. The edge offers both algorithms here (the
 * default is MD5 alone: {@link DefaultDigestClientsTest}). Each test uses its own users.
 */
class RegistrarAuthTest {
    static final String D = EdgeUnderTest.DOMAIN;
    static final String PW = "secret-pass1";

    static EdgeUnderTest edge;

    @BeforeAll
    static void start() throws Exception {
        edge = EdgeUnderTest.start(NO_TLS, NO_HTTP, "registrar.digest-algorithms=MD5,SHA-256");
    }

    @AfterAll
    static void stop() throws Exception {
        edge.close();
    }

    private static SipTestClient udp() throws Exception {
        return new SipTestClient(Transport.UDP, edge.sipPort());
    }

    // ------------------------------------------------------------------ the challenge

    @Test
    void firstRegisterGets401WithMd5ThenSha256SameNonce() throws Exception {
        edge.user(D, "au-chal", PW);
        try (SipTestClient c = udp()) {
            SipResponse r = c.request(c.register("au-chal", D, c.contact("au-chal")));
            assertStatus(401, r);
            assertChallenges(r, D, "MD5", "SHA-256");
            assertNoStale(r);
            assertTrue(bindings(edge, "au-chal", D).isEmpty());
        }
    }

    @Test
    void md5OnlyTenantIsChallengedWithMd5Only() throws Exception {
        edge.tenant("md5.example", true);
        edge.user("md5.example", "au-md5", PW);
        try (SipTestClient c = udp()) {
            SipResponse r = c.request(c.register("au-md5", "md5.example", c.contact("au-md5")));
            assertStatus(401, r);
            assertChallenges(r, "md5.example", "MD5");
            SipResponse ok = c.request(c.register("au-md5", "md5.example", c.contact("au-md5"),
                    SipTestClient.authorization(r, "au-md5", PW, "sip:md5.example", "MD5", 1)));
            assertStatus(200, ok);
            assertEquals(1, bindings(edge, "au-md5", "md5.example").size());
        }
    }

    @Test
    void sha256OnlyTenantIsChallengedWithSha256AloneAndRefusesMd5() throws Exception {
        edge.directory().createTenant("sha.example", "sha.example", false, true);
        edge.user("sha.example", "au-sha-only", PW);
        try (SipTestClient c = udp()) {
            SipResponse r = c.request(c.register("au-sha-only", "sha.example", c.contact("au-sha-only")));
            assertStatus(401, r);
            assertChallenges(r, "sha.example", "SHA-256");
            // The right password, answered with MD5 to the SHA-256 challenge's nonce: not offered, refused.
            String nonce = r.challenge("SHA-256").get("nonce");
            String ha1 = SipTestClient.hash("MD5", "au-sha-only:sha.example:" + PW);
            String ha2 = SipTestClient.hash("MD5", "REGISTER:sip:sha.example");
            String response = SipTestClient.hash("MD5", ha1 + ":" + nonce + ":00000001:0a1b2c3d:auth:" + ha2);
            SipResponse md5 = c.request(c.register("au-sha-only", "sha.example", c.contact("au-sha-only"),
                    "Authorization: Digest username=\"au-sha-only\", realm=\"sha.example\", nonce=\"" + nonce
                            + "\", uri=\"sip:sha.example\", response=\"" + response
                            + "\", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"0a1b2c3d\""));
            assertStatus(401, md5);
            assertTrue(bindings(edge, "au-sha-only", "sha.example").isEmpty());
            SipResponse ok = c.registerWithAuth("au-sha-only", "sha.example", PW, c.contact("au-sha-only"), "SHA-256");
            assertStatus(200, ok);
        }
    }

    @Test
    void sha256DigestAuthenticates() throws Exception {
        edge.user(D, "au-sha", PW);
        try (SipTestClient c = udp()) {
            SipResponse r = c.registerWithAuth("au-sha", D, PW, c.contact("au-sha"), "SHA-256");
            assertStatus(200, r);
            assertEquals(c.callId(), single(bindings(edge, "au-sha", D)).callId());
        }
    }

    @Test
    void sha256DigestWithWrongPasswordIsChallengedAgain() throws Exception {
        edge.user(D, "au-sha-bad", PW);
        try (SipTestClient c = udp()) {
            SipResponse r = c.registerWithAuth("au-sha-bad", D, "wrong-pass1", c.contact("au-sha-bad"), "SHA-256");
            assertStatus(401, r);
            assertChallenges(r, D, "MD5", "SHA-256");
            assertTrue(bindings(edge, "au-sha-bad", D).isEmpty());
        }
    }

    // ------------------------------------------------------------------ indistinguishable refusals

    @Test
    void unknownUserWrongPasswordAndDisabledDeviceGetTheFirstChallengeByteForByte() throws Exception {
        edge.user(D, "au-known", PW);
        Device off = edge.user(D, "au-off", PW);
        edge.directory().updateDevice(off.id(), new DeviceSpec("au-off", null, null, false));
        try (SipTestClient c = udp()) {
            // One client: same Call-ID, From tag and Via sent-by for all; every compared response
            // answers CSeq 7. Each request is its own transaction (fresh branch); otherwise the
            // stack would just retransmit the first response.
            SipResponse first = atCseq(c, 7, "au-known", null);
            SipResponse unknown = atCseq(c, 7, "au-ghost", auth(c, "au-ghost", "au-ghost", PW));
            SipResponse wrong = atCseq(c, 7, "au-known", auth(c, "au-known", "au-known", "wrong-pass1"));
            SipResponse disabled = atCseq(c, 7, "au-off", auth(c, "au-off", "au-off", PW));
            for (SipResponse r : List.of(first, unknown, wrong, disabled)) {
                assertStatus(401, r);
                assertChallenges(r, D, "MD5", "SHA-256");
            }
            String expected = normalise(first.raw());
            assertEquals(expected, normalise(unknown.raw()), "unknown user differs from the first challenge");
            assertEquals(expected, normalise(wrong.raw()), "wrong password differs from the first challenge");
            assertEquals(expected, normalise(disabled.raw()), "disabled device differs from the first challenge");
            assertTrue(bindings(edge, "au-off", D).isEmpty());
            assertTrue(bindings(edge, "au-known", D).isEmpty());
        }
    }

    /** A fresh challenge for {@code toUser}, answered with {@code authUser}/{@code password}. */
    private static String auth(SipTestClient c, String toUser, String authUser, String password) throws Exception {
        SipResponse ch = c.request(c.register(toUser, D, c.contact(toUser)));
        assertStatus(401, ch);
        return SipTestClient.authorization(ch, authUser, password, "sip:" + D, "MD5", 1);
    }

    private static SipResponse atCseq(SipTestClient c, long cseq, String toUser, String authorization)
            throws Exception {
        c.setCseq(cseq - 1);
        String text = authorization == null ? c.register(toUser, D, c.contact(toUser))
                : c.register(toUser, D, c.contact(toUser), authorization);
        return c.request(text);
    }

    /**
     * Blanks what must differ between two otherwise identical exchanges: the branch of each
     * transaction, each challenge's nonce, the To tag, and the user part in From and To (the
     * requests address different users; that text is the client's own).
     */
    private static String normalise(String raw) {
        StringBuilder out = new StringBuilder();
        for (String line : raw.split("\r\n", -1)) {
            String l = line.replaceAll("branch=z9hG4bK[^;,\\s]*", "branch=z9hG4bK-BRANCH")
                    .replaceAll("nonce=\"[^\"]*\"", "nonce=\"NONCE\"");
            String lower = l.toLowerCase(Locale.ROOT);
            if (lower.startsWith("to:") || lower.startsWith("t:")) {
                l = l.replaceAll(";tag=[^;\\s]*", ";tag=TOTAG").replaceAll("sip:[^@>]+@", "sip:USER@");
            } else if (lower.startsWith("from:") || lower.startsWith("f:")) {
                l = l.replaceAll("sip:[^@>]+@", "sip:USER@");
            }
            out.append(l).append("\r\n");
        }
        return out.toString();
    }

    // ------------------------------------------------------------------ stale nonces and replay

    @Test
    void expiredNonceWithTheRightPasswordGetsStaleTrue() throws Exception {
        edge.user(D, "au-stale", PW);
        try (SipTestClient c = udp()) {
            SipResponse ch = c.request(c.register("au-stale", D, c.contact("au-stale")));
            assertStatus(401, ch);
            edge.clock().advance(Duration.ofSeconds(301)); // registrar.nonce-ttl defaults to 300 s
            SipResponse r = c.request(c.register("au-stale", D, c.contact("au-stale"),
                    SipTestClient.authorization(ch, "au-stale", PW, "sip:" + D, "MD5", 1)));
            assertStatus(401, r);
            for (String alg : List.of("MD5", "SHA-256")) {
                Map<String, String> p = r.challenge(alg);
                assertNotNull(p, r.raw());
                assertEquals("true", String.valueOf(p.get("stale")).toLowerCase(Locale.ROOT), r.raw());
                assertNotEquals(ch.challenge("MD5").get("nonce"), p.get("nonce"), "stale answer reuses the old nonce");
            }
            assertTrue(bindings(edge, "au-stale", D).isEmpty());
            // The client retries with the new nonce, without asking anyone for the password.
            SipResponse ok = c.request(c.register("au-stale", D, c.contact("au-stale"),
                    SipTestClient.authorization(r, "au-stale", PW, "sip:" + D, "MD5", 1)));
            assertStatus(200, ok);
        }
    }

    @Test
    void expiredNonceWithAWrongPasswordGetsAPlainChallenge() throws Exception {
        edge.user(D, "au-stale-bad", PW);
        try (SipTestClient c = udp()) {
            SipResponse ch = c.request(c.register("au-stale-bad", D, c.contact("au-stale-bad")));
            assertStatus(401, ch);
            edge.clock().advance(Duration.ofSeconds(301));
            SipResponse r = c.request(c.register("au-stale-bad", D, c.contact("au-stale-bad"),
                    SipTestClient.authorization(ch, "au-stale-bad", "wrong-pass1", "sip:" + D, "MD5", 1)));
            assertStatus(401, r);
            assertChallenges(r, D, "MD5", "SHA-256");
            assertNoStale(r);
            assertTrue(bindings(edge, "au-stale-bad", D).isEmpty());
        }
    }

    @Test
    void replayedAuthorizationIsChallengedNotAccepted() throws Exception {
        edge.user(D, "au-replay", PW);
        try (SipTestClient c = udp()) {
            SipResponse ch = c.request(c.register("au-replay", D, c.contact("au-replay")));
            assertStatus(401, ch);
            String authorization = SipTestClient.authorization(ch, "au-replay", PW, "sip:" + D, "MD5", 1);
            assertStatus(200, c.request(c.register("au-replay", D, c.contact("au-replay"), authorization)));
            long cseqBefore = single(bindings(edge, "au-replay", D)).cseq();

            SipResponse replay = c.request(c.register("au-replay", D, c.contact("au-replay"), authorization));
            assertStatus(401, replay);
            assertEquals(cseqBefore, single(bindings(edge, "au-replay", D)).cseq(), "the replay refreshed the binding");
        }
    }

    // ------------------------------------------------------------------ auth username

    @Test
    void authUsernameDifferentFromSipUsernameRegistersTheSipUser() throws Exception {
        edge.user(D, "au-dave", "au-dave-auth", PW);
        try (SipTestClient c = udp()) {
            SipResponse ch = c.request(c.register("au-dave", D, c.contact("au-dave")));
            assertStatus(401, ch);
            SipResponse ok = c.request(c.register("au-dave", D, c.contact("au-dave"),
                    SipTestClient.authorization(ch, "au-dave-auth", PW, "sip:" + D, "MD5", 1)));
            assertStatus(200, ok);
            assertEquals(1, bindings(edge, "au-dave", D).size());
            assertTrue(bindings(edge, "au-dave-auth", D).isEmpty());
        }
    }

    @Test
    void sipUsernameIsNotADigestUsernameWhenAnAuthUsernameIsSet() throws Exception {
        edge.user(D, "au-erin", "au-erin-auth", PW);
        try (SipTestClient c = udp()) {
            SipResponse r = c.registerWithAuth("au-erin", D, PW, c.contact("au-erin"), "MD5"); // username="au-erin"
            assertStatus(401, r);
            assertTrue(bindings(edge, "au-erin", D).isEmpty());
        }
    }

    // ------------------------------------------------------------------ helpers

    /** Exactly one WWW-Authenticate per algorithm, in this order, sharing realm, qop and nonce. */
    static void assertChallenges(SipResponse r, String realm, String... algorithms) {
        List<String> headers = r.all("WWW-Authenticate");
        assertEquals(algorithms.length, headers.size(), r.raw());
        String nonce = null;
        for (int i = 0; i < algorithms.length; i++) {
            String h = headers.get(i);
            assertTrue(h.regionMatches(true, 0, "Digest ", 0, 7), h);
            Map<String, String> p = SipResponse.params(h.substring(7));
            assertEquals(algorithms[i], p.get("algorithm"), "header " + i + ": " + h);
            assertEquals(realm, p.get("realm"), h);
            assertTrue(h.contains("realm=\"" + realm + "\""), "realm not quoted: " + h);
            assertTrue(h.contains("qop=\"auth\""), "qop is not \"auth\": " + h);
            assertNotNull(p.get("nonce"), h);
            if (nonce == null) {
                nonce = p.get("nonce");
            } else {
                assertEquals(nonce, p.get("nonce"), "challenges carry different nonces");
            }
        }
    }

    /** The configured order is the header order: SHA-256 first when asked for. */
    @Nested
    @TestInstance(Lifecycle.PER_CLASS)
    class Sha256FirstEdge {
        EdgeUnderTest flipped;

        @BeforeAll
        void start() throws Exception {
            flipped = EdgeUnderTest.start(NO_TLS, NO_HTTP, "registrar.digest-algorithms=SHA-256,MD5");
            flipped.user(D, "au-flip", PW);
        }

        @AfterAll
        void stop() throws Exception {
            flipped.close();
        }

        @Test
        void challengeListsSha256ThenMd5() throws Exception {
            try (SipTestClient c = new SipTestClient(Transport.UDP, flipped.sipPort())) {
                SipResponse r = c.request(c.register("au-flip", D, c.contact("au-flip")));
                assertStatus(401, r);
                assertChallenges(r, D, "SHA-256", "MD5");
                SipResponse ok = c.request(c.register("au-flip", D, c.contact("au-flip"),
                        SipTestClient.authorization(r, "au-flip", PW, "sip:" + D, "SHA-256", 1)));
                assertStatus(200, ok);
                assertEquals(1, bindings(flipped, "au-flip", D).size());
            }
        }
    }
}
