package io.sipedge.sip.transport;

import io.sipedge.observe.WebSocketRefusal;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Whether an HTTP request may become a SIP WebSocket (RFC 6455 §4.2.1, RFC 7118 §4), decided before
 * Netty's handshaker sees it: Netty would complete a handshake that offers no {@code sip}
 * sub-protocol (without one in the answer), which a browser then drops, and it has no Origin check.
 * Key and version are Netty's to check.
 */
final class WebSocketHandshake {
    /** The sub-protocol RFC 7118 registers. */
    static final String SUBPROTOCOL = "sip";

    /** A refusal: what to count, and the HTTP status and reason to answer with. */
    record Refusal(WebSocketRefusal why, int status, String reason) {
    }

    private WebSocketHandshake() {
    }

    /**
     * @param method          the request's method
     * @param upgrade         its {@code Upgrade} header, or null
     * @param hosts           its {@code Host} headers
     * @param protocols       its {@code Sec-WebSocket-Protocol} headers (each a comma-separated list)
     * @param origin          its {@code Origin} header, or null
     * @param allowedOrigins  origins allowed, lower case, scheme://host[:port]; empty allows any
     * @return null when the handshake may go on
     */
    static Refusal check(String method, String upgrade, List<String> hosts, List<String> protocols, String origin,
                         Set<String> allowedOrigins) {
        if (!"GET".equals(method)) {
            return new Refusal(WebSocketRefusal.NOT_WEBSOCKET, 405, "Method Not Allowed");
        }
        if (upgrade == null || !upgrade.trim().equalsIgnoreCase("websocket")) {
            return new Refusal(WebSocketRefusal.NOT_WEBSOCKET, 426, "Upgrade Required");
        }
        if (hosts.size() != 1 || !validHost(hosts.get(0).trim())) {
            return new Refusal(WebSocketRefusal.HOST, 400, "Bad Request");
        }
        if (!offersSip(protocols)) {
            return new Refusal(WebSocketRefusal.NO_SIP_SUBPROTOCOL, 400, "Bad Request");
        }
        if (!allowedOrigins.isEmpty()
                && (origin == null || !allowedOrigins.contains(origin.trim().toLowerCase(Locale.ROOT)))) {
            return new Refusal(WebSocketRefusal.ORIGIN, 403, "Forbidden");
        }
        return null;
    }

    /**
     * The request line and RFC 6455's own headers (§4.1, §4.2.1): a target in origin form, HTTP/1.1,
     * a key of 16 bytes in base64 and version 13. Checked here so that every refusal is counted.
     *
     * @return null when the request may go on to Netty's handshaker
     */
    static Refusal checkRequest(String target, String httpVersion, String key, String version) {
        if (target == null || !target.startsWith("/") || !"HTTP/1.1".equals(httpVersion) || !validKey(key)) {
            return new Refusal(WebSocketRefusal.NOT_WEBSOCKET, 400, "Bad Request");
        }
        if (version == null || !version.trim().equals("13")) {
            return new Refusal(WebSocketRefusal.NOT_WEBSOCKET, 426, "Upgrade Required");
        }
        return null;
    }

    private static boolean validKey(String key) {
        if (key == null) {
            return false;
        }
        try {
            return Base64.getDecoder().decode(key.trim()).length == 16;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static boolean offersSip(List<String> protocols) {
        for (String header : protocols) {
            for (String p : header.split(",", -1)) {
                if (p.trim().equals(SUBPROTOCOL)) { // tokens compare exactly (RFC 6455 §11.3.4)
                    return true;
                }
            }
        }
        return false;
    }

    /** {@code host[:port]}, a name, an IPv4 address or a bracketed IPv6 address (RFC 7230 §5.4). */
    private static boolean validHost(String h) {
        if (h.isEmpty() || h.length() > 255) {
            return false;
        }
        int portAt;
        if (h.charAt(0) == '[') {
            int close = h.indexOf(']');
            if (close < 2) {
                return false;
            }
            for (int i = 1; i < close; i++) {
                char c = h.charAt(i);
                if (!(Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
                    return false;
                }
            }
            portAt = close + 1;
        } else {
            portAt = h.indexOf(':');
            if (portAt < 0) {
                portAt = h.length();
            }
            if (portAt == 0) {
                return false;
            }
            for (int i = 0; i < portAt; i++) {
                char c = h.charAt(i);
                if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-')) {
                    return false;
                }
            }
        }
        if (portAt == h.length()) {
            return true;
        }
        if (h.charAt(portAt) != ':' || portAt + 1 == h.length() || h.length() - portAt - 1 > 5) {
            return false;
        }
        for (int i = portAt + 1; i < h.length(); i++) {
            if (h.charAt(i) < '0' || h.charAt(i) > '9') {
                return false;
            }
        }
        return Integer.parseInt(h.substring(portAt + 1)) <= 65_535;
    }
}
