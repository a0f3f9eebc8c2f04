package io.sipedge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.it.SipTestClient.SipResponse;
import io.sipedge.it.SipTestClient.Transport;
import io.sipedge.model.Device;
import io.sipedge.model.Tenant;
import io.sipedge.testing.PrometheusText;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * GET /metrics on a running edge: real phones register (accepted, wrong password, unknown user,
 * unserved domain) over UDP, TCP and TLS, then the scrape shows exactly those outcomes, the
 * bindings by transport, the histogram, the HTTP requests by route template, the JVM and process
 * families, and nothing that names a user, address or credential.
 */
@Timeout(120)
class MetricsApiTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String REGISTERS = "sip_register_requests_total";
    private static final String HISTOGRAM_COUNT = "sip_register_duration_seconds_count";

    static EdgeUnderTest edge;

    @BeforeAll
    static void start() throws Exception {
        edge = EdgeUnderTest.start(EdgeUnderTest.BOTH_DIGESTS);
    }

    @AfterAll
    static void stop() throws Exception {
        edge.close();
    }

    private static HttpResponse<String> getMetrics() throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.httpPort() + "/metrics"))
                .timeout(Duration.ofSeconds(15)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static PrometheusText scrape() throws Exception {
        HttpResponse<String> r = getMetrics();
        assertEquals(200, r.statusCode(), r.body());
        return PrometheusText.parse(r.body());
    }

    /**
     * A scrape once {@code registers} more REGISTERs than in {@code before} have been reported. The
     * edge reports a REGISTER just after handing its answer to the transport, so a phone can hold
     * the answer a moment before the counters move; the histogram's count moves last.
     */
    private static PrometheusText scrapeAfter(PrometheusText before, int registers) throws Exception {
        double want = before.value(HISTOGRAM_COUNT) + registers;
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        PrometheusText now = scrape();
        while (now.value(HISTOGRAM_COUNT) < want && System.nanoTime() < deadline) {
            Thread.sleep(20);
            now = scrape();
        }
        return now;
    }

    private static double delta(PrometheusText before, PrometheusText after, String name, String... labels) {
        return after.valueOrZero(name, labels) - before.valueOrZero(name, labels);
    }

    private static double outcome(PrometheusText before, PrometheusText after, String result, String reason) {
        return delta(before, after, REGISTERS, "result", result, "reason", reason);
    }

    @Test
    void registrationsShowAsExactOutcomesBindingsByTransportAndAHistogramWithoutNamingAnyone() throws Exception {
        Device alice = edge.user(EdgeUnderTest.DOMAIN, "alice7731", "alice-secret-7741");
        Device bob = edge.user(EdgeUnderTest.DOMAIN, "bob7732", "bob-secret-7742");
        Device carol = edge.user(EdgeUnderTest.DOMAIN, "carol7733", "carol-secret-7743");
        Tenant tenant = edge.tenant(EdgeUnderTest.DOMAIN, false);
        List<String> callIds = new ArrayList<>();
        PrometheusText before = scrape();

        try (SipTestClient udp = new SipTestClient(Transport.UDP, edge.sipPort());
             SipTestClient tcp = new SipTestClient(Transport.TCP, edge.sipPort());
             SipTestClient tls = new SipTestClient(Transport.TLS, edge.sipTlsPort())) {
            // Three phones register: each a 401 (no credentials yet) then a 200.
            assertEquals(200, register(udp, "alice7731", EdgeUnderTest.DOMAIN, "alice-secret-7741", callIds));
            assertEquals(200, register(tcp, "bob7732", EdgeUnderTest.DOMAIN, "bob-secret-7742", callIds));
            assertEquals(200, register(tls, "carol7733", EdgeUnderTest.DOMAIN, "carol-secret-7743", callIds));
            // A wrong password twice, an unknown user once: each a first 401, then a refusal (also a 401).
            assertEquals(401, register(udp, "alice7731", EdgeUnderTest.DOMAIN, "wrong-pw-7744", callIds));
            assertEquals(401, register(tcp, "bob7732", EdgeUnderTest.DOMAIN, "wrong-pw-7745", callIds));
            assertEquals(401, register(udp, "mallory7734", EdgeUnderTest.DOMAIN, "mallory-pw-7746", callIds));
            // A domain nobody serves: 403 before any challenge.
            udp.newCallId();
            callIds.add(udp.callId());
            SipResponse unserved = udp.request(udp.register("alice7731", "nowhere7735.example",
                    udp.contact("alice7731")));
            assertEquals(403, unserved.status(), unserved.raw());

            PrometheusText after = scrapeAfter(before, 13);
            String where = after.text();
            assertEquals(3, outcome(before, after, "accepted", "none"), where);
            assertEquals(6, outcome(before, after, "challenged", "no_credentials"), where);
            assertEquals(2, outcome(before, after, "rejected", "wrong_password"), where);
            assertEquals(1, outcome(before, after, "rejected", "no_such_user"), where);
            assertEquals(1, outcome(before, after, "rejected", "domain_not_served"), where);
            assertEquals(0, outcome(before, after, "challenged", "stale_nonce"), where);
            assertEquals(0, outcome(before, after, "error", "internal_error"), where);
            double all = after.all(REGISTERS).stream().mapToDouble(PrometheusText.Sample::value).sum()
                    - before.all(REGISTERS).stream().mapToDouble(PrometheusText.Sample::value).sum();
            assertEquals(13, all, "nothing else was counted:\n" + where);

            assertEquals(2, delta(before, after, "sip_auth_failures_total", "reason", "wrong_password"));
            assertEquals(1, delta(before, after, "sip_auth_failures_total", "reason", "no_such_user"));
            assertEquals(0, delta(before, after, "sip_auth_failures_total", "reason", "device_disabled"));

            assertEquals(13, delta(before, after, HISTOGRAM_COUNT), "one observation per REGISTER");
            assertEquals(13, delta(before, after, "sip_register_duration_seconds_bucket", "le", "+Inf"));
            assertTrue(delta(before, after, "sip_register_duration_seconds_sum") > 0);
            assertEquals("histogram", after.types().get("sip_register_duration_seconds"));

            assertEquals(1, delta(before, after, "sip_bindings", "transport", "udp"), where);
            assertEquals(1, delta(before, after, "sip_bindings", "transport", "tcp"), where);
            assertEquals(1, delta(before, after, "sip_bindings", "transport", "tls"), where);
            assertEquals(3, delta(before, after, "sip_registered_aors"), where);

            // Unregistering alice (Expires: 0) takes her binding out of the UDP count.
            udp.newCallId();
            assertEquals(200, udp.registerWithAuth("alice7731", EdgeUnderTest.DOMAIN, "alice-secret-7741",
                    udp.contact("alice7731"), "SHA-256", "Expires: 0").status());
            PrometheusText gone = scrapeAfter(after, 2);
            assertEquals(0, delta(before, gone, "sip_bindings", "transport", "udp"), gone.text());
            assertEquals(1, delta(before, gone, "sip_bindings_removed_total", "reason", "unregistered"), gone.text());
            assertEquals(2, delta(before, gone, "sip_registered_aors"), gone.text());
            assertEquals(edge.locations().bindingCount(), gone.value("sip_bindings", "transport", "udp")
                    + gone.value("sip_bindings", "transport", "tcp") + gone.value("sip_bindings", "transport", "tls"));

            for (String secret : List.of("alice7731", "bob7732", "carol7733", "mallory7734", "nowhere7735",
                    "alice-secret-7741", "bob-secret-7742", "carol-secret-7743", "wrong-pw-7744", "mallory-pw-7746",
                    EdgeUnderTest.DOMAIN, "127.0.0.1", alice.id(), bob.id(), carol.id(), tenant.id(),
                    EdgeUnderTest.ADMIN_KEY)) {
                assertFalse(gone.text().contains(secret), "the scrape must not contain " + secret);
            }
            for (String callId : callIds) {
                assertFalse(gone.text().contains(callId), "the scrape must not contain a Call-ID");
            }
        }
    }

    /** REGISTER with digest (SHA-256, offered here): the final status. A new Call-ID each time. */
    private static int register(SipTestClient phone, String user, String domain, String password,
                                List<String> callIds) throws Exception {
        phone.newCallId();
        callIds.add(phone.callId());
        SipResponse r = phone.registerWithAuth(user, domain, password, phone.contact(user), "SHA-256",
                "Expires: 600");
        return r.status();
    }

    @Test
    void httpRequestsAreCountedByRouteTemplateAndStatusWithoutTokensOrIds() throws Exception {
        ApiClient api = edge.api();
        String admin = api.adminToken();
        Tenant tenant = edge.tenant(EdgeUnderTest.DOMAIN, false);
        String count = "/v2/accounts/{account}/registrations/count";
        PrometheusText before = scrape();

        assertEquals(200, api.get("/v2/accounts/" + tenant.id() + "/registrations/count", admin).status());
        assertEquals(401, api.get("/v2/accounts/" + tenant.id() + "/registrations/count", "no-such-token-7751")
                .status());
        assertEquals(404, api.get("/v2/accounts/no-such-account-7752/registrations/count", admin).status());

        PrometheusText after = scrape();
        assertEquals(1, delta(before, after, "http_server_requests_seconds_count", "method", "GET", "route", count,
                "status", "200"), after.text());
        assertEquals(1, delta(before, after, "http_server_requests_seconds_count", "method", "GET", "route", count,
                "status", "401"), after.text());
        assertEquals(1, delta(before, after, "http_server_requests_seconds_count", "method", "GET", "route", count,
                "status", "404"), after.text());
        assertEquals(1, delta(before, after, "http_server_requests_seconds_count", "method", "GET", "route",
                "/metrics", "status", "200"), "the scrape before this one");
        for (String secret : List.of(admin, "no-such-token-7751", "no-such-account-7752", tenant.id(),
                EdgeUnderTest.ADMIN_KEY)) {
            assertFalse(after.text().contains(secret), "the scrape must not contain " + secret);
        }
    }

    @Test
    void theScrapeIsPublicPrometheusTextWithJvmAndProcessFamilies() throws Exception {
        HttpResponse<String> r = getMetrics();
        assertEquals(200, r.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", r.headers().firstValue("content-type").orElse(""));
        PrometheusText p = PrometheusText.parse(r.body());
        for (String family : List.of("jvm_memory_used_bytes", "jvm_gc_memory_allocated_bytes_total",
                "jvm_threads_live_threads", "jvm_classes_loaded_classes", "process_cpu_usage",
                "process_uptime_seconds", "process_start_time_seconds", "process_files_open_files",
                "sip_register_requests_total", "sip_auth_failures_total", "sip_register_duration_seconds",
                "sip_bindings", "sip_registered_aors", "sip_bindings_removed_total", "sip_keepalive_probes_sent_total",
                "sip_keepalive_probes_answered_total", "sip_keepalive_probes_unanswered_total",
                "sip_keepalive_failures_total", "http_server_requests_seconds")) {
            assertTrue(p.types().containsKey(family), family + " in " + p.types().keySet());
        }
        // The heap as a whole: one pool alone (an eden just collected) may hold nothing at the scrape.
        assertTrue(heapUsed(p) > 0, "heap used in " + p.all("jvm_memory_used_bytes"));
        assertTrue(p.value("process_uptime_seconds") > 0);
    }

    private static double heapUsed(PrometheusText p) {
        return p.all("jvm_memory_used_bytes").stream().filter(s -> "heap".equals(s.labels().get("area")))
                .mapToDouble(PrometheusText.Sample::value).sum();
    }
}
