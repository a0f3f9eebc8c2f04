package io.sipedge.model;

import static java.util.Objects.requireNonNull;

/**
 * An XMPP messaging account handed to a softphone with its SIP account (scloc-qr-format seed).
 * The password is kept sealed like a SIP password.
 *
 * @param jid            XMPP address, e.g. user@chat.example.com
 * @param sealedPassword the account password, sealed by the Directory
 * @param domain         XMPP service domain
 * @param server         server host override, or null (DNS SRV)
 * @param port           1..65535, default 5222
 * @param resource       resource identifier, or null
 * @param useTls         default true
 * @param verifyCert     default true
 * @param priority       presence priority -128..127, default 5
 * @param displayName    display name, or null
 * @param accountName    friendly label, or null
 */
public record XmppAccount(String jid, String sealedPassword, String domain, String server, int port,
                          String resource, boolean useTls, boolean verifyCert, int priority, String displayName,
                          String accountName) {
    public static final int DEFAULT_PORT = 5222;
    public static final int DEFAULT_PRIORITY = 5;

    public XmppAccount {
        requireNonNull(jid, "jid");
        requireNonNull(sealedPassword, "sealedPassword");
        requireNonNull(domain, "domain");
    }

    @Override
    public String toString() {
        return "XmppAccount[jid=" + jid + ", password=<redacted>, domain=" + domain + "]";
    }
}
