package io.sipedge.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.sipedge.observe.ConnectionEnd;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** The caps on connections, without sockets. */
class ConnectionCapsTest {
    private static InetAddress ip(int last) throws Exception {
        return InetAddress.getByAddress(new byte[] {(byte) 192, 0, 2, (byte) last});
    }

    @Test
    void onePerAddressPastItsCapIsRefusedAndOthersStillGetIn() throws Exception {
        ConnectionCaps<InetAddress> gate = new ConnectionCaps<>(10, 2);
        assertNull(gate.admit(ip(1)));
        assertNull(gate.admit(ip(1)));
        assertEquals(ConnectionEnd.CAP_PER_IP, gate.admit(ip(1)));
        assertNull(gate.admit(ip(2)), "another address is not held back");
        assertEquals(3, gate.open(), "a refusal holds nothing");
        gate.release(ip(1));
        assertNull(gate.admit(ip(1)), "a closed connection frees its place");
    }

    @Test
    void pastTheTotalCapEveryAddressIsRefused() throws Exception {
        ConnectionCaps<InetAddress> gate = new ConnectionCaps<>(3, 2);
        assertNull(gate.admit(ip(1)));
        assertNull(gate.admit(ip(2)));
        assertNull(gate.admit(ip(3)));
        assertEquals(ConnectionEnd.CAP_TOTAL, gate.admit(ip(4)));
        assertEquals(3, gate.open());
        gate.release(ip(2));
        assertNull(gate.admit(ip(4)));
        for (int i : new int[] {1, 3, 4}) {
            gate.release(ip(i));
        }
        assertEquals(0, gate.open());
    }
}
