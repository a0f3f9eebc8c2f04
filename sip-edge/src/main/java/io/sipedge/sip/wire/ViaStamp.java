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

    /** The same for a Via value as text ({@code SIP/2.0/UDP host:port;params}), stamped as a new value. */
    public static String stamp(String via, Transport transport, String sourceIp, int sourcePort) {
        int semi = via.indexOf(';');
        String sentBy = (semi < 0 ? via : via.substring(0, semi)).strip();
        String hostPort = sentBy.substring(sentBy.indexOf(' ') + 1).strip();
        String host = hostPort.startsWith("[") ? hostPort.substring(1, Math.max(1, hostPort.indexOf(']')))
                : hostPort.lastIndexOf(':') > 0 ? hostPort.substring(0, hostPort.lastIndexOf(':')) : hostPort;
        StringBuilder out = new StringBuilder(via.length() + 40).append(sentBy);
        boolean rport = false;
        if (semi >= 0) {
            for (String param : via.substring(semi + 1).split(";")) {
                String name = param.contains("=") ? param.substring(0, param.indexOf('=')).strip() : param.strip();
                if (name.equalsIgnoreCase(Via.RPORT)) {
                    rport = true;
                } else if (!name.equalsIgnoreCase(Via.RECEIVED) && !name.isEmpty()) {
                    out.append(';').append(param.strip());
                }
            }
        }
        if (addsReceived(rport, host, sourceIp)) {
            out.append(";received=").append(sourceIp);
        }
        if (addsRport(rport, transport)) {
            out.append(";rport=").append(sourcePort);
        }
        return out.toString();
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
