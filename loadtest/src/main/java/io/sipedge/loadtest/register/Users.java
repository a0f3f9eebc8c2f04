package io.sipedge.loadtest.register;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Users files in the edge's bulk import format, which SIPp reads as an injection file:
 * {@code domain;username;password[;auth_username]} per line, an optional first line
 * {@code SEQUENTIAL} (or SIPp's {@code RANDOM} / {@code USER}), blank and {@code #} lines ignored.
 */
public final class Users {
    private Users() {
    }

    /** A malformed users file; the message names the line. */
    public static final class UsersFileException extends IOException {
        private static final long serialVersionUID = 1L;

        public UsersFileException(String message) {
            super(message);
        }
    }

    /** Users {@code u000001}..{@code uN} with passwords {@code secret000001}.. (same number). */
    public static List<SipUser> generate(int count, String domain) {
        List<SipUser> users = new ArrayList<>(count);
        for (int i = 1; i <= count; i++) {
            String n = pad6(i);
            users.add(new SipUser(domain, "u" + n, "secret" + n, null));
        }
        return users;
    }

    private static String pad6(int i) {
        String s = Integer.toString(i);
        return s.length() >= 6 ? s : "000000".substring(s.length()) + s;
    }

    /** Writes the file text: {@code SEQUENTIAL}, then one line per user, each ended by a newline. */
    public static void write(List<SipUser> users, Appendable out) throws IOException {
        out.append("SEQUENTIAL\n");
        StringBuilder line = new StringBuilder(64);
        for (SipUser u : users) {
            line.setLength(0);
            line.append(u.domain()).append(';').append(u.username()).append(';').append(u.password());
            if (u.authUsername() != null) {
                line.append(';').append(u.authUsername());
            }
            out.append(line).append('\n');
        }
    }

    public static List<SipUser> read(Path file) throws IOException {
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return parse(in, file.toString());
        }
    }

    static List<SipUser> parse(BufferedReader in, String name) throws IOException {
        List<SipUser> users = new ArrayList<>();
        String line;
        int number = 0;
        while ((line = in.readLine()) != null) {
            number++;
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            if (number == 1 && (t.equals("SEQUENTIAL") || t.equals("RANDOM") || t.equals("USER"))) {
                continue;
            }
            String[] f = t.split(";", -1);
            boolean emptyAuth = f.length == 4 && f[3].isBlank();
            if (f.length < 3 || f.length > 4 || f[0].isBlank() || f[1].isBlank() || f[2].isEmpty()) {
                throw new UsersFileException(name + ":" + number
                        + ": expected domain;username;password[;auth_username]");
            }
            users.add(new SipUser(f[0].strip(), f[1].strip(), f[2], f.length == 4 && !emptyAuth ? f[3].strip() : null));
        }
        if (users.isEmpty()) {
            throw new UsersFileException(name + ": no users");
        }
        return users;
    }
}
