package io.sipedge.loadtest.transport;

import java.util.Locale;

/**
 * SIP transports; the Via token is the upper-case name, the CLI and the reports use the lower-case
 * one. WS and WSS are SIP over WebSocket (RFC 7118), over TCP and TLS.
 */
public enum TransportType {
    UDP(false, false, false),
    TCP(true, false, false),
    TLS(true, true, false),
    WS(true, false, true),
    WSS(true, true, true);

    private final boolean reliable;
    private final boolean secure;
    private final boolean webSocket;

    TransportType(boolean reliable, boolean secure, boolean webSocket) {
        this.reliable = reliable;
        this.secure = secure;
        this.webSocket = webSocket;
    }

    /** Reliable transports get no retransmissions (RFC 3261 §17.1.2.2). */
    public boolean reliable() {
        return reliable;
    }

    /** Over TLS: TLS and WSS. */
    public boolean secure() {
        return secure;
    }

    /** SIP over WebSocket: WS and WSS. */
    public boolean webSocket() {
        return webSocket;
    }

    public String viaToken() {
        return name();
    }

    /**
     * The lower-case name, as the CLI takes it and the reports print it. For UDP, TCP and TLS it is
     * also the Contact's {@code transport} parameter; WS and WSS both use {@code ws} there (RFC 7118
     * §5.2).
     */
    public String lowerName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses udp|tcp|tls|ws|wss, any case; null when it is none of them. */
    public static TransportType parse(String s) {
        for (TransportType t : values()) {
            if (t.name().equalsIgnoreCase(s)) {
                return t;
            }
        }
        return null;
    }
}
