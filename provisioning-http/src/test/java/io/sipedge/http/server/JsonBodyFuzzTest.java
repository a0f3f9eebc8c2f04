package io.sipedge.http.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Request bodies from anyone: arbitrary JSON (and not quite JSON) against the routes that read
 * bodies, over a real server. Whatever arrives, the answer is a client error or success with the
 * envelope, never a 500.
 */
class JsonBodyFuzzTest {
    private static final Set<Integer> EXPECTED = Set.of(200, 201, 400, 401, 403, 404, 409, 413, 415);
    private static TestServer server;
    private static String admin;
    private static String account;

    @BeforeContainer
    static void start() throws Exception {
        server = new TestServer(Files.createTempDirectory("json-fuzz"), 8192);
        admin = server.adminToken();
        account = server.call("PUT", "/v2/accounts", admin,
                "{\"data\":{\"name\":\"Fuzz\",\"realm\":\"fuzz.example.com\"}}").body().at("/data/id").asText();
    }

    @AfterContainer
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Provide
    Arbitrary<String> bodies() {
        Arbitrary<String> scalar = Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(40).map(TestServer.JSON::valueToTree)
                .map(Object::toString), Arbitraries.of("null", "true", "false", "0", "-1", "1e309", "3.5",
                "99999999999999999999", "\"\"", "\"\\u0000\"", "[]", "{}"));
        Arbitrary<String> key = Arbitraries.of("name", "realm", "md5_only", "sha256_only", "sip", "username",
                "password", "enabled", "device_type", "owner_id", "caller_id", "data", "x", "");
        Arbitrary<String> object = Arbitraries.recursive(() -> scalar,
                inner -> Arbitraries.oneOf(
                        net.jqwik.api.Combinators.combine(key, inner).as((k, v) -> "{\"" + k + "\":" + v + "}"),
                        inner.list().ofMaxSize(3).map(l -> "[" + String.join(",", l) + "]"),
                        net.jqwik.api.Combinators.combine(key, inner, key, inner)
                                .as((k1, v1, k2, v2) -> "{\"" + k1 + "\":" + v1 + ",\"" + k2 + "\":" + v2 + "}")), 4);
        return Arbitraries.oneOf(object.map(o -> "{\"data\":" + o + "}"), object,
                object.map(o -> o.substring(0, o.length() / 2)), Arbitraries.strings().ofMaxLength(60));
    }

    @Property(tries = 300)
    void aBodyNeverCausesA500(@ForAll("bodies") String body) throws Exception {
        for (String[] route : new String[][] {{"PUT", "/v2/accounts"}, {"PATCH", "/v2/accounts/" + account},
                {"PUT", "/v2/accounts/" + account + "/devices"}, {"PUT", "/v2/api_auth"}}) {
            int status = server.call(route[0], route[1], admin, body).status();
            assertTrue(EXPECTED.contains(status), route[0] + " " + route[1] + " " + body + ": " + status);
        }
    }
}
