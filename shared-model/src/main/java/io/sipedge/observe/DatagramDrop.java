package io.sipedge.observe;

/** Why the edge dropped a UDP datagram it received or was sending; metrics count each. */
public enum DatagramDrop {
    /** Received, and longer than {@code sip.max-message-size}: dropped whole rather than parsed cut off. */
    TOO_LARGE("too_large"),
    /** An answer or request the socket's send buffer had no room for (the phone retransmits). */
    SEND_BUFFER_FULL("send_buffer_full");

    private final String label;

    DatagramDrop(String label) {
        this.label = label;
    }

    /** The metrics label. */
    public String label() {
        return label;
    }
}
