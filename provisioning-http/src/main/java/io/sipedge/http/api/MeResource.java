package io.sipedge.http.api;

import io.sipedge.model.Binding;
import io.sipedge.model.Device;
import io.sipedge.model.Tenant;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a signed-in user can do with their own devices (issue 17), under {@code /api/me}: the
 * devices of their account whose {@code owner_id} is their id, each with its registration status,
 * a provisioning token for one of them, and its scloc QR code. The answers reuse the operator's: the
 * status is {@link StatusResource#render}, the token {@link ProvisioningResource#issueProvisioning}
 * plus the scloc payload of {@link SclocResource#payload}, the QR code
 * {@link SclocResource#answer}, so phones cannot tell who asked for their link.
 *
 * <p>A device that is not the user's, whether another user's, another account's or none at all, is
 * the same 404: a 403 would tell the user that the id exists.
 */
final class MeResource {
    private final ApiContext ctx;
    private final SignInResource signIn;
    private final StatusResource status;
    private final ProvisioningResource provisioning;
    private final SclocResource scloc;

    MeResource(ApiContext ctx, SignInResource signIn, StatusResource status, ProvisioningResource provisioning,
               SclocResource scloc) {
        this.ctx = ctx;
        this.signIn = signIn;
        this.status = status;
        this.provisioning = provisioning;
        this.scloc = scloc;
    }

    /** GET /api/me/devices: the user's devices in creation order, with status and never a secret. */
    ApiResponse devices(ApiRequest req) {
        Optional<SignInResource.Session> s = signIn.session(req);
        if (s.isEmpty()) {
            return SignInResource.notSignedIn();
        }
        Tenant t = s.get().tenant();
        Instant now = ctx.clock().instant();
        List<Map<String, Object>> out = new ArrayList<>();
        for (Device d : owned(s.get())) {
            List<Binding> bindings = status.bindings(d, t, now);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", d.id());
            m.put("name", d.profile().name());
            m.put("username", d.username());
            m.put("device_type", d.profile().deviceType());
            m.put("enabled", d.enabled());
            Map<String, Object> st = StatusResource.render(bindings, now);
            // Reachable: a binding whose connection is still open (always so over UDP).
            st.put("reachable", bindings.stream().anyMatch(b -> b.flow().open()));
            m.put("status", st);
            out.add(m);
        }
        return SignInResource.json(200, out);
    }

    /**
     * POST /api/me/devices/{device}/provisioning_token: the operator's token, links and expiry, and
     * the device's scloc payload; the body ({@code {"ttl", "single_use"}}, flat or enveloped) is optional.
     */
    ApiResponse provisioningToken(ApiRequest req) {
        Optional<SignInResource.Session> s = signIn.session(req);
        if (s.isEmpty()) {
            return SignInResource.notSignedIn();
        }
        Tenant t = s.get().tenant();
        Device d = ownDevice(req, s.get());
        Map<String, Object> out = provisioning.issueProvisioning(d, req.body().length > 0 ? SignInResource.body(req)
                : null);
        out.put("scloc", scloc.payload(t, List.of(d), t.provisioning().sclocProviderId()));
        return SignInResource.json(200, out);
    }

    /**
     * GET /api/me/devices/{device}/qrcode?format=scloc[&output=text]: the operator's scloc QR code
     * ({@link SclocResource}) of one of the user's own devices. The self-service page fetches it
     * with the bearer token and shows it from a blob URL.
     */
    ApiResponse qrcode(ApiRequest req) {
        Optional<SignInResource.Session> s = signIn.session(req);
        if (s.isEmpty()) {
            return SignInResource.notSignedIn();
        }
        return scloc.answer(req, s.get().tenant(), List.of(ownDevice(req, s.get())));
    }

    /** The {device} of the request if it is the session user's, else the 404 of an unknown id. */
    private Device ownDevice(ApiRequest req, SignInResource.Session s) {
        String tenantId = s.tenant().id();
        String userId = s.user().id();
        return ctx.directory().device(req.param("device"))
                .filter(x -> x.tenantId().equals(tenantId) && userId.equals(x.profile().ownerId()))
                .orElseThrow(() -> ApiException.notFound("device"));
    }

    private List<Device> owned(SignInResource.Session s) {
        String userId = s.user().id();
        return ctx.directory().devices(s.tenant().id()).stream()
                .filter(d -> userId.equals(d.profile().ownerId()))
                .sorted(Comparator.comparing(Device::createdAt).thenComparing(Device::id))
                .toList();
    }
}
