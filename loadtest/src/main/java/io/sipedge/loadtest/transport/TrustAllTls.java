package io.sipedge.loadtest.transport;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A client TLS context that accepts any server certificate and host name. Deliberate: this is a
 * load tool pointed at test edges with self-signed certificates, never a client for real traffic.
 */
public final class TrustAllTls {
    private static volatile SSLContext context;

    private TrustAllTls() {
    }

    public static SSLContext context() {
        SSLContext c = context;
        if (c == null) {
            synchronized (TrustAllTls.class) {
                c = context;
                if (c == null) {
                    try {
                        c = SSLContext.getInstance("TLS");
                        c.init(null, new TrustManager[] {new TrustEverything()}, new SecureRandom());
                    } catch (GeneralSecurityException e) {
                        throw new IllegalStateException("no TLS in this JDK", e);
                    }
                    context = c;
                }
            }
        }
        return c;
    }

    /** TLS 1.3 and 1.2, of those the JDK supports. */
    public static String[] protocols(String[] supported) {
        List<String> out = new ArrayList<>();
        for (String p : supported) {
            if (p.equals("TLSv1.3") || p.equals("TLSv1.2")) {
                out.add(p);
            }
        }
        return out.toArray(new String[0]);
    }

    private static final class TrustEverything extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
