package io.sipedge.model;

/**
 * What operators say about a device beyond its SIP credentials: the devices API's name, type,
 * owner and caller ids, and the SIP settings a phone is configured with (preferred transport and
 * re-registration interval; see the sip-settings seed). Nothing here is read on the REGISTER path.
 *
 * @param name                 display name; defaults to the SIP username
 * @param deviceType           Kazoo device type token, e.g. {@code softphone}; defaults to {@value #DEFAULT_TYPE}
 * @param ownerId              the owning user's id in the operator's own systems, or null
 * @param internalCallerId     caller id towards the tenant's own users, or null
 * @param externalCallerId     caller id towards the outside, or null
 * @param transport            the transport a phone is told to use (sip_settings); defaults to UDP
 * @param registrationInterval seconds between re-registrations a phone is told to use, 30..900
 * @param features             softphone features (scloc srtp, messaging, video, callrecording); never null
 * @param xmppAccounts         XMPP accounts handed out with the SIP account (scloc); never null
 */
public record DeviceProfile(String name, String deviceType, String ownerId, CallerId internalCallerId,
                            CallerId externalCallerId, Transport transport, int registrationInterval,
                            Features features, java.util.List<XmppAccount> xmppAccounts) {
    /** Every device this edge serves registers over SIP; most are softphones (the devices seed). */
    public static final String DEFAULT_TYPE = "softphone";
    /** sip-settings seed: registration_interval is 30..900 s. */
    public static final int MIN_REGISTRATION_INTERVAL = 30;
    public static final int MAX_REGISTRATION_INTERVAL = 900;
    /** Five minutes: well inside the seed's range and far from NAT binding timeouts of 30 s and more. */
    public static final int DEFAULT_REGISTRATION_INTERVAL = 300;

    public DeviceProfile {
        // The constants, not equal copies (JSON gives each record its own): most devices have them.
        deviceType = deviceType == null || deviceType.isEmpty() || deviceType.equals(DEFAULT_TYPE)
                ? DEFAULT_TYPE : deviceType;
        ownerId = ownerId == null || ownerId.isEmpty() ? null : ownerId;
        transport = transport == null ? Transport.UDP : transport;
        // 0 is what a record written before this field existed reads as.
        registrationInterval = registrationInterval == 0 ? DEFAULT_REGISTRATION_INTERVAL : registrationInterval;
        features = features == null || features.equals(Features.UNSET) ? Features.UNSET : features;
        xmppAccounts = xmppAccounts == null ? java.util.List.of() : java.util.List.copyOf(xmppAccounts);
    }

    /** A profile without softphone features or XMPP accounts. */
    public DeviceProfile(String name, String deviceType, String ownerId, CallerId internalCallerId,
                         CallerId externalCallerId, Transport transport, int registrationInterval) {
        this(name, deviceType, ownerId, internalCallerId, externalCallerId, transport, registrationInterval, null,
                null);
    }

    /** The same profile with other SIP settings (sip_settings). */
    public DeviceProfile withSip(Transport newTransport, int newRegistrationInterval) {
        return new DeviceProfile(name, deviceType, ownerId, internalCallerId, externalCallerId, newTransport,
                newRegistrationInterval, features, xmppAccounts);
    }

    /** The profile of a device created without one (bulk import, older records): named after its user. */
    public static DeviceProfile defaultsFor(String username) {
        return new DeviceProfile(username, DEFAULT_TYPE, null, null, null, Transport.UDP,
                DEFAULT_REGISTRATION_INTERVAL);
    }

    public DeviceProfile withName(String value) {
        return new DeviceProfile(value, deviceType, ownerId, internalCallerId, externalCallerId, transport,
                registrationInterval, features, xmppAccounts);
    }

    /** This profile, named after the device's {@code username} when it has no name of its own. */
    public DeviceProfile withDefaultName(String username) {
        return name == null || name.isBlank() ? withName(username) : this;
    }
}
