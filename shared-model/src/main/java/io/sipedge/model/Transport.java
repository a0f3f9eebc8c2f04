package io.sipedge.model;

import java.util.Locale;

/** The transport a request arrived on; bindings remember it so replies and proxied requests reuse it. */
public enum Transport {
    UDP, TCP, TLS;

    /** Parses the token JAIN-SIP and Via headers use ("udp", "TCP", "tls"). */
    public static Transport parse(String token) {
        return valueOf(token.trim().toUpperCase(Locale.ROOT));
    }

    /** The lower-case token used in URIs and Via headers. */
    public String token() {
        return name().toLowerCase(Locale.ROOT);
    }
}
