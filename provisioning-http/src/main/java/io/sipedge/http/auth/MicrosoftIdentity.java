package io.sipedge.http.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.GeneralException;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.ResponseMode;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenErrorResponse;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientAuthentication;
import com.nimbusds.oauth2.sdk.auth.ClientSecretPost;
import com.nimbusds.oauth2.sdk.auth.JWTAuthenticationClaimsSet;
import com.nimbusds.oauth2.sdk.auth.PrivateKeyJWT;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.Audience;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import com.nimbusds.openid.connect.sdk.claims.IDTokenClaimsSet;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import com.nimbusds.openid.connect.sdk.validators.IDTokenValidator;
import io.sipedge.model.Ms365Settings;
import net.minidev.json.JSONObject;
import io.sipedge.model.rules.Ms365Rules;
import java.io.IOException;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.time.Duration;
import java.util.Locale;

/**
 * The edge as an OpenID Connect client of a tenant's Microsoft Entra ID directory (issue 17): the
 * authorization URL (code flow, PKCE S256, {@code state}, {@code nonce}), the code exchange and the
 * id_token's validation. Nimbus's SDK does the protocol; this class holds the policy:
 *
 * <ul>
 * <li>the provider's endpoints come from {@code {issuer}/.well-known/openid-configuration}, whose
 *     {@code issuer} must equal the configured one exactly (the SDK checks), cached per issuer;</li>
 * <li>the id_token is RS256 only, signed by a key of the provider's JWKS (cached, refetched when an
 *     unknown {@code kid} appears, rate-limited), {@code iss} exactly the issuer, {@code aud} the
 *     application id, {@code exp}/{@code nbf} within {@link #CLOCK_SKEW}, {@code nonce} the one sent;</li>
 * <li>then Microsoft's own claims: {@code tid} the account's directory id, an {@code oid}.</li>
 * </ul>
 *
 * Every call to the provider has connect and read timeouts, so a slow directory holds one HTTP
 * worker for {@link #TIMEOUT} at most.
 */
public final class MicrosoftIdentity {
    /** Tolerated difference between our clock and the provider's for exp/nbf/iat. */
    public static final Duration CLOCK_SKEW = Duration.ofMinutes(2);
    /** Connect and read timeout of each call to the provider. */
    public static final Duration TIMEOUT = Duration.ofSeconds(5);
    /** How long a provider's discovery document is used before it is read again. */
    private static final Duration METADATA_TTL = Duration.ofHours(1);
    private static final int JWKS_SIZE_LIMIT = 256 * 1024;
    private static final Scope SCOPE = new Scope("openid", "profile", "email");

    /** What a verified id_token says about the user. */
    public record Verified(String objectId, String upn, String directoryId) {
    }

    /** Why a sign-in was refused: {@code error} goes back to the client (RFC 6749 §4.1.2.1 codes), {@code reason} to the security log. */
    public static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        private final String error;
        private final String reason;
        private final String detail;

        public Refused(String error, String reason, String detail) {
            super(reason + (detail == null ? "" : ": " + detail), null, false, false);
            this.error = error;
            this.reason = reason;
            this.detail = detail;
        }

        /** What the security log may add (never a token or a secret), or null. */
        public String detail() {
            return detail;
        }

        /** The OAuth error code for the redirect ({@code access_denied}, {@code server_error}...). */
        public String error() {
            return error;
        }

        /** A short word for the security log (e.g. {@code id-token-invalid}). */
        public String reason() {
            return reason;
        }
    }

    private record Provider(OIDCProviderMetadata metadata, JWKSource<SecurityContext> keys) {
    }

    private final Cache<String, Provider> providers = Caffeine.newBuilder().maximumSize(1_000)
            .expireAfterWrite(METADATA_TTL).build();

    /** The URL to send the user's browser to. */
    public URI authorizationUrl(Ms365Settings s, URI redirectUri, String state, String nonce, String codeVerifier)
            throws Refused {
        Provider p = provider(s.issuer());
        return new AuthenticationRequest.Builder(new ResponseType(ResponseType.Value.CODE), SCOPE,
                new ClientID(s.applicationId()), redirectUri)
                .endpointURI(p.metadata().getAuthorizationEndpointURI())
                .state(new State(state))
                .nonce(new Nonce(nonce))
                .codeChallenge(new CodeVerifier(codeVerifier), CodeChallengeMethod.S256)
                .responseMode(ResponseMode.QUERY)
                .build().toURI();
    }

    /**
     * Exchanges the authorization code (with the PKCE verifier and the account's credential: its
     * certificate when it has one, else its client secret) and validates the id_token.
     *
     * @param clientSecret  the account's client secret in clear, or null
     * @param certificatePem the certificate credential, or null
     * @param keyPem        its private key (PKCS#8 PEM), or null
     */
    public Verified redeem(Ms365Settings s, String clientSecret, String certificatePem, String keyPem, String code,
                           URI redirectUri, String codeVerifier, String nonce) throws Refused {
        Provider p = provider(s.issuer());
        URI tokenEndpoint = p.metadata().getTokenEndpointURI();
        ClientID client = new ClientID(s.applicationId());
        ClientAuthentication auth = certificatePem != null && keyPem != null
                ? clientAssertion(client, tokenEndpoint, certificatePem, keyPem)
                : clientSecret != null ? new ClientSecretPost(client, new Secret(clientSecret)) : null;
        if (auth == null) {
            throw new Refused("server_error", "no-credential", "the account has no Microsoft credential");
        }
        HTTPRequest request = new TokenRequest.Builder(tokenEndpoint, auth, new AuthorizationCodeGrant(
                new AuthorizationCode(code), redirectUri, new CodeVerifier(codeVerifier))).build().toHTTPRequest();
        request.setConnectTimeout((int) TIMEOUT.toMillis());
        request.setReadTimeout((int) TIMEOUT.toMillis());
        TokenResponse response;
        try {
            HTTPResponse http = request.send();
            if (http.indicatesSuccess()) {
                // Microsoft's access token is never used, so its lifetime is not read either: only the id_token counts.
                JSONObject json = http.getBodyAsJSONObject();
                json.remove("expires_in");
                response = OIDCTokenResponseParser.parse(json);
            } else {
                response = OIDCTokenResponseParser.parse(http);
            }
        } catch (IOException e) {
            throw new Refused("temporarily_unavailable", "token-endpoint-unreachable", e.getMessage());
        } catch (ParseException e) {
            throw new Refused("server_error", "token-response-invalid", e.getMessage());
        }
        if (!response.indicatesSuccess()) {
            ErrorObject err = ((TokenErrorResponse) response).getErrorObject();
            // invalid_grant: a code spent, expired, for another client, or a PKCE verifier that does not match.
            throw new Refused("access_denied", "code-exchange-refused", err == null ? null : err.getCode());
        }
        JWT idToken = ((OIDCTokenResponse) response).getOIDCTokens().getIDToken();
        if (idToken == null) {
            throw new Refused("server_error", "no-id-token", null);
        }
        IDTokenClaimsSet claims;
        try {
            IDTokenValidator validator = new IDTokenValidator(new Issuer(s.issuer()), client,
                    new JWSVerificationKeySelector<>(JWSAlgorithm.RS256, p.keys()), null);
            validator.setMaxClockSkew((int) CLOCK_SKEW.toSeconds());
            claims = validator.validate(idToken, new Nonce(nonce));
        } catch (BadJOSEException | JOSEException e) {
            throw new Refused("access_denied", "id-token-invalid", e.getMessage());
        }
        String tid = claims.getStringClaim("tid");
        if (tid == null || !tid.toLowerCase(Locale.ROOT).equals(s.directoryId())) {
            throw new Refused("access_denied", "wrong-tenant", "tid " + tid);
        }
        String oid = claims.getStringClaim("oid");
        if (oid == null || Ms365Rules.guid("oid", oid).isPresent()) {
            throw new Refused("access_denied", "no-object-id", null);
        }
        String upn = claims.getStringClaim("preferred_username");
        return new Verified(oid.toLowerCase(Locale.ROOT), upn, tid.toLowerCase(Locale.ROOT));
    }

    /** Discovery document and key source of an issuer, read once per {@link #METADATA_TTL}. */
    private Provider provider(String issuer) throws Refused {
        Provider cached = providers.getIfPresent(issuer);
        if (cached != null) {
            return cached;
        }
        try {
            OIDCProviderMetadata m = OIDCProviderMetadata.resolve(new Issuer(issuer), (int) TIMEOUT.toMillis(),
                    (int) TIMEOUT.toMillis());
            if (m.getAuthorizationEndpointURI() == null || m.getTokenEndpointURI() == null
                    || m.getJWKSetURI() == null) {
                throw new Refused("server_error", "discovery-incomplete", issuer);
            }
            JWKSource<SecurityContext> keys = JWKSourceBuilder.<SecurityContext>create(m.getJWKSetURI().toURL(),
                    new DefaultResourceRetriever((int) TIMEOUT.toMillis(), (int) TIMEOUT.toMillis(), JWKS_SIZE_LIMIT))
                    .build();
            Provider p = new Provider(m, keys);
            providers.put(issuer, p);
            return p;
        } catch (IOException e) {
            throw new Refused("temporarily_unavailable", "discovery-unreachable", issuer + ": " + e.getMessage());
        } catch (GeneralException | IllegalArgumentException e) {
            throw new Refused("server_error", "discovery-invalid", issuer + ": " + e.getMessage());
        }
    }

    /**
     * RFC 7523 client assertion signed with the certificate credential's key. The header names the
     * certificate by its SHA-256 thumbprint ({@code x5t#S256}), which Entra ID uses to find it.
     */
    private static ClientAuthentication clientAssertion(ClientID client, URI tokenEndpoint, String certificatePem,
                                                        String keyPem) throws Refused {
        X509Certificate cert = Ms365Rules.parseCertificate(certificatePem);
        PrivateKey key = Ms365Rules.parseKey(keyPem);
        if (cert == null || key == null) {
            throw new Refused("server_error", "credential-unreadable", null);
        }
        try {
            boolean ec = key instanceof ECPrivateKey;
            JWSAlgorithm alg = ec ? JWSAlgorithm.ES256 : JWSAlgorithm.RS256;
            JWSSigner signer = ec ? new ECDSASigner((ECPrivateKey) key) : new RSASSASigner(key);
            Base64URL thumbprint = Base64URL.encode(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
            JWTAuthenticationClaimsSet claims = new JWTAuthenticationClaimsSet(client, new Audience(tokenEndpoint));
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).type(JOSEObjectType.JWT)
                    .x509CertSHA256Thumbprint(thumbprint).build(), claims.toJWTClaimsSet());
            jwt.sign(signer);
            return new PrivateKeyJWT(jwt);
        } catch (GeneralSecurityException | JOSEException e) {
            throw new Refused("server_error", "client-assertion-failed", e.getMessage());
        }
    }
}
