package io.sipedge.it;

import gov.nist.core.ServerLogger;
import io.sipedge.sip.wire.Slf4jStackLogger;
import gov.nist.javax.sip.message.SIPMessage;
import java.util.Properties;
import javax.sip.SipStack;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JAIN-SIP's message logger. Whole messages carry Authorization headers, so they are never logged;
 * only exceptions are, by class and message.
 */
public final class QuietServerLogger implements ServerLogger {
    private static final Logger log = LoggerFactory.getLogger("jain-sip.messages");

    public QuietServerLogger() {
        // Instantiated by the stack by class name.
    }

    @Override
    public void closeLogFile() {
    }

    @Override
    public void logMessage(SIPMessage message, String from, String to, boolean sender, long time) {
    }

    @Override
    public void logMessage(SIPMessage message, String from, String to, String status, boolean sender, long time) {
    }

    @Override
    public void logMessage(SIPMessage message, String from, String to, String status, boolean sender) {
    }

    @Override
    public void logException(Exception ex) {
        log.warn("stack exception: {}", Slf4jStackLogger.redact(ex.toString()));
    }

    @Override
    public void setStackProperties(Properties stackProperties) {
    }

    @Override
    public void setSipStack(SipStack sipStack) {
    }
}
