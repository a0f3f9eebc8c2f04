package io.sipedge.loadtest.transport;

import java.util.Locale;

/** SIP transports; the Via token is the upper-case name, the URI parameter the lower-case one. */
public enum TransportType {
    UDP(false),
    TCP(true),
    TLS(true);

    private final boolean reliable;

    TransportType(boolean reliable) {
        this.reliable = reliable;
    }

    /** Reliable transports get no retransmissions (RFC 3261 §17.1.2.2). */
    public boolean reliable() {
        return reliable;
    }

    public String viaToken() {
        return name();
    }

    public String uriParameter() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses udp|tcp|tls, any case; null when it is none of them. */
    public static TransportType parse(String s) {
        for (TransportType t : values()) {
            if (t.name().equalsIgnoreCase(s)) {
                return t;
            }
        }
        return null;
    }
}
