package io.sipedge.http.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sipedge.http.render.Json;
import io.sipedge.http.render.QrCodes;
import io.sipedge.model.Device;
import io.sipedge.model.Features;
import io.sipedge.model.Tenant;
import io.sipedge.model.XmppAccount;
import io.sipedge.model.rules.Violation;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * scloc QR codes (scloc-qr-format seed): {@code scloc:providerId|{json}} for generic apps when the
 * account has a provider id (or the request names one), {@code scloc:{json}} for whitelabel apps
 * otherwise. The JSON is built as a Jackson tree and serialised by Jackson, so every value is
 * escaped correctly whatever it contains.
 */
final class SclocResource {
    /** A provider id ends at '|', so it may not contain one; the rest is what app stores' ids look like. */
    static final Pattern PROVIDER_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final ApiContext ctx;

    SclocResource(ApiContext ctx) {
        this.ctx = ctx;
    }

    /** GET …/devices/{device}/qrcode?format=scloc[&output=text][&provider_id=…] */
    ApiResponse device(ApiRequest req) {
        Tenant t = Scope.account(ctx.directory(), req);
        Device d = Scope.device(ctx.directory(), req, t);
        return answer(req, t, List.of(d));
    }

    /** GET …/users/{owner_id}/qrcode?format=scloc: every device of the owner, in creation order. */
    ApiResponse user(ApiRequest req) {
        Tenant t = Scope.account(ctx.directory(), req);
        String owner = req.param("owner_id");
        List<Device> devices = ctx.directory().devices(t.id()).stream()
                .filter(d -> owner.equals(d.profile().ownerId())).toList();
        if (devices.isEmpty()) {
            throw ApiException.notFound("user");
        }
        return answer(req, t, devices);
    }

    /**
     * The QR code (or with {@code output=text} the payload) of {@code devices}, per the request's
     * {@code format}, {@code output} and {@code provider_id}: the operator's routes and a signed-in
     * user's own device ({@code /api/me}) answer exactly the same.
     */
    ApiResponse answer(ApiRequest req, Tenant t, List<Device> devices) {
        String format = req.queryFirst("format");
        if (!"scloc".equals(format)) {
            throw ApiException.invalid("format", "enum", "must be scloc");
        }
        String output = req.queryFirst("output");
        if (output != null && !output.equals("text") && !output.equals("png")) {
            throw ApiException.invalid("output", "enum", "must be png (the default) or text");
        }
        String provider = req.queryFirst("provider_id");
        if (provider != null && !PROVIDER_ID.matcher(provider).matches()) {
            throw ApiException.invalid(List.of(new Violation("provider_id", "pattern",
                    "must be 1 to 64 letters, digits, '.', '_' or '-'")));
        }
        if (provider == null) {
            provider = t.provisioning().sclocProviderId();
        }
        String text = payload(t, devices, provider);
        if ("text".equals(output)) {
            return ApiResponse.bytes(200, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8), Map.of());
        }
        return ApiResponse.bytes(200, "image/png", QrCodes.png(text), Map.of());
    }

    String payload(Tenant t, List<Device> devices, String providerId) {
        ObjectNode root = Json.object();
        ArrayNode sip = root.putArray("sipaccounts");
        ArrayNode xmpp = Json.array();
        for (Device d : devices) {
            ObjectNode a = sip.addObject();
            a.put("sipusername", d.username());
            a.put("sippassword", ctx.directory().revealPassword(d));
            if (t.provisioning().sclocSubdomain() != null) {
                a.put("subdomain", t.provisioning().sclocSubdomain());
            }
            if (d.authUsername() != null) {
                a.put("authusername", d.authUsername());
            }
            a.put("transport", d.profile().transport().name());
            Features f = d.profile().features();
            flag(a, "srtp", f.srtp());
            flag(a, "messaging", f.messaging());
            flag(a, "video", f.video());
            flag(a, "callrecording", f.callRecording());
            for (XmppAccount x : d.profile().xmppAccounts()) {
                ObjectNode o = xmpp.addObject();
                o.put("jid", x.jid());
                o.put("password", ctx.directory().revealSecret(x.sealedPassword()));
                o.put("domain", x.domain());
                if (x.server() != null) {
                    o.put("server", x.server());
                }
                o.put("port", x.port());
                if (x.resource() != null) {
                    o.put("resource", x.resource());
                }
                o.put("usetls", x.useTls());
                o.put("verifycert", x.verifyCert());
                o.put("priority", x.priority());
                if (x.displayName() != null) {
                    o.put("displayname", x.displayName());
                }
                if (x.accountName() != null) {
                    o.put("accountname", x.accountName());
                }
            }
        }
        if (!xmpp.isEmpty()) {
            root.set("xmppaccounts", xmpp);
        }
        try {
            String json = Json.MAPPER.writeValueAsString(root);
            return providerId == null ? "scloc:" + json : "scloc:" + providerId + "|" + json;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render an scloc payload", e);
        }
    }

    private static void flag(ObjectNode o, String key, Boolean value) {
        if (value != null) {
            o.put(key, value ? "Enabled" : "Disabled");
        }
    }
}
