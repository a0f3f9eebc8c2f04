package io.sipedge.http.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sipedge.directory.Ms365Credentials;
import io.sipedge.http.auth.CallbackUrls;
import io.sipedge.http.render.Json;
import io.sipedge.model.Ms365Settings;
import io.sipedge.model.Tenant;
import io.sipedge.model.rules.Ms365Rules;
import io.sipedge.model.rules.Violation;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An account's Microsoft sign-in settings (issue 17): {@code PUT} creates or replaces them,
 * {@code GET} reads them, {@code DELETE} removes them. {@code client_secret} is write-only: the
 * Directory keeps it sealed, an answer says only whether one is stored, and a {@code PUT} without
 * it keeps the stored one (so an operator can change the allowlist without re-entering it).
 * A certificate credential ({@code client_certificate} and its {@code client_certificate_key}) is
 * write-only likewise: answers show its thumbprint and expiry, as Entra ID does.
 * {@code redirect_uri} is what to register in the Entra ID app registration.
 */
final class Ms365Resource {
    /** Where Microsoft sends the user back ({@link MicrosoftSignInResource#callback}). */
    static final String CALLBACK_PATH = "/api/auth/callback/microsoft";
    private static final Set<String> FIELDS = Set.of("enabled", "directory_id", "application_id", "client_secret",
            "issuer", "allowed_callback_urls", "client_certificate", "client_certificate_key", "client_secret_set",
            "client_certificate_set", "client_certificate_thumbprint", "client_certificate_not_after", "redirect_uri");

    private final ApiContext ctx;

    Ms365Resource(ApiContext ctx) {
        this.ctx = ctx;
    }

    private Map<String, Object> render(Ms365Settings s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("enabled", s.enabled());
        m.put("directory_id", s.directoryId());
        m.put("application_id", s.applicationId());
        m.put("issuer", s.issuer());
        m.put("allowed_callback_urls", s.allowedCallbackUrls());
        m.put("client_secret_set", s.hasClientSecret());
        m.put("client_certificate_set", s.hasCertificate());
        X509Certificate cert = s.hasCertificate() ? Ms365Rules.parseCertificate(s.certificatePem()) : null;
        if (cert != null) {
            m.put("client_certificate_thumbprint", thumbprint(cert));
            m.put("client_certificate_not_after", Json.time(cert.getNotAfter().toInstant()));
        }
        m.put("redirect_uri", ctx.provisioning().baseUrl() + CALLBACK_PATH);
        return m;
    }

    ApiResponse get(ApiRequest req) {
        return ApiResponse.ok(render(settings(Scope.account(ctx.directory(), req))));
    }

    ApiResponse put(ApiRequest req) {
        Tenant t = Scope.account(ctx.directory(), req);
        ObjectNode in = req.data();
        List<Violation> v = new ArrayList<>();
        Fields.onlyKnown(in, FIELDS, "", v);
        Boolean enabled = Fields.bool(in, "enabled", "enabled", v);
        String directoryId = required(in, "directory_id", v);
        String applicationId = required(in, "application_id", v);
        String issuer = Fields.string(in, "issuer", "issuer", v);
        String secret = Fields.string(in, "client_secret", "client_secret", v);
        String certificate = Fields.string(in, "client_certificate", "client_certificate", v);
        String certificateKey = Fields.string(in, "client_certificate_key", "client_certificate_key", v);
        List<String> callbacks = callbackUrls(in, v);
        if (directoryId != null) {
            Ms365Rules.guid("directory_id", directoryId).ifPresent(v::add);
        }
        if (applicationId != null) {
            Ms365Rules.guid("application_id", applicationId).ifPresent(v::add);
        }
        if (issuer != null) {
            Ms365Rules.issuer("issuer", issuer).ifPresent(v::add);
        }
        boolean on = enabled == null || enabled;
        if (secret != null) {
            Ms365Rules.clientSecret("client_secret", secret).ifPresent(v::add);
        }
        if (certificate != null || certificateKey != null) {
            v.addAll(Ms365Rules.certificate("client_certificate", "client_certificate_key", certificate, certificateKey,
                    ctx.clock().instant()));
        }
        boolean credentialStored = t.ms365() != null && (t.ms365().hasClientSecret() || t.ms365().hasCertificate());
        if (on && secret == null && certificate == null && certificateKey == null && !credentialStored) {
            v.add(new Violation("client_secret", "required",
                    "a client secret or a client certificate is required to enable Microsoft sign-in"));
        }
        if (!v.isEmpty()) {
            throw ApiException.invalid(v);
        }
        boolean created = t.ms365() == null;
        Tenant stored = ctx.directory().putMs365Settings(t.id(),
                new Ms365Settings(on, directoryId, applicationId, issuer, callbacks),
                new Ms365Credentials(secret, certificate, certificateKey));
        Map<String, Object> out = render(stored.ms365());
        return created ? ApiResponse.created(out) : ApiResponse.ok(out);
    }

    ApiResponse delete(ApiRequest req) {
        Tenant t = Scope.account(ctx.directory(), req);
        Ms365Settings old = settings(t);
        ctx.directory().deleteMs365Settings(t.id());
        return ApiResponse.ok(render(old));
    }

    /** The SHA-1 thumbprint Entra ID shows for an uploaded certificate (upper-case hex), to tell them apart. */
    private static String thumbprint(X509Certificate cert) {
        try {
            return HexFormat.of().withUpperCase().formatHex(MessageDigest.getInstance("SHA-1").digest(cert.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-1 unavailable", e);
        }
    }

    private static Ms365Settings settings(Tenant t) {
        if (t.ms365() == null) {
            throw ApiException.notFound("ms365 settings");
        }
        return t.ms365();
    }

    private static String required(ObjectNode in, String key, List<Violation> v) {
        String s = Fields.string(in, key, key, v);
        if (s == null && !in.hasNonNull(key)) {
            v.add(new Violation(key, "required", "is required"));
        }
        return s;
    }

    /** Each entry an exact callback as {@link CallbackUrls} accepts it (absolute http(s), no user info or fragment). */
    private static List<String> callbackUrls(ObjectNode in, List<Violation> v) {
        JsonNode n = in.get("allowed_callback_urls");
        if (n == null || n.isNull()) {
            return List.of();
        }
        if (!n.isArray()) {
            v.add(new Violation("allowed_callback_urls", "type", "must be an array of URLs"));
            return List.of();
        }
        List<String> out = new ArrayList<>(n.size());
        for (int i = 0; i < n.size(); i++) {
            String field = "allowed_callback_urls[" + i + "]";
            JsonNode e = n.get(i);
            if (!e.isTextual()) {
                v.add(new Violation(field, "type", "must be a string"));
                continue;
            }
            try {
                CallbackUrls.of(List.of(e.textValue()));
                out.add(e.textValue());
            } catch (IllegalArgumentException bad) {
                v.add(new Violation(field, "url", "must be an absolute http or https URL without user info or fragment"));
            }
        }
        Ms365Rules.callbackCount("allowed_callback_urls", out).ifPresent(v::add);
        return out;
    }
}
