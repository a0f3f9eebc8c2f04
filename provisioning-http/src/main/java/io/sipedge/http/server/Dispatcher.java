package io.sipedge.http.server;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import io.sipedge.directory.DirectoryException;
import io.sipedge.http.api.ApiException;
import io.sipedge.http.api.ApiRequest;
import io.sipedge.http.api.ApiResponse;
import io.sipedge.http.api.Handler;
import io.sipedge.http.api.Principal;
import io.sipedge.http.auth.TokenService;
import io.sipedge.http.render.Envelope;
import io.sipedge.http.routing.Route;
import io.sipedge.http.routing.RouteDoc.Access;
import io.sipedge.http.routing.RouteMatch;
import io.sipedge.http.routing.Router;
import io.sipedge.observe.LogText;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a Netty request into an {@link ApiRequest}, finds its route, checks its token, runs the
 * handler on the worker pool and writes the envelope back. One instance serves every connection;
 * what a connection needs (the request in flight, pipelined ones waiting) lives in a channel
 * attribute touched only on the connection's event loop. Requests of one connection are handled
 * one at a time, so pipelined requests are answered in order (RFC 9112 §9.3.2); past
 * {@value #MAX_PIPELINED} waiting, the connection stops reading until it catches up.
 */
@ChannelHandler.Sharable
final class Dispatcher extends ChannelInboundHandlerAdapter {
    /** Pipelined requests held per connection before reading pauses. */
    static final int MAX_PIPELINED = 16;
    private static final AttributeKey<Connection> CONNECTION = AttributeKey.valueOf("sipedge.http.connection");
    /** The client of the request in flight (X-Forwarded-For through a trusted proxy), for the access log. */
    private static final AttributeKey<String> CLIENT = AttributeKey.valueOf("sipedge.http.client");

    /** Per-connection state; event loop only. */
    private static final class Connection {
        boolean busy;
        final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>();
    }

    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
    /** One line per request: who, what, outcome, time. Never a header, body, token or key. */
    private static final Logger access = LoggerFactory.getLogger("io.sipedge.http.access");
    private static final SecureRandom RANDOM = new SecureRandom();
    /** A client's X-Request-ID is echoed only when it is short and harmless in logs and JSON. */
    private static final Pattern CLIENT_REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    private static final String X_AUTH_TOKEN = "X-Auth-Token";
    private static final String X_REQUEST_ID = "X-Request-ID";

    private final Router<Handler> router;
    private final TokenService tokens;
    private final FairPool pool;
    private final RequestObserver observer;
    private final ClientAddress clients;
    private final ClientGuard guard;

    Dispatcher(Router<Handler> router, TokenService tokens, FairPool pool, RequestObserver observer,
               ClientAddress clients, ClientGuard guard) {
        this.router = router;
        this.tokens = tokens;
        this.pool = pool;
        this.observer = observer;
        this.clients = clients;
        this.guard = guard;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest req)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        RequestDeadline deadline = ctx.pipeline().get(RequestDeadline.class);
        if (deadline != null) {
            deadline.complete(); // the request is whole: no slow sender to cut off
        }
        Connection c = connection(ctx);
        if (c.busy) {
            c.waiting.add(req);
            if (c.waiting.size() >= MAX_PIPELINED) {
                ctx.channel().config().setAutoRead(false);
            }
            return;
        }
        c.busy = true;
        handle(ctx, req);
    }

    private static Connection connection(ChannelHandlerContext ctx) {
        Connection c = ctx.channel().attr(CONNECTION).get();
        if (c == null) {
            c = new Connection();
            ctx.channel().attr(CONNECTION).set(c);
        }
        return c;
    }

    /** The previous answer is out: take the next waiting request, or read again. Event loop only. */
    private static void next(ChannelHandlerContext ctx) {
        Connection c = connection(ctx);
        FullHttpRequest req = c.waiting.poll();
        if (req == null) {
            c.busy = false;
            ctx.channel().config().setAutoRead(true);
        } else {
            handle(ctx, req);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        Connection c = ctx.channel().attr(CONNECTION).get();
        if (c != null) {
            c.waiting.forEach(ReferenceCountUtil::release);
            c.waiting.clear();
        }
        super.channelInactive(ctx);
    }

    /** Handles one request and releases it. */
    private static void handle(ChannelHandlerContext ctx, FullHttpRequest req) {
        try {
            dispatch(ctx, req);
        } finally {
            req.release();
        }
    }

    private static void dispatch(ChannelHandlerContext ctx, FullHttpRequest req) {
        Dispatcher self = (Dispatcher) ctx.handler();
        long start = System.nanoTime();
        String requestId = requestId(req);
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        if (!req.decoderResult().isSuccess()) {
            // A request line or header Netty could not parse: answer and close (the stream may be out of step).
            send(ctx, "- -", errorResponse(ApiException.badRequest("malformed HTTP request"), requestId), false,
                    null, start, false, "OTHER", RequestObserver.UNMATCHED);
            return;
        }
        String client = self.clients.of(peer(ctx), forwardedFor(req));
        ctx.channel().attr(CLIENT).set(client);
        QueryStringDecoder uri = new QueryStringDecoder(req.uri());
        String path = uri.rawPath();
        String method = req.method().name();
        boolean head = method.equals("HEAD");
        String verb = methodLabel(method);
        String token = token(req);

        RouteMatch<Handler> match = self.router.match(method, path);
        String what = method + " " + (match instanceof RouteMatch.Found<Handler> f && f.route().doc().secretPath()
                ? f.route().pattern().template() : redacted(path));
        if (match instanceof RouteMatch.MethodNotAllowed<Handler> m) {
            FullHttpResponse res = errorResponse(new ApiException(405, "method not allowed; allowed: "
                    + String.join(", ", m.allow()), null), requestId);
            res.headers().set(HttpHeaderNames.ALLOW, String.join(", ", m.allow()));
            send(ctx, what, res, keepAlive, null, start, head, verb, RequestObserver.UNMATCHED);
            return;
        }
        if (!(match instanceof RouteMatch.Found<Handler> found)) {
            send(ctx, what, errorResponse(new ApiException(404, "not found: no such route", null), requestId),
                    keepAlive, null, start, head, verb, RequestObserver.UNMATCHED);
            return;
        }
        Route<Handler> route = found.route();
        Map<String, List<String>> query;
        try {
            query = uri.parameters();
        } catch (IllegalArgumentException e) { // a '%' not followed by two hex digits, or not UTF-8
            send(ctx, what, errorResponse(ApiException.invalid("query", "encoding",
                    "must be percent-encoded UTF-8 (RFC 3986)"), requestId), keepAlive, null, start, head, verb,
                    route.pattern().template());
            return;
        }
        // Every route but the operational ones and the portal's static files takes or checks a
        // credential: limited per client. The page itself must load for a client that is locked out,
        // so that the user reads why (the sign-in's 429) instead of a bare JSON error.
        boolean credential = !route.doc().tag().equals("operations") && !route.doc().tag().equals("portal");
        java.time.Duration wait = credential ? self.guard.refusal(client) : null;
        if (wait != null) {
            long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
            send(ctx, what, errorResponse(new ApiException(429, "429", "too many requests: retry after " + seconds
                    + " s", null, Map.of("Retry-After", Long.toString(seconds))), requestId), keepAlive, null, start,
                    head, verb, route.pattern().template());
            return;
        }
        // A 401 counts as a failure when something was presented: a token, or on a public route (the
        // API key exchange, users' sign-in) the credentials in the body.
        boolean presented = token != null || req.headers().contains(HttpHeaderNames.AUTHORIZATION)
                || route.doc().access() == Access.PUBLIC;
        byte[] body = ByteBufUtil.getBytes(req.content());
        ApiRequest apiRequest = new ApiRequest(route.method(), path, found.params(), query, body, token, null,
                requestId, headers(req), client, head);
        try {
            self.pool.execute(client, () -> {
                Principal principal = null;
                FullHttpResponse res;
                try {
                    principal = self.authorise(route, token);
                    ApiResponse out = route.handler().handle(apiRequest.withPrincipal(principal));
                    res = successResponse(out, token, requestId);
                } catch (ApiException e) {
                    res = errorResponse(e, token, requestId);
                } catch (DirectoryException e) {
                    res = errorResponse(fromDirectory(e), token, requestId);
                } catch (RuntimeException e) {
                    log.warn("{} {} failed (request {})", method, route.pattern().template(), requestId, e);
                    res = errorResponse(new ApiException(500, "internal error", null), token, requestId);
                }
                int status = res.status().code();
                if (credential && (status == 401 && presented || status == 404 && route.doc().secretPath())) {
                    self.guard.failed(client); // a wrong token, key, password or secret path
                }
                send(ctx, what, res, keepAlive, principal, start, head, verb, route.pattern().template());
            });
        } catch (RejectedExecutionException e) {
            FullHttpResponse res = errorResponse(new ApiException(503, "503", "busy: try again shortly", null,
                    Map.of("Retry-After", "1")), token, requestId);
            send(ctx, what, res, keepAlive, null, start, head, verb, route.pattern().template());
        }
    }

    private Principal authorise(Route<Handler> route, String token) {
        Access a = route.doc().access();
        if (a == Access.PUBLIC || a == Access.DEVICE || a == Access.USER) {
            return null; // DEVICE, USER: the handler checks the digest credentials or the user's token itself
        }
        Principal p = tokens.verify(token).orElse(null);
        if (p == null) {
            String err = route.doc().unauthorizedError();
            throw err == null ? ApiException.unauthorized()
                    : new ApiException(401, err, "invalid credentials", null, Map.of());
        }
        if (a == Access.ADMIN && !p.isAdmin()) {
            throw ApiException.forbidden();
        }
        return p;
    }

    /** A store exception that no handler turned into something more specific. */
    private static ApiException fromDirectory(DirectoryException e) {
        return switch (e.kind()) {
            case INVALID, CONFLICT -> ApiException.invalid(e.violations());
            case NOT_FOUND -> ApiException.notFound("resource");
            case IO -> {
                log.error("directory write failed: {}", e.getMessage());
                yield new ApiException(500, "storage failure: the change was not made", null);
            }
        };
    }

    private static FullHttpResponse successResponse(ApiResponse out, String token, String requestId) {
        byte[] body = out.raw() != null ? out.raw()
                : Envelope.success(out.authToken() != null ? out.authToken() : visibleToken(token), out.data(),
                        out.extras(), requestId);
        FullHttpResponse res = response(HttpResponseStatus.valueOf(out.status()), body, requestId);
        if (out.contentType() != null) {
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, out.contentType());
        }
        // A value with line breaks is several fields of the same name (two WWW-Authenticate challenges).
        out.headers().forEach((k, v) -> {
            res.headers().remove(k);
            for (String one : v.split("\n")) {
                res.headers().add(k, one);
            }
        });
        return res;
    }

    /**
     * The path as the access log shows it: anything under {@code /provisioning/} may be a token
     * (even on a 404 or 405, where no route says so), so only the first segment after it stays.
     */
    static String redacted(String path) {
        if (!path.startsWith("/provisioning/")) {
            return path;
        }
        String rest = path.substring("/provisioning/".length());
        int slash = rest.indexOf('/');
        String first = slash < 0 ? rest : rest.substring(0, slash);
        if (first.equals("qrcode") || first.equals("auth_token")) {
            return "/provisioning/" + first + "/<redacted>";
        }
        return first.equals("me") && slash < 0 ? path : "/provisioning/<redacted>";
    }

    private static Map<String, String> headers(FullHttpRequest req) {
        Map<String, String> out = new java.util.HashMap<>();
        for (Map.Entry<String, String> h : req.headers()) {
            out.putIfAbsent(h.getKey().toLowerCase(java.util.Locale.ROOT), h.getValue());
        }
        return out;
    }

    static String peer(ChannelHandlerContext ctx) {
        SocketAddress remote = ctx.channel().remoteAddress();
        return remote instanceof InetSocketAddress a ? a.getAddress().getHostAddress() : "-";
    }

    /** Every X-Forwarded-For field of the request, in order, as one comma-separated list; null when none. */
    private static String forwardedFor(FullHttpRequest req) {
        List<String> all = req.headers().getAll("X-Forwarded-For");
        return all.isEmpty() ? null : String.join(",", all);
    }

    static FullHttpResponse errorResponse(ApiException e, String requestId) {
        return errorResponse(e, null, requestId);
    }

    private static FullHttpResponse errorResponse(ApiException e, String token, String requestId) {
        // A token that failed to authenticate is not echoed: the envelope carries only a working one.
        String echo = e.status() == 401 ? null : visibleToken(token);
        FullHttpResponse res = response(HttpResponseStatus.valueOf(e.status()), Envelope.error(echo, e, requestId),
                requestId);
        e.headers().forEach((k, v) -> res.headers().set(k, v));
        return res;
    }

    /**
     * The envelope's {@code auth_token} echoes the token the request carried, as the devices seed
     * and Kazoo do; the caller already holds it, and no other token ever appears.
     */
    private static String visibleToken(String token) {
        return token;
    }

    private static FullHttpResponse response(HttpResponseStatus status, byte[] body, String requestId) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        // Answers carry account data and keys: no cache on the way may keep them.
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        r.headers().set(X_REQUEST_ID, requestId);
        return r;
    }

    /**
     * Writes the answer (from any thread), logs and counts it, then asks for the next request or
     * closes. {@code verb} and {@code route} are the metric labels: a known verb or OTHER, the route
     * template or {@link RequestObserver#UNMATCHED}.
     */
    private static void send(ChannelHandlerContext ctx, String what, FullHttpResponse res, boolean keepAlive,
                             Principal principal, long start, boolean head, String verb, String route) {
        if (head) {
            // HEAD: the headers of the GET, Content-Length included, and no body (RFC 9110 §9.3.2).
            res.content().clear();
        }
        if (keepAlive) {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        } else {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        accessLog(ctx, what, res, principal, start);
        ((Dispatcher) ctx.handler()).observer.answered(verb, route, res.status().code(), System.nanoTime() - start);
        ctx.writeAndFlush(res).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess() || !keepAlive) {
                f.channel().close();
            } else {
                next(ctx);
            }
        });
    }

    static void accessLog(ChannelHandlerContext ctx, String what, FullHttpResponse res, Principal principal,
                          long start) {
        if (!access.isInfoEnabled()) {
            return;
        }
        String client = ctx.channel().attr(CLIENT).get();
        String ip = client != null ? client : peer(ctx);
        access.info("{} {} {} {}B {}ms {} {}", ip, LogText.printable(what), res.status().code(),
                res.headers().getInt(HttpHeaderNames.CONTENT_LENGTH, 0),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
                principal == null ? "-" : principal, res.headers().get(X_REQUEST_ID));
    }

    /** The verb as a metric label: a client may send any token as a method, so only the standard ones pass. */
    static String methodLabel(String method) {
        return switch (method) {
            case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS" -> method;
            default -> "OTHER";
        };
    }

    private static String token(FullHttpRequest req) {
        String t = req.headers().get(X_AUTH_TOKEN);
        if (t == null) {
            String auth = req.headers().get(HttpHeaderNames.AUTHORIZATION);
            if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
                t = auth.substring(7);
            }
        }
        return t == null || t.isBlank() ? null : t.strip();
    }

    private static String requestId(FullHttpRequest req) {
        String id = req.headers().get(X_REQUEST_ID);
        return id != null && CLIENT_REQUEST_ID.matcher(id).matches() ? id : newRequestId();
    }

    static String newRequestId() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            ctx.close();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("http connection closed: {}", cause.toString());
        ctx.close();
    }
}
