package io.sipedge.directory;

import io.sipedge.model.rules.TenantRules;
import io.sipedge.model.rules.Violation;
import java.io.BufferedReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the bulk import format, {@code domain;username;password[;auth_username]} (the separator of
 * SIPp injection files). Blank lines and lines starting with {@code #} are ignored; so is a first
 * line that is exactly SIPp's {@code SEQUENTIAL}/{@code RANDOM}/{@code USER} header, so a SIPp CSV
 * can be imported as it is. Every other line is checked against the tenant rules.
 */
public final class ImportFile {

    /** A rejected line: its number and what is wrong with it. */
    public record BadLine(int lineNumber, String problem) {
        @Override
        public String toString() {
            return "line " + lineNumber + ": " + problem;
        }
    }

    /** The lines that passed and the ones that did not. */
    public record Parsed(List<ImportLine> lines, List<BadLine> bad) {
    }

    private ImportFile() {
    }

    public static Parsed parse(BufferedReader reader) throws IOException {
        List<ImportLine> good = new ArrayList<>();
        List<BadLine> bad = new ArrayList<>();
        // Within one file a (domain, username) may appear once: a second one is almost certainly a mistake.
        Map<String, Integer> seen = new HashMap<>();
        String raw;
        int n = 0;
        while ((raw = reader.readLine()) != null) {
            n++;
            if (n == 1 && raw.startsWith("\uFEFF")) {
                raw = raw.substring(1); // a UTF-8 byte-order mark from spreadsheet exports
            }
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")
                    || (n == 1 && line.matches("(?i)SEQUENTIAL|RANDOM|USER|SEQUENTIAL,.*|RANDOM,.*|USER,.*"))) {
                continue;
            }
            // Split the raw line: a password may legitimately start or end with a space.
            String[] f = raw.split(";", -1);
            if (f.length < 3 || f.length > 4) {
                bad.add(new BadLine(n, "expected domain;username;password[;auth_username], found "
                        + f.length + " fields"));
                continue;
            }
            String domain = f[0].strip().toLowerCase(Locale.ROOT);
            String username = f[1].strip();
            String password = f[2];
            String authUsername = f.length == 4 && !f[3].isBlank() ? f[3].strip() : null;
            List<Violation> v = new ArrayList<>();
            v.addAll(TenantRules.domain("domain", domain));
            v.addAll(TenantRules.username("username", username));
            v.addAll(TenantRules.password("password", password));
            if (authUsername != null) {
                v.addAll(TenantRules.username("auth_username", authUsername));
            }
            Integer first = seen.putIfAbsent(domain + ";" + username, n);
            if (first != null) {
                v.add(new Violation("username", "unique", "duplicates line " + first));
            }
            if (!v.isEmpty()) {
                bad.add(new BadLine(n, v.toString()));
            } else {
                good.add(new ImportLine(n, domain, username, password, authUsername));
            }
        }
        return new Parsed(good, bad);
    }
}
