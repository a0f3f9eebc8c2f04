package io.sipedge.sip.proxy;

import io.sipedge.model.Aor;
import io.sipedge.model.Binding;
import io.sipedge.model.Tenant;
import io.sipedge.sip.auth.AuthOutcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Who may send what through the edge, and to whom: the routing policy of a registrar-and-proxy
 * for its tenants' domains, as pure decisions over what the proxy has found out about a request.
 * The order of the checks is the policy: nothing that tells whether a user exists (404, 480) is
 * answered before the sender is known (an authenticated local user or a trusted peer), and no
 * request leaves for a domain the edge does not serve (no open relay).
 */
final class RoutingPolicy {
    /** Out-of-dialog methods forwarded to a local user (each challenged with 407 from a local sender). */
    static final Set<String> ROUTED = Set.of("INVITE", "MESSAGE", "SUBSCRIBE", "REFER", "OPTIONS", "INFO",
            "NOTIFY", "PUBLISH");
    /** Methods that only make sense inside a dialog: out of one there is nothing to route them to. */
    private static final Set<String> DIALOG_ONLY = Set.of("BYE", "PRACK", "UPDATE");

    private RoutingPolicy() {
    }

    /**
     * What the proxy knows of a request before routing it.
     *
     * @param method        the request's method
     * @param inDialog      the To header has a tag
     * @param routedByUs    the topmost Route is one of the edge's own Record-Routes
     * @param fromTenant    the tenant serving the From domain, or null
     * @param fromUser      the From URI's user part (may be empty)
     * @param targetTenant  the tenant serving the Request-URI's domain, or null
     * @param targetUser    the Request-URI's user part (may be empty)
     * @param trustedSource the source address is a configured trusted peer (an SBC, a trunk)
     * @param credentials   the Proxy-Authorization's outcome against the From tenant's realm
     *                      ({@link AuthOutcome#FRESH} when there was none)
     */
    record Facts(String method, boolean inDialog, boolean routedByUs, Tenant fromTenant, String fromUser,
                 Tenant targetTenant, String targetUser, boolean trustedSource, AuthOutcome credentials) {
    }

    /** What to do with the request. */
    sealed interface Decision {
        /** Answer 407 with a challenge for this realm (the From tenant's domain). */
        record Challenge(String realm, boolean stale) implements Decision {
        }

        /** Answer this and forward nothing. */
        record Refuse(int code, String reason) implements Decision {
        }

        /** In-dialog: forward along the route the edge recorded (loose routing, RFC 3261 §16.4). */
        record FollowRoute() implements Decision {
        }

        /** Find the AOR's bindings, then {@link #targets} decides. */
        record LookUp(Aor aor) implements Decision {
        }

        /** Fork to these bindings: the groups one after the other, each group's members in parallel. */
        record Fork(List<List<Binding>> groups) implements Decision {
        }

        /** Drop without an answer (an ACK that belongs to nothing here, a user banned from its source). */
        record Drop() implements Decision {
        }
    }

    static final Decision NOT_RELAYING = new Decision.Refuse(403, "Not relaying");

    /** Routes a request that no transaction of the edge's absorbed (CANCEL, ACK of a non-2xx, retransmissions). */
    static Decision decide(Facts f) {
        String method = f.method(); // case-sensitive (RFC 3261 §7.1): "invite" is another method
        if (method.equals("ACK")) {
            return f.inDialog() && f.routedByUs() ? new Decision.FollowRoute() : new Decision.Drop();
        }
        if (method.equals("CANCEL")) {
            return new Decision.Refuse(481, "Call/Transaction Does Not Exist");
        }
        if (f.inDialog()) {
            // The edge record-routes every dialog it proxies; a dialog's request that does not
            // name the edge in its route is one it never saw: relaying it would make an open relay.
            return f.routedByUs() ? new Decision.FollowRoute() : NOT_RELAYING;
        }
        if (DIALOG_ONLY.contains(method)) {
            return new Decision.Refuse(481, "Call/Transaction Does Not Exist");
        }
        if (!ROUTED.contains(method)) {
            return new Decision.Refuse(405, "Method Not Allowed");
        }
        if (f.fromTenant() != null) {
            return fromLocalUser(f);
        }
        if (!f.trustedSource() || f.targetTenant() == null) {
            return NOT_RELAYING; // an outsider reaches no local user but through a trusted peer
        }
        return new Decision.LookUp(new Aor(f.targetUser(), f.targetTenant().domain()));
    }

    private static Decision fromLocalUser(Facts f) {
        if (f.credentials() instanceof AuthOutcome.Blocked b) {
            return b.forbidden() ? new Decision.Refuse(403, "Forbidden") : new Decision.Drop();
        }
        if (!(f.credentials() instanceof AuthOutcome.Authenticated who)) {
            boolean stale = f.credentials() instanceof AuthOutcome.Challenge c && c.stale();
            return new Decision.Challenge(f.fromTenant().domain(), stale); // unknown user and wrong password alike
        }
        if (!who.device().tenantId().equals(f.fromTenant().id()) || !who.device().username().equals(f.fromUser())) {
            return new Decision.Refuse(403, "From is not the authenticated user");
        }
        if (f.targetTenant() == null) {
            return NOT_RELAYING; // no outbound routes to other domains yet
        }
        if (!f.targetTenant().id().equals(f.fromTenant().id())) {
            return new Decision.Refuse(403, "Calls to other tenants are not allowed");
        }
        return new Decision.LookUp(new Aor(f.targetUser(), f.targetTenant().domain()));
    }

    /**
     * After {@link Decision.LookUp}: 404 for no such user, 480 when none of its bindings can be
     * reached (none, or only over connections that have closed: the edge never connects out to a
     * phone), else the reachable bindings in q groups, highest q first (RFC 3261 §16.6 step 6).
     * {@code live} comes from the store, already in that order.
     */
    static Decision targets(boolean userExists, List<Binding> live) {
        if (!userExists) {
            return new Decision.Refuse(404, "Not Found");
        }
        List<List<Binding>> groups = new ArrayList<>();
        List<Binding> group = null;
        float q = Float.NaN;
        for (Binding b : live) {
            if (!b.flow().open()) {
                continue;
            }
            if (group == null || b.q() != q) {
                group = new ArrayList<>();
                groups.add(group);
                q = b.q();
            }
            group.add(b);
        }
        if (groups.isEmpty()) {
            return new Decision.Refuse(480, "Temporarily Unavailable");
        }
        return new Decision.Fork(groups.stream().map(List::copyOf).toList());
    }
}
