package io.sipedge.observe;

/**
 * What the TLS certificate's reloading reports for metrics. Called on the reload thread, seldom.
 */
public interface TlsEvents {

    /** Reports nothing. */
    TlsEvents NONE = new TlsEvents() {
    };

    /** One reload of the certificate files: loaded ({@code ok}), or refused and the current one kept. */
    default void tlsReloaded(boolean ok) {
    }
}
