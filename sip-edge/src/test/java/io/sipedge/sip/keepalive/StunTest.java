package io.sipedge.sip.keepalive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** RFC 5626 §8's STUN server, decoded as a STUN client would decode it. */
class StunTest {
    private static final byte[] TRANSACTION = HexFormat.of().parseHex("b7e7a701bc34d686fa87dfae");

    /** A STUN message: type, the cookie, {@link #TRANSACTION}, then attributes given as type and value. */
    static byte[] message(int type, int cookie, Object... attributes) {
        ByteBuffer body = ByteBuffer.allocate(512);
        for (int i = 0; i < attributes.length; i += 2) {
            byte[] value = (byte[]) attributes[i + 1];
            body.putShort((short) (int) (Integer) attributes[i]).putShort((short) value.length).put(value);
            body.position(body.position() + ((4 - value.length % 4) % 4));
        }
        ByteBuffer out = ByteBuffer.allocate(20 + body.position());
        out.putShort((short) type).putShort((short) body.position()).putInt(cookie).put(TRANSACTION);
        out.put(body.array(), 0, body.position());
        return out.array();
    }

    private static byte[] binding(Object... attributes) {
        return message(Stun.BINDING_REQUEST, Stun.MAGIC_COOKIE, attributes);
    }

    /** The address a client reads back from XOR-MAPPED-ADDRESS, as "ip:port". */
    private static String mapped(byte[] response) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(response);
        assertEquals(Stun.BINDING_SUCCESS, b.getShort() & 0xffff);
        assertEquals(response.length - 20, b.getShort() & 0xffff);
        assertEquals(Stun.MAGIC_COOKIE, b.getInt());
        byte[] id = new byte[12];
        b.get(id);
        assertArrayEquals(TRANSACTION, id, "the transaction id is echoed");
        assertEquals(Stun.XOR_MAPPED_ADDRESS, b.getShort() & 0xffff);
        int length = b.getShort() & 0xffff;
        b.get(); // reserved
        int family = b.get();
        int port = (b.getShort() & 0xffff) ^ 0x2112;
        byte[] ip = new byte[length - 4];
        b.get(ip);
        byte[] key = ByteBuffer.allocate(16).putInt(Stun.MAGIC_COOKIE).put(TRANSACTION).array();
        for (int i = 0; i < ip.length; i++) {
            ip[i] ^= key[i];
        }
        assertEquals(ip.length == 4 ? 1 : 2, family);
        assertFalse(b.hasRemaining(), "XOR-MAPPED-ADDRESS is the only attribute");
        return InetAddress.getByAddress(ip).getHostAddress() + ":" + port;
    }

    static Stream<Arguments> answered() {
        return Stream.of(
                arguments("a bare Binding request (what RFC 5626 §8 sends)", binding(), "192.0.2.33", 61000),
                arguments("with SOFTWARE and FINGERPRINT (comprehension-optional)",
                        binding(0x8022, "phone 1.0".getBytes(StandardCharsets.US_ASCII), 0x8028, new byte[4]),
                        "198.51.100.7", 5060),
                arguments("with a short-term credential it does not check",
                        binding(0x0006, "alice".getBytes(StandardCharsets.US_ASCII), 0x0008, new byte[20]),
                        "203.0.113.1", 1),
                arguments("from IPv6", binding(), "2001:db8:0:0:0:0:0:5", 65535));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void answered(String name, byte[] request, String ip, int port) throws Exception {
        assertTrue(Stun.isStun(request));
        byte[] answer = Stun.answer(request, InetAddress.getByName(ip), port);
        assertNotNull(answer);
        assertEquals(ip + ":" + port, mapped(answer));
    }

    static Stream<Arguments> dropped() {
        return Stream.of(
                arguments("a Binding indication", message(0x0011, Stun.MAGIC_COOKIE)),
                arguments("a Binding success response (a reflection)", message(Stun.BINDING_SUCCESS, Stun.MAGIC_COOKIE)),
                arguments("another method", message(0x0003, Stun.MAGIC_COOKIE)),
                arguments("RFC 3489 (no magic cookie)", message(Stun.BINDING_REQUEST, 0x01020304)),
                arguments("a length that is not the datagram's", truncated(binding(0x8022, new byte[8]), 4)),
                arguments("an attribute past the end", lengthOfFirstAttribute(binding(0x8022, new byte[4]), 40)),
                arguments("a SIP message", "OPTIONS sip:x SIP/2.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII)),
                arguments("a keepalive CRLF", "\r\n\r\n".getBytes(StandardCharsets.US_ASCII)),
                arguments("shorter than a header", new byte[12]));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void dropped(String name, byte[] request) throws Exception {
        assertNull(Stun.answer(request, InetAddress.getByName("192.0.2.1"), 5060));
    }

    @Test
    void anUnknownComprehensionRequiredAttributeGets420ListingIt() throws Exception {
        byte[] answer = Stun.answer(binding(0x0024, new byte[4], 0x8028, new byte[4]),
                InetAddress.getByName("192.0.2.1"), 5060);
        ByteBuffer b = ByteBuffer.wrap(answer);
        assertEquals(Stun.BINDING_ERROR, b.getShort() & 0xffff);
        assertEquals(answer.length - 20, b.getShort() & 0xffff);
        assertEquals(Stun.MAGIC_COOKIE, b.getInt());
        b.position(20);
        assertEquals(Stun.ERROR_CODE, b.getShort() & 0xffff);
        int length = b.getShort() & 0xffff;
        b.getShort();
        assertEquals(4, b.get());
        assertEquals(20, b.get());
        byte[] reason = new byte[length - 4];
        b.get(reason);
        assertEquals("Unknown Attribute", new String(reason, StandardCharsets.US_ASCII));
        b.position(b.position() + ((4 - length % 4) % 4));
        assertEquals(Stun.UNKNOWN_ATTRIBUTES, b.getShort() & 0xffff);
        assertEquals(2, b.getShort() & 0xffff);
        assertEquals(0x0024, b.getShort() & 0xffff, "only the comprehension-required one");
    }

    private static byte[] truncated(byte[] b, int less) {
        byte[] out = new byte[b.length - less];
        System.arraycopy(b, 0, out, 0, out.length);
        return out;
    }

    private static byte[] lengthOfFirstAttribute(byte[] b, int length) {
        b[22] = (byte) (length >> 8);
        b[23] = (byte) length;
        return b;
    }
}
