package io.sipedge.sip.transport;

import gov.nist.core.StackLogger;
import java.util.Properties;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JAIN-SIP's stack logger, routed to slf4j. The RI's default needs log4j and, with logging on,
 * exhausted memory under load; this one reports only warnings and errors, never debug traces, and
 * redacts credentials from any message text the stack includes.
 */
public final class Slf4jStackLogger implements StackLogger {
    private static final Logger log = LoggerFactory.getLogger("jain-sip");
    private static final Pattern CREDENTIALS =
            Pattern.compile("(?im)^((?:proxy-)?authorization)\\s*:.*$");

    public Slf4jStackLogger() {
        // Instantiated by the stack by class name.
    }

    static String redact(String s) {
        return s == null ? null : CREDENTIALS.matcher(s).replaceAll("$1: <redacted>");
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
        log.warn("stack exception: {}", ex.toString());
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
        log.error("{}: {}", redact(message), ex.toString());
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
        // The RI warns at start-up that the JVM-wide javax.net.ssl keystore is unset; the edge's
        // TLS comes from EdgeNetworkLayer instead, so those warnings are noise.
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
