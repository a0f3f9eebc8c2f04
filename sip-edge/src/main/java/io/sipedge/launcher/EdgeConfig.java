package io.sipedge.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.sipedge.http.auth.CallbackUrls;
import io.sipedge.http.server.ClientLimits;
import io.sipedge.location.BindingChanges.OverflowPolicy;
import io.sipedge.model.DigestAlgorithm;
import io.sipedge.model.rules.TenantRules;
import io.sipedge.model.rules.UserRules;
import io.sipedge.security.AddressRanges;
import io.sipedge.sip.guard.AuthFailures;
import io.sipedge.sip.guard.Guard;
import io.sipedge.sip.guard.ScannerAgents;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The edge's configuration: embedded defaults, then a YAML file, then {@code SIPEDGE_*} environment
 * variables, then {@code --set key=value} flags, each overriding the one before. Every key is
 * declared once in {@link #SETTINGS} with its default and rule; config/edge.yaml documents the same
 * keys. An unknown key or a broken rule is a {@link ConfigException} naming the key and the rule.
 */
public record EdgeConfig(
        String sipAddress, int sipPort, int sipTlsPort, int httpPort, String httpAddress, String httpAdminAddress,
        int httpAdminPort, Path dataDir,
        String adminKey, String tlsKeystore, String tlsKeystorePassword, String tlsCertificate, String tlsPrivateKey,
        int tlsReloadSeconds,
        int minExpires, int maxExpires, int defaultExpires, int maxContacts, OverflowPolicy maxContactsPolicy,
        int nonceTtl, List<DigestAlgorithm> digestAlgorithms,
        int maxMessageSize, int readTimeoutMs, int tlsHandshakeTimeoutMs, int workerThreads, int udpReadersPerSocket,
        Connections connections, int httpMaxBodySize, int httpWorkerThreads, int apiTokenTtl, int apiUserTokenTtl,
        int apiUserRefreshTtl, String apiSipProxy,
        String apiStun, String provisioningPublicUrl, String provisioningSipHost, int provisioningSipPort,
        int provisioningSipTlsPort, int provisioningTokenTtl, int provisioningAuthTokenTtl,
        boolean registerFastPath, WebSockets webSockets, Keepalive keepalive, ProxySettings proxy,
        Guard.Settings security, ClientLimits httpClients, String logFormat, int expiresSpread,
        Lifecycle lifecycle, Mail mail, PasswordReset passwordReset) {

    static final Setting<String> SIP_ADDRESS = Setting.text("sip.address", "0.0.0.0");
    static final Setting<Integer> SIP_PORT = Setting.port("sip.port", 5060);
    static final Setting<Integer> SIP_TLS_PORT = Setting.optionalPort("sip.tls-port", 5061);
    static final Setting<Integer> SIP_MAX_MESSAGE_SIZE = Setting.intRange("sip.max-message-size", 8192, 4096, 65507);
    static final Setting<Integer> SIP_READ_TIMEOUT = Setting.intRange("sip.read-timeout-ms", 5000, 100, 600_000);
    static final Setting<Integer> SIP_TLS_HANDSHAKE_TIMEOUT =
            Setting.intRange("sip.tls-handshake-timeout-ms", 5000, 100, 600_000);
    /** 0 = one per CPU, at least 2 (see {@link #sipWorkers()}). */
    static final Setting<Integer> SIP_WORKER_THREADS = Setting.intRange("sip.worker-threads", 0, 0, 256);
    /**
     * 2: a reader held up mid-datagram leaves its socket to the other, and both wake for a datagram
     * when idle; 1: no reader woken for nothing (see UdpListener).
     */
    static final Setting<Integer> SIP_UDP_READERS_PER_SOCKET = Setting.intRange("sip.udp-readers-per-socket", 2, 1, 4);
    /** 0 = half the CPUs, at least 1 (see {@link Connections#eventLoops()}). */
    static final Setting<Integer> SIP_CONNECTION_THREADS = Setting.intRange("sip.connection-threads", 0, 0, 256);
    static final Setting<Integer> SIP_MAX_CONNECTIONS = Setting.intRange("sip.max-connections", 10_000, 1, 1_000_000);
    /** An office NAT of 200 TCP or TLS phones fits under the default. */
    static final Setting<Integer> SIP_MAX_CONNECTIONS_PER_IP =
            Setting.intRange("sip.max-connections-per-ip", 256, 1, 1_000_000);
    static final Setting<Integer> SIP_CONNECTION_IDLE_TIMEOUT =
            Setting.intRange("sip.connection-idle-timeout-ms", 10_000, 100, 3_600_000);
    /**
     * About a third of a second of answers at 6 000 registrations/s on one connection, beyond what
     * the kernel's buffers hold: a load balancer that stalls briefly is not cut off (256 KiB cut one
     * whose reader was starved of CPU for a moment), while a client that never reads is closed at
     * this bound or at {@code sip.write-timeout-ms}, whichever comes first.
     */
    static final Setting<Integer> SIP_SEND_QUEUE_BYTES =
            Setting.intRange("sip.send-queue-bytes", 1_048_576, 8192, 67_108_864);
    static final Setting<Integer> SIP_WRITE_TIMEOUT = Setting.intRange("sip.write-timeout-ms", 10_000, 100, 600_000);
    static final Setting<Integer> SIP_LISTEN_BACKLOG = Setting.intRange("sip.listen-backlog", 1024, 1, 65_535);
    static final Setting<Integer> SIP_WS_PORT = Setting.optionalPort("sip.ws-port", 5066);
    static final Setting<Integer> SIP_WSS_PORT = Setting.optionalPort("sip.wss-port", 7443);
    /** Exact origins (scheme://host[:port]) a browser page may open the SIP WebSocket from; empty = any. */
    static final Setting<Set<String>> SIP_WS_ALLOWED_ORIGINS = new Setting<>("sip.ws-allowed-origins", "",
            "must be empty or a list of http(s)://HOST[:PORT] origins, without path", EdgeConfig::origins);
    /**
     * Often enough that a NAT or proxy in front of a browser keeps the connection (their idle limits
     * start around 60 s) and a closed tab's binding goes within about a minute and a half.
     */
    static final Setting<Integer> SIP_WS_PING_INTERVAL =
            Setting.intRange("sip.ws-ping-interval-seconds", 30, 0, 3600);
    static final Setting<Integer> SIP_WS_PING_MISSES = Setting.intRange("sip.ws-ping-misses", 2, 1, 10);
    /** off = every REGISTER through JAIN-SIP's parser and message model (for comparison, or a client that needs it). */
    static final Setting<Boolean> SIP_REGISTER_FAST_PATH = new Setting<>("sip.register-fast-path", "on",
            "must be on or off", s -> switch (s) {
                case "on", "true" -> true; // YAML 1.1 readers turn on/off into booleans
                case "off", "false" -> false;
                default -> throw new IllegalArgumentException(s);
            });
    /**
     * RFC 5626 §4.4.1's own default for connections: phones keep the pace they would pick anyway (a
     * CRLF ping every 96-120 s), well inside the idle timeouts of NATs and firewalls for TCP, and a
     * pong every ~2 minutes per connection costs the edge nothing. 0 = no Flow-Timer header.
     */
    static final Setting<Integer> SIP_FLOW_TIMER = new Setting<>("sip.flow-timer-seconds", "120",
            "must be 0 (no Flow-Timer) or an integer from 10 to 3600", s -> {
                int v = Integer.parseInt(s);
                if (v != 0 && (v < 10 || v > 3600)) {
                    throw new IllegalArgumentException();
                }
                return v;
            });
    /**
     * Many NATs keep an idle UDP mapping 30 s to a few minutes (RFC 5626 §4.4.2 has phones send
     * their own keepalives every 24-29 s for the shortest); 30 s keeps most of them open from the
     * edge's side, for phones that send none, at one small datagram each way per NATed UDP phone.
     * 0 = no qualify.
     */
    static final Setting<Integer> SIP_QUALIFY_INTERVAL = Setting.intRange("sip.qualify-interval-seconds", 30, 0, 3600);
    /** Three probes in a row: a lost datagram or two never costs a phone its registration. */
    static final Setting<Integer> SIP_QUALIFY_MISSES = Setting.intRange("sip.qualify-misses", 3, 1, 10);
    static final Setting<String> TLS_KEYSTORE = Setting.text("tls.keystore", "");
    static final Setting<String> TLS_KEYSTORE_PASSWORD = Setting.text("tls.keystore-password", "").asSecret();
    /** PEM chain, the server's certificate first (certbot's fullchain.pem); with tls.private-key, instead of a keystore. */
    static final Setting<String> TLS_CERTIFICATE = Setting.text("tls.certificate", "");
    /** The unencrypted PEM private key of tls.certificate (certbot's privkey.pem). */
    static final Setting<String> TLS_PRIVATE_KEY = Setting.text("tls.private-key", "");
    /**
     * How often the configured certificate files are checked for a change. A renewal comes weeks before
     * expiry, so seconds are plenty; hashing two small files this often costs nothing. 0 = only on SIGHUP.
     */
    static final Setting<Integer> TLS_RELOAD_INTERVAL = Setting.intRange("tls.reload-interval-seconds", 5, 0, 86_400);
    /**
     * Empty: sip.address. Phones fetch provisioning where they register, and an edge whose SIP is
     * bound to loopback or to one interface should not serve HTTP on every other one.
     */
    static final Setting<String> HTTP_ADDRESS = new Setting<>("http.address", "",
            "must be empty (the sip.address) or an IP address", s -> s); // checked in from(), after the default
    static final Setting<Integer> HTTP_PORT = Setting.optionalPort("http.port", 8080);
    /**
     * The operator API's own listener. Loopback by default: /v2 (every account, device and
     * password), /metrics and /openapi.json never face the network phones reach unless the
     * operator chooses an address for them.
     */
    static final Setting<String> HTTP_ADMIN_ADDRESS = new Setting<>("http.admin-address", "127.0.0.1",
            "must be an IP address", s -> s); // checked in from(), only when the admin listener is on
    /** -1 (or off, or empty): no admin listener; the whole API is on http.port, as before it existed. */
    static final Setting<Integer> HTTP_ADMIN_PORT = new Setting<>("http.admin-port", "8081",
            "must be a port from 0 (ephemeral) to 65535, or -1, off or empty for no admin listener", s -> {
                if (s.isEmpty() || s.equals("off") || s.equals("false")) { // YAML 1.1 reads off as false
                    return -1;
                }
                int v = Integer.parseInt(s);
                if (v < -1 || v > 65535) {
                    throw new IllegalArgumentException();
                }
                return v;
            });
    static final Setting<Integer> HTTP_MAX_BODY_SIZE =
            Setting.intRange("http.max-body-size", 65_536, 1024, 16 * 1024 * 1024);
    static final Setting<Integer> HTTP_WORKER_THREADS = Setting.intRange("http.worker-threads", 4, 1, 64);
    /** Reverse proxies whose X-Forwarded-For names the client; from any other peer the header is ignored. */
    static final Setting<List<String>> HTTP_TRUSTED_PROXIES = new Setting<>("http.trusted-proxies", "",
            "must be a list of IP addresses or CIDR ranges (192.0.2.0/24, 2001:db8::/32)", EdgeConfig::cidrs);
    /**
     * Per client, for every route that takes or checks a credential: far above what a person or a
     * provisioning script needs, far below the 22 000 guesses a second an unlimited API allowed.
     */
    static final Setting<Integer> HTTP_RATE = Setting.intRange("http.rate-per-second", 50, 0, 1_000_000);
    static final Setting<Integer> HTTP_BURST = Setting.intRange("http.burst", 200, 1, 10_000_000);
    static final Setting<Integer> HTTP_FAILURES = Setting.intRange("http.failures-before-lockout", 10, 0, 100_000);
    static final Setting<Integer> HTTP_FAILURE_WINDOW =
            Setting.intRange("http.failure-window-seconds", 60, 1, 86_400);
    static final Setting<Integer> HTTP_LOCKOUT = Setting.intRange("http.lockout-seconds", 300, 1, 86_400);
    static final Setting<Integer> HTTP_MAX_CONNECTIONS = Setting.intRange("http.max-connections", 2000, 1, 1_000_000);
    static final Setting<Integer> HTTP_MAX_CONNECTIONS_PER_IP =
            Setting.intRange("http.max-connections-per-ip", 64, 1, 1_000_000);
    static final Setting<Integer> HTTP_REQUEST_TIMEOUT =
            Setting.intRange("http.request-timeout-ms", 10_000, 100, 600_000);
    static final Setting<Integer> API_TOKEN_TTL = Setting.intRange("api.token-ttl", 3600, 60, 86_400);
    /** A user's access token (issue 17): short, as a copied bearer token cannot be called back. */
    static final Setting<Integer> API_USER_TOKEN_TTL = Setting.intRange("api.user-token-ttl", 900, 60, 86_400);
    /** A user's refresh token: how long a user stays signed in without typing the password. */
    static final Setting<Integer> API_USER_REFRESH_TTL =
            Setting.intRange("api.user-refresh-ttl", 2_592_000, 300, 31_536_000);
    /** The seed's proxy pattern, reduced to what it means: sip: then an IPv4 address or a DNS name, optional port. */
    static final Setting<String> API_SIP_PROXY = new Setting<>("api.sip-proxy", "",
            "must be empty or sip:HOST[:PORT] (an IPv4 address or a DNS name)",
            s -> {
                if (!s.isEmpty() && !s.matches("sip:([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)(\\.[A-Za-z0-9]([A-Za-z0-9-]*"
                        + "[A-Za-z0-9])?)*(:\\d{1,5})?")) {
                    throw new IllegalArgumentException();
                }
                return s;
            });
    static final Setting<String> API_STUN = new Setting<>("api.stun", "",
            "must be empty or HOST:PORT (an IPv4 address or a DNS name)",
            s -> {
                if (!s.isEmpty() && !s.matches("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?:\\d{1,5}")) {
                    throw new IllegalArgumentException();
                }
                return s;
            });
    /** Where links and QR codes point: http(s)://host[:port][/prefix]. Empty: http://<sip host>:<http port>. */
    static final Setting<String> PROVISIONING_PUBLIC_URL = new Setting<>("provisioning.public-url", "",
            "must be empty or http(s)://HOST[:PORT][/PATH], without query or trailing spaces",
            s -> {
                if (!s.isEmpty() && !s.matches("https?://[A-Za-z0-9.\\[\\]:-]+(/[A-Za-z0-9._~/-]*)?")) {
                    throw new IllegalArgumentException();
                }
                return s;
            });
    /** The host phones register at. Empty: sip.address, or this machine's address when that is a wildcard. */
    static final Setting<String> PROVISIONING_SIP_HOST = new Setting<>("provisioning.sip-host", "",
            "must be empty, a DNS name or an IP address",
            s -> {
                if (!s.isEmpty() && !s.matches("[A-Za-z0-9.-]+") && !isIpLiteral(s)) {
                    throw new IllegalArgumentException();
                }
                return s;
            });
    static final Setting<Integer> PROVISIONING_SIP_PORT = Setting.intRange("provisioning.sip-port", 0, 0, 65535);
    static final Setting<Integer> PROVISIONING_SIP_TLS_PORT =
            Setting.intRange("provisioning.sip-tls-port", 0, 0, 65535);
    static final Setting<Integer> PROVISIONING_TOKEN_TTL =
            Setting.intRange("provisioning.token-ttl", 86_400, 60, 2_592_000);
    static final Setting<Integer> PROVISIONING_AUTH_TOKEN_TTL =
            Setting.intRange("provisioning.auth-token-ttl", 600, 60, 86_400);
    /**
     * Where a password reset link may point (issue 17): exact URLs, a loopback IP literal on any
     * port (RFC 8252 §7.3). Empty: no reset can be asked for, since a link the edge mails must never
     * be one the asker chose.
     */
    static final Setting<List<String>> API_RESET_CALLBACK_URLS = new Setting<>("api.reset-callback-urls", "",
            "must be a comma-separated list of absolute http(s) URLs without user info or fragment",
            s -> {
                List<String> urls = words(s);
                CallbackUrls.of(urls);
                return urls;
            });
    /** Long enough to find the mail and type a password, short enough that an old mailbox holds no live link. */
    static final Setting<Integer> API_RESET_TOKEN_TTL = Setting.intRange("api.reset-token-ttl", 1800, 60, 86_400);
    /** The SMTP relay reset mail goes through; empty = no mail (forget_password still answers 200). */
    static final Setting<String> MAIL_SMTP_HOST = new Setting<>("mail.smtp-host", "",
            "must be empty or a host name or IP address", s -> {
                if (!s.isEmpty() && !s.matches("[A-Za-z0-9.:\\[\\]-]+")) {
                    throw new IllegalArgumentException();
                }
                return s;
            });
    /** 587: message submission (RFC 6409), where a relay expects STARTTLS and AUTH. */
    static final Setting<Integer> MAIL_SMTP_PORT = Setting.port("mail.smtp-port", 587);
    /** on: STARTTLS is required (RFC 3207), so credentials and links never cross the network in clear. */
    static final Setting<Boolean> MAIL_STARTTLS = new Setting<>("mail.starttls", "on", "must be on or off",
            s -> switch (s) {
                case "on", "true" -> true;
                case "off", "false" -> false;
                default -> throw new IllegalArgumentException(s);
            });
    static final Setting<String> MAIL_USERNAME = Setting.text("mail.username", "");
    static final Setting<String> MAIL_PASSWORD = Setting.text("mail.password", "").asSecret();
    static final Setting<String> MAIL_FROM = new Setting<>("mail.from", "",
            "must be empty or an e-mail address such as sip-edge@example.com", s -> {
                if (!s.isEmpty() && !UserRules.email("mail.from", s).isEmpty()) {
                    throw new IllegalArgumentException();
                }
                return s;
            });
    static final Setting<String> DATA_DIR = Setting.text("data-dir", "./data");
    static final Setting<String> ADMIN_KEY = Setting.text("admin-key", "").asSecret();
    static final Setting<Integer> MIN_EXPIRES = Setting.intRange("registrar.min-expires", 60, 1, 86_400);
    static final Setting<Integer> MAX_EXPIRES = Setting.intRange("registrar.max-expires", 3600, 1, 604_800);
    static final Setting<Integer> DEFAULT_EXPIRES = Setting.intRange("registrar.default-expires", 3600, 1, 604_800);
    static final Setting<Integer> MAX_CONTACTS = Setting.intRange("registrar.max-contacts", 10, 1, 1000);
    static final Setting<OverflowPolicy> MAX_CONTACTS_POLICY =
            Setting.oneOf("registrar.max-contacts-policy", OverflowPolicy.EVICT_OLDEST, OverflowPolicy.class);
    /** Off by default, as in Kamailio: phones get the expiry they asked for unless an operator wants a spread. */
    static final Setting<Integer> EXPIRES_SPREAD = Setting.intRange("registrar.expires-spread-percent", 0, 0, 50);
    static final Setting<Boolean> PERSIST_BINDINGS = new Setting<>("registrar.persist-bindings", "on",
            "must be on or off", s -> switch (s) {
                case "on", "true" -> true;
                case "off", "false" -> false;
                default -> throw new IllegalArgumentException(s);
            });
    /**
     * A kill -9 loses at most this long's new registrations: during a storm of 13 000 a second,
     * 0.2 s is 2 600 phones, under 0.5 % of a fleet of 500 000. Shorter costs nothing per phone (a
     * binding changed twice in an interval is written once either way), only more fsyncs.
     */
    static final Setting<Integer> PERSIST_INTERVAL = Setting.intRange("registrar.persist-interval-ms", 200, 50, 60_000);
    /** Inside `docker stop`'s default 10 s, with time left to flush and exit. */
    static final Setting<Integer> DRAIN_SECONDS = Setting.intRange("shutdown.drain-seconds", 5, 0, 600);
    static final Setting<Integer> RETRY_AFTER = Setting.intRange("shutdown.retry-after-seconds", 10, 1, 3600);
    static final Setting<Integer> NONCE_TTL = Setting.intRange("registrar.nonce-ttl", 300, 10, 3600);
    static final Setting<List<DigestAlgorithm>> DIGEST_ALGORITHMS = new Setting<>("registrar.digest-algorithms",
            "MD5", "must be a list of SHA-256 and MD5, without repeats", EdgeConfig::algorithms);

    /**
     * Enough for a few thousand calls a second: an answered INVITE's transaction stays 32 s (RFC 6026)
     * to absorb retransmissions, a non-INVITE one over UDP as long.
     */
    static final Setting<Integer> PROXY_MAX_TRANSACTIONS =
            Setting.intRange("proxy.max-transactions", 200_000, 1, 10_000_000);
    /** Timer C (RFC 3261 §16.6 step 11): how long a branch may ring before the edge cancels it (408). */
    static final Setting<Integer> PROXY_RINGING_TIMEOUT =
            Setting.intRange("proxy.ringing-timeout-seconds", 181, 1, 3600);
    /**
     * How long an answered transaction stays to absorb retransmissions: Kamailio's wait timer, not
     * RFC 6026's 32 s (a 2xx retransmitted later is still relayed, by the flow in the edge's Via).
     */
    static final Setting<Integer> PROXY_LINGER = Setting.intRange("proxy.linger-seconds", 5, 1, 32);
    static final Setting<List<String>> PROXY_TRUSTED_PEERS = new Setting<>("proxy.trusted-peers", "",
            "must be a list of IP addresses or CIDR ranges (192.0.2.0/24, 2001:db8::/32)", EdgeConfig::cidrs);

    /** text: lines for people and fail2ban; json: one object per line for a log shipper. */
    static final Setting<String> LOG_FORMAT = new Setting<>("log.format", "text", "must be text or json", s -> {
        if (!s.equals("text") && !s.equals("json")) {
            throw new IllegalArgumentException(s);
        }
        return s;
    });
    /** Load generators and trusted SBCs: never rate-limited or banned. */
    static final Setting<List<String>> SECURITY_ALLOWLIST = new Setting<>("security.allowlist", "",
            "must be a list of IP addresses or CIDR ranges (192.0.2.0/24, 2001:db8::/32)", EdgeConfig::cidrs);
    /**
     * Pike's idea as a token bucket per source address. An office NAT of 200 phones sends a few
     * requests a second in steady state and ~1 200 when all of them boot at once (REGISTER twice,
     * SUBSCRIBEs, OPTIONS): the burst absorbs that, the rate lets it drain in seconds.
     */
    static final Setting<Integer> SECURITY_RATE = Setting.intRange("security.rate-per-second", 200, 0, 10_000_000);
    static final Setting<Integer> SECURITY_BURST = Setting.intRange("security.burst", 2000, 1, 100_000_000);
    static final Setting<List<String>> SECURITY_SCANNERS = new Setting<>("security.scanner-user-agents",
            String.join(",", ScannerAgents.DEFAULTS), "must be a list of User-Agent substrings", EdgeConfig::words);
    static final Setting<Integer> SECURITY_FAILURES_PER_USER =
            Setting.intRange("security.failures-per-user", 20, 1, 1000);
    static final Setting<Integer> SECURITY_USERS_PER_ADDRESS =
            Setting.intRange("security.users-per-address", 10, 1, 1000);
    static final Setting<Integer> SECURITY_FAILURES_PER_ADDRESS =
            Setting.intRange("security.failures-per-address", 100, 1, 100_000);
    static final Setting<Integer> SECURITY_FAILURE_WINDOW =
            Setting.intRange("security.failure-window-seconds", 60, 1, 86_400);
    static final Setting<Integer> SECURITY_BAN = Setting.intRange("security.ban-seconds", 3600, 1, 604_800);
    static final Setting<Integer> SECURITY_TRUST_AFTER_SUCCESS =
            Setting.intRange("security.trust-after-success-seconds", 3600, 0, 604_800);
    /** drop: the guesser learns nothing and spends its time on retransmissions; 403 for operators who want an answer. */
    static final Setting<Boolean> SECURITY_BLOCKED_ANSWER = new Setting<>("security.blocked-answer", "drop",
            "must be drop or 403", s -> switch (s) {
                case "drop" -> false;
                case "403" -> true;
                default -> throw new IllegalArgumentException(s);
            });
    static final Setting<Integer> SECURITY_UNKNOWN_DOMAIN_RATE =
            Setting.intRange("security.unknown-domain-answers-per-second", 10, 1, 1_000_000);
    static final Setting<Integer> SECURITY_MAX_ADDRESSES =
            Setting.intRange("security.max-tracked-addresses", 100_000, 1000, 10_000_000);
    static final Setting<Integer> SECURITY_MAX_BANS = Setting.intRange("security.max-bans", 100_000, 1, 10_000_000);

    /** SIPEDGE_ variables that are not settings: the config file's path, logback's level. */
    static final Set<String> OTHER_VARIABLES = Set.of("SIPEDGE_CONFIG", "SIPEDGE_LOG_LEVEL");

    static final List<Setting<?>> SETTINGS = List.of(SIP_ADDRESS, SIP_PORT, SIP_TLS_PORT, SIP_MAX_MESSAGE_SIZE,
            SIP_READ_TIMEOUT, SIP_TLS_HANDSHAKE_TIMEOUT, SIP_WORKER_THREADS, SIP_UDP_READERS_PER_SOCKET, SIP_CONNECTION_THREADS,
            SIP_MAX_CONNECTIONS, SIP_MAX_CONNECTIONS_PER_IP, SIP_CONNECTION_IDLE_TIMEOUT, SIP_SEND_QUEUE_BYTES,
            SIP_WRITE_TIMEOUT, SIP_LISTEN_BACKLOG, SIP_REGISTER_FAST_PATH, SIP_WS_PORT, SIP_WSS_PORT, SIP_WS_ALLOWED_ORIGINS,
            SIP_WS_PING_INTERVAL, SIP_WS_PING_MISSES, TLS_KEYSTORE, TLS_KEYSTORE_PASSWORD, TLS_CERTIFICATE,
            TLS_PRIVATE_KEY, TLS_RELOAD_INTERVAL, HTTP_ADDRESS, HTTP_PORT, HTTP_ADMIN_ADDRESS, HTTP_ADMIN_PORT, DATA_DIR,
            ADMIN_KEY, MIN_EXPIRES, MAX_EXPIRES,
            DEFAULT_EXPIRES, MAX_CONTACTS, MAX_CONTACTS_POLICY, NONCE_TTL, DIGEST_ALGORITHMS, HTTP_MAX_BODY_SIZE,
            HTTP_WORKER_THREADS, HTTP_TRUSTED_PROXIES, HTTP_RATE, HTTP_BURST, HTTP_FAILURES, HTTP_FAILURE_WINDOW,
            HTTP_LOCKOUT, HTTP_MAX_CONNECTIONS, HTTP_MAX_CONNECTIONS_PER_IP, HTTP_REQUEST_TIMEOUT, API_TOKEN_TTL, API_USER_TOKEN_TTL,
            API_USER_REFRESH_TTL, API_SIP_PROXY, API_STUN, PROVISIONING_PUBLIC_URL,
            PROVISIONING_SIP_HOST, PROVISIONING_SIP_PORT, PROVISIONING_SIP_TLS_PORT, PROVISIONING_TOKEN_TTL,
            PROVISIONING_AUTH_TOKEN_TTL,
            SIP_FLOW_TIMER, SIP_QUALIFY_INTERVAL, SIP_QUALIFY_MISSES, PROXY_MAX_TRANSACTIONS, PROXY_RINGING_TIMEOUT,
            PROXY_LINGER, PROXY_TRUSTED_PEERS, SECURITY_ALLOWLIST, SECURITY_RATE, SECURITY_BURST, SECURITY_SCANNERS,
            SECURITY_FAILURES_PER_USER, SECURITY_USERS_PER_ADDRESS, SECURITY_FAILURES_PER_ADDRESS,
            SECURITY_FAILURE_WINDOW, SECURITY_BAN, SECURITY_TRUST_AFTER_SUCCESS, SECURITY_BLOCKED_ANSWER,
            SECURITY_UNKNOWN_DOMAIN_RATE, SECURITY_MAX_ADDRESSES, SECURITY_MAX_BANS, LOG_FORMAT, EXPIRES_SPREAD,
            PERSIST_BINDINGS, PERSIST_INTERVAL, DRAIN_SECONDS, RETRY_AFTER, API_RESET_CALLBACK_URLS,
            API_RESET_TOKEN_TTL, MAIL_SMTP_HOST, MAIL_SMTP_PORT, MAIL_STARTTLS, MAIL_USERNAME, MAIL_PASSWORD, MAIL_FROM);

    /**
     * The bounds on TCP and TLS connections (see {@code Transports.Settings}).
     *
     * @param max            open at once, in total
     * @param maxPerIp       open at once from one source address
     * @param idleTimeoutMs  closed when no valid request came within this time of opening
     * @param sendQueueBytes waiting to be written before the connection is closed
     * @param writeTimeoutMs longest time the send queue may stay over its bound
     * @param listenBacklog  connections the kernel queues before they are accepted
     * @param threads        event loops serving every connection; 0 = {@link #eventLoops()} chooses
     */
    public record Connections(int max, int maxPerIp, int idleTimeoutMs, int sendQueueBytes, int writeTimeoutMs,
                              int listenBacklog, int threads) {

        /**
         * The event loops serving connections: the configured number, or half the CPUs (at least 1)
         * when it is 0. A message the proxy relays from a connection on one loop to a connection on
         * another wakes that loop: on 2 cores, calls over TCP between two connections on two loops
         * cost 150 µs of CPU each, on one loop 105 µs, and one loop still carried more calls per
         * second (11 600 against 10 300). The other CPUs are the UDP readers'.
         */
        public int eventLoops() {
            return threads > 0 ? threads : Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        }
    }

    /**
     * SIP over WebSocket (RFC 7118).
     *
     * @param port                WS port, 0 ephemeral, -1 off
     * @param tlsPort             WSS port (the TLS certificate), 0 ephemeral, -1 off
     * @param allowedOrigins      Origin values allowed, lower case; empty allows any
     * @param pingIntervalSeconds PING every this often, 0 never
     * @param pingMisses          unanswered PINGs in a row that close the connection
     */
    public record WebSockets(int port, int tlsPort, Set<String> allowedOrigins, int pingIntervalSeconds,
                             int pingMisses) {
        public WebSockets {
            allowedOrigins = Set.copyOf(allowedOrigins);
        }
    }

    /**
     * Keepalives (RFC 5626) and NAT checks of the flows bindings keep.
     *
     * @param flowTimerSeconds       the Flow-Timer of a 200 to an outbound registration over a connection; 0 = none
     * @param qualifyIntervalSeconds how often a UDP binding behind NAT is sent an OPTIONS; 0 = never
     * @param qualifyMisses          unanswered OPTIONS in a row that remove the binding
     */
    public record Keepalive(int flowTimerSeconds, int qualifyIntervalSeconds, int qualifyMisses) {
    }

    /**
     * The proxy between registered phones.
     *
     * @param maxTransactions       proxied requests in progress at once; past it new ones get 503
     * @param ringingTimeoutSeconds Timer C: a branch that has not answered finally by then is cancelled
     * @param lingerSeconds         how long an answered transaction stays to absorb retransmissions
     * @param trustedPeers    address ranges (SBCs, trunks) whose requests may reach local users
     *                        without a local, authenticated sender
     */
    public record ProxySettings(int maxTransactions, int ringingTimeoutSeconds, int lingerSeconds,
                                List<String> trustedPeers) {
        public ProxySettings {
            trustedPeers = List.copyOf(trustedPeers);
        }
    }

    /**
     * Restarts and stops.
     *
     * @param persistBindings   keep the bindings on disk, restored at start
     * @param persistIntervalMs how often changed bindings are written
     * @param drainSeconds      on SIGTERM, how long transactions in progress may take to finish
     * @param retryAfterSeconds the Retry-After of the 503 new requests get while the edge drains
     */
    public record Lifecycle(boolean persistBindings, int persistIntervalMs, int drainSeconds, int retryAfterSeconds) {
    }

    /**
     * The SMTP relay for password reset mail.
     *
     * @param smtpHost empty: mail is off
     * @param starttls STARTTLS required before anything else is sent
     * @param username empty: no SMTP AUTH
     * @param password the relay's password (secret)
     * @param from     the sender address
     */
    public record Mail(String smtpHost, int smtpPort, boolean starttls, String username, String password,
                       String from) {
        public boolean enabled() {
            return !smtpHost.isEmpty();
        }

        /** Records print every component; the password must not reach a log. */
        @Override
        public String toString() {
            return "Mail[" + (enabled() ? smtpHost + ":" + smtpPort : "off") + "]";
        }
    }

    /**
     * Password reset by e-mail (README, "Password reset").
     *
     * @param callbackUrls where a reset link may point
     * @param tokenTtl     how long a link works, in seconds
     */
    public record PasswordReset(List<String> callbackUrls, int tokenTtl) {
        public PasswordReset {
            callbackUrls = List.copyOf(callbackUrls);
        }
    }

    /**
     * The SIP worker threads: the configured number, or one per CPU (at least 2) when it is 0. The
     * workers only compute, so more threads than cores just switch: at 8 000 registrations/s on 2
     * cores, 2 workers used 5 % less CPU than 8.
     */
    public int sipWorkers() {
        return workerThreads > 0 ? workerThreads : Math.max(2, Runtime.getRuntime().availableProcessors());
    }

    /** The defaults alone. */
    public static EdgeConfig defaults() {
        return from(new LinkedHashMap<>());
    }

    /**
     * Merges the sources in order of precedence.
     *
     * @param file the YAML file, or null
     * @param env  the environment (System.getenv() in production)
     * @param sets {@code key=value} overrides from the command line
     * @throws ConfigException carrying every problem found, not just the first
     */
    public static EdgeConfig load(Path file, Map<String, String> env, List<String> sets) {
        return read(file, env, sets, false).config();
    }

    /**
     * A configuration with the text every setting was given: what {@code --check-config} prints
     * and the start-up log shows.
     */
    record Loaded(EdgeConfig config, Map<String, String> text) {
        Loaded {
            text = Map.copyOf(text);
        }

        /**
         * Every setting's key and effective value, one line per section ({@code sip: address=…
         * port=…}; keys outside a section first), secrets masked. A value with a space or a quote
         * is quoted.
         */
        List<String> describe() {
            Map<String, StringBuilder> lines = new LinkedHashMap<>();
            lines.put("", new StringBuilder());
            for (Setting<?> s : SETTINGS) {
                int dot = s.key().indexOf('.');
                String section = dot < 0 ? "" : s.key().substring(0, dot);
                StringBuilder line = lines.computeIfAbsent(section, k -> new StringBuilder(k + ":"));
                String value = s.shown(effectiveText(s));
                if (!value.isEmpty() && !value.matches("[^\\s\"]+")) {
                    value = '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
                }
                line.append(line.length() == 0 ? "" : " ").append(s.key().substring(dot + 1)).append('=').append(value);
            }
            return lines.values().stream().filter(b -> b.length() > 0).map(StringBuilder::toString).toList();
        }

        private String effectiveText(Setting<?> s) {
            if (s == DEFAULT_EXPIRES && !text.containsKey(s.key())) {
                return Integer.toString(config.defaultExpires()); // unset: clamped into [min, max] by from()
            }
            return text.getOrDefault(s.key(), s.defaultText()).strip();
        }
    }

    /**
     * As {@link #load}, keeping the text of each setting for {@link Loaded#describe()}.
     *
     * @param check also verify what {@link ConfigCheck} does (the files the settings name), as
     *              {@code --check-config} does, reporting its problems with all the others
     */
    static Loaded read(Path file, Map<String, String> env, List<String> sets, boolean check) {
        List<ConfigException> problems = new ArrayList<>();
        Map<String, String> values = new LinkedHashMap<>();
        if (file != null) {
            values.putAll(readYaml(file, problems));
        }
        Set<String> known = new LinkedHashSet<>(OTHER_VARIABLES);
        for (Setting<?> s : SETTINGS) {
            known.add(s.envName());
            String v = env.get(s.envName());
            if (s.secret()) {
                known.add(s.fileEnvName());
                String fromFile = readSecretFile(s, env, problems);
                if (fromFile != null) {
                    v = fromFile;
                }
            }
            if (v != null) {
                values.put(s.key(), v);
            }
        }
        for (String name : env.keySet()) {
            if (name.startsWith("SIPEDGE_") && !known.contains(name)) {
                // A misspelt variable would be ignored without a word, like a misspelt YAML key.
                problems.add(new ConfigException(name, "unknown environment variable (see --help for the settings"
                        + (name.endsWith("_FILE") ? "; only secrets can be read from a file: " + secretFileVariables()
                        : "") + ")"));
            }
        }
        for (String set : sets) {
            int eq = set.indexOf('=');
            if (eq <= 0) {
                problems.add(new ConfigException(set, "a --set needs key=value"));
                continue;
            }
            String key = set.substring(0, eq).strip();
            if (isKnown(key, "--set", problems)) {
                values.put(key, set.substring(eq + 1));
            }
        }
        return new Loaded(from(values, problems, check), values);
    }

    /**
     * A secret from the file its {@code _FILE} variable names (a Docker secret, a systemd
     * credential): the file's text without its trailing newline. Null when the variable is unset.
     */
    private static String readSecretFile(Setting<?> s, Map<String, String> env, List<ConfigException> problems) {
        String name = s.fileEnvName();
        String path = env.get(name);
        if (path == null) {
            return null;
        }
        if (env.containsKey(s.envName())) {
            problems.add(new ConfigException(name, "set either " + s.envName() + " or " + name + ", not both"));
            return null;
        }
        String text;
        try {
            text = Files.readString(Path.of(path), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            // Never the content: a file that is almost UTF-8 may still be the secret.
            problems.add(new ConfigException(name, "cannot read the " + s.key() + " from '" + path + "' ("
                    + e.getClass().getSimpleName() + ")"));
            return null;
        }
        if (text.endsWith("\n")) {
            text = text.substring(0, text.length() - (text.endsWith("\r\n") ? 2 : 1));
        }
        if (text.isBlank()) {
            // An empty credential file is a deployment that went wrong, not a wish for no key.
            problems.add(new ConfigException(name, "'" + path + "' is empty"));
            return null;
        }
        return text;
    }

    /** Builds the record from key/value text, checking every rule and the rules between keys. */
    static EdgeConfig from(Map<String, String> v) {
        return from(v, new ArrayList<>(), false);
    }

    /**
     * As {@link #from(Map)}, reporting the problems already found with every broken rule. A key
     * that breaks its own rule takes its default here, and the rules between keys that involve it
     * are skipped, so that one mistake is reported once.
     */
    private static EdgeConfig from(Map<String, String> given, List<ConfigException> problems, boolean check) {
        Map<String, String> v = new LinkedHashMap<>(given);
        Set<String> broken = new LinkedHashSet<>();
        for (Setting<?> s : SETTINGS) {
            String text = v.get(s.key());
            if (text == null) {
                continue;
            }
            try {
                s.parse(text);
            } catch (ConfigException e) {
                problems.add(e);
                broken.add(s.key());
                v.remove(s.key());
            }
        }
        int min = get(v, MIN_EXPIRES);
        int max = get(v, MAX_EXPIRES);
        int dflt = get(v, DEFAULT_EXPIRES);
        if (!v.containsKey(DEFAULT_EXPIRES.key()) && max >= min) {
            dflt = Math.max(min, Math.min(max, dflt)); // unset: the built-in default, clamped into [min, max]
        }
        String sipAddress = get(v, SIP_ADDRESS);
        String httpAddress = get(v, HTTP_ADDRESS);
        EdgeConfig c = new EdgeConfig(sipAddress, get(v, SIP_PORT), get(v, SIP_TLS_PORT), get(v, HTTP_PORT),
                httpAddress.isEmpty() ? sipAddress : httpAddress, get(v, HTTP_ADMIN_ADDRESS), get(v, HTTP_ADMIN_PORT),
                Path.of(get(v, DATA_DIR)), get(v, ADMIN_KEY), get(v, TLS_KEYSTORE),
                get(v, TLS_KEYSTORE_PASSWORD), get(v, TLS_CERTIFICATE), get(v, TLS_PRIVATE_KEY),
                get(v, TLS_RELOAD_INTERVAL), min, max, dflt,
                get(v, MAX_CONTACTS), get(v, MAX_CONTACTS_POLICY), get(v, NONCE_TTL), get(v, DIGEST_ALGORITHMS),
                get(v, SIP_MAX_MESSAGE_SIZE), get(v, SIP_READ_TIMEOUT), get(v, SIP_TLS_HANDSHAKE_TIMEOUT),
                get(v, SIP_WORKER_THREADS), get(v, SIP_UDP_READERS_PER_SOCKET), new Connections(get(v, SIP_MAX_CONNECTIONS),
                get(v, SIP_MAX_CONNECTIONS_PER_IP), get(v, SIP_CONNECTION_IDLE_TIMEOUT), get(v, SIP_SEND_QUEUE_BYTES),
                get(v, SIP_WRITE_TIMEOUT), get(v, SIP_LISTEN_BACKLOG), get(v, SIP_CONNECTION_THREADS)),
                get(v, HTTP_MAX_BODY_SIZE),
                get(v, HTTP_WORKER_THREADS), get(v, API_TOKEN_TTL), get(v, API_USER_TOKEN_TTL),
                get(v, API_USER_REFRESH_TTL), get(v, API_SIP_PROXY), get(v, API_STUN),
                get(v, PROVISIONING_PUBLIC_URL), get(v, PROVISIONING_SIP_HOST), get(v, PROVISIONING_SIP_PORT),
                get(v, PROVISIONING_SIP_TLS_PORT), get(v, PROVISIONING_TOKEN_TTL), get(v, PROVISIONING_AUTH_TOKEN_TTL),
                get(v, SIP_REGISTER_FAST_PATH), new WebSockets(get(v, SIP_WS_PORT), get(v, SIP_WSS_PORT),
                get(v, SIP_WS_ALLOWED_ORIGINS), get(v, SIP_WS_PING_INTERVAL), get(v, SIP_WS_PING_MISSES)),
                new Keepalive(get(v, SIP_FLOW_TIMER), get(v, SIP_QUALIFY_INTERVAL), get(v, SIP_QUALIFY_MISSES)),
                new ProxySettings(get(v, PROXY_MAX_TRANSACTIONS), get(v, PROXY_RINGING_TIMEOUT),
                        get(v, PROXY_LINGER), get(v, PROXY_TRUSTED_PEERS)),
                new Guard.Settings(get(v, SECURITY_ALLOWLIST), get(v, SECURITY_RATE), get(v, SECURITY_BURST),
                        get(v, SECURITY_SCANNERS), new AuthFailures.Settings(get(v, SECURITY_FAILURES_PER_USER),
                        get(v, SECURITY_USERS_PER_ADDRESS), get(v, SECURITY_FAILURES_PER_ADDRESS),
                        Duration.ofSeconds(get(v, SECURITY_FAILURE_WINDOW)),
                        Duration.ofSeconds(get(v, SECURITY_TRUST_AFTER_SUCCESS)), get(v, SECURITY_MAX_ADDRESSES)),
                        Duration.ofSeconds(get(v, SECURITY_BAN)), get(v, SECURITY_BLOCKED_ANSWER),
                        get(v, SECURITY_UNKNOWN_DOMAIN_RATE), get(v, SECURITY_MAX_BANS)),
                new ClientLimits(get(v, SECURITY_ALLOWLIST), get(v, HTTP_TRUSTED_PROXIES), get(v, HTTP_RATE),
                        get(v, HTTP_BURST), get(v, HTTP_FAILURES), Duration.ofSeconds(get(v, HTTP_FAILURE_WINDOW)),
                        Duration.ofSeconds(get(v, HTTP_LOCKOUT)), get(v, HTTP_MAX_CONNECTIONS),
                        get(v, HTTP_MAX_CONNECTIONS_PER_IP), Duration.ofMillis(get(v, HTTP_REQUEST_TIMEOUT))),
                get(v, LOG_FORMAT), get(v, EXPIRES_SPREAD), new Lifecycle(get(v, PERSIST_BINDINGS),
                get(v, PERSIST_INTERVAL), get(v, DRAIN_SECONDS), get(v, RETRY_AFTER)),
                new Mail(get(v, MAIL_SMTP_HOST), get(v, MAIL_SMTP_PORT), get(v, MAIL_STARTTLS), get(v, MAIL_USERNAME),
                        get(v, MAIL_PASSWORD), get(v, MAIL_FROM)),
                new PasswordReset(get(v, API_RESET_CALLBACK_URLS), get(v, API_RESET_TOKEN_TTL)));
        Rules rules = new Rules(problems, broken);
        boolean expiryOrder = rules.check(c.maxExpires() >= c.minExpires(), MAX_EXPIRES,
                "must not be below registrar.min-expires", MIN_EXPIRES);
        if (expiryOrder) {
            rules.check(c.defaultExpires() >= c.minExpires() && c.defaultExpires() <= c.maxExpires(), DEFAULT_EXPIRES,
                    "must lie between registrar.min-expires and registrar.max-expires", MIN_EXPIRES, MAX_EXPIRES);
        }
        rules.check(c.httpAdminPort() < 0 || isIpLiteral(c.httpAdminAddress()), HTTP_ADMIN_ADDRESS,
                "must be an IP address (got '" + c.httpAdminAddress() + "')");
        rules.check(!(c.httpPort() > 0 && c.httpAdminPort() == c.httpPort() && isIpLiteral(c.httpAddress())
                        && isIpLiteral(c.httpAdminAddress()) && sameSockets(c.httpAddress(), c.httpAdminAddress())),
                HTTP_ADMIN_PORT,
                "must differ from http.port when http.address and http.admin-address are the same or either is a "
                        + "wildcard (got " + c.httpAdminPort() + ")", HTTP_PORT, HTTP_ADDRESS, HTTP_ADMIN_ADDRESS);
        rules.check(isIpLiteral(c.sipAddress()), SIP_ADDRESS, "must be an IP address (got '" + c.sipAddress() + "')");
        // An empty http.address is the sip.address: a bad one is reported once, under its own key.
        rules.check(httpAddress.isEmpty() || isIpLiteral(httpAddress), HTTP_ADDRESS,
                "must be an IP address (got '" + httpAddress + "')");
        rules.check(c.sipTlsPort() <= 0 || c.sipTlsPort() != c.sipPort(), SIP_TLS_PORT, "must differ from sip.port",
                SIP_PORT);
        WebSockets ws = c.webSockets();
        rules.check(ws.port() <= 0 || (ws.port() != c.sipPort() && ws.port() != c.sipTlsPort()), SIP_WS_PORT,
                "must differ from sip.port and sip.tls-port", SIP_PORT, SIP_TLS_PORT);
        rules.check(ws.tlsPort() <= 0 || (ws.tlsPort() != c.sipPort() && ws.tlsPort() != c.sipTlsPort()
                        && ws.tlsPort() != ws.port()), SIP_WSS_PORT,
                "must differ from sip.port, sip.tls-port and sip.ws-port", SIP_PORT, SIP_TLS_PORT, SIP_WS_PORT);
        checkTlsFiles(c, rules);
        rules.check(!c.mail().enabled() || !c.mail().from().isEmpty(), MAIL_FROM,
                "must be set when mail.smtp-host is (the sender of reset mail)", MAIL_SMTP_HOST);
        rules.check(c.mail().password().isEmpty() || !c.mail().username().isEmpty(), MAIL_USERNAME,
                "must be set when mail.password is (SMTP AUTH needs both)", MAIL_PASSWORD);
        if (check) {
            Set<String> reported = new LinkedHashSet<>();
            problems.forEach(p -> reported.add(p.key()));
            problems.addAll(ConfigCheck.beyondTheRules(c, reported));
        }
        ConfigException.throwIfAny(problems);
        return c;
    }

    /** One source of the certificate, and its files readable (by this user: the edge may run as another). */
    private static void checkTlsFiles(EdgeConfig c, Rules rules) {
        boolean pem = !c.tlsCertificate().isEmpty() || !c.tlsPrivateKey().isEmpty();
        boolean oneSource = rules.check(!pem || c.tlsKeystore().isEmpty(), TLS_KEYSTORE, "cannot be set together with "
                + TLS_CERTIFICATE.key() + " and " + TLS_PRIVATE_KEY.key() + ": configure the certificate either as a "
                + "PKCS#12 keystore or as PEM files");
        rules.check(!pem || !c.tlsCertificate().isEmpty(), TLS_CERTIFICATE, "must be set with "
                + TLS_PRIVATE_KEY.key() + " (the PEM certificate chain of that key)");
        rules.check(!pem || !c.tlsPrivateKey().isEmpty(), TLS_PRIVATE_KEY, "must be set with "
                + TLS_CERTIFICATE.key() + " (the PEM private key of that certificate)");
        if (!oneSource) {
            return;
        }
        rules.check(c.tlsKeystore().isEmpty() || Files.isReadable(Path.of(c.tlsKeystore())), TLS_KEYSTORE,
                "must name a readable PKCS#12 file (got '" + c.tlsKeystore() + "')");
        rules.check(c.tlsCertificate().isEmpty() || Files.isReadable(Path.of(c.tlsCertificate())), TLS_CERTIFICATE,
                "must name a readable PEM file (got '" + c.tlsCertificate() + "')");
        rules.check(c.tlsPrivateKey().isEmpty() || Files.isReadable(Path.of(c.tlsPrivateKey())), TLS_PRIVATE_KEY,
                "must name a PEM file this user can read (got '" + c.tlsPrivateKey() + "')");
    }

    /** Collects the rules between keys that are broken, skipping those that involve a key already reported. */
    private record Rules(List<ConfigException> problems, Set<String> broken) {
        /** Returns {@code holds}; records the problem under {@code key} when it does not. */
        boolean check(boolean holds, Setting<?> key, String message, Setting<?>... involved) {
            if (holds || broken.contains(key.key())) {
                return holds;
            }
            for (Setting<?> s : involved) {
                if (broken.contains(s.key())) {
                    return holds;
                }
            }
            problems.add(new ConfigException(key.key(), message));
            return holds;
        }
    }

    /**
     * Whether two listeners on these addresses and one port would collide: the same address, or
     * either a wildcard (on Linux {@code ::} takes IPv4 too, so any wildcard is treated as taking all).
     */
    private static boolean sameSockets(String a, String b) {
        try {
            InetAddress x = InetAddress.getByName(a); // IP literals only (checked above): no DNS
            InetAddress y = InetAddress.getByName(b);
            return x.equals(y) || x.isAnyLocalAddress() || y.isAnyLocalAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** A dotted-quad IPv4 or an IPv6 literal; never a name (InetAddress parses a text with ':' as IPv6 only). */
    static boolean isIpLiteral(String s) {
        if (TenantRules.isIpv4Literal(s)) {
            return true;
        }
        if (s.indexOf(':') < 0 || !s.matches("[0-9a-fA-F:.]+")) {
            return false;
        }
        try {
            return InetAddress.getByName(s) instanceof Inet6Address;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static <T> T get(Map<String, String> values, Setting<T> s) {
        String text = values.get(s.key());
        return s.parse(text != null ? text : s.defaultText());
    }

    private static List<DigestAlgorithm> algorithms(String text) {
        List<DigestAlgorithm> out = new ArrayList<>();
        for (String t : text.split("[,\\s]+")) {
            if (t.isEmpty()) {
                continue;
            }
            DigestAlgorithm a = DigestAlgorithm.fromToken(t).orElseThrow();
            if (out.contains(a)) {
                throw new IllegalArgumentException();
            }
            out.add(a);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException();
        }
        return List.copyOf(out);
    }

    /** Address ranges: each entry must parse as one. */
    private static List<String> cidrs(String text) {
        List<String> out = new ArrayList<>();
        for (String t : text.split("[,\\s]+")) {
            if (!t.isEmpty()) {
                out.add(t);
            }
        }
        AddressRanges.parse(out); // every entry must be a range
        return out;
    }

    /** A comma-separated list; entries are stripped, empty ones dropped. */
    private static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        for (String t : text.split(",")) {
            if (!t.isBlank()) {
                out.add(t.strip());
            }
        }
        return List.copyOf(out);
    }

    private static Set<String> origins(String text) {
        Set<String> out = new LinkedHashSet<>();
        for (String t : text.split("[,\\s]+")) {
            if (t.isEmpty()) {
                continue;
            }
            if (!t.matches("https?://[A-Za-z0-9.-]+(:\\d{1,5})?|https?://\\[[0-9A-Fa-f:.]+\\](:\\d{1,5})?")) {
                throw new IllegalArgumentException();
            }
            out.add(t.toLowerCase(Locale.ROOT));
        }
        return out;
    }

    private static boolean isKnown(String key, String where, List<ConfigException> problems) {
        for (Setting<?> s : SETTINGS) {
            if (s.key().equals(key)) {
                return true;
            }
        }
        problems.add(new ConfigException(key, "unknown key (in " + where + ")"));
        return false;
    }

    /** Flattens the YAML tree to dotted keys; lists become comma-separated text. Unknown keys are problems. */
    private static Map<String, String> readYaml(Path file, List<ConfigException> problems) {
        JsonNode root;
        try {
            if (Files.size(file) == 0) {
                return Map.of();
            }
            root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
        } catch (IOException e) {
            throw new ConfigException("--config", "cannot read " + file + ": "
                    + e.getMessage().lines().findFirst().orElse("unreadable"));
        }
        Map<String, String> out = new LinkedHashMap<>();
        if (root == null || root.isNull() || root.isMissingNode()) {
            return out;
        }
        if (!root.isObject()) {
            throw new ConfigException("--config", file + " must be a YAML mapping of keys");
        }
        flatten("", root, out, file, problems);
        return out;
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> out, Path file,
                                List<ConfigException> problems) {
        for (Map.Entry<String, JsonNode> f : node.properties()) {
            String key = (prefix.isEmpty() ? f.getKey() : prefix + "." + f.getKey()).toLowerCase(Locale.ROOT);
            JsonNode value = f.getValue();
            if (value.isObject()) {
                flatten(key, value, out, file, problems);
                continue;
            }
            if (!isKnown(key, file.toString(), problems)) {
                continue;
            }
            if (value.isArray()) {
                List<String> items = new ArrayList<>();
                value.forEach(item -> items.add(item.asText()));
                out.put(key, String.join(",", items));
            } else if (!value.isNull()) {
                out.put(key, value.asText());
            }
        }
    }

    /** The variables that read a secret from a file, for --help. */
    static String secretFileVariables() {
        return String.join(", ", SETTINGS.stream().filter(Setting::secret).map(Setting::fileEnvName).toList());
    }

    /** Keys, defaults, environment variables and rules, for --help. */
    static String reference() {
        StringBuilder sb = new StringBuilder();
        for (Setting<?> s : SETTINGS) {
            sb.append(String.format("  %-34s %-28s default %-10s %s%n", s.key(), s.envName(),
                    s.defaultText().isEmpty() ? "(empty)" : s.defaultText(), s.rule()));
        }
        return sb.toString();
    }

    /** Records print every component; the admin key and keystore password must not reach a log. */
    @Override
    public String toString() {
        return "EdgeConfig[sip=" + sipAddress + ":" + sipPort + " tls=" + sipTlsPort + " http=" + httpAddress + ":"
                + httpPort + " admin=" + (httpAdminPort < 0 ? "off" : httpAdminAddress + ":" + httpAdminPort)
                + " data=" + dataDir + "]";
    }
}
