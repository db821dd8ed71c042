package io.cvs.reconcile;

import io.cvs.datapath.Datapath.Repair;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What one reconcile found and did: services added to the maps (missing there), fixed (they differed or were
 * inconsistent), removed (not desired), failed (could not be written, or a repair of the datapath failed; tried
 * again next time), unchanged, and held (not desired but kept, since the journal does not match the maps:
 * docs/design.md, "Start"); and what it repaired of the datapath itself (map pins, the socket-LB's links, cvs.ko's
 * binding) because something outside the daemon had removed it.
 */
public record ReconcileResult(Instant at, int added, int fixed, int removed, int failed, int unchanged, Duration took,
        int held, List<Repair> repairs) {

    public ReconcileResult {
        repairs = List.copyOf(repairs);
    }

    /** A reconcile that held nothing back and repaired nothing. */
    public ReconcileResult(Instant at, int added, int fixed, int removed, int failed, int unchanged, Duration took) {
        this(at, added, fixed, removed, failed, unchanged, took, 0, List.of());
    }

    public int changed() {
        return added + fixed + removed;
    }

    /** Parts of the datapath put back: pins, socket-LB links, cvs.ko's binding. */
    public int repaired() {
        return repairs.size();
    }
}
