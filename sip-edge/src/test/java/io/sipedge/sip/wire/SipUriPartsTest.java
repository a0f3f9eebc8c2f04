package io.sipedge.sip.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The plain SIP URIs the proxy routes on from the bytes; every other shape goes to the stack's parser. */
class SipUriPartsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
        "sip:alice@example.com | alice | example.com | -1",
        "SIP:alice@Example.COM:5061;transport=tls | alice | Example.COM | 5061",
        "sips:bob@10.0.0.1:5061 | bob | 10.0.0.1 | 5061",
        "sip:example.com;lr | - | example.com | -1",
        "sip:Tk-_09@192.0.2.1:5060;transport=tcp;lr | Tk-_09 | 192.0.2.1 | 5060",
        "sip:+4930123;user=phone@example.com | - | - | 0",
    })
    void plainUrisAreSplit(String uri, String user, String host, int port) {
        SipUriParts parts = SipUriParts.parse(uri);
        if (host == null) {
            assertNull(parts, uri); // a ';' in the user part: the stack's parser decides
            return;
        }
        assertEquals(new SipUriParts(user, host, port), parts);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tel:+4930123", "sip:a%40b@example.com", "sip:a:secret@example.com",
        "sip:a@example.com?subject=x", "sip:a@[::1]", "sip:a@", "sip:a@example.com:", "sip:a@example.com:99999",
        "sip:a@exa_mple.com", "mailto:a@example.com", "sip:a b@example.com"})
    void otherShapesAreNotRead(String uri) {
        assertNull(SipUriParts.parse(uri), uri);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "\"Alice\" <sip:alice@example.com>;tag=1 | sip:alice@example.com",
        "<sip:alice@example.com;transport=tcp> | sip:alice@example.com;transport=tcp",
        "sip:alice@example.com;tag=1 | sip:alice@example.com",
    })
    void theUriOfAHeaderValue(String value, String uri) {
        assertEquals(uri, SipUriParts.addrSpec(value));
    }

    /** RFC 3261 §19.1.4: an escaped unreserved character is the character; a reserved one stays escaped. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "alice | alice", "%61lice | alice", "%61lic%65 | alice", "%41lice | Alice", "al%2Dice | al-ice",
        "a%3Bb | a%3Bb", "a%40b | a%40b", "a%2C | a%2C", "a%25 | a%25", "a%0Ab | a%0Ab", "a% | a%", "a%g1 | a%g1",
        "a%4 | a%4",
    })
    void unescapesWhatIsNotReserved(String user, String expected) {
        assertEquals(expected, SipUriParts.unescape(user));
    }
}
