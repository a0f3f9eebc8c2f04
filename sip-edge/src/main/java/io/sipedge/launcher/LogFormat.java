package io.sipedge.launcher;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import java.net.URL;
import org.slf4j.LoggerFactory;

/**
 * {@code log.format}: {@code text} keeps the logback.xml the jar ships (lines for people and
 * fail2ban), {@code json} switches to logback-json.xml (one JSON object per line for a log
 * shipper). Applied once, before the edge starts.
 */
final class LogFormat {
    private LogFormat() {
    }

    static void apply(String format) {
        if (!format.equals("json") || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
            return;
        }
        URL json = LogFormat.class.getResource("/logback-json.xml");
        if (json == null) {
            throw new ConfigException(EdgeConfig.LOG_FORMAT.key(), "logback-json.xml is missing from the jar");
        }
        ctx.reset();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(ctx);
        try {
            configurator.doConfigure(json);
        } catch (JoranException e) {
            throw new ConfigException(EdgeConfig.LOG_FORMAT.key(), "logback-json.xml: " + e.getMessage());
        }
    }
}
