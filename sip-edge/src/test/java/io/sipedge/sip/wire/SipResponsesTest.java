package io.sipedge.sip.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import gov.nist.javax.sip.message.SIPResponse;
import io.sipedge.model.Binding;
import io.sipedge.model.Flow;
import io.sipedge.model.Transport;
import io.sipedge.observe.RegisterOutcome;
import io.sipedge.sip.registrar.RegisterReply;
import io.sipedge.sip.registrar.RegisterReply.Outbound;
import java.time.Instant;
import java.util.List;
import javax.sip.header.Header;
import org.junit.jupiter.api.Test;

/** What the registrar's answer says of RFC 5626 outbound, as a phone's parser reads it. */
class SipResponsesTest {
    private static final Instant NOW = Instant.parse("2026-11-02T08:09:10Z");
    private static final RequestHead HEAD = new RequestHead("SIP/2.0/TCP 10.0.0.5:5070;branch=z9hG4bK-1;rport=5070",
            List.of(), "<sip:alice@example.com>;tag=f1", "<sip:alice@example.com>", false, "f1", "call-1",
            "7 REGISTER", "z9hG4bK-1", 5070);
    private static final Binding BOUND = new Binding("sip:alice@10.0.0.5:5070;transport=tcp",
            new Flow(Transport.TCP, "10.0.0.5", 5070, 3, "edge-1", true), NOW.plusSeconds(600), 1.0f, "call-1", 7,
            "urn:uuid:1", 1, List.of(), null, NOW);

    private static SIPResponse written(int status, Outbound outbound) throws Exception {
        RegisterReply reply = new RegisterReply(status, status == 200 ? "OK" : "Interval Too Brief",
                status == 200 ? List.of(BOUND) : List.of(), List.of(), status == 200 ? 0 : 60, NOW,
                status == 200 ? RegisterOutcome.ACCEPTED : RegisterOutcome.INTERVAL_TOO_BRIEF, outbound);
        return (SIPResponse) SipParser.parse(SipResponses.register(reply, HEAD));
    }

    private static String value(SIPResponse r, String name) {
        Header h = r.getHeader(name);
        if (h == null) {
            return null;
        }
        String text = h.toString();
        return text.substring(text.indexOf(':') + 1).strip();
    }

    @Test
    void aTwoHundredWithOutboundRequiresItAndNamesTheFlowTimer() throws Exception {
        SIPResponse r = written(200, new Outbound(true, 120));
        assertEquals("outbound", value(r, "Require"));
        assertEquals("120", value(r, "Flow-Timer"));
    }

    @Test
    void aFlowTimerOfZeroIsNoHeader() throws Exception {
        SIPResponse r = written(200, new Outbound(true, 0));
        assertEquals("outbound", value(r, "Require"));
        assertNull(value(r, "Flow-Timer"));
    }

    @Test
    void withoutOutboundNeitherHeader() throws Exception {
        SIPResponse r = written(200, Outbound.NONE);
        assertNull(value(r, "Require"));
        assertNull(value(r, "Flow-Timer"));
    }

    @Test
    void onlyATwoHundredSaysAnything() throws Exception {
        SIPResponse r = written(423, new Outbound(true, 120));
        assertNull(value(r, "Require"));
        assertNull(value(r, "Flow-Timer"));
    }

    @Test
    void theDateFollowsTheClockToTheSecond() {
        assertEquals("Mon, 02 Nov 2026 08:09:10 GMT", SipResponses.date(NOW));
        assertEquals("Mon, 02 Nov 2026 08:09:10 GMT", SipResponses.date(NOW.plusMillis(999)), "the same second");
        assertEquals("Mon, 02 Nov 2026 08:09:11 GMT", SipResponses.date(NOW.plusSeconds(1)));
        assertEquals("Mon, 02 Nov 2026 08:09:10 GMT", SipResponses.date(NOW), "a clock that steps back");
        assertEquals("Tue, 03 Nov 2026 08:09:10 GMT", SipResponses.date(NOW.plusSeconds(86_400)));
    }
}
