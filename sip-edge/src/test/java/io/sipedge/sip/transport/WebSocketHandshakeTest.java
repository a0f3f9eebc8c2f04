package io.sipedge.sip.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sipedge.observe.WebSocketRefusal;
import io.sipedge.sip.transport.WebSocketHandshake.Refusal;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The upgrade rules of a SIP WebSocket (RFC 6455 §4.2.1, RFC 7118 §4), without sockets: one row per
 * request, the refusal it must get (null: the handshake goes on to Netty).
 */
class WebSocketHandshakeTest {
    private static final String HOST = "edge.example.com:5066";
    private static final List<String> ONE_HOST = List.of(HOST);
    private static final List<String> SIP = List.of("sip");
    private static final Set<String> ANY_ORIGIN = Set.of();
    private static final Set<String> APP_ONLY = Set.of("https://app.example.com");

    private static final Refusal NOT_GET = new Refusal(WebSocketRefusal.NOT_WEBSOCKET, 405, "Method Not Allowed");
    private static final Refusal NO_UPGRADE = new Refusal(WebSocketRefusal.NOT_WEBSOCKET, 426, "Upgrade Required");
    private static final Refusal BAD_HOST = new Refusal(WebSocketRefusal.HOST, 400, "Bad Request");
    private static final Refusal NO_SIP = new Refusal(WebSocketRefusal.NO_SIP_SUBPROTOCOL, 400, "Bad Request");
    private static final Refusal FOREIGN_ORIGIN = new Refusal(WebSocketRefusal.ORIGIN, 403, "Forbidden");

    /** method, Upgrade, Host headers, Sec-WebSocket-Protocol headers, Origin, allowed origins, expected. */
    static Stream<Arguments> requests() {
        return Stream.of(
                // the sub-protocol: a token compared exactly (RFC 6455 §11.3.4), in any of the offers
                row("a browser's upgrade", "GET", "websocket", ONE_HOST, SIP, null, ANY_ORIGIN, null),
                row("Upgrade is case-insensitive", "GET", "WebSocket", ONE_HOST, SIP, null, ANY_ORIGIN, null),
                row("sip among others", "GET", "websocket", ONE_HOST, List.of("foo, sip"), null, ANY_ORIGIN, null),
                row("sip listed without spaces", "GET", "websocket", ONE_HOST, List.of("foo,sip,bar"), null,
                        ANY_ORIGIN, null),
                row("sip in a second header", "GET", "websocket", ONE_HOST, List.of("foo", "sip"), null,
                        ANY_ORIGIN, null),
                row("SIP is another token", "GET", "websocket", ONE_HOST, List.of("SIP"), null, ANY_ORIGIN, NO_SIP),
                row("no protocol header", "GET", "websocket", ONE_HOST, List.of(), null, ANY_ORIGIN, NO_SIP),
                row("other protocols only", "GET", "websocket", ONE_HOST, List.of("xmpp, msrp"), null, ANY_ORIGIN,
                        NO_SIP),
                row("sip as a prefix", "GET", "websocket", ONE_HOST, List.of("sips"), null, ANY_ORIGIN, NO_SIP),
                // not a WebSocket upgrade at all; the method is checked first
                row("POST", "POST", "websocket", ONE_HOST, SIP, null, ANY_ORIGIN, NOT_GET),
                row("POST without Upgrade", "POST", null, ONE_HOST, SIP, null, ANY_ORIGIN, NOT_GET),
                row("lower-case get", "get", "websocket", ONE_HOST, SIP, null, ANY_ORIGIN, NOT_GET),
                row("no Upgrade", "GET", null, ONE_HOST, SIP, null, ANY_ORIGIN, NO_UPGRADE),
                row("Upgrade to h2c", "GET", "h2c", ONE_HOST, SIP, null, ANY_ORIGIN, NO_UPGRADE),
                // Host (RFC 7230 §5.4): exactly one, and a valid host[:port]
                row("two Host headers", "GET", "websocket", List.of(HOST, HOST), SIP, null, ANY_ORIGIN, BAD_HOST),
                row("no Host header", "GET", "websocket", List.of(), SIP, null, ANY_ORIGIN, BAD_HOST),
                row("empty Host", "GET", "websocket", List.of(""), SIP, null, ANY_ORIGIN, BAD_HOST),
                row("a space in Host", "GET", "websocket", List.of("bad host"), SIP, null, ANY_ORIGIN, BAD_HOST),
                row("IPv6 with port", "GET", "websocket", List.of("[::1]:5066"), SIP, null, ANY_ORIGIN, null),
                row("IPv4 without port", "GET", "websocket", List.of("127.0.0.1"), SIP, null, ANY_ORIGIN, null),
                row("port out of range", "GET", "websocket", List.of("example.com:99999"), SIP, null, ANY_ORIGIN,
                        BAD_HOST),
                row("port 65536", "GET", "websocket", List.of("example.com:65536"), SIP, null, ANY_ORIGIN, BAD_HOST),
                row("empty port", "GET", "websocket", List.of("example.com:"), SIP, null, ANY_ORIGIN, BAD_HOST),
                row("port only", "GET", "websocket", List.of(":5066"), SIP, null, ANY_ORIGIN, BAD_HOST),
                row("unclosed IPv6", "GET", "websocket", List.of("[::1"), SIP, null, ANY_ORIGIN, BAD_HOST),
                // Origin (RFC 6455 §10.2): an empty allow-list takes any page, or none
                row("any origin allowed", "GET", "websocket", ONE_HOST, SIP, "https://evil.example.com", ANY_ORIGIN,
                        null),
                row("no origin, none required", "GET", "websocket", ONE_HOST, SIP, null, ANY_ORIGIN, null),
                row("the allowed origin", "GET", "websocket", ONE_HOST, SIP, "https://app.example.com", APP_ONLY,
                        null),
                row("origins compare in lower case", "GET", "websocket", ONE_HOST, SIP, "https://APP.example.com",
                        APP_ONLY, null),
                row("a foreign origin", "GET", "websocket", ONE_HOST, SIP, "https://evil.example.com", APP_ONLY,
                        FOREIGN_ORIGIN),
                row("the right host on http", "GET", "websocket", ONE_HOST, SIP, "http://app.example.com", APP_ONLY,
                        FOREIGN_ORIGIN),
                row("no origin where one is required", "GET", "websocket", ONE_HOST, SIP, null, APP_ONLY,
                        FOREIGN_ORIGIN),
                // the protocol is checked before the origin
                row("no sip from a foreign origin", "GET", "websocket", ONE_HOST, List.of(), "https://evil.example.com",
                        APP_ONLY, NO_SIP));
    }

    private static Arguments row(String name, String method, String upgrade, List<String> hosts,
                                 List<String> protocols, String origin, Set<String> allowed, Refusal expected) {
        return Arguments.of(name, method, upgrade, hosts, protocols, origin, allowed, expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void eachRequestGetsItsRefusalOrNone(String name, String method, String upgrade, List<String> hosts,
                                         List<String> protocols, String origin, Set<String> allowed,
                                         Refusal expected) {
        assertEquals(expected, WebSocketHandshake.check(method, upgrade, hosts, protocols, origin, allowed), name);
    }

    private static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";
    private static final Refusal BAD_REQUEST = new Refusal(WebSocketRefusal.NOT_WEBSOCKET, 400, "Bad Request");
    private static final Refusal OLD_VERSION = new Refusal(WebSocketRefusal.NOT_WEBSOCKET, 426, "Upgrade Required");

    /** Request target, HTTP version, Sec-WebSocket-Key, Sec-WebSocket-Version, expected. */
    static Stream<Arguments> requestLines() {
        return Stream.of(
                Arguments.of("a browser's request", "/", "HTTP/1.1", KEY, "13", null),
                Arguments.of("any path", "/ws?x=1", "HTTP/1.1", KEY, "13", null),
                Arguments.of("absolute form", "http://127.0.0.1:5066/", "HTTP/1.1", KEY, "13", BAD_REQUEST),
                Arguments.of("asterisk form", "*", "HTTP/1.1", KEY, "13", BAD_REQUEST),
                Arguments.of("HTTP/1.0", "/", "HTTP/1.0", KEY, "13", BAD_REQUEST),
                Arguments.of("no key", "/", "HTTP/1.1", null, "13", BAD_REQUEST),
                Arguments.of("a key of 15 bytes", "/", "HTTP/1.1", "dGhlIHNhbXBsZSBub25j", "13", BAD_REQUEST),
                Arguments.of("a key that is not base64", "/", "HTTP/1.1", "not base64 at all!!!!!!!", "13",
                        BAD_REQUEST),
                Arguments.of("no version", "/", "HTTP/1.1", KEY, null, OLD_VERSION),
                Arguments.of("version 8", "/", "HTTP/1.1", KEY, "8", OLD_VERSION));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requestLines")
    void theRequestLineAndKeyAreChecked(String name, String target, String version, String key, String wsVersion,
                                        Refusal expected) {
        assertEquals(expected, WebSocketHandshake.checkRequest(target, version, key, wsVersion), name);
    }
}
