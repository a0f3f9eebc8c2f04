package io.sipedge.location;

import io.sipedge.model.Aor;
import io.sipedge.model.Binding;
import io.sipedge.model.Transport;
import java.util.concurrent.atomic.LongAdder;

/**
 * The number of stored bindings per transport, kept up to date from the store's change events
 * rather than by walking the store: a metrics scrape must not iterate a million AORs, and the
 * REGISTER path pays one {@link LongAdder} update for a new or removed binding and a comparison for a
 * refresh.
 *
 * <p>Counts what the store holds, as {@link LocationStore#bindingCount()} does: a lapsed binding is
 * counted until the reaper removes it. Attach it with {@link LocationStore#addListener} before the
 * store holds any binding (the launcher does so before SIP starts), or the counts start wrong.
 */
public final class BindingsByTransport implements BindingListener {
    private final LongAdder[] counts;

    public BindingsByTransport() {
        Transport[] all = Transport.values();
        counts = new LongAdder[all.length];
        for (int i = 0; i < all.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    /** The bindings currently stored that were registered over {@code transport}. */
    public long count(Transport transport) {
        return counts[transport.ordinal()].sum();
    }

    @Override
    public void added(Aor aor, Binding binding) {
        counts[binding.transport().ordinal()].increment();
    }

    /** A phone that re-registers the same contact over another transport moves between counts. */
    @Override
    public void refreshed(Aor aor, Binding before, Binding after) {
        if (before.transport() != after.transport()) {
            counts[before.transport().ordinal()].decrement();
            counts[after.transport().ordinal()].increment();
        }
    }

    @Override
    public void removed(Aor aor, Binding binding, Removal why) {
        counts[binding.transport().ordinal()].decrement();
    }
}
