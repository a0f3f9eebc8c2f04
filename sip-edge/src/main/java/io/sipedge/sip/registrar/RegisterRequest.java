package io.sipedge.sip.registrar;

import io.sipedge.model.Flow;
import io.sipedge.model.Transport;
import io.sipedge.sip.auth.DigestCredentials;
import java.util.List;

/**
 * A REGISTER as the registrar needs it, read from the wire by {@code sip.wire}.
 *
 * @param requestUriHost host of the Request-URI: the domain whose registrar is asked
 * @param toUser         user part of the To URI (the AOR's user), or null when absent
 * @param toHost         host of the To URI
 * @param branch         the top Via's branch (the transaction), or null
 * @param expiresHeader  the Expires header, or null
 * @param star           a {@code Contact: *} was present
 * @param contacts       the other Contact values
 * @param outboundSupported a Supported header lists the {@code outbound} option tag (RFC 5626 §4.2.1), in
 *                          any case, long or compact ({@code k}) form
 * @param firstHop       the request has one Via: the phone sent it to the edge directly (RFC 5626 §6)
 * @param flow           where it came from, and the connection it came on: the binding's flow
 * @param malformed      the name of a header that could not be parsed, or null
 * @param unsupported    option tags a Require header asks for that this registrar does not support
 */
public record RegisterRequest(String requestUriHost, String toUser, String toHost, String branch, String callId,
                              long cseq,
                              Long expiresHeader, boolean star, List<ContactSpec> contacts,
                              List<DigestCredentials> credentials, List<String> path, String userAgent,
                              boolean outboundSupported, boolean firstHop, Flow flow, String malformed,
                              List<String> unsupported) {
    public RegisterRequest {
        unsupported = List.copyOf(unsupported);
        contacts = List.copyOf(contacts);
        credentials = List.copyOf(credentials);
        path = List.copyOf(path);
    }

    public String sourceIp() {
        return flow.remoteIp();
    }

    public int sourcePort() {
        return flow.remotePort();
    }

    public Transport transport() {
        return flow.transport();
    }

    /**
     * One Contact value.
     *
     * @param uri      the URI text without header parameters
     * @param expires  its {@code expires} parameter, or null
     * @param q        its q value, or null
     * @param instance {@code +sip.instance} without quotes and angle brackets, or null
     * @param regId    {@code reg-id}, or 0
     */
    public record ContactSpec(String uri, Long expires, Float q, String instance, int regId) {
    }
}
