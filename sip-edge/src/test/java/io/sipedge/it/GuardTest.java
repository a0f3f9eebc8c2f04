package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import io.sipedge.it.SipTestClient.SipResponse;
import io.sipedge.it.SipTestClient.Transport;
import io.sipedge.testing.PrometheusText;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * The guard against a running edge, one rule family per test, each from its own loopback source
 * address (127.0.0.1 is on the allowlist, as for every test edge). The edge's clock stands still
 * unless a test moves it, so token buckets do not refill behind a test's back.
 */
@Timeout(120)
class GuardTest {
    private static final String DOMAIN = EdgeUnderTest.DOMAIN;
    private static final int BURST = 300;
    /** How long silence must last to count as a drop: the edge answers in well under a millisecond. */
    private static final int QUIET_MS = 1000;

    static EdgeUnderTest edge;
    static String admin;
    static final ListAppender<ILoggingEvent> SECURITY_LOG = new ListAppender<>();

    @BeforeAll
    static void start() throws Exception {
        edge = EdgeUnderTest.start("sip.ws-port=-1", "sip.wss-port=-1", "security.burst=" + BURST,
                "security.rate-per-second=1", "security.unknown-domain-answers-per-second=5");
        for (String user : List.of("alice", "bob", "carol", "dave")) {
            edge.user(DOMAIN, user, user + "-Secret-1");
        }
        admin = edge.api().adminToken();
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        SECURITY_LOG.setContext(ctx);
        SECURITY_LOG.start();
        ctx.getLogger("security").addAppender(SECURITY_LOG);
    }

    @AfterAll
    static void stop() throws Exception {
        ((Logger) LoggerFactory.getLogger("security")).detachAppender(SECURITY_LOG);
        if (edge != null) {
            edge.close();
        }
    }

    @Test
    void aGuesserIsStoppedWithinTwentyFailuresWhileAGoodPhoneFromTheSameAddressKeepsRegistering() throws Exception {
        String source = "127.0.0.2";
        try (SipTestClient phone = SipTestClient.from(source, Transport.UDP, edge.sipPort());
             SipTestClient guesser = SipTestClient.from(source, Transport.UDP, edge.sipPort())) {
            assertEquals(200, register(phone, "bob", "bob-Secret-1").status());
            int failures = 0;
            while (failures < 25) {
                SipResponse r = register(guesser, "alice", "guess-" + failures);
                if (r == null) {
                    break;
                }
                assertEquals(401, r.status(), r.raw());
                failures++;
            }
            assertTrue(failures <= 20, "answered " + failures + " wrong passwords");
            assertNull(register(guesser, "alice", "alice-Secret-1"), "banned: even the right password gets nothing");
            assertEquals(200, register(phone, "bob", "bob-Secret-1").status(), "the good phone keeps registering");

            JsonNode bans = edge.api().get("/v2/security/bans", admin).data();
            assertEquals(1, count(bans, source), bans.toString());
            JsonNode ban = find(bans, source);
            assertEquals("user", ban.get("scope").asText());
            assertEquals("alice@" + DOMAIN, ban.get("user").asText());
            assertTrue(securityLines().stream().anyMatch(l -> l.startsWith("event=ban ip=" + source
                    + " scope=user user=\"alice@" + DOMAIN + "\" reason=failures failures=20 until=")),
                    String.join("\n", securityLines()));
            assertTrue(securityLines().stream().anyMatch(l -> l.startsWith("event=auth-failure ip=" + source
                    + " port=" + guesser.localPort() + " transport=udp method=REGISTER user=\"alice@" + DOMAIN
                    + "\" reason=wrong_password")), String.join("\n", securityLines()));

            edge.clock().advance(Duration.ofSeconds(3601));
            assertEquals(200, register(guesser, "alice", "alice-Secret-1").status(), "the ban has ended");
        }
    }

    @Test
    void aSprayerIsBannedWholeAndTheAdminCanLiftIt() throws Exception {
        String source = "127.0.0.3";
        try (SipTestClient sprayer = SipTestClient.from(source, Transport.UDP, edge.sipPort())) {
            for (int i = 0; i < 11; i++) {
                SipResponse r = register(sprayer, "user" + i, "Password1");
                assertNotNull(r, "user " + i);
                assertEquals(401, r.status());
            }
            assertNull(register(sprayer, "carol", "carol-Secret-1"), "the whole address is banned");
        }
        try (SipTestClient tcp = SipTestClient.from(source, Transport.TCP, edge.sipPort())) {
            tcp.sendText(tcp.register("carol", DOMAIN, tcp.contact("carol")));
            assertTrue(tcp.closedByPeer(5000), "a banned address's connection is closed");
        }
        JsonNode ban = find(edge.api().get("/v2/security/bans", admin).data(), source);
        assertEquals("address", ban.get("scope").asText());
        assertEquals("users", ban.get("reason").asText());

        ApiClient.Reply lifted = edge.api().call("DELETE", "/v2/security/bans/" + source, admin, null);
        assertEquals(200, lifted.status(), lifted.body());
        assertEquals(1, lifted.data().get("lifted").asInt());
        assertEquals(404, edge.api().call("DELETE", "/v2/security/bans/" + source, admin, null).status());
        assertEquals(400, edge.api().call("DELETE", "/v2/security/bans/not-an-address", admin, null).status());
        assertEquals(401, edge.api().call("GET", "/v2/security/bans", null, null).status());
        try (SipTestClient again = SipTestClient.from(source, Transport.UDP, edge.sipPort())) {
            assertEquals(200, register(again, "carol", "carol-Secret-1").status(), "lifted");
        }
    }

    /** An office NAT: its phones authenticate, so a sprayer behind it is stopped per user, not by a ban of all. */
    @Test
    void anAddressUsersAuthenticateFromIsNotBannedWhole() throws Exception {
        String source = "127.0.0.4";
        try (SipTestClient phone = SipTestClient.from(source, Transport.UDP, edge.sipPort());
             SipTestClient sprayer = SipTestClient.from(source, Transport.UDP, edge.sipPort())) {
            assertEquals(200, register(phone, "dave", "dave-Secret-1").status());
            for (int i = 0; i < 15; i++) {
                assertEquals(401, register(sprayer, "office" + i, "Password1").status());
            }
            assertEquals(200, register(phone, "dave", "dave-Secret-1").status());
            assertEquals(0, count(edge.api().get("/v2/security/bans", admin).data(), source));
        }
    }

    @Test
    void theAllowlistIsNeitherBannedNorLimited() throws Exception {
        try (SipTestClient loadGenerator = new SipTestClient(Transport.UDP, edge.sipPort())) {
            for (int i = 0; i < 30; i++) {
                SipResponse r = register(loadGenerator, "carol", "guess-" + i);
                assertNotNull(r, "guess " + i);
                assertEquals(401, r.status());
            }
            assertEquals(200, register(loadGenerator, "carol", "carol-Secret-1").status());
        }
        assertEquals(0, count(edge.api().get("/v2/security/bans", admin).data(), "127.0.0.1"));
    }

    @Test
    void aFloodFromOneSourceIsCutAtItsBucketAndAnotherSourceIsServed() throws Exception {
        double before = edge.metrics().valueOrZero("sip_guard_dropped_total", "reason", "rate_limited");
        try (SipTestClient flood = SipTestClient.from("127.0.0.5", Transport.UDP, edge.sipPort());
             SipTestClient other = SipTestClient.from("127.0.0.6", Transport.UDP, edge.sipPort())) {
            int sent = BURST + 100;
            int answered = 0;
            for (int i = 0; i < sent; i++) {
                flood.sendText(options(flood));
                if (i % 25 == 24) {
                    // Read as it goes: 300 answers left waiting overflow the client's own socket buffer
                    // (about 250 datagrams), and what the kernel drops there is not the guard.
                    while (flood.receive(1) != null) {
                        answered++;
                    }
                }
            }
            while (flood.receive(QUIET_MS) != null) {
                answered++;
            }
            assertTrue(answered <= BURST && answered >= BURST - 20, "answered " + answered + " of " + sent);
            assertEquals(200, register(other, "bob", "bob-Secret-1").status());
            assertNull(quick(flood, options(flood)), "still over its rate");
        }
        double dropped = edge.metrics().value("sip_guard_dropped_total", "reason", "rate_limited") - before;
        assertTrue(dropped >= 100, "counted " + dropped);
    }

    @Test
    void aScannerIsDroppedUnanswered() throws Exception {
        try (SipTestClient scanner = SipTestClient.from("127.0.0.7", Transport.UDP, edge.sipPort())) {
            assertNull(quick(scanner, scanner.register("100", DOMAIN, null, "User-Agent: friendly-scanner")));
            assertEquals(401, quick(scanner, scanner.register("100", DOMAIN, null)).status());
        }
        assertTrue(edge.metrics().value("sip_guard_dropped_total", "reason", "scanner") >= 1);
        assertTrue(securityLines().stream().anyMatch(l -> l.startsWith("event=drop ip=127.0.0.7 ")
                && l.contains(" reason=scanner ua=\"friendly-scanner\"")), String.join("\n", securityLines()));
    }

    @Test
    void requestsForDomainsNotServedAreAnsweredAtABoundedRate() throws Exception {
        try (SipTestClient prober = SipTestClient.from("127.0.0.8", Transport.UDP, edge.sipPort())) {
            int answered = 0;
            for (int i = 0; i < 12; i++) {
                SipResponse r = quick(prober, prober.register("100", "not-served.example", null));
                if (r != null) {
                    assertEquals(403, r.status());
                    answered++;
                }
            }
            assertEquals(5, answered);
        }
    }

    /** 407s to wrong credentials count like 401s, and a banned user's INVITE gets not even a 100 Trying. */
    @Test
    void aGuesserThroughTheProxyIsStoppedToo() throws Exception {
        try (SipTestClient caller = SipTestClient.from("127.0.0.9", Transport.UDP, edge.sipPort())) {
            int failures = 0;
            while (failures < 25) {
                SipResponse challenge = quick(caller, message(caller, null));
                if (challenge == null) {
                    break;
                }
                assertEquals(407, challenge.status(), challenge.raw());
                Matcher nonce = Pattern.compile("nonce=\"([^\"]+)\"").matcher(challenge.first("Proxy-Authenticate"));
                assertTrue(nonce.find());
                SipResponse refused = quick(caller, message(caller, "Proxy-Authorization: Digest username=\"alice\", "
                        + "realm=\"" + DOMAIN + "\", nonce=\"" + nonce.group(1) + "\", uri=\"sip:bob@" + DOMAIN
                        + "\", response=\"00000000000000000000000000000000\", algorithm=MD5"));
                if (refused == null) {
                    break;
                }
                assertEquals(407, refused.status());
                failures++;
            }
            assertTrue(failures <= 20, "answered " + failures + " wrong passwords");
            String invite = message(caller, null).replace("MESSAGE sip:", "INVITE sip:")
                    .replace(" MESSAGE\n", " INVITE\n");
            assertNull(quick(caller, invite), "banned: no 100 Trying, no 407");
        }
    }

    /**
     * Little to reflect: a 401 carries what the request's own headers need echoed (Via with
     * received and rport, From, To with a tag, Call-ID, CSeq), one challenge and Content-Length,
     * nothing else; a phone's REGISTER gets back at most 1.3 times its size.
     */
    @Test
    void aChallengeCarriesNothingItNeedNot() throws Exception {
        try (SipTestClient phone = SipTestClient.from("127.0.0.13", Transport.UDP, edge.sipPort())) {
            String register = phone.register("bob", DOMAIN, phone.contact("bob"));
            SipResponse challenge = quick(phone, register);
            assertEquals(401, challenge.status());
            assertEquals(java.util.Set.of("via", "from", "to", "call-id", "cseq", "www-authenticate", "content-length"),
                    challenge.headers().keySet().stream().map(k -> k.toLowerCase(java.util.Locale.ROOT))
                            .collect(java.util.stream.Collectors.toSet()));
            assertEquals(1, challenge.all("WWW-Authenticate").size());
            int request = register.replace("\n", "\r\n").length();
            assertTrue(challenge.raw().length() <= request * 1.3, challenge.raw().length() + " bytes answered " + request);
        }
    }

    /**
     * The shipped fail2ban filter, run by fail2ban itself over lines this edge wrote (in the
     * shipped logback pattern): it takes whole-address bans and scanners, and leaves alone a ban of
     * one user from an address (an office NAT must not be firewalled for one guesser behind it).
     */
    @Test
    void theShippedFail2banFilterTakesAddressBansAndScannersOnly() throws Exception {
        try (SipTestClient sprayer = SipTestClient.from("127.0.0.10", Transport.UDP, edge.sipPort());
             SipTestClient scanner = SipTestClient.from("127.0.0.11", Transport.UDP, edge.sipPort());
             SipTestClient guesser = SipTestClient.from("127.0.0.12", Transport.UDP, edge.sipPort())) {
            for (int i = 0; i < 11; i++) {
                register(sprayer, "sprayed" + i, "Password1");
            }
            quick(scanner, scanner.register("100", DOMAIN, null, "User-Agent: sipvicious"));
            for (int i = 0; i < 20; i++) {
                register(guesser, "alice", "guess-" + i);
            }
        }
        String xml = Files.readString(Path.of("../config/logback.xml"));
        Matcher pattern = Pattern.compile("name=\"SECURITY\".*?<pattern>(.*?)</pattern>", Pattern.DOTALL).matcher(xml);
        assertTrue(pattern.find(), "the SECURITY appender's pattern in config/logback.xml");
        PatternLayout layout = new PatternLayout();
        layout.setContext((LoggerContext) LoggerFactory.getILoggerFactory());
        layout.setPattern(pattern.group(1));
        layout.start();
        Path log = Files.createTempFile("security", ".log");
        try {
            StringBuilder lines = new StringBuilder();
            for (ILoggingEvent e : List.copyOf(SECURITY_LOG.list)) {
                if (e.getFormattedMessage().matches("event=\\S+ ip=127\\.0\\.0\\.1[012] .*")) {
                    lines.append(layout.doLayout(e));
                }
            }
            Files.writeString(log, lines);
            Process p = new ProcessBuilder("fail2ban-regex", "-o", "ip", log.toString(),
                    Path.of("../config/fail2ban/filter.d/sip-edge.conf").toAbsolutePath().toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), out);
            assertEquals(java.util.Set.of("127.0.0.10", "127.0.0.11"),
                    java.util.Set.copyOf(out.lines().map(String::strip).filter(l -> !l.isEmpty()).toList()),
                    "fail2ban's matches over\n" + lines);
        } finally {
            Files.delete(log);
        }
    }

    /** REGISTER, 401, REGISTER with credentials: the final answer, or null when either leg met silence. */
    private static SipResponse register(SipTestClient c, String user, String password) throws Exception {
        c.newCallId();
        SipResponse challenge = quick(c, c.register(user, DOMAIN, c.contact(user)));
        if (challenge == null || challenge.status() != 401) {
            return challenge;
        }
        return quick(c, c.register(user, DOMAIN, c.contact(user),
                SipTestClient.authorization(challenge, user, password, "sip:" + DOMAIN, "MD5", 1)));
    }

    /** Sends and waits {@link #QUIET_MS} for the answer: null is a drop. */
    private static SipResponse quick(SipTestClient c, String text) throws Exception {
        c.sendText(text);
        return c.receive(QUIET_MS);
    }

    private static String options(SipTestClient c) {
        c.newCallId();
        return c.register("flood", DOMAIN, null).replaceFirst("^REGISTER ", "OPTIONS ")
                .replaceFirst("CSeq: (\\d+) REGISTER", "CSeq: $1 OPTIONS");
    }

    private static String message(SipTestClient c, String authorization) {
        c.newCallId();
        String text = c.register("alice", DOMAIN, null).replaceFirst("^REGISTER sip:" + DOMAIN, "MESSAGE sip:bob@" + DOMAIN)
                .replaceFirst("CSeq: (\\d+) REGISTER", "CSeq: $1 MESSAGE")
                .replace("To: <sip:alice@" + DOMAIN + ">", "To: <sip:bob@" + DOMAIN + ">");
        return authorization == null ? text : text.replace("Content-Length: 0", authorization + "\nContent-Length: 0");
    }

    private static List<String> securityLines() {
        List<String> out = new ArrayList<>();
        for (ILoggingEvent e : List.copyOf(SECURITY_LOG.list)) {
            out.add(e.getFormattedMessage());
        }
        return out;
    }

    private static int count(JsonNode bans, String ip) {
        int n = 0;
        for (JsonNode b : bans) {
            n += b.get("ip").asText().equals(ip) ? 1 : 0;
        }
        return n;
    }

    private static JsonNode find(JsonNode bans, String ip) {
        for (JsonNode b : bans) {
            if (b.get("ip").asText().equals(ip)) {
                return b;
            }
        }
        throw new AssertionError("no ban of " + ip + " in " + bans);
    }
}
