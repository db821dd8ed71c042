/**
 * The write pipeline, one way: accept → journal → apply to the datapath → publish → answer.
 * <ol>
 * <li>{@link io.cvs.write.ServiceRegistry} accepts a write under one lock: 404, precondition (412), conflicts
 *     (409), room in the maps (409, 507), against the accepted state (what is durable plus what is queued). It
 *     queues a {@code Committer.Write} that carries its journal payload, its datapath steps
 *     ({@link io.cvs.write.Transition}) and its own completion, then waits on that completion.</li>
 * <li>{@link io.cvs.write.Committer}, one thread, appends every waiting write to the {@link io.cvs.journal.Journal}
 *     with one fsync, runs each write's steps on the {@link io.cvs.datapath.Datapath}, publishes the durable table
 *     to {@link io.cvs.write.Published} and completes the write. Reconciles and health verdicts run on the same
 *     thread between batches, so nothing else writes the maps.</li>
 * </ol>
 * Nothing calls back up: the committer holds no reference to the registry. A failed append is counted in
 * {@code Published}; the committer refuses the writes accepted on top of it, and the registry, on its next write,
 * starts its accepted state again from the published one.
 *
 * <p>{@link io.cvs.write.JournalCodec} is the records' payload format (the journal itself knows frames and bytes).
 * {@link io.cvs.write.ProbeTargets} is the bridge to health: the committer tells it the targets after a change
 * touched a checked service, and it queues the monitor's verdicts back as health changes.
 *
 * <p>May call {@code io.cvs.service}, {@code io.cvs.journal}, {@code io.cvs.datapath}, {@code io.cvs.reconcile}
 * (the committer runs the {@link io.cvs.reconcile.Reconciler}), {@code io.cvs.health} and {@code io.cvs.system}.
 */
package io.cvs.write;
