package io.sipedge.sip.proxy;

import io.netty.util.NetUtil;
import io.sipedge.model.Flow;
import io.sipedge.model.Transport;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A flow written into the user part of the edge's Record-Route (RFC 5626 §5.2 flow tokens), so a
 * request later in the dialog reaches the phone over the connection or NAT mapping it called
 * from, and never by connecting out to the Contact it wrote (a private address, or
 * {@code *.invalid} for a browser). The token is signed: a forged or altered one names no flow
 * (RFC 5626 §5.3: 403), so no one can make the edge send to a flow of their choosing.
 *
 * <p>Layout before base64url: transport (1 byte), connection number (8), remote port (2), address
 * length (1), address (4 or 16), then the first {@value #MAC_BYTES} bytes of HMAC-SHA256 over all
 * of it. The key is random per process: a restart closes every connection the tokens name anyway.
 */
final class FlowToken {
    private static final int MAC_BYTES = 10;
    private static final String ALGORITHM = "HmacSHA256";
    private static final Transport[] TRANSPORTS = Transport.values();

    private final SecretKeySpec key;
    private final ThreadLocal<Mac> macs;

    FlowToken(byte[] key) {
        this.key = new SecretKeySpec(key.clone(), ALGORITHM);
        this.macs = ThreadLocal.withInitial(this::newMac);
    }

    /** A token signer with a fresh random key. */
    static FlowToken withRandomKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return new FlowToken(key);
    }

    /** The token for {@code flow}: base64url, safe as the user part of a SIP URI. */
    String encode(Flow flow) {
        byte[] address = NetUtil.createByteArrayFromIpAddressString(flow.remoteIp());
        if (address == null) {
            throw new IllegalArgumentException("not an IP address: " + flow.remoteIp());
        }
        ByteBuffer out = ByteBuffer.allocate(12 + address.length + MAC_BYTES);
        out.put((byte) flow.transport().ordinal()).putLong(flow.connection()).putShort((short) flow.remotePort())
                .put((byte) address.length).put(address);
        out.put(sign(out.array(), out.position()), 0, MAC_BYTES);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(out.array());
    }

    /**
     * The flow {@code token} names, held by edge instance {@code edge}; empty for anything this
     * edge did not sign (malformed, altered, or signed with another key).
     */
    Optional<Flow> decode(String token, String edge) {
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(token);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (raw.length != 12 + 4 + MAC_BYTES && raw.length != 12 + 16 + MAC_BYTES) {
            return Optional.empty();
        }
        if (!Base64.getUrlEncoder().withoutPadding().encodeToString(raw).equals(token)) {
            // Another spelling of the same bytes (padding, or the unused low bits of the last
            // character set): not the token the edge issued.
            return Optional.empty();
        }
        int signed = raw.length - MAC_BYTES;
        byte[] expected = sign(raw, signed);
        byte[] given = new byte[MAC_BYTES];
        System.arraycopy(raw, signed, given, 0, MAC_BYTES);
        byte[] wanted = new byte[MAC_BYTES];
        System.arraycopy(expected, 0, wanted, 0, MAC_BYTES);
        if (!MessageDigest.isEqual(given, wanted)) {
            return Optional.empty();
        }
        ByteBuffer in = ByteBuffer.wrap(raw, 0, signed);
        int transport = in.get();
        long connection = in.getLong();
        int port = Short.toUnsignedInt(in.getShort());
        int length = in.get();
        if (transport < 0 || transport >= TRANSPORTS.length || length != signed - 12) {
            return Optional.empty();
        }
        byte[] address = new byte[length];
        in.get(address);
        return Optional.of(new Flow(TRANSPORTS[transport], NetUtil.bytesToIpAddress(address), port, connection,
                edge, true));
    }

    private byte[] sign(byte[] data, int length) {
        Mac mac = macs.get();
        mac.update(data, 0, length);
        return mac.doFinal();
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is part of every JDK", e);
        }
    }
}
