package io.sipedge.sip.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which WebSocket text messages are UTF-8 (RFC 3629), as {@link StreamConnection#isUtf8} decides. */
class Utf8CheckTest {
    static Stream<Arguments> messages() {
        return Stream.of(
                Arguments.of("ASCII", "5245474953544552", true),
                Arguments.of("empty", "", true),
                Arguments.of("a two-byte letter (é)", "4a6f73c3a9", true),
                Arguments.of("a three-byte sign (€)", "e282ac", true),
                Arguments.of("a four-byte emoji", "f09f9880", true),
                Arguments.of("Latin-1 é alone", "4a6f73e9", false),
                Arguments.of("an overlong slash", "c0af", false),
                Arguments.of("an encoded surrogate", "eda080", false),
                Arguments.of("cut in the middle of a sequence", "e282", false),
                Arguments.of("past U+10FFFF", "f4908080", false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("messages")
    void onlyUtf8Passes(String name, String hex, boolean utf8) {
        assertEquals(utf8, StreamConnection.isUtf8(HexFormat.of().parseHex(hex)), name);
    }
}
