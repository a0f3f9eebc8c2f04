package io.sipedge.http.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sipedge.http.routing.RouteDoc.Access;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@SuppressWarnings("unchecked") // assertInstanceOf with a generic record class
class RouterTest {
    private static final RouteDoc DOC = new RouteDoc("s", "t", Access.PUBLIC, null, null);

    private final Router<String> router = Router.<String>builder()
            .add("GET", "/v2/accounts/{account}/devices/{device}", "device", DOC)
            .add("DELETE", "/v2/accounts/{account}/devices/{device}", "delete-device", DOC)
            .add("GET", "/v2/accounts/{account}/devices/status", "all-status", DOC)
            .add("GET", "/v2/accounts/{account}/registrations/count", "count", DOC)
            .add("DELETE", "/v2/accounts/{account}/registrations/{username}", "kick", DOC)
            .add("PUT", "/v2/accounts", "create", DOC)
            .build();

    private Object found(String method, String path) {
        RouteMatch.Found<?> f = assertInstanceOf(RouteMatch.Found.class, router.match(method, path));
        return f.route().handler() + " " + f.params();
    }

    @Test
    void aLiteralSegmentBeatsAParameterWhateverTheOrder() {
        assertEquals("all-status {account=a1}", found("GET", "/v2/accounts/a1/devices/status"));
        assertEquals("device {account=a1, device=d1}", found("GET", "/v2/accounts/a1/devices/d1"));
        assertEquals("count {account=a1}", found("GET", "/v2/accounts/a1/registrations/count"));
        // DELETE has no literal "count" route: the username parameter takes it (a user may be called count).
        assertEquals("kick {account=a1, username=count}", found("DELETE", "/v2/accounts/a1/registrations/count"));
    }

    @Test
    void wrongVerbOnAKnownPathIs405WithEveryVerbOfThatPath() {
        RouteMatch.MethodNotAllowed<?> m = assertInstanceOf(RouteMatch.MethodNotAllowed.class,
                router.match("POST", "/v2/accounts/a1/devices/d1"));
        assertEquals(List.of("DELETE", "GET", "HEAD"), m.allow());
        RouteMatch.MethodNotAllowed<?> p = assertInstanceOf(RouteMatch.MethodNotAllowed.class,
                router.match("GET", "/v2/accounts"));
        assertEquals(List.of("PUT"), p.allow());
    }

    @Test
    void unknownPathsAre404() {
        assertInstanceOf(RouteMatch.NotFound.class, router.match("GET", "/v2/nothing"));
        assertInstanceOf(RouteMatch.NotFound.class, router.match("GET", "/v2/accounts/a1/devices/d1/extra"));
        assertInstanceOf(RouteMatch.NotFound.class, router.match("GET", "/v2/accounts//devices/d1"));
        assertInstanceOf(RouteMatch.NotFound.class, router.match("GET", "/"));
    }

    @Test
    void headIsServedByGetAndATrailingSlashIsIgnored() {
        assertEquals("device {account=a, device=b}", found("HEAD", "/v2/accounts/a/devices/b"));
        assertEquals("create {}", found("PUT", "/v2/accounts/"));
    }

    @Test
    void parametersArePercentDecodedButPlusStaysAPlus() {
        RouteMatch.Found<?> f = assertInstanceOf(RouteMatch.Found.class,
                router.match("DELETE", "/v2/accounts/a/registrations/o%27brien+x"));
        assertEquals(Map.of("account", "a", "username", "o'brien+x"), f.params());
        assertInstanceOf(RouteMatch.NotFound.class, router.match("DELETE", "/v2/accounts/a/registrations/%zz"));
    }

    @Test
    void theSameVerbAndShapeTwiceIsRefused() {
        assertThrows(IllegalStateException.class, () -> Router.<String>builder()
                .add("GET", "/a/{x}", "1", DOC).add("GET", "/a/{y}", "2", DOC).build());
        assertThrows(IllegalArgumentException.class, () -> PathPattern.of("/a/{x}/{x}"));
        assertThrows(IllegalArgumentException.class, () -> PathPattern.of("a/b"));
    }
}
