package io.sipedge.sip.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

class ResponseBufferTest {
    private static String text(ResponseBuffer b) {
        return new String(b.toBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void numbersAreWrittenInDecimal() {
        for (long v : new long[] {0, 7, 10, 99, 100, 3600, Integer.MAX_VALUE, -1, -120, Long.MAX_VALUE, Long.MIN_VALUE}) {
            assertEquals("x" + v + "y", text(ResponseBuffer.begin().append('x').append(v).append('y')));
        }
    }

    @Test
    void textIsUtf8AndTheBufferGrowsAndIsReusedEmpty() {
        assertArrayEquals("\"Zoë\" <sip:z@é.example>".getBytes(StandardCharsets.UTF_8),
                ResponseBuffer.begin().append("\"Zoë\" ").append("<sip:z@é.example>").toBytes());
        String big = "a".repeat(20_000);
        assertEquals(big + big, text(ResponseBuffer.begin().append(big).append(big)));
        assertEquals("after", text(ResponseBuffer.begin().append("after")), "the next answer starts empty");
    }

    @Test
    void theCrcIsWrittenAsIntegerToHexStringWritesIt() {
        CRC32C crc = new CRC32C();
        for (int i = 0; i < 2_000; i++) { // about one in 16 values has a leading zero digit
            String field = "call-" + i;
            crc.reset();
            crc.update((field + "\0\0").getBytes(StandardCharsets.UTF_8));
            String expected = "p" + Integer.toHexString((int) crc.getValue()) + "s";
            assertEquals(expected, text(ResponseBuffer.begin().append('p').appendCrcHex(field, null).append('s')));
        }
    }
}
