package io.sipedge.launcher;

import io.sipedge.http.api.ResetMailer;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.Date;
import java.util.Properties;

/** Password reset mail through the configured SMTP relay (Jakarta Mail on Eclipse Angus). */
final class SmtpMailer implements ResetMailer {
    /** A relay that hangs must not hold the mail thread: resets queue behind it. */
    private static final String TIMEOUT_MS = "10000";

    private final EdgeConfig.Mail cfg;
    private final Session session;

    SmtpMailer(EdgeConfig.Mail cfg) {
        this.cfg = cfg;
        Properties p = new Properties();
        p.setProperty("mail.smtp.host", cfg.smtpHost());
        p.setProperty("mail.smtp.port", Integer.toString(cfg.smtpPort()));
        p.setProperty("mail.smtp.connectiontimeout", TIMEOUT_MS);
        p.setProperty("mail.smtp.timeout", TIMEOUT_MS);
        p.setProperty("mail.smtp.writetimeout", TIMEOUT_MS);
        if (cfg.starttls()) {
            // Required, not merely enabled: a relay (or someone in between) that drops STARTTLS
            // from its EHLO reply must not get the link in clear (RFC 3207 §4, the downgrade).
            p.setProperty("mail.smtp.starttls.enable", "true");
            p.setProperty("mail.smtp.starttls.required", "true");
            p.setProperty("mail.smtp.ssl.checkserveridentity", "true");
        }
        p.setProperty("mail.smtp.auth", Boolean.toString(!cfg.username().isEmpty()));
        this.session = Session.getInstance(p);
    }

    @Override
    public void send(Mail mail) throws MessagingException {
        MimeMessage m = new MimeMessage(session);
        m.setFrom(new InternetAddress(cfg.from(), true));
        m.setRecipient(Message.RecipientType.TO, new InternetAddress(mail.to(), true));
        m.setSubject("Reset your password", "UTF-8");
        m.setSentDate(new Date());
        long minutes = mail.validFor().toMinutes();
        m.setText("Someone asked to reset the password of " + mail.username() + " at " + mail.domain() + ".\n\n"
                + "To choose a new password, open this link within " + minutes + " minutes:\n\n"
                + mail.link() + "\n\n"
                + "The link works once. If you did not ask for this, ignore this mail: your password stays as it is.\n",
                "UTF-8");
        if (cfg.username().isEmpty()) {
            Transport.send(m);
        } else {
            Transport.send(m, cfg.username(), cfg.password());
        }
    }
}
