package io.sipedge.http.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The self-service page (issue 17) at {@code /portal}: plain HTML, CSS and JavaScript bundled in
 * the jar under {@value #ROOT}, read once at start and served from memory. The page only calls the
 * users' {@code /api/} routes; it holds no logic of the edge.
 *
 * <p>Every answer carries a strict Content-Security-Policy: scripts and styles only from the page's
 * own origin (no inline script, so an injected tag cannot run), images from the origin or from
 * {@code data:}/{@code blob:} (the scloc QR code is fetched with the bearer token and shown from a
 * blob), no framing (clickjacking a "Regenerate" button), and requests to the origin only.
 * {@code Referrer-Policy: no-referrer} keeps the page's URL, which briefly holds the one-time code
 * after a Microsoft sign-in, out of every request it makes.
 */
final class PortalResource {
    static final String ROOT = "/io/sipedge/http/portal/";
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
            + "form-action 'self'; frame-ancestors 'none'";
    /** The bundled files and their media types; any other name is a 404. */
    private static final Map<String, String> ASSETS = Map.of(
            "index.html", "text/html; charset=utf-8",
            "portal.js", "text/javascript; charset=utf-8",
            "portal.css", "text/css; charset=utf-8");

    private record Asset(byte[] body, String contentType, Map<String, String> headers) {
    }

    private final Map<String, Asset> assets = new LinkedHashMap<>();

    PortalResource() {
        ASSETS.forEach((name, type) -> {
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("Content-Security-Policy", CONTENT_SECURITY_POLICY);
            headers.put("X-Content-Type-Options", "nosniff");
            headers.put("Referrer-Policy", "no-referrer");
            // The HTML is never stored (it is the entry point after a sign-in); the script and style
            // may be kept but are checked again each time, so an upgrade reaches every browser at once.
            headers.put("Cache-Control", name.endsWith(".html") ? "no-store" : "no-cache");
            assets.put(name, new Asset(read(name), type, Map.copyOf(headers)));
        });
    }

    /** GET /portal (and /portal/): the page. */
    ApiResponse page(ApiRequest req) {
        return answer(assets.get("index.html"));
    }

    /** GET /portal/{asset}: one of the bundled files, else the router's own 404. */
    ApiResponse asset(ApiRequest req) {
        Asset a = assets.get(req.param("asset"));
        if (a == null) {
            throw new ApiException(404, "not found: no such route", null);
        }
        return answer(a);
    }

    private static ApiResponse answer(Asset a) {
        return ApiResponse.bytes(200, a.contentType(), a.body(), a.headers());
    }

    private static byte[] read(String name) {
        try (InputStream in = PortalResource.class.getResourceAsStream(ROOT + name)) {
            if (in == null) {
                throw new IllegalStateException(ROOT + name + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
