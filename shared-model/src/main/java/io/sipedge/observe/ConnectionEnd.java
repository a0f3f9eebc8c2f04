package io.sipedge.observe;

/** Why the edge refused or closed a TCP, TLS or WebSocket connection; metrics count each. */
public enum ConnectionEnd {
    /** The peer closed it, or reset it. */
    PEER("peer"),
    /** Refused at accept: the edge holds {@code sip.max-connections} already. */
    CAP_TOTAL("cap_total"),
    /** Refused at accept: its source address holds {@code sip.max-connections-per-ip} already. */
    CAP_PER_IP("cap_per_ip"),
    /** No valid request within {@code sip.connection-idle-timeout-ms} of opening. */
    IDLE("idle"),
    /** A message did not arrive whole within {@code sip.read-timeout-ms} of its first byte. */
    SLOW("slow"),
    /** The peer stopped reading: its send queue passed its bound or stayed full past the write timeout. */
    WRITE_STALL("write_stall"),
    /** The byte stream could not be cut into messages, or a message was malformed. */
    MALFORMED("malformed"),
    /** The TLS handshake failed or timed out. */
    TLS_HANDSHAKE("tls_handshake"),
    /** The WebSocket handshake was refused or did not finish in time. */
    WS_HANDSHAKE("ws_handshake"),
    /** The peer stopped answering keepalives (WebSocket pings). */
    KEEPALIVE("keepalive"),
    /** The edge is stopping. */
    SHUTDOWN("shutdown"),
    /** An I/O error. */
    ERROR("error");

    private final String label;

    ConnectionEnd(String label) {
        this.label = label;
    }

    /** The metrics label. */
    public String label() {
        return label;
    }
}
