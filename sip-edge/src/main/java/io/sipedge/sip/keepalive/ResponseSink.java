package io.sipedge.sip.keepalive;

/**
 * Where the dispatcher hands every SIP response it reads: the edge sends requests of its own
 * (qualify's OPTIONS) and no transaction layer matches their answers yet. Called on the thread that
 * read the response: quick, never blocking.
 */
@FunctionalInterface
public interface ResponseSink {

    /** Drops every response: an edge that sends no requests. */
    ResponseSink NONE = (branch, callId, cseqMethod, status) -> {
    };

    /**
     * @param branch     the top Via's branch, or null
     * @param callId     the Call-ID
     * @param cseqMethod the method of the CSeq
     * @param status     the status code
     */
    void response(String branch, String callId, String cseqMethod, int status);
}
