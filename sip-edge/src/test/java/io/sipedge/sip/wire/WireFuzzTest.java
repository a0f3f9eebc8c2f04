package io.sipedge.sip.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import io.sipedge.it.RegistrarTortureTest;
import io.sipedge.model.Flow;
import io.sipedge.model.Transport;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Property tests of the readers of untrusted SIP bytes, seeded with the registrar torture corpus
 * ({@link RegistrarTortureTest#corpus()}) plus an INVITE and a response, each mutated a few times
 * (bytes flipped, inserted, deleted, lines repeated, cut short): the stack's parser fails only
 * with a ParseException, the in-place readers and the 400 writer never throw, and whatever the
 * REGISTER fast path accepts, the stack reads the same way. A short run in the test command; a
 * failure prints the seed that replays it.
 */
class WireFuzzTest {
    private static final Flow FLOW = new Flow(Transport.UDP, "192.0.2.7", 5070, 0, "edge-1", true);
    private static final List<byte[]> CORPUS = corpus();

    private static List<byte[]> corpus() {
        List<byte[]> out = new ArrayList<>(RegistrarTortureTest.corpus());
        out.add(("INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.7:5070;branch=z9hG4bK2;rport\r\n"
                + "Max-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=a\r\nTo: <sip:bob@example.com>\r\n"
                + "Call-ID: c2\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@192.0.2.7:5070>\r\n"
                + "Proxy-Authorization: Digest username=\"alice\",realm=\"example.com\",nonce=\"n\","
                + "uri=\"sip:bob@example.com\",response=\"00\",algorithm=MD5,qop=auth,nc=00000001,cnonce=\"c\"\r\n"
                + "Content-Type: application/sdp\r\nContent-Length: 4\r\n\r\nv=0\n").getBytes(StandardCharsets.UTF_8));
        out.add(("SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK3\r\n"
                + "From: <sip:alice@example.com>;tag=a\r\nTo: <sip:bob@example.com>;tag=b\r\nCall-ID: c3\r\n"
                + "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        return out;
    }

    /** One change to a message: what, where (a fraction of its length), how long, with which byte. */
    record Mutation(int kind, double at, int length, byte value) {
        byte[] apply(byte[] m) {
            int pos = (int) (at * m.length);
            int end = Math.min(m.length, pos + length);
            return switch (kind) {
                case 0 -> { // flip a byte
                    byte[] out = m.clone();
                    if (pos < out.length) {
                        out[pos] = value;
                    }
                    yield out;
                }
                case 1 -> { // insert bytes
                    byte[] ins = new byte[length];
                    Arrays.fill(ins, value);
                    yield concat(Arrays.copyOf(m, pos), ins, Arrays.copyOfRange(m, pos, m.length));
                }
                case 2 -> concat(Arrays.copyOf(m, pos), Arrays.copyOfRange(m, end, m.length)); // delete
                case 3 -> concat(Arrays.copyOf(m, end), Arrays.copyOfRange(m, pos, end),
                        Arrays.copyOfRange(m, end, m.length)); // repeat a stretch (a header, a separator)
                default -> Arrays.copyOf(m, pos); // cut short
            };
        }

        private static byte[] concat(byte[]... parts) {
            int n = 0;
            for (byte[] p : parts) {
                n += p.length;
            }
            byte[] out = new byte[n];
            int at = 0;
            for (byte[] p : parts) {
                System.arraycopy(p, 0, out, at, p.length);
                at += p.length;
            }
            return out;
        }
    }

    @Provide
    Arbitrary<byte[]> mutated() {
        Arbitrary<Byte> bytes = Arbitraries.oneOf(Arbitraries.of((byte) '\r', (byte) '\n', (byte) ' ', (byte) ':',
                (byte) ';', (byte) ',', (byte) '"', (byte) '<', (byte) '>', (byte) '%', (byte) '0', (byte) '9',
                (byte) 0, (byte) 0x7f, (byte) 0xff), Arbitraries.bytes());
        Arbitrary<Mutation> mutation = Combinators.combine(Arbitraries.integers().between(0, 4),
                Arbitraries.doubles().between(0, 1), Arbitraries.integers().between(1, 40), bytes).as(Mutation::new);
        return Arbitraries.of(CORPUS).flatMap(seed -> mutation.list().ofMinSize(0).ofMaxSize(5).map(ms -> {
            byte[] m = seed;
            for (Mutation x : ms) {
                m = x.apply(m);
            }
            return m;
        }));
    }

    @Property(tries = 2000)
    void theStacksParserFailsOnlyWithAParseException(@ForAll("mutated") byte[] message) {
        try {
            SipParser.parse(message);
        } catch (ParseException expected) {
            // refused: the dispatcher answers 400 or drops it
        }
    }

    @Property(tries = 2000)
    void theInPlaceReadersAndTheBadRequestWriterNeverThrow(@ForAll("mutated") byte[] message) {
        RawRegister.scan(message);
        RawRequest.scan(message);
        RawResponse.scan(message);
        BadRequests.answer(message, "fuzz", 5070);
    }

    @Property(tries = 2000)
    void whatTheFastPathAcceptsTheStackReadsTheSame(@ForAll("mutated") byte[] message) throws Exception {
        RawRegister raw = RawRegister.scan(message);
        if (raw == null) {
            return; // left to the stack
        }
        SIPMessage parsed = SipParser.parse(message); // a ParseException here: the fast path took what the stack refuses
        SIPRequest request = (SIPRequest) parsed;
        assertEquals(RegisterMessages.read(request, request.getTopmostVia().getBranch(), FLOW), raw.request(FLOW),
                new String(message, StandardCharsets.ISO_8859_1));
    }

    @Property(tries = 2000)
    void theDigestReaderNeverThrows(@ForAll("credentials") String header) {
        RawRegister.digest(header, 0, header.length());
    }

    @Provide
    Arbitrary<String> credentials() {
        Arbitrary<String> name = Arbitraries.of("username", "realm", "nonce", "uri", "response", "algorithm", "qop",
                "nc", "cnonce", "opaque", "USERNAME", "x");
        Arbitrary<String> value = Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(12),
                Arbitraries.strings().withChars("ab\"\\,= ;\t").ofMaxLength(8).map(v -> "\"" + v + "\""));
        Arbitrary<String> param = Combinators.combine(name, Arbitraries.of("=", " = ", "", "=="), value)
                .as((n, eq, v) -> n + eq + v);
        return Combinators.combine(Arbitraries.of("Digest ", "digest ", "Basic ", "Digest", ""),
                param.list().ofMaxSize(10), Arbitraries.of(",", ", ", " ,", ";"))
                .as((scheme, params, sep) -> scheme + String.join(sep, params));
    }
}
