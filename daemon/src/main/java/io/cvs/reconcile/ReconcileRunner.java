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

    /** The last reconcile's result; empty until the first finished. */
    Optional<ReconcileResult> lastReconcile();
}
