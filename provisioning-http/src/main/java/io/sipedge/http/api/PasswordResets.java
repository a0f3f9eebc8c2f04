package io.sipedge.http.api;

import io.sipedge.http.auth.CallbackUrls;
import io.sipedge.http.auth.ResetTokens;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What password reset by e-mail needs (issue 17): the callback allowlist, the pending tokens, the
 * mailer (null when no SMTP relay is configured) and one background thread. The lookup, the token
 * and the mail all happen on that thread, after the answer: the 200 leaves at the same moment for
 * a known user, an unknown one and a disabled one, so its timing does not tell which usernames
 * exist.
 */
public final class PasswordResets {
    /** Requests waiting for the mail thread; past this they are dropped (and logged): a flood must not queue unboundedly. */
    static final int MAX_QUEUED = 256;
    private static final Logger log = LoggerFactory.getLogger(PasswordResets.class);

    private final CallbackUrls callbacks;
    private final ResetTokens tokens;
    private final ResetMailer mailer;
    private final ExecutorService worker;
    private final AtomicBoolean warnedMailOff = new AtomicBoolean();

    /**
     * @param callbackUrls the allowed callback URLs (exact; loopback on any port)
     * @param ttl          how long a reset link works
     * @param mailer       the SMTP sender, or null: then no mail goes out and a WARN says so once
     */
    public PasswordResets(List<String> callbackUrls, Duration ttl, ResetMailer mailer) {
        this.callbacks = CallbackUrls.of(callbackUrls);
        this.tokens = new ResetTokens(ttl);
        this.mailer = mailer;
        // One thread, gone when idle: mail is rare, and a stopped edge leaves nothing behind.
        ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(MAX_QUEUED), r -> {
                    Thread t = new Thread(r, "password-reset-mail");
                    t.setDaemon(true);
                    return t;
                }, (r, p) -> log.warn("password reset dropped: {} requests already wait for the mail thread",
                        MAX_QUEUED));
        pool.allowCoreThreadTimeOut(true);
        this.worker = pool;
    }

    /** No callback allowed and no mail: every forget_password is a 400 on callback_url. */
    public static PasswordResets disabled() {
        return new PasswordResets(List.of(), Duration.ofMinutes(30), null);
    }

    CallbackUrls callbacks() {
        return callbacks;
    }

    ResetTokens tokens() {
        return tokens;
    }

    /** The mailer, or null; the first call without one logs the WARN. */
    ResetMailer mailer() {
        if (mailer == null && warnedMailOff.compareAndSet(false, true)) {
            log.warn("password reset requested but mail is not configured (mail.smtp-host): no reset mail is sent");
        }
        return mailer;
    }

    /** Runs {@code task} on the mail thread. */
    void later(Runnable task) {
        worker.execute(task);
    }
}
