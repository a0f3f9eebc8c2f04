package io.sipedge.location;

import io.sipedge.model.Aor;
import io.sipedge.model.Binding;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

/**
 * Soft state: the bindings of every AOR (RFC 3261 §10.3). Updates are atomic per AOR and never wait
 * on other AORs; reads never block. Time is always passed in, so expiry is testable without sleeping.
 */
public interface LocationStore {

    /** Applies one REGISTER's changes to one AOR atomically and returns the outcome and the bindings after it. */
    RegistrationResult apply(Aor aor, BindingChanges changes, Instant now);

    /** The live bindings of an AOR at {@code now}, highest q first. */
    List<Binding> lookup(Aor aor, Instant now);

    /** Removes every binding of an AOR (an operator kick, a deleted or disabled device). */
    List<Binding> removeAll(Aor aor, Instant now);

    /**
     * Removes every binding that has expired at {@code now} and tells the listeners. Works AOR by
     * AOR: it never holds a lock over more than one AOR.
     *
     * @return how many bindings were removed
     */
    int reapExpired(Instant now);

    /** A point-in-time copy of all live bindings by AOR, for status pages and metrics. */
    default Map<Aor, List<Binding>> snapshot(Instant now) {
        Map<Aor, List<Binding>> out = new HashMap<>();
        forEach(now, out::put);
        return out;
    }

    /**
     * Calls {@code visitor} with each AOR's live bindings at {@code now}, one AOR at a time and
     * without copying the store: what a persister walks. Weakly consistent, like the map under it.
     */
    void forEach(Instant now, BiConsumer<Aor, List<Binding>> visitor);

    /**
     * Puts back bindings read after a restart (listeners are told of each as added). A binding the
     * AOR already holds (same contact, or same instance and reg-id) is kept as it stands.
     */
    void restore(Aor aor, List<Binding> bindings);

    /**
     * A persister wrote {@code aor}'s bindings as they stood: that copy stays good until
     * {@code until}, the first of their expiries (epoch second). Kept with the AOR, in memory only.
     */
    default void persisted(Aor aor, long until) {
    }

    /**
     * What {@link #persisted} last said of {@code aor}: until when its bindings as last written
     * stay unexpired; {@link Long#MIN_VALUE} when they were not written since this process started.
     */
    default long persistedUntil(Aor aor) {
        return Long.MIN_VALUE;
    }

    int bindingCount();

    /**
     * Connection number {@code connection} of this edge has closed: the bindings only it reached
     * ({@link io.sipedge.model.Binding#diesWithFlow()}) are removed, the others marked unreachable
     * ({@code flow().open()} false); listeners are told.
     *
     * @return the bindings it carried
     */
    int closeFlow(long connection);

    int aorCount();

    /**
     * Removes the bindings of {@code aor} that {@code which} picks, in one atomic step, and tells the
     * listeners {@code why}. {@code which} runs inside the AOR's atomic section on bindings as they
     * stand, so a caller can make sure it removes what it judged and not a binding refreshed since:
     * it must be a pure, quick test.
     *
     * @return the bindings removed
     */
    List<Binding> remove(Aor aor, Predicate<Binding> which, BindingListener.Removal why);

    void addListener(BindingListener listener);
}
