package io.sipedge.location;

import io.sipedge.model.Binding;
import io.sipedge.model.Flow;
import io.sipedge.model.Transport;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A binding as the store holds it: one object per registered contact, refreshed in place.
 *
 * <p>Why mutable when {@link Binding} is a value: nearly every REGISTER refreshes a binding whose
 * strings have not changed. When each refresh stored new objects, a binding lived one refresh
 * interval, so bindings died young and every young collection copied the registered population
 * between the survivor spaces (measured at 11 000 refreshes/s with 100 000 bindings: young pauses
 * of 36 ms median, up to 177 ms). Refreshed in place, a binding lives as long as its phone stays
 * registered: promoted once (the edge runs with a low tenuring threshold), it is not copied again.
 *
 * <p>A refresh writes a reference field only when its value changed, and keeps what changes often
 * in primitives: the flow field by field (a phone's new source port or connection) and the
 * Call-ID as bytes in an array of its own (a phone that rebooted). Every reference written into
 * this long-lived object marks its card for the next young collection to scan, and a new object
 * it points to must be copied out of the young generation: with 8 000 refreshes a second of
 * phones whose source port or Call-ID had changed, that was 15 to 40 ms per young pause, against
 * 3 to 5 ms when nothing had.
 *
 * <p>A new binding is what every young collection copies while phones register for the first time
 * (or a browser on a new WebSocket), so it is kept to few objects: the contact is held as its bytes
 * (no String around them), and the User-Agent text is shared between bindings (phones of one model
 * send the same), through a small table of recent values. A new WebSocket binding was 11 objects
 * and 451 bytes, the store's entry included; it is 8 and 363, and none when the AOR holds a vacant
 * object, left by a binding that went with its flow (see {@link AorBindings}).
 *
 * <p>Writers run inside the store's per-AOR atomic section, so they never race each other. Readers
 * outside it (lookup, snapshot, the reaper's check) take this object's monitor, as {@link #refresh}
 * does, so they see a refresh whole or not at all. Callers get {@link #value()} copies, never this.
 */
final class StoredBinding {
    private static final byte[] NO_CALL_ID = new byte[0];
    private static final RecentStrings USER_AGENTS = new RecentStrings();

    /** The contact URI's UTF-8 bytes. */
    private byte[] contact;
    private Transport transport;
    private String remoteIp;
    private int remotePort;
    private long connection;
    private String edge;
    private boolean open;
    private long expiresSecond;
    private int expiresNano;
    private float q;
    /**
     * The Call-ID's UTF-8 bytes, {@code callIdLength} of them: as long as the first Call-ID, since a
     * phone's next ones (after a reboot) are as long as a rule, and a million bindings are stored.
     */
    private byte[] callId;
    private int callIdLength;
    private long cseq;
    private String instanceId;
    private int regId;
    private List<String> path;
    private String userAgent;
    private long registeredSecond;
    private int registeredNano;
    /**
     * The binding went with its flow and this object waits, until the binding's expiry, for the
     * AOR's next new binding over its transport (see {@link AorBindings}); no reader sees its values.
     */
    private boolean vacant;

    StoredBinding(Binding b) {
        contact = b.contact().getBytes(StandardCharsets.UTF_8);
        Flow f = b.flow();
        transport = f.transport();
        remoteIp = f.remoteIp();
        edge = f.edge();
        instanceId = b.instanceId();
        path = b.path();
        userAgent = USER_AGENTS.shared(b.userAgent());
        callId = NO_CALL_ID;
        copyValues(b);
    }

    /** Takes {@code b}'s values; see the class comment for why references are written only on change. */
    synchronized void refresh(Binding b) {
        if (!sameText(b.contact(), contact)) {
            contact = b.contact().getBytes(StandardCharsets.UTF_8);
        }
        Flow f = b.flow();
        if (f.transport() != transport) {
            transport = f.transport();
        }
        if (!f.remoteIp().equals(remoteIp)) {
            remoteIp = f.remoteIp();
        }
        if (!f.edge().equals(edge)) {
            edge = f.edge();
        }
        if (!Objects.equals(b.instanceId(), instanceId)) {
            instanceId = b.instanceId();
        }
        if (!b.path().equals(path)) {
            path = b.path();
        }
        if (!Objects.equals(b.userAgent(), userAgent)) {
            userAgent = USER_AGENTS.shared(b.userAgent());
        }
        copyValues(b);
    }

    private void copyValues(Binding b) {
        Flow f = b.flow();
        remotePort = f.remotePort();
        connection = f.connection();
        open = f.open();
        Instant expires = b.expiresAt();
        expiresSecond = expires.getEpochSecond();
        expiresNano = expires.getNano();
        q = b.q();
        setCallId(b.callId());
        cseq = b.cseq();
        regId = b.regId();
        Instant registered = b.registeredAt();
        registeredSecond = registered.getEpochSecond();
        registeredNano = registered.getNano();
    }

    /** Writes {@code id} into the Call-ID bytes, a new array only when it does not fit. */
    private void setCallId(String id) {
        int n = id.length();
        boolean ascii = n <= callId.length;
        for (int i = 0; ascii && i < n; i++) {
            char c = id.charAt(i);
            if (c >= 0x80) {
                ascii = false;
            } else {
                callId[i] = (byte) c; // the same bytes for an unchanged Call-ID: no reference is written
            }
        }
        if (ascii) {
            callIdLength = n;
            return;
        }
        byte[] utf8 = id.getBytes(StandardCharsets.UTF_8);
        if (utf8.length > callId.length) {
            callId = new byte[utf8.length];
        }
        System.arraycopy(utf8, 0, callId, 0, utf8.length);
        callIdLength = utf8.length;
    }

    /** True when {@code text}'s UTF-8 bytes are {@code utf8}, without encoding an ASCII text. */
    private static boolean sameText(String text, byte[] utf8) {
        int n = text.length();
        if (n != utf8.length) {
            return n < utf8.length && Arrays.equals(text.getBytes(StandardCharsets.UTF_8), utf8);
        }
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c >= 0x80) {
                return false; // n chars with one outside ASCII encode to more than n bytes
            }
            if (c != utf8[i]) {
                return false;
            }
        }
        return true;
    }

    /** Holds no binding until {@link #occupy}; for the writer, inside the AOR's atomic section. */
    synchronized void vacate() {
        vacant = true;
    }

    /** Holds {@code b}, written in place as a refresh is. */
    synchronized void occupy(Binding b) {
        refresh(b);
        vacant = false;
    }

    /** For the writer, inside the AOR's atomic section (where {@link #vacate} and {@link #occupy} run). */
    boolean vacant() {
        return vacant;
    }

    /** For the writer, inside the AOR's atomic section. */
    Transport transport() {
        return transport;
    }

    /** True when the contact is {@code contact}; for the writer, inside the AOR's atomic section. */
    boolean hasContact(String contact) {
        return sameText(contact, this.contact);
    }

    /** The binding as it stands, or null when vacant: for readers outside the atomic section. */
    synchronized Binding valueIfOccupied() {
        return vacant ? null : value();
    }

    /** The binding as it stands, as a value the caller may keep. */
    synchronized Binding value() {
        return new Binding(new String(contact, StandardCharsets.UTF_8),
                new Flow(transport, remoteIp, remotePort, connection, edge, open),
                Instant.ofEpochSecond(expiresSecond, expiresNano), q,
                new String(callId, 0, callIdLength, StandardCharsets.UTF_8), cseq, instanceId, regId, path, userAgent,
                Instant.ofEpochSecond(registeredSecond, registeredNano));
    }

    /** True when this binding was registered on connection number {@code connection}. */
    synchronized boolean onConnection(long connection) {
        return this.connection == connection;
    }

    /** The expiry time's second; for the writer, inside the AOR's atomic section. */
    long expiresSecond() {
        return expiresSecond;
    }

    /** True once {@code now} reaches the expiry time. */
    synchronized boolean expiredAt(Instant now) {
        long s = now.getEpochSecond();
        return s > expiresSecond || (s == expiresSecond && now.getNano() >= expiresNano);
    }
}
