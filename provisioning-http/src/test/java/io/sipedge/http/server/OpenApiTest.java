package io.sipedge.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipedge.directory.file.FileDirectory;
import io.sipedge.http.api.Api;
import io.sipedge.http.api.ApiContext;
import io.sipedge.http.api.Handler;
import io.sipedge.http.auth.TokenService;
import io.sipedge.http.routing.Route;
import io.sipedge.http.routing.RouteDoc;
import io.sipedge.http.routing.Router;
import io.sipedge.location.InMemoryLocationStore;
import io.sipedge.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The served /openapi.json against the router's route table: every route documented, nothing more. */
class OpenApiTest {
    @TempDir
    Path data;

    @Test
    void theDocumentDescribesExactlyTheRoutesTheServerRoutes() throws Exception {
        MutableClock clock = MutableClock.atNow();
        try (FileDirectory dir = FileDirectory.open(data, clock);
             TestServer s = new TestServer(data.resolve("other"), 4096)) {
            TokenService tokens = new TokenService(clock, Duration.ofHours(1));
            Router<Handler> router = Api.router(new ApiContext(dir, new InMemoryLocationStore(), clock, tokens,
                    new byte[32], null, null, 0, Map::of, () -> new byte[0]));
            TestServer.Reply r = s.call("GET", "/openapi.json", null, null);
            assertEquals(200, r.status());
            JsonNode doc = r.body();
            assertEquals("3.0.3", doc.get("openapi").asText());

            TreeSet<String> fromRouter = new TreeSet<>();
            for (Route<Handler> route : router.routes()) {
                fromRouter.add(route.method().toLowerCase(Locale.ROOT) + " " + route.pattern().template());
            }
            TreeSet<String> fromDoc = new TreeSet<>();
            for (Map.Entry<String, JsonNode> e : doc.get("paths").properties()) {
                e.getValue().fieldNames().forEachRemaining(m -> fromDoc.add(m + " " + e.getKey()));
            }
            assertEquals(fromRouter, fromDoc);
            assertTrue(fromRouter.size() >= 25, "the whole API: " + fromRouter.size());

            for (Route<Handler> route : router.routes()) {
                JsonNode op = doc.get("paths").get(route.pattern().template())
                        .get(route.method().toLowerCase(Locale.ROOT));
                String where = route.method() + " " + route.pattern().template();
                assertFalse(op.get("summary").asText().isBlank(), where);
                List<String> declared = new ArrayList<>();
                op.get("parameters").forEach(p -> {
                    if (p.get("in").asText().equals("path")) {
                        declared.add(p.get("name").asText());
                    }
                });
                assertEquals(route.pattern().parameterNames(), declared, where);
                boolean guarded = route.doc().access() != RouteDoc.Access.PUBLIC;
                assertEquals(guarded, op.get("security").size() > 0, where);
                // Guarded routes answer 401 without a token; of the public ones, only those that check
                // credentials in their body (users' sign-in, refresh, legacy login) document one: a reset
                // link's token is a 400, and forget_password answers 200 whatever it is given.
                boolean signIn = route.pattern().template().matches("/api/(auth/sign_in|auth/refresh_token|login)");
                assertEquals(guarded || signIn && route.doc().requestSchema() != null, op.get("responses").has("401"),
                        where);
                assertEquals(route.doc().publicListener() ? "public" : "admin", op.get("x-listener").asText(), where);
                if (route.doc().produces() != null) {
                    assertTrue(op.at("/responses/200/content").has(route.doc().produces().split(",")[0].split(";")[0].strip()),
                            where + " documents the media type it is sent with");
                }
            }
            assertEquals("string", doc.at("/paths/~1metrics/get/responses/200/content/text~1plain/schema/type")
                    .asText(), "/metrics is documented as text, not the envelope");
            List<String> refs = new ArrayList<>();
            collectRefs(doc, refs);
            assertFalse(refs.isEmpty());
            for (String ref : refs) {
                assertTrue(ref.startsWith("#/components/schemas/"), ref);
                assertNotNull(doc.get("components").get("schemas").get(ref.substring("#/components/schemas/".length())),
                        "unresolved " + ref);
            }
        }
    }

    private static void collectRefs(JsonNode n, List<String> out) {
        if (n.isObject()) {
            n.properties().forEach(e -> {
                if (e.getKey().equals("$ref")) {
                    out.add(e.getValue().asText());
                } else {
                    collectRefs(e.getValue(), out);
                }
            });
        } else if (n.isArray()) {
            n.forEach(c -> collectRefs(c, out));
        }
    }
}
