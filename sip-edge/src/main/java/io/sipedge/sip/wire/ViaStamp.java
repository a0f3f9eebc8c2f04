package io.sipedge.sip.wire;

import gov.nist.javax.sip.header.Via;
import io.sipedge.model.Transport;
import java.text.ParseException;

/**
 * What a received request's top Via gets (RFC 3261 §18.2.1 with RFC 3581), the one rule both ways
 * of answering follow: {@code received} when the Via asked for {@code rport} or names another host
 * than the source; {@code rport} filled in with the source port when asked for, and always on a
 * connection.
 */
public final class ViaStamp {
    private ViaStamp() {
    }

    static boolean addsReceived(boolean rport, String sentByHost, String sourceIp) {
        return rport || !sentByHost.equals(sourceIp);
    }

    static boolean addsRport(boolean rport, Transport transport) {
        return rport || transport != Transport.UDP;
    }

    /** Stamps a parsed request's top Via. */
    public static void stamp(Via via, Transport transport, String sourceIp, int sourcePort) throws ParseException {
        boolean rport = via.hasParameter(Via.RPORT);
        if (addsReceived(rport, via.getHost(), sourceIp)) {
            via.setParameter(Via.RECEIVED, sourceIp);
        }
        if (addsRport(rport, transport)) {
            via.setParameter(Via.RPORT, Integer.toString(sourcePort));
        }
    }

    /**
     * The port a UDP response goes to (RFC 3261 §18.2.2 with RFC 3581): the source port when the Via
     * asked for {@code rport}, else the sent-by port, else the source port. Always to the source
     * address: a sent-by name is never looked up.
     */
    public static int udpPort(boolean rport, int sentByPort, int sourcePort) {
        return rport || sentByPort <= 0 ? sourcePort : sentByPort;
    }
}
