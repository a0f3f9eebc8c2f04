package io.sipedge.sip.wire;

import gov.nist.core.StackLogger;
import java.util.Properties;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JAIN-SIP's logger, routed to slf4j: the parser logs through it ({@link SipParser} installs it),
 * and so do RI stacks given it by class name. The RI's default needs log4j and, with logging on,
 * exhausted memory under load; this one reports only warnings and errors, never debug traces, and
 * redacts credentials from any message text the RI includes.
 */
public final class Slf4jStackLogger implements StackLogger {
    private static final Logger log = LoggerFactory.getLogger("jain-sip");
    /** RI error messages sometimes carry a whole receive buffer as "[82, 69, 71, ...]". */
    private static final Pattern BYTE_DUMP = Pattern.compile("\\[(?:-?\\d{1,3}, ){16}");

    public Slf4jStackLogger() {
        // Also instantiated by RI stacks by class name.
    }

    /**
     * Removes what may carry credentials from text the stack logs: every Authorization or
     * Proxy-Authorization header including its folded continuation lines, and raw byte dumps of
     * messages (replaced by their length). Line by line, no backtracking regex over the message.
     */
    public static String redact(String s) {
        if (s == null) {
            return null;
        }
        StringBuilder out = new StringBuilder(s.length());
        boolean inCredentials = false;
        for (String line : s.split("\n", -1)) {
            boolean continuation = !line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t');
            String lower = line.stripLeading().toLowerCase(java.util.Locale.ROOT);
            if (continuation && inCredentials) {
                continue;
            }
            if (lower.startsWith("authorization") || lower.startsWith("proxy-authorization")) {
                int colon = line.indexOf(':');
                out.append(colon > 0 ? line.substring(0, colon) : line).append(": <redacted>\n");
                inCredentials = true;
                continue;
            }
            inCredentials = false;
            out.append(dropByteDumps(line)).append('\n');
        }
        out.setLength(out.length() - 1);
        return out.toString();
    }

    private static String dropByteDumps(String line) {
        if (!BYTE_DUMP.matcher(line).find()) {
            return line;
        }
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < line.length()) {
            int open = line.indexOf('[', i);
            int close = open < 0 ? -1 : line.indexOf(']', open);
            if (open < 0 || close < 0) {
                out.append(line, i, line.length());
                break;
            }
            String inside = line.substring(open + 1, close);
            out.append(line, i, open);
            if (inside.matches("[-0-9, ]{40,}")) {
                out.append('[').append(inside.split(",").length).append(" bytes]");
            } else {
                out.append(line, open, close + 1);
            }
            i = close + 1;
        }
        return out.toString();
    }

    @Override
    public void logStackTrace() {
    }

    @Override
    public void logStackTrace(int traceLevel) {
    }

    @Override
    public int getLineCount() {
        return 0;
    }

    @Override
    public void logException(Throwable ex) {
        log.warn("stack exception: {}", redact(ex.toString()));
    }

    @Override
    public void logDebug(String message) {
    }

    @Override
    public void logDebug(String message, Exception ex) {
    }

    @Override
    public void logTrace(String message) {
    }

    @Override
    public void logFatalError(String message) {
        log.error(redact(message));
    }

    @Override
    public void logError(String message) {
        log.error(redact(message));
    }

    @Override
    public void logError(String message, Exception ex) {
        log.error("{}: {}", redact(message), redact(ex.toString()));
    }

    /** Only warnings and above: the stack formats whole messages for debug output even when unused. */
    @Override
    public boolean isLoggingEnabled() {
        return log.isWarnEnabled();
    }

    @Override
    public boolean isLoggingEnabled(int logLevel) {
        return logLevel <= TRACE_WARN && log.isWarnEnabled();
    }

    @Override
    public void logWarning(String message) {
        // An RI stack (the test user agents run some) warns at start-up that the JVM-wide
        // javax.net.ssl keystore is unset; nothing here uses it, so those warnings are noise.
        if (message != null && (message.contains("javax.net.ssl") || message.startsWith("Using default")
                || message.startsWith("using default tls"))) {
            log.debug(message);
            return;
        }
        log.warn(redact(message));
    }

    @Override
    public void logInfo(String message) {
        log.debug(redact(message));
    }

    @Override
    public void disableLogging() {
    }

    @Override
    public void enableLogging() {
    }

    @Override
    public void setBuildTimeStamp(String buildTimeStamp) {
    }

    @Override
    public void setStackProperties(Properties stackProperties) {
    }

    @Override
    public String getLoggerName() {
        return "jain-sip";
    }
}
