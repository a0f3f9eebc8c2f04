package io.sipedge.http.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sipedge.directory.Directory;
import io.sipedge.directory.InMemoryDirectory;
import io.sipedge.directory.UserSpec;
import io.sipedge.http.auth.SignInLimiter;
import io.sipedge.http.auth.TokenService;
import io.sipedge.http.auth.UserSessions;
import io.sipedge.location.InMemoryLocationStore;
import io.sipedge.model.Tenant;
import io.sipedge.model.User;
import io.sipedge.testing.MutableClock;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The sign-in handler without sockets: every failed case runs exactly one password check and
 * gets the same bytes (the running edge's view is {@code SignInApiTest}).
 */
class SignInResourceTest {
    private static final String PW = "a long passphrase";
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final InMemoryDirectory real = new InMemoryDirectory(clock);
    private final AtomicInteger checks = new AtomicInteger();
    /** The real directory, counting password checks (a default method, so a proxy sees every call). */
    private final Directory counting = (Directory) Proxy.newProxyInstance(Directory.class.getClassLoader(),
            new Class<?>[] {Directory.class}, (proxy, m, args) -> {
                if (m.getName().equals("checkUserPassword")) {
                    checks.incrementAndGet();
                }
                try {
                    return m.invoke(real, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            });
    private final SignInResource resource = new SignInResource(new ApiContext(counting, new InMemoryLocationStore(),
            clock, new TokenService(clock, Duration.ofHours(1)), new byte[32], null, null, 0, Map::of,
            () -> new byte[0]), new UserSessions(clock), new SignInLimiter(clock));

    private static ApiRequest post(String body) {
        return new ApiRequest("POST", "/api/auth/sign_in", Map.of(), Map.of(), body.getBytes(StandardCharsets.UTF_8),
                null, null, "r1", Map.of(), "192.0.2.1", false);
    }

    private static String creds(String username, String password, String domain) {
        return "{\"username\":\"" + username + "\",\"password\":\"" + password + "\",\"domain\":\"" + domain + "\"}";
    }

    @Test
    void everyFailedCaseRunsOnePasswordCheckAndAnswersTheSameBytes() {
        Tenant t = real.createTenant("t", "example.com", false);
        real.createUser(t.id(), new UserSpec("alice", null, null, null, PW, User.Role.USER, true, null));
        real.createUser(t.id(), new UserSpec("carol", null, null, null, PW, User.Role.USER, false, null));

        checks.set(0);
        assertEquals(200, resource.signIn(post(creds("alice", PW, "example.com"))).status());
        assertEquals(1, checks.get());
        for (String body : List.of(creds("mallory", PW, "example.com"), creds("alice", "wrong one", "example.com"),
                creds("alice", PW, "nowhere.example"), creds("carol", PW, "example.com"))) {
            checks.set(0);
            ApiResponse r = resource.signIn(post(body));
            assertEquals(401, r.status(), body);
            assertArrayEquals(SignInResource.INVALID_CREDENTIALS, r.raw(), body);
            assertEquals(1, checks.get(), "one password check whatever the case: " + body);
        }
    }

    @Test
    void aLockedOutUserIsRefusedBeforeAnyPasswordIsChecked() {
        for (int i = 0; i < SignInLimiter.FAILURES; i++) {
            resource.signIn(post(creds("alice", "guess" + i, "example.com")));
        }
        checks.set(0);
        ApiException e = org.junit.jupiter.api.Assertions.assertThrows(ApiException.class,
                () -> resource.signIn(post(creds("alice", PW, "example.com"))));
        assertEquals(429, e.status());
        assertEquals("900", e.headers().get("Retry-After"));
        assertEquals(0, checks.get());
    }
}
