package io.sipedge.sip.proxy;

/**
 * RFC 3261 §17 timer values in milliseconds: T1 (round-trip estimate), T2 (longest retransmit
 * interval for non-INVITE requests and INVITE responses), T4 (longest a message stays in the
 * network), the proxy's Timer C (how long a branch may ring, §16.6 step 11: more than 3
 * minutes), and the linger: how long an answered transaction stays to absorb retransmissions
 * (Timers D and J over UDP, L and M; 64·T1 in the RFCs).
 */
record TransactionTimers(long t1, long t2, long t4, long timerC, long linger) {
    /** The RFCs' values. */
    static final TransactionTimers DEFAULT = new TransactionTimers(500, 4_000, 5_000, 181_000, 32_000);

    TransactionTimers {
        if (t1 <= 0 || t2 < t1 || t4 <= 0 || timerC <= 0 || linger <= 0) {
            throw new IllegalArgumentException("timers must be positive and T2 >= T1");
        }
    }

    /** 64·T1: Timers B, F, H, and how long a cancelled INVITE may wait for its final. */
    long transactionTimeout() {
        return 64 * t1;
    }
}
