package io.sipedge.location;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sipedge.location.AorBindings.Event;
import io.sipedge.location.AorBindings.Step;
import io.sipedge.location.BindingChanges.ContactUpdate;
import io.sipedge.location.BindingChanges.OverflowPolicy;
import io.sipedge.location.BindingListener.Removal;
import io.sipedge.model.Binding;
import io.sipedge.model.Flow;
import io.sipedge.model.Transport;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A binding that goes with its flow leaves its object vacant for the AOR's next new binding: what
 * each step does with the set of objects ({@code next} the same instance or not), and that no
 * reader or rule sees a vacant binding.
 */
class AorBindingsTest {
    private static final Instant NOW = Instant.parse("2026-12-06T06:00:00Z");

    /** A browser phone over WebSocket connection {@code connection}, expiring in an hour. */
    private static Binding ws(String contact, long connection, String callId) {
        return new Binding(contact, new Flow(Transport.WS, "192.0.2.9", 50_000, connection, "edge-1", true),
                NOW.plusSeconds(3600), 1f, callId, 1, null, 0, List.of(), "JsSIP 3.10", NOW);
    }

    private static Binding udp(String contact) {
        return new Binding(contact, Flow.of(Transport.UDP, "192.0.2.1", 5060), NOW.plusSeconds(3600), 1f, "call-u", 1,
                null, 0, List.of(), "Linphone/5", NOW);
    }

    private static BindingChanges register(Binding b) {
        return new BindingChanges(false, List.of(new ContactUpdate(b, false)), b.callId(), b.cseq(), 10,
                OverflowPolicy.EVICT_OLDEST);
    }

    private static AorBindings registered(Binding... bs) {
        AorBindings set = AorBindings.EMPTY;
        for (Binding b : bs) {
            set = set.apply(register(b), NOW).next();
        }
        return set;
    }

    private static List<String> contacts(AorBindings set) {
        return set.live(NOW).stream().map(Binding::contact).sorted().toList();
    }

    @Test
    void aClosedFlowLeavesTheSetInPlaceWithItsBindingGone() {
        AorBindings set = registered(ws("sip:a@x.invalid;transport=ws", 7, "c1"), udp("sip:a@192.0.2.1"));

        Step closed = set.closeFlow(7);

        assertSame(set, closed.next());
        assertEquals(List.of(Removal.FLOW_CLOSED), closed.events().stream().map(Event::removal).toList());
        assertEquals(List.of("sip:a@192.0.2.1"), contacts(set));
        assertTrue(set.holdsBinding());
        assertSame(set, set.closeFlow(7).next());
        assertTrue(set.closeFlow(7).events().isEmpty(), "a vacant binding is not closed twice");
    }

    @Test
    void theAorsNextNewBindingTakesTheVacantObject() {
        AorBindings set = registered(ws("sip:a@x.invalid;transport=ws", 7, "c1"));
        set.closeFlow(7);
        assertFalse(set.holdsBinding());
        assertTrue(set.live(NOW).isEmpty());

        Binding again = ws("sip:a@y.invalid;transport=ws", 8, "a-longer-call-id-than-before");
        Step step = set.apply(register(again), NOW);

        assertSame(set, step.next(), "no new set: the binding is written into the vacant object");
        assertEquals(List.of(again), set.live(NOW));
        assertEquals(1, step.events().size());
        assertNull(step.events().get(0).before(), "a new binding to its listeners");
        assertEquals(List.of(again), step.result().bindings());

        Step another = set.apply(register(ws("sip:a@z.invalid;transport=ws", 9, "c3")), NOW);
        assertNotSame(set, another.next(), "no vacant object left: a new set");
        assertEquals(List.of("sip:a@y.invalid;transport=ws", "sip:a@z.invalid;transport=ws"),
                contacts(another.next()));
    }

    @Test
    void onlyANewBindingOverTheSameTransportTakesAVacantObject() {
        AorBindings set = registered(ws("sip:a@x.invalid;transport=ws", 7, "c1"));
        set.closeFlow(7);

        Step overUdp = set.apply(register(udp("sip:a@192.0.2.1")), NOW);
        assertNotSame(set, overUdp.next(), "a UDP phone does not take the WebSocket's object");
        assertEquals(List.of("sip:a@192.0.2.1"), contacts(overUdp.next()));

        AorBindings withUdp = overUdp.next();
        Step overWs = withUdp.apply(register(ws("sip:a@y.invalid;transport=ws", 8, "c2")), NOW);
        assertSame(withUdp, overWs.next(), "the browser back over WS does");
        assertEquals(List.of("sip:a@192.0.2.1", "sip:a@y.invalid;transport=ws"), contacts(withUdp));
    }

    @Test
    void theVacantObjectWithTheNewBindingsContactIsTakenFirst() {
        AorBindings set = registered(ws("sip:a@x.invalid;transport=ws", 7, "c1"),
                ws("sip:a@y.invalid;transport=ws", 8, "c2"));
        set.closeFlow(7);
        set.closeFlow(8);

        String x = "sip:a@x.invalid;transport=ws";
        String y = "sip:a@y.invalid;transport=ws";
        assertTrue(set.vacantFor(ws(y, 9, "c3")).hasContact(y));
        assertTrue(set.vacantFor(ws(x, 9, "c3")).hasContact(x));
        assertTrue(set.vacantFor(ws("sip:a@z.invalid;transport=ws", 9, "c3")).hasContact(x), "else the first");
        assertNull(set.vacantFor(udp(x)), "not over another transport");
    }

    @Test
    void aRefreshBesideAVacantObjectKeepsTheSet() {
        Binding phone = udp("sip:a@192.0.2.1");
        AorBindings set = registered(ws("sip:a@x.invalid;transport=ws", 7, "c1"), phone);
        set.closeFlow(7);
        Binding refresh = new Binding(phone.contact(), phone.flow(), NOW.plusSeconds(7200), 1f, phone.callId(), 2,
                null, 0, List.of(), phone.userAgent(), NOW);

        Step step = set.apply(register(refresh), NOW);

        assertSame(set, step.next());
        assertEquals(List.of(refresh), set.live(NOW));
    }

    @Test
    void noRuleSeesAVacantBinding() {
        AorBindings set = registered(ws("sip:a@x.invalid;transport=ws", 7, "c1"), udp("sip:a@192.0.2.1"));
        set.closeFlow(7);

        assertEquals(List.of("sip:a@192.0.2.1"),
                set.remove(b -> true, Removal.UNREACHABLE).events().stream().map(e -> e.before().contact()).toList());
        assertEquals(List.of("sip:a@192.0.2.1"),
                set.removeAll().events().stream().map(e -> e.before().contact()).toList());
        Step star = set.apply(new BindingChanges(true, List.of(), "call-u", 2, 10, OverflowPolicy.EVICT_OLDEST), NOW);
        assertEquals(1, star.events().size());
        assertNull(star.next());
        // The same Call-ID with a lower CSeq is out of order only against a binding that is held.
        Step sameCall = set.apply(register(ws("sip:a@x.invalid;transport=ws", 8, "c1")), NOW);
        assertEquals(RegistrationResult.Outcome.OK, sameCall.result().outcome());
    }

    @Test
    void aVacantObjectGoesAtItsBindingsExpiryWithoutAnEvent() {
        AorBindings set = registered(ws("sip:a@x.invalid;transport=ws", 7, "c1"));
        set.closeFlow(7);
        assertFalse(set.hasExpiredAt(NOW.plusSeconds(3599)));
        assertTrue(set.hasExpiredAt(NOW.plusSeconds(3600)));

        Step reaped = set.reap(NOW.plusSeconds(3600));

        assertTrue(reaped.events().isEmpty(), reaped.events().toString());
        assertNull(reaped.next());
    }
}
