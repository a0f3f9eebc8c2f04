package io.sipedge.directory;

/**
 * One line of a bulk import file, {@code domain;username;password[;auth_username]}.
 *
 * @param lineNumber 1-based line in the file, for error reports
 */
public record ImportLine(int lineNumber, String domain, String username, String password, String authUsername) {
    @Override
    public String toString() {
        return "ImportLine[" + lineNumber + ": " + domain + ";" + username + ";<redacted>"
                + (authUsername == null ? "" : ";" + authUsername) + "]";
    }
}
