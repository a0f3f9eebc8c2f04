package io.sipedge.directory;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.directory.ImportFile.BadLine;
import io.sipedge.directory.ImportFile.Parsed;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImportFileTest {

    private static Parsed parse(String... lines) throws IOException {
        return ImportFile.parse(new BufferedReader(new StringReader(String.join("\n", lines) + "\n")));
    }

    private static List<Integer> badNumbers(Parsed p) {
        return p.bad().stream().map(BadLine::lineNumber).toList();
    }

    @Test
    void goodLinesWithAndWithoutAuthUsernameAreParsed() throws IOException {
        Parsed p = parse(
                "example.com;alice;secret1",
                "example.com;bob;secret2;bob-auth",
                "Other.Example.ORG; carol ;secret3; carol_auth ");
        assertEquals(List.of(), p.bad());
        assertEquals(List.of(
                new ImportLine(1, "example.com", "alice", "secret1", null),
                new ImportLine(2, "example.com", "bob", "secret2", "bob-auth"),
                new ImportLine(3, "other.example.org", "carol", "secret3", "carol_auth")), p.lines());
    }

    @Test
    void emptyFourthFieldMeansNoAuthUsername() throws IOException {
        Parsed p = parse("example.com;alice;secret1;", "example.com;bob;secret2;   ");
        assertEquals(List.of(), p.bad());
        assertEquals(2, p.lines().size());
        assertNull(p.lines().get(0).authUsername());
        assertNull(p.lines().get(1).authUsername());
    }

    @Test
    void blankAndCommentLinesAreSkippedButCounted() throws IOException {
        Parsed p = parse(
                "# tenants of the lab",
                "",
                "   ",
                "example.com;alice;secret1",
                "  # indented comment",
                "example.com;bob;secret2");
        assertEquals(List.of(), p.bad());
        assertEquals(List.of(4, 6), p.lines().stream().map(ImportLine::lineNumber).toList());
    }

    @ParameterizedTest
    @ValueSource(strings = {"SEQUENTIAL", "RANDOM", "USER", "sequential", "SEQUENTIAL,PRINTF=10"})
    void sippHeaderOnTheFirstLineIsSkipped(String header) throws IOException {
        Parsed p = parse(header, "example.com;alice;secret1");
        assertEquals(List.of(), p.bad());
        assertEquals(1, p.lines().size());
        assertEquals(2, p.lines().get(0).lineNumber());
    }

    @Test
    void sippHeaderAfterTheFirstLineIsABadLine() throws IOException {
        Parsed p = parse("example.com;alice;secret1", "SEQUENTIAL");
        assertEquals(List.of(2), badNumbers(p));
        assertEquals(1, p.lines().size());
    }

    @Test
    void badLinesAreReportedWithTheirOneBasedLineNumbers() throws IOException {
        Parsed p = parse(
                "SEQUENTIAL",                          // 1 skipped
                "example.com;alice;secret1",           // 2 ok
                "example.com;bob",                     // 3 too few fields
                "example.com;bob;secret2;auth;extra",  // 4 too many fields
                "# comment",                           // 5 skipped
                "example.com;al ice;secret3",          // 6 bad username
                "example.com;carol;short",             // 7 short password (5)
                "example.com;alice;secret4",           // 8 duplicate of 2
                "EXAMPLE.com;alice;secret5",           // 9 duplicate of 2 (domain compared case-insensitively)
                "bad domain;dave;secret6",             // 10 bad domain
                "example.com;erin;secret7;.erin",      // 11 bad auth username
                "example.com;Alice;secret8",           // 12 ok: usernames are case-sensitive
                "");                                   // 13 skipped
        assertEquals(List.of(3, 4, 6, 7, 8, 9, 10, 11), badNumbers(p));
        assertEquals(List.of(2, 12), p.lines().stream().map(ImportLine::lineNumber).toList());

        BadLine fields = p.bad().get(0);
        assertTrue(fields.problem().contains("2 fields"), fields::problem);
        assertTrue(p.bad().get(1).problem().contains("5 fields"), p.bad().get(1)::problem);
        assertAll(
                () -> assertTrue(p.bad().get(2).problem().contains("(characters)"), p.bad().get(2)::problem),
                () -> assertTrue(p.bad().get(2).problem().contains("username"), p.bad().get(2)::problem),
                () -> assertTrue(p.bad().get(3).problem().contains("(min_length)"), p.bad().get(3)::problem),
                () -> assertTrue(p.bad().get(4).problem().contains("duplicates line 2"), p.bad().get(4)::problem),
                () -> assertTrue(p.bad().get(5).problem().contains("duplicates line 2"), p.bad().get(5)::problem),
                () -> assertTrue(p.bad().get(6).problem().contains("(domain)"), p.bad().get(6)::problem),
                () -> assertTrue(p.bad().get(7).problem().contains("auth_username"), p.bad().get(7)::problem),
                () -> assertTrue(p.bad().get(7).problem().contains("(period_edge)"), p.bad().get(7)::problem));
        assertEquals("line 3: " + fields.problem(), fields.toString());
    }

    @Test
    void lineNumbersCountCrLfLinesOnce() throws IOException {
        Parsed p = ImportFile.parse(new BufferedReader(new StringReader(
                "example.com;alice;secret1\r\n\r\nexample.com;bob;x\r\n")));
        assertEquals(List.of(3), badNumbers(p));
        assertEquals("secret1", p.lines().get(0).password());
    }

    @Test
    void badLineTextNeverContainsThePassword() throws IOException {
        // Passwords that are themselves wrong, on lines that are wrong for every other reason too.
        List<String> passwords = List.of("pw-One-1", "Pw2;x", "tiny", "pw-Three-3", "pw-Four-4", "pw\u0001Five",
                "pw-Six-Six-Six-Six-Six-Six-Six-6");
        Parsed p = parse(
                "example.com;alice;pw-One-1",
                "example.com;bob;Pw2;x;extra",
                "example.com;carol;tiny",
                "example.com;alice;pw-Three-3",
                "exa mple.com;ro ot;pw-Four-4;.x",
                "example.com;dave;pw\u0001Five",
                "example.com;erin;pw-Six-Six-Six-Six-Six-Six-Six-6");
        assertEquals(List.of(2, 3, 4, 5, 6, 7), badNumbers(p));
        for (BadLine b : p.bad()) {
            for (String pw : passwords) {
                assertFalse(b.problem().contains(pw), () -> "leaks a password: " + b);
                assertFalse(b.toString().contains(pw), () -> "leaks a password: " + b);
            }
        }
        // Parsed lines print redacted too.
        for (String pw : passwords) {
            assertFalse(p.lines().toString().contains(pw), p.lines()::toString);
        }
    }

    @Test
    void emptyInputGivesNothing() throws IOException {
        Parsed p = ImportFile.parse(new BufferedReader(new StringReader("")));
        assertTrue(p.lines().isEmpty());
        assertTrue(p.bad().isEmpty());
    }

    @Test
    void manyLinesKeepTheirOrder() throws IOException {
        String[] lines = Stream.iterate(0, i -> i + 1).limit(500)
                .map(i -> "example.com;user" + i + ";secret" + i).toArray(String[]::new);
        Parsed p = parse(lines);
        assertEquals(500, p.lines().size());
        assertEquals("user499", p.lines().get(499).username());
        assertEquals(500, p.lines().get(499).lineNumber());
    }
}
