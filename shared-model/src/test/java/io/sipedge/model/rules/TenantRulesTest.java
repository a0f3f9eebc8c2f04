package io.sipedge.model.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class TenantRulesTest {

    private static final String FIELD = "the_field";

    // ---------------------------------------------------------------- username

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @MethodSource("validUsernames")
    void usernameAcceptsValidValues(String value) {
        assertEquals(List.of(), TenantRules.username(FIELD, value));
    }

    static Stream<String> validUsernames() {
        return Stream.of("alice", "a.b", "o'neil", "x_y-z", "A1", "x".repeat(TenantRules.USERNAME_MAX),
                "admins", "rooted", "1000");
    }

    @ParameterizedTest(name = "[{index}] \"{0}\" -> {1}")
    @MethodSource("invalidUsernames")
    void usernameRejectsInvalidValuesWithTheRuleBroken(String value, String rule) {
        List<Violation> v = TenantRules.username(FIELD, value);
        assertEquals(1, v.size(), () -> "violations: " + v);
        assertEquals(FIELD, v.get(0).field());
        assertEquals(rule, v.get(0).rule());
        assertFalse(v.get(0).message().isBlank());
    }

    static Stream<Arguments> invalidUsernames() {
        return Stream.of(
                Arguments.of("", "required"),
                Arguments.of("x".repeat(TenantRules.USERNAME_MAX + 1), "max_length"),
                Arguments.of("al ice", "characters"),
                Arguments.of("al@ice", "characters"),
                Arguments.of("é", "characters"),
                Arguments.of("ali:ce", "characters"),
                Arguments.of(".alice", "period_edge"),
                Arguments.of("alice.", "period_edge"),
                Arguments.of("Admin", "reserved"),
                Arguments.of("ROOT", "reserved"),
                Arguments.of("system", "reserved"),
                Arguments.of("administrator", "reserved"));
    }

    @Test
    void usernameNullIsRequired() {
        List<Violation> v = TenantRules.username(FIELD, null);
        assertEquals(List.of("required"), rules(v));
        assertEquals(FIELD, v.get(0).field());
    }

    @Test
    void usernameReportsEveryRuleBrokenAtOnce() {
        String value = "." + "@".repeat(TenantRules.USERNAME_MAX);
        assertEquals(List.of("max_length", "characters", "period_edge"), rules(TenantRules.username(FIELD, value)));
    }

    // ---------------------------------------------------------------- password

    @ParameterizedTest(name = "[{index}] length {0}")
    @ValueSource(ints = {TenantRules.PASSWORD_MIN, 7, 20, TenantRules.PASSWORD_MAX})
    void passwordAcceptsLengthsWithinBounds(int length) {
        assertEquals(List.of(), TenantRules.password(FIELD, "p".repeat(length)));
    }

    @Test
    void passwordAcceptsSpacesAndPunctuation() {
        assertEquals(List.of(), TenantRules.password(FIELD, "a b;c'd\"e%"));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("invalidPasswords")
    void passwordRejectsInvalidValuesWithTheRuleBroken(String value, String rule) {
        List<Violation> v = TenantRules.password(FIELD, value);
        assertEquals(List.of(rule), rules(v));
        assertEquals(FIELD, v.get(0).field());
    }

    static Stream<Arguments> invalidPasswords() {
        return Stream.of(
                Arguments.of(null, "required"),
                Arguments.of("", "required"),
                Arguments.of("p".repeat(TenantRules.PASSWORD_MIN - 1), "min_length"),
                Arguments.of("p".repeat(TenantRules.PASSWORD_MAX + 1), "max_length"),
                Arguments.of("secret\u0001x", "characters"),
                Arguments.of("secret\nline", "characters"),
                Arguments.of("tab\there", "characters"),
                Arguments.of("del\u007fete", "characters"));
    }

    @Test
    void passwordViolationsNeverEchoThePassword() {
        String pw = "sEcReT\u0007xyz";
        for (Violation v : TenantRules.password(FIELD, pw)) {
            assertFalse(v.message().contains("sEcReT"), v::toString);
            assertFalse(v.toString().contains("sEcReT"), v::toString);
        }
        assertEquals(1, TenantRules.password(FIELD, pw).size());
    }

    // ---------------------------------------------------------------- domain

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"example.com", "sip.example.co.uk", "localhost", "192.0.2.10", "[2001:db8::1]",
            "EXAMPLE.COM", "[2001:DB8::1]", "a-b.example", "0.0.0.0", "255.255.255.255", "x1.example"})
    void domainAcceptsNamesAndIpLiterals(String value) {
        assertEquals(List.of(), TenantRules.domain(FIELD, value));
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @ValueSource(strings = {"300.1.1.1", "1.2.3", "exa mple.com", "-bad.com", "bad-.com", "example.com.", "a..b",
            ".example.com", "exa_mple.com", "2001:db8::1", "[example.com]", "sip:example.com", "example.com:5060"})
    void domainRejectsMalformedValues(String value) {
        List<Violation> v = TenantRules.domain(FIELD, value);
        assertEquals(List.of("domain"), rules(v));
        assertEquals(FIELD, v.get(0).field());
    }

    @ParameterizedTest
    @NullAndEmptySource
    void domainMissingIsRequired(String value) {
        List<Violation> v = TenantRules.domain(FIELD, value);
        assertEquals(List.of("required"), rules(v));
        assertEquals(FIELD, v.get(0).field());
    }

    @Test
    void domainLabelAndNameLengthLimits() {
        String label63 = "a".repeat(63);
        assertEquals(List.of(), TenantRules.domain(FIELD, label63 + ".com"));
        assertEquals(List.of("domain"), rules(TenantRules.domain(FIELD, label63 + "a.com")));
        // 4 labels of 63 + 3 dots = 255 characters: over the 253 limit although every label is fine.
        String tooLong = String.join(".", label63, label63, label63, label63);
        assertEquals(List.of("domain"), rules(TenantRules.domain(FIELD, tooLong)));
        String justRight = String.join(".", label63, label63, label63, "a".repeat(61));
        assertEquals(253, justRight.length());
        assertTrue(TenantRules.domain(FIELD, justRight).isEmpty());
    }

    private static List<String> rules(List<Violation> v) {
        return v.stream().map(Violation::rule).toList();
    }
}
