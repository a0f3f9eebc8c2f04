package io.sipedge.observe;

/** Text from the network made safe for a log line. */
public final class LogText {
    private LogText() {
    }

    /**
     * {@code text} with control characters, backslashes and double quotes written as {@code \xNN}:
     * a request path or a SIP user name is the client's bytes, and raw escape sequences, line
     * breaks or quotes must not reach a terminal, forge log lines or end a quoted field early.
     */
    public static String printable(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean escape = c < 0x20 || c == 0x7f || c == '\\' || c == '"' || c >= 0x80 && c < 0xa0;
            if (escape && out == null) {
                out = new StringBuilder(text.length() + 16).append(text, 0, i);
            }
            if (escape) {
                out.append(String.format("\\x%02x", (int) c));
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? text : out.toString();
    }
}
