package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.it.SipTestClient.SipResponse;
import io.sipedge.it.SipTestClient.Transport;
import io.sipedge.location.BindingListener;
import io.sipedge.model.Aor;
import io.sipedge.model.Binding;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * RFC 3261 §10.3 binding rules of the registrar, end to end over UDP against a default-configured
 * edge: what a 200 lists and what the store keeps, expiry resolution, Call-ID/CSeq ordering, RFC 5626
 * instance matching, {@code Contact: *}, queries, reaping, rport, and the non-REGISTER method table.
 * Every test uses its own user, so tests share the edge (and its clock) without seeing each other's
 * bindings. The static helpers are shared with the other registrar test classes of this package.
 */
class RegistrarRulesTest {
    static final String D = EdgeUnderTest.DOMAIN;
    static final String PW = "secret-pass1";

    /** These tests need neither TLS nor the HTTP sidecar; leaving them off saves a certificate per edge. */
    static final String NO_TLS = "sip.tls-port=-1";
    static final String NO_HTTP = "http.port=-1";

    static EdgeUnderTest edge;

    @BeforeAll
    static void start() throws Exception {
        edge = EdgeUnderTest.start(NO_TLS, NO_HTTP);
    }

    @AfterAll
    static void stop() throws Exception {
        edge.close();
    }

    // ------------------------------------------------------------------ 200 contents, stored binding

    @Test
    void okListsEveryBindingWithExpiresDateAndToTagAndStoresWhatTheEdgeSaw() throws Exception {
        edge.user(D, "rr-ok", PW);
        try (SipTestClient c = udp()) {
            SipResponse first = c.registerWithAuth("rr-ok", D, PW, "<sip:rr-ok@127.0.0.1:40100>", "MD5");
            assertStatus(200, first);
            Instant now = edge.clock().instant();
            SipResponse r = c.registerWithAuth("rr-ok", D, PW, c.contact("rr-ok"), "MD5");
            assertStatus(200, r);

            List<String> listed = contactValues(r);
            assertEquals(2, listed.size(), r.raw());
            assertEquals(List.of("sip:rr-ok@127.0.0.1:40100", uriOf(c.contact("rr-ok"))).stream().sorted().toList(),
                    listed.stream().map(RegistrarRulesTest::uriOf).sorted().toList(), r.raw());
            for (String v : listed) {
                assertEquals(3600L, expiresOf(v), "default expiry in the 200: " + v);
            }
            String date = r.first("Date");
            assertNotNull(date, "200 without Date:\n" + r.raw());
            assertEquals(now, ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant(),
                    "Date is the time the request was handled");
            String to = r.first("To");
            assertTrue(to != null && Pattern.compile(";\\s*tag=[^;\\s]+").matcher(to).find(), "To without tag: " + to);

            Binding b = only(bindings("rr-ok"), uriOf(c.contact("rr-ok")));
            assertEquals(uriOf(c.contact("rr-ok")), b.contact());
            assertEquals("127.0.0.1", b.sourceIp());
            assertEquals(c.localPort(), b.sourcePort());
            assertEquals("UDP", b.transport().name());
            assertEquals(c.callId(), b.callId());
            assertEquals(c.cseq(), b.cseq());
            assertEquals("sip-edge-test/1.0", b.userAgent());
            assertEquals(now, b.registeredAt());
            assertEquals(now.plusSeconds(3600), b.expiresAt());
        }
    }

    // ------------------------------------------------------------------ refused before anything is stored

    @Test
    void requestUriDomainNotServedGets403() throws Exception {
        try (SipTestClient c = udp()) {
            SipResponse r = c.request(c.register("rr-nodomain", "unknown.example", c.contact("rr-nodomain")));
            assertStatus(403, r);
            assertEquals("Domain not served here", r.reason());
            assertTrue(r.all("WWW-Authenticate").isEmpty(), "no challenge for a foreign domain:\n" + r.raw());
            assertTrue(edge.locations().lookup(new Aor("rr-nodomain", "unknown.example"), edge.clock().instant())
                    .isEmpty());
        }
    }

    @Test
    void credentialsOfAnotherUserGet403AndStoreNothing() throws Exception {
        edge.user(D, "rr-owner", PW);
        edge.user(D, "rr-victim", "victim-pass1");
        try (SipTestClient c = udp()) {
            SipResponse ch = c.request(c.register("rr-victim", D, c.contact("rr-victim")));
            assertStatus(401, ch);
            SipResponse r = c.request(c.register("rr-victim", D, c.contact("rr-victim"),
                    SipTestClient.authorization(ch, "rr-owner", PW, "sip:" + D, "MD5", 1)));
            assertStatus(403, r);
            assertEquals("Credentials do not match the To user", r.reason());
            assertTrue(bindings("rr-victim").isEmpty(), "binding stored for the To user");
            assertTrue(bindings("rr-owner").isEmpty(), "binding stored for the credentials' owner");
        }
    }

    // ------------------------------------------------------------------ expiry resolution

    @Test
    void contactExpiresParameterWinsOverExpiresHeader() throws Exception {
        edge.user(D, "rr-exp-param", PW);
        try (SipTestClient c = udp()) {
            Instant now = edge.clock().instant();
            SipResponse r = c.registerWithAuth("rr-exp-param", D, PW, c.contact("rr-exp-param") + ";expires=600",
                    "MD5", "Expires: 1200");
            assertStatus(200, r);
            assertEquals(600L, expiresOf(single(contactValues(r), r)));
            assertEquals(now.plusSeconds(600), single(bindings("rr-exp-param")).expiresAt());
        }
    }

    @Test
    void expiresHeaderAppliesWhenContactHasNoParameter() throws Exception {
        edge.user(D, "rr-exp-header", PW);
        try (SipTestClient c = udp()) {
            Instant now = edge.clock().instant();
            SipResponse r = c.registerWithAuth("rr-exp-header", D, PW, c.contact("rr-exp-header"), "MD5",
                    "Expires: 1200");
            assertStatus(200, r);
            assertEquals(1200L, expiresOf(single(contactValues(r), r)));
            assertEquals(now.plusSeconds(1200), single(bindings("rr-exp-header")).expiresAt());
        }
    }

    @Test
    void defaultExpiryIs3600WhenNeitherIsGiven() throws Exception {
        edge.user(D, "rr-exp-default", PW);
        try (SipTestClient c = udp()) {
            Instant now = edge.clock().instant();
            SipResponse r = c.registerWithAuth("rr-exp-default", D, PW, c.contact("rr-exp-default"), "MD5");
            assertStatus(200, r);
            assertEquals(3600L, expiresOf(single(contactValues(r), r)));
            assertEquals(now.plusSeconds(3600), single(bindings("rr-exp-default")).expiresAt());
        }
    }

    @Test
    void expiryAboveMaximumIsCappedAt3600() throws Exception {
        edge.user(D, "rr-exp-cap", PW);
        try (SipTestClient c = udp()) {
            Instant now = edge.clock().instant();
            SipResponse r = c.registerWithAuth("rr-exp-cap", D, PW, c.contact("rr-exp-cap") + ";expires=7200", "MD5");
            assertStatus(200, r);
            assertEquals(3600L, expiresOf(single(contactValues(r), r)));
            assertEquals(now.plusSeconds(3600), single(bindings("rr-exp-cap")).expiresAt());
        }
    }

    @Test
    void expiryBelowMinimumGets423WithMinExpiresAndStoresNothing() throws Exception {
        edge.user(D, "rr-exp-brief", PW);
        try (SipTestClient c = udp()) {
            SipResponse r = c.registerWithAuth("rr-exp-brief", D, PW, c.contact("rr-exp-brief") + ";expires=30", "MD5");
            assertStatus(423, r);
            assertEquals("Interval Too Brief", r.reason());
            assertEquals("60", r.first("Min-Expires"), r.raw());
            assertTrue(bindings("rr-exp-brief").isEmpty());
        }
    }

    @Test
    void expiresZeroRemovesOnlyThatContact() throws Exception {
        edge.user(D, "rr-exp-zero", PW);
        try (SipTestClient c = udp()) {
            assertStatus(200, c.registerWithAuth("rr-exp-zero", D, PW, "<sip:rr-exp-zero@127.0.0.1:40201>", "MD5"));
            assertStatus(200, c.registerWithAuth("rr-exp-zero", D, PW, "<sip:rr-exp-zero@127.0.0.1:40202>", "MD5"));
            assertEquals(2, bindings("rr-exp-zero").size());

            SipResponse r = c.registerWithAuth("rr-exp-zero", D, PW, "<sip:rr-exp-zero@127.0.0.1:40201>;expires=0",
                    "MD5");
            assertStatus(200, r);
            assertEquals(List.of("sip:rr-exp-zero@127.0.0.1:40202"),
                    contactValues(r).stream().map(RegistrarRulesTest::uriOf).toList(), r.raw());
            assertEquals(List.of("sip:rr-exp-zero@127.0.0.1:40202"),
                    bindings("rr-exp-zero").stream().map(Binding::contact).toList());
        }
    }

    // ------------------------------------------------------------------ Call-ID / CSeq ordering

    @Test
    void sameCallIdWithLowerCseqGets400AndLeavesTheBindingAlone() throws Exception {
        edge.user(D, "rr-cseq", PW);
        try (SipTestClient c = udp()) {
            c.setCseq(10);
            assertStatus(200, c.registerWithAuth("rr-cseq", D, PW, c.contact("rr-cseq"), "MD5")); // CSeq 11, 12
            Binding before = single(bindings("rr-cseq"));
            assertEquals(12, before.cseq());

            edge.clock().advance(Duration.ofSeconds(5));
            c.setCseq(4); // fresh challenge at CSeq 5, authenticated retry at CSeq 6 < 12
            SipResponse r = c.registerWithAuth("rr-cseq", D, PW, c.contact("rr-cseq"), "MD5", "Expires: 600");
            assertEquals(6, c.cseq());
            assertStatus(400, r);
            assertEquals("Out of order CSeq", r.reason());
            assertEquals(List.of(before), bindings("rr-cseq"), "binding changed by an out-of-order REGISTER");
        }
    }

    @Test
    void sameCallIdWithEqualCseqGets400() throws Exception {
        edge.user(D, "rr-cseq-eq", PW);
        try (SipTestClient c = udp()) {
            assertStatus(200, c.registerWithAuth("rr-cseq-eq", D, PW, c.contact("rr-cseq-eq"), "MD5")); // CSeq 1, 2
            Binding before = single(bindings("rr-cseq-eq"));
            // The authenticated request must carry CSeq 2 again, in a new transaction (new branch).
            SipResponse ch = c.request(c.register("rr-cseq-eq", D, c.contact("rr-cseq-eq")));
            assertStatus(401, ch);
            c.setCseq(1);
            SipResponse r = c.request(c.register("rr-cseq-eq", D, c.contact("rr-cseq-eq"),
                    SipTestClient.authorization(ch, "rr-cseq-eq", PW, "sip:" + D, "MD5", 1)));
            assertStatus(400, r);
            assertEquals("Out of order CSeq", r.reason());
            assertEquals(List.of(before), bindings("rr-cseq-eq"));
        }
    }

    @Test
    void newCallIdForTheSameContactReplacesTheBinding() throws Exception {
        edge.user(D, "rr-callid", PW);
        try (SipTestClient c = udp()) {
            c.setCseq(50);
            assertStatus(200, c.registerWithAuth("rr-callid", D, PW, c.contact("rr-callid"), "MD5"));
            String oldCallId = c.callId();
            edge.clock().advance(Duration.ofSeconds(7));
            c.newCallId();
            c.setCseq(0); // a new Call-ID starts its own CSeq space: 1 is fine
            SipResponse r = c.registerWithAuth("rr-callid", D, PW, c.contact("rr-callid"), "MD5");
            assertStatus(200, r);
            assertEquals(1, contactValues(r).size(), r.raw());
            Binding b = single(bindings("rr-callid"));
            assertNotEquals(oldCallId, b.callId());
            assertEquals(c.callId(), b.callId());
            assertEquals(2, b.cseq());
            assertEquals(edge.clock().instant(), b.registeredAt());
        }
    }

    // ------------------------------------------------------------------ RFC 5626 instance matching

    @Test
    void sameInstanceAndRegIdReplacesTheBindingEvenWithANewContactUri() throws Exception {
        edge.user(D, "rr-outbound", PW);
        String instance = "urn:uuid:00000000-0000-1000-8000-00a0c91e6bf6";
        String params = ";+sip.instance=\"<" + instance + ">\";reg-id=1";
        try (SipTestClient c = udp()) {
            assertStatus(200, c.registerWithAuth("rr-outbound", D, PW, "<sip:rr-outbound@127.0.0.1:40301>" + params,
                    "MD5"));
            SipResponse r = c.registerWithAuth("rr-outbound", D, PW, "<sip:rr-outbound@127.0.0.1:40302>" + params,
                    "MD5");
            assertStatus(200, r);
            assertEquals(List.of("sip:rr-outbound@127.0.0.1:40302"),
                    contactValues(r).stream().map(RegistrarRulesTest::uriOf).toList(), r.raw());
            Binding b = single(bindings("rr-outbound"));
            assertEquals("sip:rr-outbound@127.0.0.1:40302", b.contact());
            assertEquals(instance, b.instanceId());
            assertEquals(1, b.regId());
        }
    }

    @Test
    void sameInstanceWithAnotherRegIdKeepsBothBindings() throws Exception {
        edge.user(D, "rr-outbound2", PW);
        String instance = "urn:uuid:11111111-0000-1000-8000-00a0c91e6bf6";
        try (SipTestClient c = udp()) {
            assertStatus(200, c.registerWithAuth("rr-outbound2", D, PW, "<sip:rr-outbound2@127.0.0.1:40311>"
                    + ";+sip.instance=\"<" + instance + ">\";reg-id=1", "MD5"));
            SipResponse r = c.registerWithAuth("rr-outbound2", D, PW, "<sip:rr-outbound2@127.0.0.1:40312>"
                    + ";+sip.instance=\"<" + instance + ">\";reg-id=2", "MD5");
            assertStatus(200, r);
            assertEquals(2, contactValues(r).size(), r.raw());
            List<Binding> all = bindings("rr-outbound2");
            assertEquals(List.of(1, 2), all.stream().map(Binding::regId).sorted().toList());
            assertTrue(all.stream().allMatch(b -> instance.equals(b.instanceId())));
        }
    }

    // ------------------------------------------------------------------ Contact: * and queries

    @Test
    void starWithExpiresZeroRemovesEveryBinding() throws Exception {
        edge.user(D, "rr-star", PW);
        try (SipTestClient c = udp()) {
            assertStatus(200, c.registerWithAuth("rr-star", D, PW, "<sip:rr-star@127.0.0.1:40401>", "MD5"));
            assertStatus(200, c.registerWithAuth("rr-star", D, PW, "<sip:rr-star@127.0.0.1:40402>", "MD5"));
            assertEquals(2, bindings("rr-star").size());

            SipResponse r = c.registerWithAuth("rr-star", D, PW, "*", "MD5", "Expires: 0");
            assertStatus(200, r);
            assertTrue(r.all("Contact").isEmpty(), "200 after Contact: * lists contacts:\n" + r.raw());
            assertTrue(bindings("rr-star").isEmpty());
        }
    }

    @Test
    void starWithNonZeroExpiresGets400() throws Exception {
        edge.user(D, "rr-star-3600", PW);
        try (SipTestClient c = udp()) {
            assertStatus(200, c.registerWithAuth("rr-star-3600", D, PW, c.contact("rr-star-3600"), "MD5"));
            List<Binding> before = bindings("rr-star-3600");
            SipResponse r = c.registerWithAuth("rr-star-3600", D, PW, "*", "MD5", "Expires: 3600");
            assertStatus(400, r);
            assertEquals("Invalid Contact: * needs Expires: 0", r.reason());
            assertEquals(before, bindings("rr-star-3600"));
        }
    }

    @Test
    void starWithoutExpiresGets400() throws Exception {
        edge.user(D, "rr-star-noexp", PW);
        try (SipTestClient c = udp()) {
            assertStatus(200, c.registerWithAuth("rr-star-noexp", D, PW, c.contact("rr-star-noexp"), "MD5"));
            List<Binding> before = bindings("rr-star-noexp");
            SipResponse r = c.registerWithAuth("rr-star-noexp", D, PW, "*", "MD5");
            assertStatus(400, r);
            assertEquals(before, bindings("rr-star-noexp"));
        }
    }

    @Test
    void starTogetherWithAnotherContactGets400() throws Exception {
        edge.user(D, "rr-star-mix", PW);
        try (SipTestClient c = udp()) {
            assertStatus(200, c.registerWithAuth("rr-star-mix", D, PW, c.contact("rr-star-mix"), "MD5"));
            List<Binding> before = bindings("rr-star-mix");
            SipResponse r = c.registerWithAuth("rr-star-mix", D, PW, "*", "MD5",
                    "Contact: <sip:rr-star-mix@127.0.0.1:40411>", "Expires: 0");
            assertStatus(400, r);
            assertEquals(before, bindings("rr-star-mix"), "bindings changed by a refused Contact: *");
        }
    }

    @Test
    void registerWithoutContactListsTheBindingsAndChangesNothing() throws Exception {
        edge.user(D, "rr-query", PW);
        try (SipTestClient c = udp()) {
            assertStatus(200, c.registerWithAuth("rr-query", D, PW, "<sip:rr-query@127.0.0.1:40501>", "MD5"));
            assertStatus(200, c.registerWithAuth("rr-query", D, PW, "<sip:rr-query@127.0.0.1:40502>;expires=1800",
                    "MD5"));
            List<Binding> before = bindings("rr-query");
            edge.clock().advance(Duration.ofSeconds(100));

            SipResponse r = c.registerWithAuth("rr-query", D, PW, null, "MD5");
            assertStatus(200, r);
            List<String> listed = contactValues(r);
            assertEquals(2, listed.size(), r.raw());
            for (String v : listed) {
                long expected = uriOf(v).endsWith(":40501") ? 3500 : 1700;
                assertEquals(expected, expiresOf(v), "remaining seconds of " + v);
            }
            assertEquals(before, bindings("rr-query"), "a query changed the bindings");
        }
    }

    // ------------------------------------------------------------------ expiry over time

    @Test
    void bindingExpiresAndTheReaperTellsListeners() throws Exception {
        edge.user(D, "rr-reap", PW);
        Aor aor = new Aor("rr-reap", D);
        List<Binding> expired = new CopyOnWriteArrayList<>();
        List<Binding> otherRemovals = new CopyOnWriteArrayList<>();
        edge.locations().addListener(new BindingListener() {
            @Override
            public void removed(Aor a, Binding binding, Removal why) {
                if (a.equals(aor)) {
                    (why == Removal.EXPIRED ? expired : otherRemovals).add(binding);
                }
            }
        });
        try (SipTestClient c = udp()) {
            Instant t0 = edge.clock().instant();
            SipResponse r = c.registerWithAuth("rr-reap", D, PW, c.contact("rr-reap") + ";expires=120", "MD5");
            assertStatus(200, r);
            assertEquals(120L, expiresOf(single(contactValues(r), r)));
            Binding b = single(bindings("rr-reap"));
            assertEquals(t0.plusSeconds(120), b.expiresAt());

            // The edge's own reaper runs every few seconds on the shared clock; keep the clock one second
            // short of the expiry so it cannot get there first, and ask about t0+121 explicitly.
            edge.clock().advance(Duration.ofSeconds(119));
            assertEquals(List.of(b), edge.locations().lookup(aor, edge.clock().instant()), "expired too early");
            Instant later = t0.plusSeconds(121);
            assertTrue(edge.locations().lookup(aor, later).isEmpty(), "still live 121 s after expires=120");
            int reaped = edge.locations().reapExpired(later);
            assertTrue(reaped >= 1, "reapExpired returned " + reaped);
            assertEquals(List.of(b), expired, "listener not told removed(..., EXPIRED)");
            assertTrue(otherRemovals.isEmpty(), "unexpected removals: " + otherRemovals);
            edge.clock().advance(Duration.ofSeconds(2));
            assertTrue(bindings("rr-reap").isEmpty());
        }
    }

    // ------------------------------------------------------------------ NAT

    @Test
    void okViaCarriesRportAndReceived() throws Exception {
        edge.user(D, "rr-rport", PW);
        try (SipTestClient c = udp()) {
            SipResponse r = c.registerWithAuth("rr-rport", D, PW, c.contact("rr-rport"), "MD5");
            assertStatus(200, r); // arriving on the client's socket shows the response was routed back
            Map<String, String> via = viaParams(r.first("Via"));
            assertEquals(Integer.toString(c.localPort()), via.get("rport"), r.first("Via"));
            assertEquals("127.0.0.1", via.get("received"), r.first("Via"));
        }
    }

    // ------------------------------------------------------------------ other methods

    @Test
    void optionsToTheEdgeIsAnswered200WithoutChallenge() throws Exception {
        try (SipTestClient c = udp()) {
            SipResponse r = finalResponse(c, plainRequest(c, "OPTIONS", "sip:" + D, "<sip:" + D + ">", null));
            assertStatus(200, r);
            assertTrue(r.all("WWW-Authenticate").isEmpty(), r.raw());
            assertTrue(allowed(r).contains("REGISTER"), "Allow: " + r.all("Allow"));
        }
    }

    @Test
    void aMethodTheEdgeDoesNotRouteGets405WithAllow() throws Exception {
        try (SipTestClient c = udp()) {
            SipResponse r = finalResponse(c, plainRequest(c, "PING", "sip:alice@" + D, "<sip:alice@" + D + ">",
                    "<sip:caller@127.0.0.1:" + c.localPort() + ">"));
            assertStatus(405, r);
            assertTrue(allowed(r).containsAll(List.of("REGISTER", "INVITE", "ACK", "CANCEL", "BYE", "MESSAGE")),
                    "Allow: " + r.all("Allow"));
            assertFalse(allowed(r).contains("PING"), "Allow lists PING: " + r.all("Allow"));
        }
    }

    // ================================================================== helpers (shared by the package)

    static SipTestClient udp() throws Exception {
        return new SipTestClient(Transport.UDP, edge.sipPort());
    }

    static List<Binding> bindings(String user) {
        return bindings(edge, user, D);
    }

    static List<Binding> bindings(EdgeUnderTest e, String user, String domain) {
        return e.locations().lookup(new Aor(user, domain), e.clock().instant());
    }

    static void assertStatus(int expected, SipResponse r) {
        assertNotNull(r, "no response");
        assertEquals(expected, r.status(), r.raw());
    }

    static <T> T single(List<T> list) {
        assertEquals(1, list.size(), "expected exactly one: " + list);
        return list.get(0);
    }

    static <T> T single(List<T> list, SipResponse r) {
        assertEquals(1, list.size(), r.raw());
        return list.get(0);
    }

    static Binding only(List<Binding> all, String contact) {
        return single(all.stream().filter(b -> b.contact().equals(contact)).toList());
    }

    /** Every Contact value of a response, however the edge spread them over header lines. */
    static List<String> contactValues(SipResponse r) {
        List<String> out = new ArrayList<>();
        List<String> lines = new ArrayList<>(r.all("Contact"));
        lines.addAll(r.all("m"));
        for (String line : lines) {
            int angle = 0;
            boolean quoted = false;
            int start = 0;
            for (int i = 0; i < line.length(); i++) {
                char ch = line.charAt(i);
                if (ch == '"') {
                    quoted = !quoted;
                } else if (!quoted && ch == '<') {
                    angle++;
                } else if (!quoted && ch == '>') {
                    angle--;
                } else if (!quoted && angle == 0 && ch == ',') {
                    out.add(line.substring(start, i).strip());
                    start = i + 1;
                }
            }
            out.add(line.substring(start).strip());
        }
        return out;
    }

    /** The URI of a Contact value, without angle brackets and header parameters. */
    static String uriOf(String contactValue) {
        int lt = contactValue.indexOf('<');
        if (lt >= 0) {
            return contactValue.substring(lt + 1, contactValue.indexOf('>', lt));
        }
        int semi = contactValue.indexOf(';');
        return semi >= 0 ? contactValue.substring(0, semi) : contactValue;
    }

    /** The {@code expires} header parameter of a Contact value; fails when absent. */
    static long expiresOf(String contactValue) {
        int gt = contactValue.lastIndexOf('>');
        Matcher m = Pattern.compile(";\\s*expires\\s*=\\s*(\\d+)", Pattern.CASE_INSENSITIVE)
                .matcher(contactValue.substring(Math.max(0, gt)));
        assertTrue(m.find(), "no expires= in Contact " + contactValue);
        return Long.parseLong(m.group(1));
    }

    static Map<String, String> viaParams(String via) {
        assertNotNull(via, "no Via");
        Map<String, String> out = new java.util.LinkedHashMap<>();
        String[] parts = via.split(",")[0].split(";");
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].strip();
            int eq = p.indexOf('=');
            out.put((eq < 0 ? p : p.substring(0, eq)).strip().toLowerCase(Locale.ROOT),
                    eq < 0 ? "" : p.substring(eq + 1).strip());
        }
        return out;
    }

    static List<String> allowed(SipResponse r) {
        List<String> out = new ArrayList<>();
        for (String line : r.all("Allow")) {
            for (String m : line.split(",")) {
                out.add(m.strip().toUpperCase(Locale.ROOT));
            }
        }
        return out;
    }

    /** Sends a non-REGISTER request from this client (own Call-ID, fresh branch). */
    static String plainRequest(SipTestClient c, String method, String ruri, String to, String contact)
            throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append(method).append(' ').append(ruri).append(" SIP/2.0\n");
        sb.append("Via: SIP/2.0/UDP 127.0.0.1:").append(c.localPort()).append(";branch=z9hG4bK")
                .append(SipTestClient.randomHex(8)).append(";rport\n");
        sb.append("Max-Forwards: 70\n");
        sb.append("From: <sip:probe@").append(D).append(">;tag=").append(SipTestClient.randomHex(4)).append('\n');
        sb.append("To: ").append(to).append('\n');
        sb.append("Call-ID: ").append(SipTestClient.randomHex(8)).append("@test\n");
        sb.append("CSeq: 1 ").append(method).append('\n');
        if (contact != null) {
            sb.append("Contact: ").append(contact).append('\n');
        }
        sb.append("Content-Length: 0\n\n");
        c.sendText(sb.toString());
        return method;
    }

    /** The first final (non-1xx) response, skipping provisional ones. */
    static SipResponse finalResponse(SipTestClient c, String method) throws IOException {
        while (true) {
            SipResponse r = c.receive(3000);
            assertNotNull(r, "no final response to " + method);
            if (r.status() >= 200) {
                return r;
            }
        }
    }

    static void assertNoStale(SipResponse r) {
        for (String h : r.all("WWW-Authenticate")) {
            assertNull(SipResponse.params(h.replaceFirst("(?i)^Digest\\s+", "")).get("stale"), h);
        }
    }
}
