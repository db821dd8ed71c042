package io.cvs.fleet.store;

import java.util.List;

/**
 * The fleet's shared desired state, as the daemon needs it from a distributed store (etcd): one entry per service
 * under {@code <prefix>services/<id>}, uniqueness claims under {@code <prefix>claims/}, and each host's report under
 * {@code <prefix>hosts/<host-id>} with a lease. The daemon's fleet code depends on this port, never on the etcd
 * client itself.
 *
 * <p>Every call that talks to the store throws {@link StoreUnavailableException} when the store cannot answer in
 * time (unreachable, no quorum, timed out); nothing else is thrown for a store that is away. Implementations are
 * safe to share between threads.
 */
public interface FleetStore extends AutoCloseable {

    /** Every service entry at one revision (a linearizable read), for a first sync or a resync. */
    Snapshot snapshot();

    /** One service entry as the store holds it now (linearizable); null when there is none. */
    StoredService get(String id);

    /**
     * Applies ops in one transaction: all or nothing, each op's precondition and claims checked in it. Returns the
     * revision the transaction committed at, or the first reason it could not (which precondition or claim failed,
     * read in the same transaction). Ops of at most {@link #maxKeysPerCommit()} {@linkplain StoreOp#keys() keys}
     * in all.
     */
    CommitResult commit(List<StoreOp> ops);

    /**
     * What the store held at the snapshot's revision besides its entries (claims), read once for a bulk whose
     * transactions are then planned from it ({@link #commit(List, PlanFrom)}); null when this store has nothing
     * to offer or could not read it at that revision (the commits read for themselves then).
     */
    default PlanFrom planFrom(Snapshot snapshot) {
        return null;
    }

    /**
     * As {@link #commit(List)}, with the same outcome, but planned first from planFrom (null: as commit(ops))
     * instead of a read of the ops' keys: one round trip less per transaction while nothing changed since
     * planFrom's revision, and the same read as commit(ops) when something did.
     */
    default CommitResult commit(List<StoreOp> ops, PlanFrom planFrom) {
        return commit(ops);
    }

    /**
     * The most {@linkplain StoreOp#keys() keys} the ops of one {@link #commit} may involve (etcd's --max-txn-ops):
     * a service created with its name and address claims is three.
     */
    int maxKeysPerCommit();

    /**
     * Watches the service entries from revision {@code fromRevision} (inclusive), delivering events in revision
     * order to listener on one thread, until the returned handle is closed. When the store compacted past
     * fromRevision, or the watch breaks for good, listener is told once ({@link WatchListener#compacted},
     * {@link WatchListener#broken}) and the watch ends: the caller resyncs from a {@link #snapshot()} and watches
     * again.
     */
    AutoCloseable watch(long fromRevision, WatchListener listener);

    /**
     * Asks the open watches to say how far they have delivered ({@link WatchListener#progress}): the store's
     * revision moves with keys no watch sees (host reports), so without it a host that applied every service
     * event could not tell it is up to date. Optional for a store; nothing is thrown.
     */
    default void requestProgress() {
    }

    /**
     * Puts this host's report under {@code <prefix>hosts/<host-id>}, attached to a lease of the given time to live
     * that the store keeps alive while this process runs; the entry vanishes when the host is gone for ttl.
     * Returns the store's revision once the report is in: how far the store is, without another call.
     */
    long report(HostReport report);

    /** Every host's report, with the store's revision when read. */
    List<HostReport> hosts();

    /** The store's revision, its members and their health, as one call (bounded by the client timeout). */
    StoreStatus status();

    @Override
    void close();
}
