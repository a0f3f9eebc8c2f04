package io.sipedge.http.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sipedge.http.render.Json;
import io.sipedge.http.routing.Route;
import io.sipedge.http.routing.RouteDoc;
import io.sipedge.http.routing.Router;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;

/**
 * Builds the OpenAPI 3 document from the route table and the hand-written component schemas in
 * {@code openapi-components.json}: paths, verbs, guards and path parameters come from the routes,
 * so a route cannot exist without being documented.
 */
public final class OpenApi {
    private static final String COMPONENTS = "/io/sipedge/http/api/openapi-components.json";

    private OpenApi() {
    }

    public static byte[] document(Router<Handler> router) {
        ObjectNode root = Json.object();
        root.put("openapi", "3.0.3");
        ObjectNode info = root.putObject("info");
        info.put("title", "sip-edge operator API");
        info.put("version", "2");
        info.put("description", "Accounts, devices, users, tokens, live registration status and SIP settings; users' sign-in "
                + "under /api; their self-service page under /portal. Every response except this document, the "
                + "metrics, provisioning, the page's files and /api (the tenant-auth seed's flat JSON) is the "
                + "envelope {auth_token, data, status, request_id}. When the operator API has a listener of its "
                + "own (http.admin-port), only operations marked x-listener: public are served on the public "
                + "listener; every operation is served on the admin one.");
        ObjectNode paths = root.putObject("paths");
        for (Route<Handler> r : router.routes()) {
            ObjectNode item = paths.has(r.pattern().template()) ? (ObjectNode) paths.get(r.pattern().template())
                    : paths.putObject(r.pattern().template());
            item.set(r.method().toLowerCase(Locale.ROOT), operation(r));
        }
        root.set("components", components());
        return Json.bytes(root);
    }

    private static ObjectNode operation(Route<Handler> r) {
        RouteDoc doc = r.doc();
        boolean seed = seedShaped(r);
        ObjectNode op = Json.object();
        op.put("summary", doc.summary());
        op.putArray("tags").add(doc.tag());
        op.put("operationId", r.method().toLowerCase(Locale.ROOT) + r.pattern().template()
                .replaceAll("[{}]", "").replaceAll("[^A-Za-z0-9]+", "_"));
        op.put("x-listener", doc.publicListener() ? "public" : "admin");
        ArrayNode security = op.putArray("security");
        if (doc.access() != RouteDoc.Access.PUBLIC) {
            security.addObject().putArray(switch (doc.access()) {
                case DEVICE -> "sipDigest";
                case USER -> r.pattern().template().equals("/api/login") ? "sessionCookie" : "userBearer";
                default -> "authToken";
            });
            op.put("x-access", doc.access().name().toLowerCase(Locale.ROOT));
        }
        ArrayNode params = op.putArray("parameters");
        for (String name : r.pattern().parameterNames()) {
            ObjectNode p = params.addObject();
            p.put("name", name);
            p.put("in", "path");
            p.put("required", true);
            p.putObject("schema").put("type", "string");
        }
        if (doc.responseSchema() != null && doc.responseSchema().endsWith("[]") && r.method().equals("GET")
                && !seedShaped(r) && !r.pattern().template().endsWith("/status") && !r.pattern().template().endsWith("/registrations")) {
            query(params, "page_size", "integer", "items per page, 1..1000 (default 50)");
            query(params, "start_key", "string", "next_start_key of the previous page");
        }
        if (r.pattern().template().endsWith("/devices") && r.method().equals("GET") && !seedShaped(r)) {
            query(params, "filter_device_type", "string", "only devices of this type (any filter_<field> works, "
                    + "dotted for nested fields, e.g. filter_sip.username; filter_not_<field> excludes)");
        }
        if (r.pattern().template().endsWith("/qrcode")
                && (r.pattern().template().startsWith("/v2/") || r.pattern().template().startsWith("/api/me/"))) {
            query(params, "format", "string", "scloc (required)");
            query(params, "output", "string", "png (default) or text: the payload itself");
            query(params, "provider_id", "string", "generic code for this provider instead of the account's");
        }
        if (r.pattern().template().startsWith("/provisioning/") && !r.pattern().template().endsWith("/me")
                && !r.pattern().template().contains("auth_token")) {
            query(params, "reset_password", "string", "present: the device gets a new random password first");
        }
        if (r.pattern().template().equals("/provisioning/me")) {
            query(params, "domain", "string", "the account's SIP domain (realm); else the Host header's");
        }
        if (doc.requestSchema() != null) {
            ObjectNode body = op.putObject("requestBody");
            body.put("required", !r.pattern().template().endsWith("_token"));
            ObjectNode content = body.putObject("content").putObject("application/json");
            if (seedShaped(r)) {
                content.set("schema", ref(doc.requestSchema()));
            } else {
                ObjectNode schema = content.putObject("schema");
                schema.put("type", "object");
                schema.putArray("required").add("data");
                schema.putObject("properties").set("data", ref(doc.requestSchema()));
            }
        }
        ObjectNode responses = op.putObject("responses");
        String ok = r.method().equals("PUT") && !r.pattern().template().endsWith("/api_key")
                || !seed && r.method().equals("POST") && r.pattern().template().endsWith("_token") ? "201" : "200";
        ObjectNode success = responses.putObject(ok);
        success.put("description", "success");
        if (doc.produces() != null) {
            // Sent as it is, not in the envelope: this document (JSON), the metrics (text), provisioning
            // XML and QR codes. Provisioning's own failures are short text/plain bodies.
            ObjectNode content = success.putObject("content");
            for (String type : doc.produces().split(",")) {
                String mediaType = type.split(";")[0].strip();
                ObjectNode s = content.putObject(mediaType).putObject("schema");
                if (mediaType.equals("application/json") && doc.responseSchema() != null) {
                    s.setAll((ObjectNode) ref(doc.responseSchema()));
                    continue;
                }
                s.put("type", mediaType.equals("application/json") ? "object" : "string");
                if (mediaType.startsWith("image/")) {
                    s.put("format", "binary");
                }
            }
            if (r.pattern().template().startsWith("/portal")) {
                if (!r.pattern().parameterNames().isEmpty()) {
                    error(responses, "404", "no such file of the page: the same answer as an unknown path");
                }
                error(responses, "405", "the path exists, the verb does not (see Allow)");
                return op; // static files: no body and no credential, so nothing else to refuse
            }
            if (r.pattern().template().startsWith("/provisioning")
                    && (doc.access() == RouteDoc.Access.PUBLIC || doc.access() == RouteDoc.Access.DEVICE)) {
                text(responses, "400", "x-linphone-provisioning header missing (tokens), or no realm named (me)");
                if (doc.access() == RouteDoc.Access.DEVICE) {
                    text(responses, "401", "digest challenge (WWW-Authenticate) or wrong credentials");
                } else if (!r.pattern().parameterNames().isEmpty()) {
                    text(responses, "404", "unknown, expired, used-up or revoked token: one answer for all");
                }
                return op;
            }
        } else if (seedShaped(r)) {
            if (doc.responseSchema() == null) {
                success.put("description", "success; no body");
            } else {
                success.putObject("content").putObject("application/json").set("schema", ref(doc.responseSchema()));
            }
        } else {
            ObjectNode schema = success.putObject("content").putObject("application/json").putObject("schema");
            ObjectNode all = schema.putArray("allOf").addObject();
            all.put("$ref", "#/components/schemas/Envelope");
            if (doc.responseSchema() != null) {
                ObjectNode data = schema.withArray("allOf").addObject().put("type", "object").putObject("properties");
                data.set("data", ref(doc.responseSchema()));
            }
        }
        error(responses, "400", "validation failed, malformed JSON or parameters");
        if (seed && r.pattern().template().matches("/api/(auth/sign_in|auth/refresh_token|login)")) {
            error(responses, "401", "wrong username, password or domain, or a disabled user: one answer, byte "
                    + "for byte (sign-in); an unknown, expired or spent refresh token (refresh)");
        }
        if (seed && doc.requestSchema() != null) {
            error(responses, "429", "too many requests or failed sign-ins from this address (or, signing in, for "
                    + "this user); see Retry-After");
        }
        if (doc.access() == RouteDoc.Access.USER) {
            error(responses, "401", "not signed in, or the session ended");
            if (!r.pattern().parameterNames().isEmpty()) {
                error(responses, "404", "no such resource of the signed-in user's: another user's is the same 404");
            }
        } else if (doc.access() != RouteDoc.Access.PUBLIC) {
            error(responses, "401", doc.unauthorizedError() == null ? "missing, unknown or expired token"
                    : "missing, unknown or expired token; error is \"" + doc.unauthorizedError() + "\"");
            if (doc.access() == RouteDoc.Access.ADMIN) {
                error(responses, "403", "needs the admin's token");
            }
            error(responses, "404", "no such account or resource, or not the token's account");
        }
        error(responses, "405", "the path exists, the verb does not (see Allow)");
        error(responses, "413", "body over the configured limit");
        return op;
    }

    /**
     * The tenant-auth seed's routes under {@code /api/}: plain JSON bodies both ways, not Kazoo's
     * {@code {"data": ...}}; their errors keep the envelope like every other route's.
     */
    private static boolean seedShaped(Route<Handler> r) {
        return r.pattern().template().startsWith("/api/");
    }

    private static void text(ObjectNode responses, String code, String description) {
        ObjectNode e = responses.putObject(code);
        e.put("description", description);
        e.putObject("content").putObject("text/plain").putObject("schema").put("type", "string");
    }

    private static void query(ArrayNode params, String name, String type, String description) {
        ObjectNode p = params.addObject();
        p.put("name", name);
        p.put("in", "query");
        p.put("required", false);
        p.put("description", description);
        p.putObject("schema").put("type", type);
    }

    private static void error(ObjectNode responses, String code, String description) {
        ObjectNode e = responses.putObject(code);
        e.put("description", description);
        e.putObject("content").putObject("application/json").putObject("schema")
                .put("$ref", "#/components/schemas/Error");
    }

    /** A schema reference; {@code Name[]} is an array of Name. */
    private static JsonNode ref(String schema) {
        if (schema.endsWith("[]")) {
            ObjectNode a = Json.object();
            a.put("type", "array");
            a.set("items", ref(schema.substring(0, schema.length() - 2)));
            return a;
        }
        return Json.object().put("$ref", "#/components/schemas/" + schema);
    }

    private static JsonNode components() {
        try (InputStream in = OpenApi.class.getResourceAsStream(COMPONENTS)) {
            if (in == null) {
                throw new IllegalStateException(COMPONENTS + " is missing from the jar");
            }
            return Json.MAPPER.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
