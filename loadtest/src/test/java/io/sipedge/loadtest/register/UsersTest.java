package io.sipedge.loadtest.register;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.BufferedReader;
import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;

class UsersTest {

    private static List<SipUser> parse(String text) throws Exception {
        return Users.parse(new BufferedReader(new StringReader(text)), "users.csv");
    }

    @Test
    void generatedUsersFollowTheNumberingScheme() {
        List<SipUser> users = Users.generate(1_000_000, "example.com");
        assertEquals(new SipUser("example.com", "u000001", "secret000001", null), users.get(0));
        assertEquals(new SipUser("example.com", "u999999", "secret999999", null), users.get(999_998));
        assertEquals(new SipUser("example.com", "u1000000", "secret1000000", null), users.get(999_999));
    }

    @Test
    void readsTheImportFormat() throws Exception {
        List<SipUser> users = parse("SEQUENTIAL\n# domain;username;password[;auth_username]\n\n"
                + "example.com;alice;s3cret-pw\nexample.com;bob;an0ther-pw;bob-auth\n192.0.2.10;carol;pw;\n");
        assertEquals(List.of(new SipUser("example.com", "alice", "s3cret-pw", null),
                new SipUser("example.com", "bob", "an0ther-pw", "bob-auth"),
                new SipUser("192.0.2.10", "carol", "pw", null)), users);
        assertEquals("bob-auth", users.get(1).digestUsername());
        assertEquals("alice", users.get(0).digestUsername());
    }

    @Test
    void writeThenReadGivesTheSameUsers() throws Exception {
        List<SipUser> users = List.of(new SipUser("d", "a", "p", null), new SipUser("d", "b", "q", "bb"));
        StringBuilder text = new StringBuilder();
        Users.write(users, text);
        assertEquals("SEQUENTIAL\nd;a;p\nd;b;q;bb\n", text.toString());
        assertEquals(users, parse(text.toString()));
    }

    @Test
    void badLinesAndEmptyFilesAreRefusedWithTheLineNumber() {
        Users.UsersFileException e = assertThrows(Users.UsersFileException.class,
                () -> parse("example.com;alice;pw\n\nexample.com;bob\n"));
        assertEquals("users.csv:3: expected domain;username;password[;auth_username]", e.getMessage());
        assertThrows(Users.UsersFileException.class, () -> parse("a;b;c;d;e\n"));
        assertThrows(Users.UsersFileException.class, () -> parse(";b;c\n"));
        assertEquals("users.csv: no users",
                assertThrows(Users.UsersFileException.class, () -> parse("SEQUENTIAL\n# none\n")).getMessage());
        assertThrows(Users.UsersFileException.class, () -> parse("x;y;z\nSEQUENTIAL\n"), "only a first line may be SEQUENTIAL");
    }
}
