package io.sipedge.sip.registrar;

import io.sipedge.model.Flow;
import io.sipedge.model.Transport;
import io.sipedge.sip.auth.DigestCredentials;
import io.sipedge.sip.registrar.RegisterRequest.ContactSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * REGISTERs as the registrar reads them, for tests: a plain request to {@value #DOMAIN} over UDP,
 * changed only where a test says, so each row shows just what it is about.
 */
final class RegisterRequestBuilder {
    static final String DOMAIN = "example.com";

    private String requestUriHost = DOMAIN;
    private String toUser;
    private String toHost = DOMAIN;
    private String branch = "z9hG4bK-1";
    private String callId = "call-1@192.0.2.10";
    private long cseq = 1;
    private Long expiresHeader;
    private boolean star;
    private final List<ContactSpec> contacts = new ArrayList<>();
    private DigestCredentials credentials;
    private List<String> path = List.of();
    private Flow flow = Flow.of(Transport.UDP, "192.0.2.10", 5060);
    private String malformed;
    private List<String> unsupported = List.of();
    private boolean outboundSupported;
    private boolean firstHop = true;

    private RegisterRequestBuilder(String toUser) {
        this.toUser = toUser;
    }

    /** A REGISTER for {@code toUser}@{@value #DOMAIN}, without Contact, Expires or credentials. */
    static RegisterRequestBuilder register(String toUser) {
        return new RegisterRequestBuilder(toUser);
    }

    static ContactSpec contactWithQ(String uri, float q) {
        return new ContactSpec(uri, null, q, null, 0);
    }

    /** An RFC 5626 contact: {@code +sip.instance} and {@code reg-id}. */
    static ContactSpec outbound(String uri, String instance, int regId) {
        return new ContactSpec(uri, null, null, instance, regId);
    }

    static ContactSpec outbound(String uri, String instance, int regId, long expires) {
        return new ContactSpec(uri, expires, null, instance, regId);
    }

    RegisterRequestBuilder requestUri(String host) {
        requestUriHost = host;
        return this;
    }

    RegisterRequestBuilder to(String user, String host) {
        toUser = user;
        toHost = host;
        return this;
    }

    RegisterRequestBuilder contact(String uri) {
        return contact(new ContactSpec(uri, null, null, null, 0));
    }

    /** A contact with its own {@code expires} parameter. */
    RegisterRequestBuilder contact(String uri, long expires) {
        return contact(new ContactSpec(uri, expires, null, null, 0));
    }

    RegisterRequestBuilder contact(ContactSpec c) {
        contacts.add(c);
        return this;
    }

    /** {@code Contact: *}. */
    RegisterRequestBuilder star() {
        star = true;
        return this;
    }

    /** The Expires header. */
    RegisterRequestBuilder expires(long seconds) {
        expiresHeader = seconds;
        return this;
    }

    RegisterRequestBuilder callId(String value) {
        callId = value;
        return this;
    }

    RegisterRequestBuilder cseq(long value) {
        cseq = value;
        return this;
    }

    RegisterRequestBuilder branch(String value) {
        branch = value;
        return this;
    }

    /** The one Authorization header (replacing any set before). */
    RegisterRequestBuilder credentials(DigestCredentials c) {
        credentials = c;
        return this;
    }

    RegisterRequestBuilder path(String... values) {
        path = List.of(values);
        return this;
    }

    RegisterRequestBuilder from(Flow value) {
        flow = value;
        return this;
    }

    /** {@code Supported: outbound}. */
    RegisterRequestBuilder supportsOutbound() {
        outboundSupported = true;
        return this;
    }

    /** Relayed by a proxy: more than one Via. */
    RegisterRequestBuilder notFirstHop() {
        firstHop = false;
        return this;
    }

    /** Option tags a Require header asks for that the registrar does not support. */
    RegisterRequestBuilder requires(String... tags) {
        unsupported = List.of(tags);
        return this;
    }

    /** As the wire reader reports a header it could not parse. */
    RegisterRequestBuilder malformed(String header) {
        malformed = header;
        return this;
    }

    RegisterRequest build() {
        return new RegisterRequest(requestUriHost, toUser, toHost, branch, callId, cseq, expiresHeader, star,
                contacts, credentials == null ? List.of() : List.of(credentials), path, "table-test/1.0",
                outboundSupported, firstHop, flow, malformed, unsupported);
    }
}
