package io.cvs.reconcile;

import java.time.Duration;
import java.time.Instant;

/**
 * What one reconcile found and did: services added to the maps (missing there), fixed (they differed or were
 * inconsistent), removed (not desired), failed (could not be written; tried again next time), and unchanged.
 */
public record ReconcileResult(Instant at, int added, int fixed, int removed, int failed, int unchanged, Duration took) {

    public int changed() {
        return added + fixed + removed;
    }
}
