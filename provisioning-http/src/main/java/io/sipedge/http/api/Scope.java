package io.sipedge.http.api;

import io.sipedge.directory.Directory;
import io.sipedge.model.Device;
import io.sipedge.model.Tenant;
import io.sipedge.model.User;

/**
 * Resolves path parameters to records the caller may see. Anything missing or belonging to another
 * account is the same 404, so an account token cannot even learn which ids exist elsewhere.
 */
final class Scope {
    private Scope() {
    }

    static Tenant account(Directory directory, ApiRequest req) {
        String id = req.param("account");
        Principal p = req.principal();
        if (p == null || !p.sees(id)) {
            throw ApiException.notFound("account");
        }
        return directory.tenant(id).orElseThrow(() -> ApiException.notFound("account"));
    }

    static Device device(Directory directory, ApiRequest req, Tenant account) {
        Device d = directory.device(req.param("device")).orElse(null);
        if (d == null || !d.tenantId().equals(account.id())) {
            throw ApiException.notFound("device");
        }
        return d;
    }

    static User user(Directory directory, ApiRequest req, Tenant account) {
        User u = directory.user(req.param("user")).orElse(null);
        if (u == null || !u.tenantId().equals(account.id())) {
            throw ApiException.notFound("user");
        }
        return u;
    }
}
