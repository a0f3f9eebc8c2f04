package io.sipedge.sip.transport;

import gov.nist.core.net.NetworkLayer;
import gov.nist.javax.sip.SipStackImpl;
import java.io.IOException;
import java.net.ConnectException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * Plugged in as {@code gov.nist.javax.sip.NETWORK_LAYER} so TLS uses the edge's own SSLContext
 * (its certificate, TLS 1.2/1.3 only) instead of the JVM-wide {@code javax.net.ssl.*} properties,
 * which would be shared by every stack in the process. The stack creates this class by name, so the
 * context is handed over through {@link #register(String, SSLContext)} keyed by stack name.
 */
public final class EdgeNetworkLayer implements NetworkLayer {
    private static final Map<String, SSLContext> CONTEXTS = new ConcurrentHashMap<>();
    /** Outbound connect timeout (the edge connects out only when it proxies). */
    private static final int CONNECT_TIMEOUT_MS = 8000;

    private volatile SSLContext ssl;

    public EdgeNetworkLayer() {
        // Instantiated by the stack by class name; the context arrives in setSipStack.
    }

    /** Makes {@code context} the TLS context of the stack named {@code stackName}. */
    public static void register(String stackName, SSLContext context) {
        CONTEXTS.put(stackName, context);
    }

    public static void unregister(String stackName) {
        CONTEXTS.remove(stackName);
    }

    @Override
    public void setSipStack(SipStackImpl sipStackImpl) {
        ssl = CONTEXTS.get(sipStackImpl.getStackName());
    }

    private SSLContext ssl() throws IOException {
        SSLContext c = ssl;
        if (c == null) {
            throw new IOException("TLS is not configured for this stack");
        }
        return c;
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog, InetAddress bindAddress) throws IOException {
        return new NoDelayServerSocket(port, backlog, bindAddress);
    }

    /**
     * Accepted connections with Nagle off: the RI never sets TCP_NODELAY, and a response waiting for
     * the client's delayed ACK cost 2-3 ms of p50 (STACK-NOTES).
     */
    private static final class NoDelayServerSocket extends ServerSocket {
        NoDelayServerSocket(int port, int backlog, InetAddress bindAddress) throws IOException {
            super(port, backlog, bindAddress);
        }

        @Override
        public Socket accept() throws IOException {
            Socket s = super.accept();
            try {
                s.setTcpNoDelay(true);
            } catch (SocketException e) {
                s.close();
                throw e;
            }
            return s;
        }
    }

    @Override
    public SSLServerSocket createSSLServerSocket(int port, int backlog, InetAddress bindAddress) throws IOException {
        SSLServerSocket s = (SSLServerSocket) ssl().getServerSocketFactory().createServerSocket(port, backlog,
                bindAddress);
        TlsPolicy.apply(s);
        return s;
    }

    @Override
    public Socket createSocket(InetAddress address, int port) throws IOException {
        return createSocket(address, port, null);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress myAddress) throws IOException {
        return createSocket(address, port, myAddress, 0);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress myAddress, int myPort) throws IOException {
        Socket s = new Socket();
        if (myAddress != null) {
            s.bind(new InetSocketAddress(myAddress, myPort));
        }
        connect(s, address, port);
        return s;
    }

    @Override
    public SSLSocket createSSLSocket(InetAddress address, int port) throws IOException {
        return createSSLSocket(address, port, null);
    }

    @Override
    public SSLSocket createSSLSocket(InetAddress address, int port, InetAddress myAddress) throws IOException {
        SSLSocket s = (SSLSocket) ssl().getSocketFactory().createSocket();
        TlsPolicy.apply(s);
        if (myAddress != null) {
            s.bind(new InetSocketAddress(myAddress, 0));
        }
        connect(s, address, port);
        return s;
    }

    private static void connect(Socket s, InetAddress address, int port) throws IOException {
        try {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(address, port), CONNECT_TIMEOUT_MS);
        } catch (SocketTimeoutException e) {
            s.close();
            throw new ConnectException("connect to " + address.getHostAddress() + ":" + port + " timed out");
        }
    }

    @Override
    public DatagramSocket createDatagramSocket() throws SocketException {
        return new DatagramSocket();
    }

    @Override
    public DatagramSocket createDatagramSocket(int port, InetAddress laddr) throws SocketException {
        return new DatagramSocket(port, laddr); // buffer sizes: SipTransport's RECEIVE_UDP_BUFFER_SIZE
    }
}
