package io.sipedge.sip.proxy;

import gov.nist.javax.sip.header.Via;
import gov.nist.javax.sip.message.SIPResponse;
import io.sipedge.sip.wire.RawResponse;
import io.sipedge.sip.wire.SipParser;
import java.text.ParseException;

/**
 * A response from one of the proxy's branches, parsed by the stack only when the proxy needs its
 * headers (the To of a non-2xx final to ACK, challenges to merge): a provisional or a 2xx read in
 * place is relayed as its bytes without the edge's Via.
 */
final class BranchResponse {
    private final int status;
    private final RawResponse raw;
    private SIPResponse parsed;
    /** Headers were added to {@link #parsed}: upstream goes the edited message. */
    private boolean edited;

    BranchResponse(RawResponse raw) {
        this.status = raw.status();
        this.raw = raw;
    }

    BranchResponse(SIPResponse parsed) {
        this.status = parsed.getStatusCode();
        this.raw = null;
        this.parsed = parsed;
    }

    int status() {
        return status;
    }

    /** The stack's model of the response, parsed now if it was read in place. */
    SIPResponse parsed() throws ParseException {
        if (parsed == null) {
            parsed = (SIPResponse) SipParser.parse(raw.bytes());
        }
        return parsed;
    }

    /** The stack's model, to add headers to: {@link #upstream} then writes it. */
    SIPResponse edited() throws ParseException {
        edited = true;
        return parsed();
    }

    /** The bytes that go upstream: the response without its top Via (the edge's). */
    byte[] upstream() {
        if (raw != null && !edited) {
            return raw.withoutTopVia();
        }
        parsed.removeFirst(Via.NAME);
        Via next = parsed.getTopmostVia();
        return parsed.encodeAsBytes(next == null ? "UDP" : next.getTransport());
    }
}
