package io.sipedge.loadtest.register;

import io.sipedge.loadtest.sip.Ascii;
import io.sipedge.loadtest.sip.DigestChallenge;
import io.sipedge.loadtest.sip.SipDomain;

/**
 * One user's identity, precomputed bytes, and its registration in flight. The mutable part is
 * guarded by the object's monitor: the sender, a reader and the timer thread each touch it.
 */
final class UserState {
    static final byte IDLE = 0;
    static final byte LEG1 = 1;
    static final byte LEG2 = 2;

    final int index;
    final int connection;
    final SipDomain domain;
    final byte[] username;
    final byte[] digestUsername;
    final byte[] password;
    /** HA1 for MD5 with realm = domain, computed at load time. */
    final byte[] ha1Md5;
    /** HA1 for SHA-256 with realm = domain, computed on first need. */
    byte[] ha1Sha256;

    // the registration in flight (phase != IDLE)
    byte phase = IDLE;
    int cseq;
    long scheduledNanos;
    long legSentNanos;
    long timeoutAtNanos;
    long retransmitAtNanos;
    long retransmitIntervalNanos;
    DigestChallenge challenge;
    byte[] challengeHa1;
    long cnonce;
    StepStats stats;

    UserState(int index, int connection, SipUser user, SipDomain domain, byte[] ha1Md5) {
        this.index = index;
        this.connection = connection;
        this.domain = domain;
        this.username = Ascii.bytes(user.username());
        this.digestUsername = user.authUsername() == null ? username : Ascii.bytes(user.authUsername());
        this.password = Ascii.bytes(user.password());
        this.ha1Md5 = ha1Md5;
    }
}
