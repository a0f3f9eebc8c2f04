package io.sipedge.it;

import static io.sipedge.it.RegistrarRulesTest.NO_HTTP;
import static io.sipedge.it.RegistrarRulesTest.NO_TLS;
import static io.sipedge.it.RegistrarRulesTest.assertStatus;
import static io.sipedge.it.RegistrarRulesTest.bindings;
import static io.sipedge.it.RegistrarRulesTest.contactValues;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.it.SipTestClient.SipResponse;
import io.sipedge.it.SipTestClient.Transport;
import io.sipedge.model.Binding;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;

/** registrar.max-contacts with both overflow policies, each on its own edge, over UDP. */
class RegistrarContactLimitTest {
    static final String D = EdgeUnderTest.DOMAIN;
    static final String PW = "secret-pass1";

    static String contact(String user, int port) {
        return "sip:" + user + "@127.0.0.1:" + port;
    }

    /** Registers two contacts ten seconds apart, then advances ten more seconds. */
    static List<Binding> registerTwo(EdgeUnderTest edge, SipTestClient c, String user) throws Exception {
        assertStatus(200, c.registerWithAuth(user, D, PW, "<" + contact(user, 40601) + ">", "MD5"));
        edge.clock().advance(Duration.ofSeconds(10));
        assertStatus(200, c.registerWithAuth(user, D, PW, "<" + contact(user, 40602) + ">", "MD5"));
        edge.clock().advance(Duration.ofSeconds(10));
        List<Binding> two = bindings(edge, user, D);
        assertEquals(2, two.size());
        return two;
    }

    static List<String> sortedUris(List<Binding> bindings) {
        return bindings.stream().map(Binding::contact).sorted().toList();
    }

    @Nested
    @TestInstance(Lifecycle.PER_CLASS)
    class EvictOldest {
        EdgeUnderTest edge;

        @BeforeAll
        void start() throws Exception {
            edge = EdgeUnderTest.start(NO_TLS, NO_HTTP, "registrar.max-contacts=2");
        }

        @AfterAll
        void stop() throws Exception {
            edge.close();
        }

        @Test
        void thirdContactEvictsTheOldestAndTheOkListsTwo() throws Exception {
            edge.user(D, "cl-evict", PW);
            try (SipTestClient c = new SipTestClient(Transport.UDP, edge.sipPort())) {
                registerTwo(edge, c, "cl-evict");
                SipResponse r = c.registerWithAuth("cl-evict", D, PW, "<" + contact("cl-evict", 40603) + ">", "MD5");
                assertStatus(200, r);
                List<String> listed = contactValues(r).stream().map(RegistrarRulesTest::uriOf).sorted().toList();
                assertEquals(List.of(contact("cl-evict", 40602), contact("cl-evict", 40603)), listed, r.raw());
                List<Binding> after = bindings(edge, "cl-evict", D);
                assertEquals(List.of(contact("cl-evict", 40602), contact("cl-evict", 40603)), sortedUris(after));
            }
        }

        @Test
        void refreshingAContactAtTheLimitEvictsNothing() throws Exception {
            edge.user(D, "cl-refresh", PW);
            try (SipTestClient c = new SipTestClient(Transport.UDP, edge.sipPort())) {
                List<Binding> two = registerTwo(edge, c, "cl-refresh");
                SipResponse r = c.registerWithAuth("cl-refresh", D, PW, "<" + contact("cl-refresh", 40601) + ">",
                        "MD5");
                assertStatus(200, r);
                assertEquals(2, contactValues(r).size(), r.raw());
                assertEquals(sortedUris(two), sortedUris(bindings(edge, "cl-refresh", D)));
            }
        }
    }

    @Nested
    @TestInstance(Lifecycle.PER_CLASS)
    class Reject {
        EdgeUnderTest edge;

        @BeforeAll
        void start() throws Exception {
            edge = EdgeUnderTest.start(NO_TLS, NO_HTTP, "registrar.max-contacts=2",
                    "registrar.max-contacts-policy=reject");
        }

        @AfterAll
        void stop() throws Exception {
            edge.close();
        }

        @Test
        void thirdContactGets403AndBindingsStayAsTheyWere() throws Exception {
            edge.user(D, "cl-reject", PW);
            try (SipTestClient c = new SipTestClient(Transport.UDP, edge.sipPort())) {
                List<Binding> two = registerTwo(edge, c, "cl-reject");
                SipResponse r = c.registerWithAuth("cl-reject", D, PW, "<" + contact("cl-reject", 40603) + ">",
                        "MD5");
                assertStatus(403, r);
                assertTrue(r.reason().toLowerCase(Locale.ROOT).contains("too many contacts"), r.reason());
                assertTrue(r.all("Contact").isEmpty(), r.raw());
                assertEquals(two, bindings(edge, "cl-reject", D), "a refused REGISTER changed the bindings");
            }
        }
    }
}
