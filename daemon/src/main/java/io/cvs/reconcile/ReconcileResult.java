package io.cvs.reconcile;

import java.time.Duration;
import java.time.Instant;

/**
 * What one reconcile found and did: services added to the maps (missing there), fixed (they differed or were
 * inconsistent), removed (not desired), failed (could not be written; tried again next time), unchanged, and held
 * (not desired but kept, since the journal does not match the maps: docs/design.md, "Start").
 */
public record ReconcileResult(Instant at, int added, int fixed, int removed, int failed, int unchanged, Duration took,
        int held) {

    /** A reconcile that held nothing back. */
    public ReconcileResult(Instant at, int added, int fixed, int removed, int failed, int unchanged, Duration took) {
        this(at, added, fixed, removed, failed, unchanged, took, 0);
    }

    public int changed() {
        return added + fixed + removed;
    }
}
