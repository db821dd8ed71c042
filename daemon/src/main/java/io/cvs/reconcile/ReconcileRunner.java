package io.cvs.reconcile;

import java.util.Optional;

/**
 * Runs a reconcile in order with the writes (the write pipeline implements it: reconciles and writes share its
 * one thread) and tells the last result. The loop, the endpoint and the health component depend on this, so
 * this package never calls the pipeline.
 */
public interface ReconcileRunner {

    /** Makes the maps equal the desired state now, after every write accepted before; see {@link Reconciler}. */
    ReconcileResult reconcile();

    /**
     * {@link #reconcile()}; with prune true also when the journal does not match the maps (docs/design.md,
     * "Start"): the operator's confirmation. It removes what the journal lacks and records this journal in the
     * maps, which clears the mismatch. Without a mismatch it is {@link #reconcile()}.
     */
    default ReconcileResult reconcile(boolean prune) {
        return reconcile();
    }

    /** The last reconcile's result; empty until the first finished. */
    Optional<ReconcileResult> lastReconcile();
}
