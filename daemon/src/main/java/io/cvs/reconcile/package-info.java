/**
 * Making the maps equal the desired state: {@link io.cvs.reconcile.Reconciler} compares what the datapath holds
 * with the durable services and fixes only the difference (added, fixed, then removed, never a flush), the loop
 * that runs it every {@code cvs.reconcile.interval}, {@code POST /api/v1/datapath/reconcile}, and the readiness
 * component that waits for the first run. A reconcile first repairs what the forwarders need (pins, links, cvs.ko's
 * binding); {@link io.cvs.reconcile.DriftCheck} and {@link io.cvs.reconcile.PinWatch} start one within seconds of
 * something changing behind the daemon's back.
 *
 * <p>The reconcile itself runs on the write pipeline's thread, in order with the writes; this package reaches it
 * through {@link io.cvs.reconcile.ReconcileRunner}, which the pipeline implements, so it never calls the pipeline.
 *
 * <p>May call {@code io.cvs.service}, {@code io.cvs.datapath} and {@code io.cvs.system}.
 */
package io.cvs.reconcile;
