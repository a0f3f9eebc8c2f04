package io.sipedge.model;

import java.util.Locale;

/** The transport a request arrived on; bindings remember it so replies and proxied requests reuse it. */
public enum Transport {
    UDP, TCP, TLS,
    /** SIP over WebSocket (RFC 7118), plain. */
    WS,
    /** SIP over WebSocket over TLS. */
    WSS;

    /** Parses the token JAIN-SIP and Via headers use ("udp", "TCP", "tls"). */
    public static Transport parse(String token) {
        return valueOf(token.trim().toUpperCase(Locale.ROOT));
    }

    /**
     * True for SIP over WebSocket: a WebSocket client cannot take connections (RFC 7118 §5), so its
     * connection is the only way to reach it.
     */
    public boolean webSocket() {
        return this == WS || this == WSS;
    }

    /** The lower-case token used in URIs and Via headers. */
    public String token() {
        return name().toLowerCase(Locale.ROOT);
    }
}
