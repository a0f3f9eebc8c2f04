package io.sipedge.sip.keepalive;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The limited STUN server RFC 5626 §8 asks of every SIP UDP port: a phone registered with outbound
 * over UDP keeps its NAT mapping with STUN Binding requests (RFC 5389) on the SIP flow itself, and
 * treats a request left unanswered, or a mapped address that changes, as a failed flow. The
 * edge answers each Binding request with a success response that carries XOR-MAPPED-ADDRESS (the
 * only attribute RFC 5626 requires) and needs no credentials.
 *
 * <p>Distinguishing STUN from SIP on one port (§8): the first two bits of a STUN message are zero,
 * and its bytes 4-7 are the magic cookie; a SIP message starts with a letter. What is not a well
 * formed Binding request is dropped silently (RFC 5389 §7.3), except one that has attributes this
 * server must understand and does not: it gets 420 with UNKNOWN-ATTRIBUTES (§7.3.1).
 */
public final class Stun {
    /** RFC 5389 §6. */
    static final int MAGIC_COOKIE = 0x2112A442;
    static final int HEADER = 20;
    static final int BINDING_REQUEST = 0x0001;
    static final int BINDING_SUCCESS = 0x0101;
    static final int BINDING_ERROR = 0x0111;
    static final int XOR_MAPPED_ADDRESS = 0x0020;
    static final int ERROR_CODE = 0x0009;
    static final int UNKNOWN_ATTRIBUTES = 0x000A;
    /**
     * Comprehension-required attributes (below 0x8000) a Binding request may carry that this server
     * reads as "nothing to do": RFC 5389's own (a short-term credential this server does not check,
     * addresses and errors that belong in responses). Comprehension-optional ones are ignored anyway.
     */
    private static final int[] KNOWN = {0x0001, 0x0006, 0x0008, 0x0009, 0x000A, 0x0014, 0x0015, 0x0020};
    /** At most this many unknown attributes are listed back: the answer stays smaller than the request. */
    private static final int MAX_UNKNOWN = 8;
    private static final byte[] UNKNOWN_ATTRIBUTE_REASON = "Unknown Attribute".getBytes(StandardCharsets.US_ASCII);

    private Stun() {
    }

    /** True when {@code b} is framed as a STUN message: zero top bits, the magic cookie, a length that fits. */
    public static boolean isStun(byte[] b) {
        if (b.length < HEADER || (b[0] & 0xC0) != 0) {
            return false;
        }
        int length = ((b[2] & 0xff) << 8) | (b[3] & 0xff);
        return (length & 3) == 0 && length == b.length - HEADER && ByteBuffer.wrap(b, 4, 4).getInt() == MAGIC_COOKIE;
    }

    /**
     * The answer to {@code request}, received from {@code address}:{@code port}: a Binding success
     * response, a 420 error response, or null when there is nothing to answer (not a Binding
     * request, an indication, a malformed attribute list).
     */
    public static byte[] answer(byte[] request, InetAddress address, int port) {
        if (!isStun(request)) {
            return null;
        }
        int type = ((request[0] & 0xff) << 8) | (request[1] & 0xff);
        if (type != BINDING_REQUEST) {
            return null; // indications and other methods: RFC 5626 uses Binding requests only
        }
        int[] unknown = new int[MAX_UNKNOWN];
        int unknownCount = 0;
        int at = HEADER;
        while (at < request.length) {
            if (at + 4 > request.length) {
                return null;
            }
            int attribute = ((request[at] & 0xff) << 8) | (request[at + 1] & 0xff);
            int length = ((request[at + 2] & 0xff) << 8) | (request[at + 3] & 0xff);
            int next = at + 4 + ((length + 3) & ~3);
            if (next > request.length) {
                return null; // an attribute runs past the message: malformed, dropped
            }
            if (attribute < 0x8000 && !known(attribute) && unknownCount < MAX_UNKNOWN) {
                unknown[unknownCount++] = attribute;
            }
            at = next;
        }
        return unknownCount > 0 ? unknownAttributes(request, unknown, unknownCount)
                : success(request, address, port);
    }

    private static boolean known(int attribute) {
        for (int k : KNOWN) {
            if (k == attribute) {
                return true;
            }
        }
        return false;
    }

    /** RFC 5389 §15.2: family, port and address, each XOR'ed with the cookie (IPv6: cookie and transaction id). */
    private static byte[] success(byte[] request, InetAddress address, int port) {
        byte[] ip = address.getAddress();
        boolean v4 = address instanceof Inet4Address;
        ByteBuffer out = ByteBuffer.allocate(HEADER + 4 + 4 + ip.length);
        header(out, BINDING_SUCCESS, 4 + 4 + ip.length, request);
        out.putShort((short) XOR_MAPPED_ADDRESS).putShort((short) (4 + ip.length));
        out.put((byte) 0).put((byte) (v4 ? 0x01 : 0x02)).putShort((short) (port ^ (MAGIC_COOKIE >>> 16)));
        // The cookie and the transaction id, as they sit in the header: the XOR key of the address.
        for (int i = 0; i < ip.length; i++) {
            out.put((byte) (ip[i] ^ request[4 + i]));
        }
        return out.array();
    }

    /** RFC 5389 §7.3.1: 420 with the attributes not understood. */
    private static byte[] unknownAttributes(byte[] request, int[] unknown, int count) {
        int reasonPadded = (UNKNOWN_ATTRIBUTE_REASON.length + 3) & ~3;
        int listPadded = (2 * count + 3) & ~3;
        int body = 4 + 4 + reasonPadded + 4 + listPadded;
        ByteBuffer out = ByteBuffer.allocate(HEADER + body);
        header(out, BINDING_ERROR, body, request);
        out.putShort((short) ERROR_CODE).putShort((short) (4 + UNKNOWN_ATTRIBUTE_REASON.length));
        out.putShort((short) 0).put((byte) 4).put((byte) 20); // class 4, number 20
        out.put(UNKNOWN_ATTRIBUTE_REASON);
        out.position(out.position() + reasonPadded - UNKNOWN_ATTRIBUTE_REASON.length);
        out.putShort((short) UNKNOWN_ATTRIBUTES).putShort((short) (2 * count));
        for (int i = 0; i < count; i++) {
            out.putShort((short) unknown[i]);
        }
        return out.array(); // the padding is already zero
    }

    /** Type, length, the magic cookie and the request's transaction id. */
    private static void header(ByteBuffer out, int type, int length, byte[] request) {
        out.putShort((short) type).putShort((short) length).putInt(MAGIC_COOKIE);
        out.put(request, 8, 12);
    }
}
