package io.sipedge.model;

/**
 * An account's provisioning settings.
 *
 * @param linphoneHeaderRequired {@code GET /provisioning/{token}} answers 400 unless the request carries
 *                               {@code x-linphone-provisioning} (so link previews and crawlers cannot
 *                               consume a token); on by default, off for Linphone releases before 5.3,
 *                               which do not send it
 * @param sclocProviderId        the provider id of generic scloc QR codes ({@code scloc:providerId|…}), or
 *                               null for whitelabel codes ({@code scloc:…})
 * @param sclocSubdomain         the {@code subdomain} written into scloc {@code sipaccounts}, or null
 */
public record TenantProvisioning(boolean linphoneHeaderRequired, String sclocProviderId, String sclocSubdomain) {
    public static final TenantProvisioning DEFAULTS = new TenantProvisioning(true, null, null);

    public TenantProvisioning {
        sclocProviderId = sclocProviderId == null || sclocProviderId.isEmpty() ? null : sclocProviderId;
        sclocSubdomain = sclocSubdomain == null || sclocSubdomain.isEmpty() ? null : sclocSubdomain;
    }
}
