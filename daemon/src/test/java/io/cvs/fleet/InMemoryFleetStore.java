package io.cvs.fleet;

import io.cvs.fleet.store.CommitResult;
import io.cvs.fleet.store.FleetStore;
import io.cvs.fleet.store.HostReport;
import io.cvs.fleet.store.Snapshot;
import io.cvs.fleet.store.StoreOp;
import io.cvs.fleet.store.StoreStatus;
import io.cvs.fleet.store.StoreUnavailableException;
import io.cvs.fleet.store.StoredService;
import io.cvs.fleet.store.WatchListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * A fake of the {@link FleetStore} port for unit tests: etcd's semantics as the port states them (one revision per
 * commit, all-or-nothing transactions with preconditions and claims, watches from a revision in revision order on
 * a thread per watch, compaction, a store that can be made unavailable), in memory. The real store is
 * {@code EtcdFleetStore}, tested against real etcd.
 */
final class InMemoryFleetStore implements FleetStore {

    private record Revision(long revision, List<WatchListener.Event> events) {
    }

    private final class Watch implements AutoCloseable {
        private final WatchListener listener;
        private final ExecutorService thread = Executors.newSingleThreadExecutor();

        Watch(WatchListener listener) {
            this.listener = listener;
        }

        /** Revisions kept back while the store holds its watches; guarded by the store. */
        private final List<WatchListener.Revision> held = new ArrayList<>();

        /** With the store's lock held. */
        void deliver(Revision r) {
            WatchListener.Revision revision = new WatchListener.Revision(r.revision(), r.events());
            if (holding) {
                held.add(revision);
            } else {
                thread.execute(() -> listener.changed(List.of(revision)));
            }
        }

        /** With the store's lock held: what was kept back, in one call, as a watch response with many revisions. */
        void release() {
            if (!held.isEmpty()) {
                List<WatchListener.Revision> all = List.copyOf(held);
                held.clear();
                thread.execute(() -> listener.changed(all));
            }
        }

        @Override
        public void close() {
            synchronized (InMemoryFleetStore.this) {
                watches.remove(this);
            }
            thread.shutdown();
            try {
                thread.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private final int maxKeys;
    private final Map<String, StoredService> services = new TreeMap<>();
    private final Map<String, String> claims = new HashMap<>();
    private final Map<String, HostReport> hosts = new TreeMap<>();
    private final List<Revision> history = new ArrayList<>();
    private final List<Watch> watches = new ArrayList<>();
    private long revision = 1;
    private long compacted;
    private volatile boolean available = true;
    /** Guarded by this: watches keep revisions back until {@link #releaseWatches()}. */
    private boolean holding;
    private final AtomicInteger reports = new AtomicInteger();
    private volatile Duration reportTakes = Duration.ZERO;
    private final AtomicInteger commits = new AtomicInteger();
    private final AtomicInteger inCommit = new AtomicInteger();
    private final AtomicInteger mostInCommit = new AtomicInteger();
    private volatile BiConsumer<Integer, List<StoreOp>> beforeCommit = (number, ops) -> { };

    /** maxKeys: the most {@linkplain StoreOp#keys() keys} of a commit (a service created is 3). */
    InMemoryFleetStore(int maxKeys) {
        this.maxKeys = maxKeys;
    }

    InMemoryFleetStore() {
        this(96);
    }

    /** While false, every call throws {@link StoreUnavailableException}, and open watches end as broken. */
    void available(boolean value) {
        List<Watch> ending;
        synchronized (this) {
            available = value;
            ending = value ? List.of() : List.copyOf(watches);
        }
        ending.forEach(w -> w.thread.execute(() -> w.listener.broken(new IllegalStateException("store down"))));
    }

    /** From now on the watches keep what they would deliver, until {@link #releaseWatches()}. */
    synchronized void holdWatches() {
        holding = true;
    }

    /** Each watch delivers what it kept back in one call, the way etcd sends a backlog in one watch response. */
    synchronized void releaseWatches() {
        holding = false;
        watches.forEach(Watch::release);
    }

    /** Host reports taken so far. */
    int reports() {
        return reports.get();
    }

    /** How long each host report takes from now on, as a round trip to a real store does. */
    void reportTakes(Duration duration) {
        reportTakes = duration;
    }

    /** Forgets the history up to the current revision, as etcdctl compact does. */
    synchronized long compact() {
        compacted = revision;
        history.clear();
        return compacted;
    }

    synchronized long revision() {
        return revision;
    }

    private void check() {
        if (!available) {
            throw new StoreUnavailableException("the fake store is unavailable", null);
        }
    }

    @Override
    public synchronized Snapshot snapshot() {
        check();
        return new Snapshot(revision, List.copyOf(services.values()));
    }

    @Override
    public synchronized StoredService get(String id) {
        check();
        return services.get(id);
    }

    /**
     * Runs before each commit, outside the store's lock, with the commit's number (from 1) and its ops: a test's
     * way to slow commits down (so that concurrent ones overlap) or to change the store between a writer's read and
     * its commit (through {@link #commitUncounted}).
     */
    void beforeCommit(BiConsumer<Integer, List<StoreOp>> hook) {
        beforeCommit = hook;
    }

    /** The commits asked for so far, refused ones included ({@link #commitUncounted} not). */
    int commits() {
        return commits.get();
    }

    /** The most commits that were in progress at once. */
    int mostConcurrentCommits() {
        return mostInCommit.get();
    }

    /** Commits in progress now. */
    int commitsInProgress() {
        return inCommit.get();
    }

    @Override
    public CommitResult commit(List<StoreOp> ops) {
        int number = commits.incrementAndGet();
        mostInCommit.accumulateAndGet(inCommit.incrementAndGet(), Math::max);
        try {
            beforeCommit.accept(number, ops);
            return commitUncounted(ops);
        } finally {
            inCommit.decrementAndGet();
        }
    }

    /** A commit that neither counts nor runs the {@link #beforeCommit} hook: another writer's, for a test. */
    synchronized CommitResult commitUncounted(List<StoreOp> ops) {
        check();
        int keys = ops.stream().mapToInt(StoreOp::keys).sum();
        if (keys > maxKeys) {
            throw new IllegalArgumentException(keys + " keys, more than " + maxKeys);
        }
        for (StoreOp op : ops) {
            StoredService current = services.get(op.id());
            StoreOp.Expect expect = op instanceof StoreOp.Put put ? put.expect() : ((StoreOp.Delete) op).expect();
            CommitResult.Failure.Kind kind = null;
            if (expect instanceof StoreOp.Expect.Absent && current != null) {
                kind = CommitResult.Failure.Kind.EXISTS;
            } else if (expect instanceof StoreOp.Expect.AtRevision at) {
                kind = current == null ? CommitResult.Failure.Kind.MISSING
                        : current.modRevision() != at.modRevision() ? CommitResult.Failure.Kind.STALE : null;
            }
            if (kind != null) {
                return new CommitResult.Failure(kind, op.id(), null, null,
                        current == null ? 0 : current.modRevision());
            }
            if (op instanceof StoreOp.Put put) {
                for (String claim : put.claims()) {
                    String holder = claims.get(claim);
                    if (holder != null && !holder.equals(op.id()) && !releasedEarlier(ops, op, claim, holder)) {
                        return new CommitResult.Failure(CommitResult.Failure.Kind.CLAIMED, op.id(), claim, holder,
                                current == null ? 0 : current.modRevision());
                    }
                }
            }
        }
        revision++;
        List<WatchListener.Event> events = new ArrayList<>();
        for (StoreOp op : ops) {
            if (op instanceof StoreOp.Put put) {
                StoredService was = services.get(put.id());
                StoredService now = new StoredService(put.id(), put.value(), revision,
                        was == null ? revision : was.createRevision());
                services.put(put.id(), now);
                put.released().forEach(c -> claims.remove(c, put.id()));
                put.claims().forEach(c -> claims.put(c, put.id()));
                events.add(new WatchListener.Event(put.id(), now));
            } else {
                services.remove(op.id());
                ((StoreOp.Delete) op).released().forEach(c -> claims.remove(c, op.id()));
                events.add(new WatchListener.Event(op.id(), null));
            }
        }
        Revision r = new Revision(revision, List.copyOf(events));
        history.add(r);
        watches.forEach(w -> w.deliver(r));
        return new CommitResult.Committed(revision);
    }

    /** A claim held by a service an earlier op of the same transaction deletes or moves off it. */
    private static boolean releasedEarlier(List<StoreOp> ops, StoreOp upTo, String claim, String holder) {
        for (StoreOp op : ops) {
            if (op == upTo) {
                return false;
            }
            if (op.id().equals(holder) && (op instanceof StoreOp.Delete delete && delete.released().contains(claim)
                    || op instanceof StoreOp.Put put && put.released().contains(claim))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public int maxKeysPerCommit() {
        return maxKeys;
    }

    @Override
    public synchronized AutoCloseable watch(long fromRevision, WatchListener listener) {
        check();
        Watch watch = new Watch(listener);
        if (fromRevision <= compacted) {
            watch.thread.execute(() -> listener.compacted(compacted));
            return watch;
        }
        history.stream().filter(r -> r.revision() >= fromRevision).forEach(watch::deliver);
        watches.add(watch);
        return watch;
    }

    @Override
    public synchronized void requestProgress() {
        long now = revision;
        watches.forEach(w -> w.thread.execute(() -> w.listener.progress(now)));
    }

    @Override
    public long report(HostReport report) {
        try {
            Thread.sleep(reportTakes.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        reports.incrementAndGet();
        return took(report);
    }

    private synchronized long took(HostReport report) {
        check();
        revision++;
        hosts.put(report.hostId(), report);
        return revision;
    }

    @Override
    public synchronized List<HostReport> hosts() {
        check();
        return List.copyOf(hosts.values());
    }

    @Override
    public synchronized StoreStatus status() {
        check();
        return new StoreStatus(revision, List.of(new StoreStatus.Member("fake", "memory://", true, true, null)));
    }

    @Override
    public void close() {
        List.copyOf(watches).forEach(Watch::close);
    }
}
