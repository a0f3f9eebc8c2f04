package io.sipedge.observe;

/** Why the edge refused a WebSocket handshake (RFC 6455, RFC 7118 §4); metrics count each. */
public enum WebSocketRefusal {
    /** Not a WebSocket upgrade: another method, no {@code Upgrade: websocket}, or a bad request. */
    NOT_WEBSOCKET("not_websocket"),
    /** {@code Sec-WebSocket-Protocol} does not offer {@code sip}. */
    NO_SIP_SUBPROTOCOL("no_sip_subprotocol"),
    /** {@code Origin} missing or not in {@code sip.ws-allowed-origins}. */
    ORIGIN("origin"),
    /** No usable {@code Host} header. */
    HOST("host"),
    /** The handshake did not finish within the handshake timeout. */
    TIMEOUT("timeout");

    private final String label;

    WebSocketRefusal(String label) {
        this.label = label;
    }

    /** The metrics label. */
    public String label() {
        return label;
    }
}
