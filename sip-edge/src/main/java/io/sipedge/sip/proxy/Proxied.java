package io.sipedge.sip.proxy;

import gov.nist.javax.sip.message.SIPRequest;
import io.sipedge.model.Flow;
import io.sipedge.observe.ProxyEvents;
import io.sipedge.sip.transport.Inbound;
import io.sipedge.sip.wire.RawRequest;
import io.sipedge.sip.wire.RequestHead;
import io.netty.util.Timeout;
import java.util.ArrayList;
import java.util.List;

/**
 * One request the edge proxies: its server transaction, its response context and its branches. Its
 * monitor is the one lock of the request: every event of it (a copy of the request, a branch's
 * response, a timer, the caller's CANCEL) is handled holding it, on whichever thread brought it.
 */
final class Proxied {
    final String key;
    /** The request as received; dropped once the final answer is sent (only its bytes stay, in {@link #in}). */
    SIPRequest request;
    /**
     * The request was read in place ({@link #wire}) and has no parsed model; one in a dialog has its
     * {@link #targets} when it arrives.
     */
    final boolean readInPlace;
    final String methodName;
    /** What a response the edge makes repeats of the request; parsed when first needed for a raw one. */
    private RequestHead head;
    /** Where a UDP answer goes on the source address. */
    final int udpPort;
    /** The way back; its bytes are dropped once the request is answered. */
    Inbound in;
    /** Pending timers of the server transaction. */
    final List<Timeout> timers = new ArrayList<>(2);
    /** The loop-detection hash of the request as received ({@link ViaBranch#hash}). */
    final String hash;
    final ServerTransaction server;
    final ProxyEvents.Method method;
    final long startNanos;
    /** The last response sent upstream: what a retransmitted request gets again. */
    byte[] lastResponse;
    /** The edge's Route values a request read in place loses when forwarded. */
    int pops;
    /**
     * The request as received, read in place, when its branches are spliced from its bytes (always
     * for one {@link #readInPlace}; for a parsed one when the reader takes its shape); null
     * otherwise, and once sent or answered.
     */
    RawRequest wire;
    /** The request as every branch forwards it, before each branch's own edits; built when needed. */
    SIPRequest base;
    ResponseContext context;
    List<Target> targets = List.of();
    Branch[] branches = new Branch[0];
    /** Each branch's final response (3xx-6xx), kept for the best-response choice; null once answered. */
    BranchResponse[] finals = new BranchResponse[0];
    /** A final response went upstream (reported once). */
    boolean answered;
    /** A 2xx went upstream: an ACK with this request's branch is a 2xx's, forwarded like any. */
    boolean succeeded;
    boolean released;

    Proxied(String key, SIPRequest request, RequestHead head, Inbound in, String hash, ServerTransaction server) {
        this.key = key;
        this.request = request;
        this.readInPlace = false;
        this.head = head;
        this.udpPort = head.udpPort();
        this.in = in;
        this.hash = hash;
        this.server = server;
        this.methodName = request.getMethod();
        this.method = ProxyEvents.Method.of(methodName);
        this.startNanos = System.nanoTime();
    }

    /** A request read in place ({@link RawRequest}). */
    Proxied(String key, RawRequest raw, Inbound in, String hash, ServerTransaction server) {
        this.key = key;
        this.request = null;
        this.wire = raw;
        this.readInPlace = true;
        this.udpPort = raw.udpPort(in.flow());
        this.in = in;
        this.hash = hash;
        this.server = server;
        this.methodName = raw.method();
        this.method = ProxyEvents.Method.of(methodName);
        this.startNanos = System.nanoTime();
    }

    /** What the edge's own responses repeat of the request; read when first needed for one read in place. */
    RequestHead head() {
        if (head == null) {
            RawRequest read = wire != null ? wire : RawRequest.scan(in.bytes());
            head = read.head(in.flow()); // the bytes were read once already: they read again
        }
        return head;
    }

    /**
     * Drops what an answered request no longer needs: its bytes and parsed head (the edge makes no
     * response of its own after the final one), and for an INVITE answered 2xx its last response
     * (RFC 6026: a retransmitted INVITE is absorbed, not answered again).
     */
    void answeredTrim(boolean invite2xx) {
        in = in.withoutBytes();
        head = null;
        if (invite2xx) {
            lastResponse = null;
        }
    }

    /** The Call-ID for logs, without parsing a request read in place. */
    String callId() {
        return head != null ? head.callId() : wire != null ? wire.callId() : "?";
    }

    /**
     * Where one branch goes: the flow, the Request-URI (null: the request's own, in a dialog) and
     * the Route values to put first (a binding's Path).
     */
    record Target(Flow flow, String requestUri, List<String> routes) {
    }

    /** One branch: the forwarded request, its client transaction, and the CANCEL sent on it if any. */
    static final class Branch {
        final Proxied owner;
        final int index;
        final Flow flow;
        /** The edge's Via value on this branch. */
        final String via;
        /** The stack's model of the forwarded request, once built (for a CANCEL or an ACK); null after its final. */
        SIPRequest request;
        /** The ACK of its non-2xx final, kept for a retransmitted final. */
        byte[] ack;
        Leg leg;
        Leg cancel;
        /** A final response came (later 2xx retransmissions are relayed, not counted again). */
        boolean ended;

        Branch(Proxied owner, int index, Flow flow, String via) {
            this.owner = owner;
            this.index = index;
            this.flow = flow;
            this.via = via;
        }
    }

    /** A client transaction on a branch's flow: the request itself or its CANCEL. */
    static final class Leg {
        final Branch branch;
        final String key;
        /** What {@link ClientTransaction.Action.Send} sends; null once a final response came. */
        byte[] bytes;
        final ClientTransaction transaction;
        final boolean isCancel;
        /** Pending timers of the transaction. */
        final List<Timeout> timers = new ArrayList<>(4);

        Leg(Branch branch, String key, byte[] bytes, ClientTransaction transaction, boolean isCancel) {
            this.branch = branch;
            this.key = key;
            this.bytes = bytes;
            this.transaction = transaction;
            this.isCancel = isCancel;
        }
    }
}
