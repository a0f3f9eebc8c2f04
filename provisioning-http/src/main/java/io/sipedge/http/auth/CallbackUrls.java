package io.sipedge.http.auth;

import io.sipedge.model.rules.Violation;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Where the edge may send a user back to (a password reset link today, the Microsoft sign-in
 * callback later): exact URLs only, because a link the edge mails or redirects to must never be
 * one an attacker chose (open redirect, phishing with the operator's own mail). The one latitude
 * is RFC 8252 §7.3: a loopback IP literal matches on any port, since a native app listens on
 * whichever port the system gave it.
 */
public final class CallbackUrls {
    private final List<URI> allowed;
    /** Where the allowlist is configured, named in a refusal so the operator knows what to change. */
    private final String source;

    private CallbackUrls(List<URI> allowed, String source) {
        this.allowed = List.copyOf(allowed);
        this.source = source;
    }

    /** The allowlist of password reset links ({@code api.reset-callback-urls}). */
    public static CallbackUrls of(List<String> urls) {
        return of(urls, "api.reset-callback-urls");
    }

    /**
     * The allowlist configured in {@code source}; each entry must itself be an acceptable callback
     * (throws IllegalArgumentException naming it).
     */
    public static CallbackUrls of(List<String> urls, String source) {
        return new CallbackUrls(urls.stream().map(u -> parse(u).orElseThrow(() ->
                new IllegalArgumentException("not an absolute http(s) URL without user info or fragment: " + u)))
                .toList(), source);
    }

    public boolean isEmpty() {
        return allowed.isEmpty();
    }

    /** Why {@code url} may not be used, or empty when it may. */
    public Optional<Violation> check(String field, String url) {
        Optional<URI> u = parse(url);
        if (u.isEmpty()) {
            return Optional.of(new Violation(field, "url",
                    "must be an absolute http or https URL without user info or fragment"));
        }
        for (URI a : allowed) {
            if (matches(a, u.get())) {
                return Optional.empty();
            }
        }
        return Optional.of(new Violation(field, "allowlist",
                "is not one of the callback URLs this edge allows (" + source + ")"));
    }

    private static boolean matches(URI allowed, URI given) {
        boolean samePort = allowed.getPort() == given.getPort() || isLoopbackLiteral(allowed.getHost());
        return allowed.getScheme().equals(given.getScheme()) && allowed.getHost().equals(given.getHost()) && samePort
                && allowed.getRawPath().equals(given.getRawPath())
                && java.util.Objects.equals(allowed.getRawQuery(), given.getRawQuery());
    }

    /** RFC 8252 §8.3: the IP literal, not "localhost", which a resolver or a firewall may treat otherwise. */
    private static boolean isLoopbackLiteral(String host) {
        String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        if (!h.matches("[0-9.]+") && !h.contains(":")) {
            return false; // a name: never resolved here
        }
        try {
            return InetAddress.getByName(h).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    /** Absolute http(s), a host, no user info, no fragment; scheme and host lower-cased, an empty path as "/". */
    private static Optional<URI> parse(String url) {
        if (url == null || url.isEmpty() || url.length() > 2048) {
            return Optional.empty();
        }
        try {
            URI u = new URI(url);
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || u.getHost() == null || u.getRawUserInfo() != null
                    || u.getRawFragment() != null) {
                return Optional.empty();
            }
            String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
            return Optional.of(new URI(scheme + "://" + u.getHost().toLowerCase(Locale.ROOT)
                    + (u.getPort() >= 0 ? ":" + u.getPort() : "") + path
                    + (u.getRawQuery() != null ? "?" + u.getRawQuery() : "")));
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
    }
}
