package io.sipedge.location;

/**
 * One instance of each text among those seen lately, for values that many bindings repeat (every
 * phone of a model sends the same User-Agent): a binding keeps the shared instance, not a copy of
 * its own. A fixed table indexed by hash, each slot holding the last text that landed in it, so a
 * text is shared while it stays common and nothing grows with the number of distinct values.
 *
 * <p>Slots are read and written without a lock: a String is immutable and safely published, so a
 * racing reader sees either text whole, and a lost write only means one more copy is kept.
 */
final class RecentStrings {
    private static final int SLOTS = 256; // a power of two

    private final String[] slots = new String[SLOTS];

    /** The instance kept for a text equal to {@code text}, which becomes it when there is none; null for null. */
    String shared(String text) {
        if (text == null) {
            return null;
        }
        int i = text.hashCode() & (SLOTS - 1);
        String seen = slots[i];
        if (text.equals(seen)) {
            return seen;
        }
        slots[i] = text;
        return text;
    }
}
