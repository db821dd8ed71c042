package io.cvs.write;

import io.cvs.datapath.Backend;
import io.cvs.datapath.Capacity;
import io.cvs.datapath.CapacityPolicy;
import io.cvs.datapath.Datapath;
import io.cvs.datapath.ServiceKey;
import io.cvs.datapath.Usage;
import io.cvs.flows.FlowMetrics;
import io.cvs.flows.FlowSweeper;
import io.cvs.flows.SweepEvent;
import io.cvs.journal.Journal;
import io.cvs.journal.JournalWriteException;
import io.cvs.reconcile.ReconcileResult;
import io.cvs.reconcile.Reconciler;
import io.cvs.selection.SelectionPolicy;
import io.cvs.service.BackendKey;
import io.cvs.service.DownBackends;
import io.cvs.service.HostLabels;
import io.cvs.service.Service;
import io.cvs.service.ServiceProblems;
import io.cvs.service.ServiceTable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that writes. It takes accepted writes in order, appends all that are waiting to the journal
 * with one fsync (group commit), and only then applies each to the datapath and publishes it. Reconciles and
 * health changes run on the same thread between batches, so nothing else ever writes the maps at the same time.
 *
 * <p>What the maps get is each service's {@linkplain DownBackends#effective effective} backends: its
 * configuration with the backends health checks took out marked down. Health changes are not journaled. After a
 * write or verdict made backends leave, it asks the {@link FlowSweeper} to end their flows, off this thread.
 */
final class Committer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Committer.class);

    /** Accepted work, in the order it was accepted. */
    private sealed interface Work {
    }

    /**
     * A write: its journal record, the datapath steps from the table before it to the one it leads to, that
     * table, the journal failures counted when it was accepted ({@link Published#journalFailures()}: a write
     * accepted before a failure may stand on a failed one, and is refused), who waits for it, and when it was
     * accepted ({@link System#nanoTime()}).
     */
    record Write(byte[] payload, Transition transition, ServiceTable target, long epoch,
            CompletableFuture<Void> done, long acceptedNanos, long revision) implements Work {

        /** A write accepted now from this host's API. */
        Write(byte[] payload, Transition transition, ServiceTable target, long epoch,
                CompletableFuture<Void> done) {
            this(payload, transition, target, epoch, done, System.nanoTime(), 0);
        }
    }

    /** A reconcile; prune: an operator confirmed removing what a mismatched journal lacks. */
    private record Reconcile(CompletableFuture<ReconcileResult> done, long queuedNanos, boolean prune)
            implements Work {
    }

    /** A health check's verdict on one backend, to be reflected in the maps; queuedNanos: when it arrived. */
    private record HealthChange(String serviceId, BackendKey backend, boolean up, long queuedNanos) implements Work {
    }

    /** An operator's resize of the maps (PUT /api/v1/datapath/capacity); completes with the new capacity. */
    private record Resize(Capacity target, CompletableFuture<Capacity> done) implements Work {
    }

    /** Tells the health listener the probe targets again (after it registered). */
    private record AnnounceTargets() implements Work {
    }

    private record Stop() implements Work {
    }

    /**
     * Told, on this thread, what is durable and which backends are down: once when registered, after the first
     * reconcile read health back from the maps, and after every batch of writes that changed a service with a
     * health check, before or after (not after each verdict).
     */
    interface HealthListener {
        void changed(ServiceTable durable, DownBackends down);
    }

    private final Journal journal;
    private final Datapath datapath;
    private final Reconciler reconciler;
    private final Published published;
    private final CapacityPolicy capacityPolicy;
    private final Duration reconcileInterval;
    private final int maxBatch;
    private final WriteMetrics metrics;
    private final FlowSweeper flowSweeper;
    private final OwnerCheck owner;
    private final boolean startedEmpty;
    /** Which services this host forwards: the maps hold only those (see {@link HostLabels#forwards}). */
    private final HostLabels host;
    private final BlockingQueue<Work> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean closed;
    private volatile HealthListener healthListener = (table, down) -> { };
    /** Written on this thread only; read by the API. */
    private volatile DownBackends down = DownBackends.NONE;
    /** The last journal failure, given to the writes accepted on top of the failed ones. */
    private RuntimeException lastJournalFailure;
    /** The first reconcile reads health back from the maps before it compares anything. */
    private boolean healthSeeded;
    /** Whether the sweep after the first reconcile was asked for: it ends what a crash left behind. */
    private boolean sweptAfterStart;
    /** The last durable table: what the maps should hold. */
    private ServiceTable durable;
    /** What the maps hold, as far as this thread knows: behind durable after a failed apply, until a reconcile. */
    private ServiceTable applied;

    /**
     * @param published         holds the durable table this thread starts from and publishes to
     * @param reconcileInterval told to a client whose change is durable but did not reach the datapath
     * @param groupCommit       false: one fsync per write, for comparison in the benchmark
     */
    Committer(Journal journal, Published published, Datapath datapath, CapacityPolicy capacityPolicy,
            Duration reconcileInterval, boolean groupCommit, WriteMetrics metrics, FlowMetrics flowMetrics,
            OwnerCheck owner, boolean startedEmpty, HostLabels host) {
        this.journal = journal;
        this.host = host;
        this.owner = owner;
        this.startedEmpty = startedEmpty;
        // Read on this thread only, between batches: the acknowledged state, if the journal must be rebuilt.
        journal.rebuildFrom(() -> JournalCodec.state(durable.services(), published.appliedRevision()));
        this.published = published;
        this.capacityPolicy = capacityPolicy;
        this.durable = published.table();
        this.applied = durable;
        this.datapath = datapath;
        this.reconciler = new Reconciler(datapath);
        this.reconcileInterval = reconcileInterval;
        this.maxBatch = groupCommit ? 4096 : 1;
        this.metrics = metrics;
        this.flowSweeper = new FlowSweeper(datapath::sweepFlows,
                () -> new FlowSweeper.State(published.table(), down), flowMetrics);
        this.thread = new Thread(this::loop, "cvs-committer");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Queues a write; the caller holds the lock under which writes are accepted, so their order is kept. */
    void submit(Write write) {
        if (closed) {
            write.done().completeExceptionally(new IllegalStateException("the daemon is shutting down"));
            return;
        }
        queue.add(write);
    }

    /**
     * Makes the maps equal the durable table, after everything accepted before; see {@link Reconciler}. While the
     * journal does not match the maps ({@link OwnerCheck}) it keeps what the table lacks, unless prune confirms.
     */
    CompletableFuture<ReconcileResult> reconcile(boolean prune) {
        CompletableFuture<ReconcileResult> done = new CompletableFuture<>();
        if (closed) {
            done.completeExceptionally(new IllegalStateException("the daemon is shutting down"));
        } else {
            queue.add(new Reconcile(done, System.nanoTime(), prune));
        }
        return done;
    }

    /**
     * Resizes the maps to target after everything accepted before (see {@link Datapath#resize}); the registry
     * checked that target holds what it accepted.
     */
    CompletableFuture<Capacity> resize(Capacity target) {
        CompletableFuture<Capacity> done = new CompletableFuture<>();
        if (closed) {
            done.completeExceptionally(new IllegalStateException("the daemon is shutting down"));
        } else {
            queue.add(new Resize(target, done));
        }
        return done;
    }

    /** Queues a health verdict; a stale one (service or backend gone, check removed) is ignored when it runs. */
    void health(String serviceId, BackendKey backend, boolean up) {
        if (!closed) {
            queue.add(new HealthChange(serviceId, backend, up, System.nanoTime()));
        }
    }

    /** Registers who follows health-relevant state; it is told the current state once, on this thread. */
    void listenToHealth(HealthListener listener) {
        healthListener = listener;
        if (!closed) {
            queue.add(new AnnounceTargets());
        }
    }

    /** The backends health checks took out of rotation, as last applied. */
    DownBackends down() {
        return down;
    }

    /** What ends the flows of backends that leave: asked after the writes and verdicts that make some leave. */
    FlowSweeper flowSweeper() {
        return flowSweeper;
    }

    private void loop() {
        List<Write> batch = new ArrayList<>();
        while (true) {
            Work first = take();
            if (first instanceof Stop) {
                return;
            }
            if (first instanceof Reconcile reconcile) {
                runReconcile(reconcile);
                continue;
            }
            if (first instanceof HealthChange change) {
                applyHealth(change);
                continue;
            }
            if (first instanceof Resize resize) {
                runResize(resize);
                continue;
            }
            if (first instanceof AnnounceTargets) {
                notifyHealth();
                continue;
            }
            batch.clear();
            admit((Write) first, batch);
            while (batch.size() < maxBatch && queue.peek() instanceof Write) {
                admit((Write) queue.poll(), batch);
            }
            if (batch.isEmpty()) {
                continue;
            }
            try {
                commit(batch);
            } catch (RuntimeException | Error e) {
                // Never leave a writer waiting on a thread that died: answer them, and keep taking work.
                log.error("The committer failed on a batch of {} write(s)", batch.size(), e);
                batch.forEach(w -> w.done().completeExceptionally(e));
            }
        }
    }

    /** Adds the write to the batch, or refuses it when it was accepted on top of writes the journal refused. */
    private void admit(Write write, List<Write> batch) {
        if (write.epoch() == published.journalFailures()) {
            batch.add(write);
        } else {
            write.done().completeExceptionally(lastJournalFailure);
        }
    }

    private Work take() {
        while (true) {
            try {
                return queue.take();
            } catch (InterruptedException e) {
                // Only close() stops this thread, with a Stop after all accepted work.
            }
        }
    }

    private void commit(List<Write> batch) {
        try {
            journal.append(batch.stream().map(Write::payload).toList());
        } catch (JournalWriteException e) {
            log.error("{}; {} write(s) refused", e.getMessage(), batch.size());
            refuse(batch, e);
            return;
        } catch (RuntimeException e) {
            log.error("Appending {} write(s) to the journal failed", batch.size(), e);
            refuse(batch, e);
            return;
        }
        long committed = System.nanoTime();
        metrics.batch(batch.size());
        boolean checksChanged = false;
        for (Write write : batch) {
            // A write's own steps start where the write before it ended; after a failed apply the maps are
            // elsewhere, so the steps are worked out from what they hold.
            Transition steps = applied == durable ? write.transition()
                    : Transition.between(forwarded(applied.services()), forwarded(write.target().services()));
            ServiceTable before = durable;
            durable = write.target();
            checksChanged |= steps.touchesHealthChecks();
            DownBackends downBefore = down;
            steps.forEachChange((was, is) -> down = down.admit(was, is));
            Leaving leaving = Leaving.of(steps, downBefore, down);
            try {
                if (growFor(steps, before)) {
                    // The maps now hold exactly the table before this write, whatever they held before.
                    steps = write.transition();
                }
                long maglevNanos = steps.runTimed(datapath, this::effective);
                metrics.programmed(WriteMetrics.Source.API, write.acceptedNanos());
                metrics.maglevRebuilt(maglevNanos);
                applied = durable;
                published.publish(durable, write.revision());
                leaving.sweep(flowSweeper, committed);
                write.done().complete(null);
            } catch (RuntimeException e) {
                log.error("A journaled change could not be applied to the datapath; the reconciler retries it", e);
                published.publish(durable, write.revision());
                write.done().completeExceptionally(
                        ServiceProblems.appliedLater(e, reconcileInterval.toSeconds()));
            }
        }
        owner.applied();
        if (checksChanged) {
            // The probe targets are every backend of every checked service: only a batch that changed such a
            // service can change them, and recomputing them walks all checked backends.
            notifyHealth();
        }
        if (journal.snapshotDue()) {
            // The table is immutable: the journal's own thread encodes it, off the write path (O(services)).
            ServiceTable state = durable;
            long revision = published.appliedRevision();
            journal.snapshot(() -> JournalCodec.state(state.services(), revision));
        }
    }

    /**
     * Refuses a batch the journal did not take. The failure is counted first: a writer told of it may retry at
     * once, and must be judged against the state without the failed writes; writes already queued on top of
     * them are refused as they come ({@link #admit}).
     */
    private void refuse(List<Write> batch, RuntimeException failure) {
        lastJournalFailure = failure;
        published.journalFailed();
        batch.forEach(w -> w.done().completeExceptionally(failure));
    }

    /** The services this host forwards of these (all of them unless some name their hosts). */
    private Collection<Service> forwarded(Collection<Service> services) {
        return Transition.forwarded(services, host);
    }

    private List<Backend> effective(Service service) {
        return down.effective(service);
    }

    private void notifyHealth() {
        try {
            healthListener.changed(durable, down);
        } catch (RuntimeException e) {
            log.error("The health listener failed; probing may lag the configuration until the next change", e);
        }
    }

    /** Takes a backend in or out of rotation; the maps change only when the service's effective backends do. */
    private void applyHealth(HealthChange change) {
        Service service = durable.byId().get(change.serviceId());
        if (service == null || service.content().healthCheck() == null || service.backend(change.backend())
                .isEmpty() || !host.forwards(service)) {
            return;
        }
        DownBackends next = down.with(change.serviceId(), change.backend(), change.up());
        if (next == down) {
            return;
        }
        List<Backend> before = down.effective(service);
        // The probe targets do not change with a verdict, so the listener is not told: it is told of
        // configuration changes, where recomputing the targets is worth it.
        down = next;
        List<Backend> after = down.effective(service);
        if (before.equals(after) || applied != durable) {
            // Nothing for the maps to do, or they are behind after a failed apply: the reconciler catches up.
            return;
        }
        try {
            Transition.refresh(service).run(datapath, this::effective);
            metrics.programmed(WriteMetrics.Source.HEALTH, change.queuedNanos());
            // Usually a backend going down; also one coming up while all were down and FAIL_OPEN kept them in
            // rotation, which takes the others out.
            if (Leaving.strands(before, after)) {
                flowSweeper.request(SweepEvent.at(change.queuedNanos()));
            }
        } catch (RuntimeException e) {
            log.error("Health change of {} in {} not applied to the maps; the next reconcile retries it",
                    change.backend(), service.name(), e);
        }
    }

    /**
     * Grows the maps first when the steps need more room than they have and the policy allows it; the new maps
     * are filled with before, the table the steps start from. True when it resized.
     */
    private boolean growFor(Transition steps, ServiceTable before) {
        Usage usage = datapath.usage();
        Optional<Capacity> target = capacityPolicy.growth(usage.max(), steps.peak(usage));
        if (target.isEmpty()) {
            return false;
        }
        resizeTo(target.get(), before, WriteMetrics.Resize.AUTOMATIC);
        return true;
    }

    /** Resizes the maps to hold table; afterwards they hold exactly its effective backends. */
    private void resizeTo(Capacity target, ServiceTable table, WriteMetrics.Resize trigger) {
        long started = System.nanoTime();
        Capacity from = datapath.usage().max();
        Map<ServiceKey, List<Backend>> contents = new LinkedHashMap<>();
        Map<ServiceKey, SelectionPolicy> policies = new HashMap<>();
        forwarded(table.services()).forEach(service -> {
            contents.put(service.key(), effective(service));
            policies.put(service.key(), service.content().selection());
        });
        datapath.resize(target, contents, policies);
        applied = table;
        Capacity now = datapath.usage().max();
        published.resized(now);
        metrics.resized(trigger, from, now, started);
        log.info("Maps resized ({}) from {} to {} with {} services in {} ms", trigger.label(), from, now,
                contents.size(), (System.nanoTime() - started) / 1_000_000);
    }

    private void runResize(Resize resize) {
        try {
            resizeTo(resize.target(), durable, WriteMetrics.Resize.REQUESTED);
            resize.done().complete(published.capacity());
        } catch (RuntimeException | Error e) {
            log.error("Resizing the maps to {} failed; the maps that served still serve", resize.target(), e);
            resize.done().completeExceptionally(e);
        }
    }

    private void runReconcile(Reconcile reconcile) {
        try {
            if (!healthSeeded) {
                owner.atStart(startedEmpty);
                down = reconciler.healthInMaps(forwarded(durable.services()));
                healthSeeded = true;
                if (down.count() > 0) {
                    log.info("{} backends were out of rotation in the maps; they stay down until their checks pass",
                            down.count());
                }
                notifyHealth();
                growToMinimum();
            }
            boolean prune = owner.mayPrune(reconcile.prune());
            ReconcileResult result = reconciler.reconcile(forwarded(durable.services()), this::effective, prune);
            if (result.failed() == 0) {
                applied = durable;
            }
            owner.reconciled(result, prune);
            if (!sweptAfterStart || result.changed() > 0) {
                // After a start: what a crash between a write and its sweep left. After a repair: what the repair
                // took away, such as a write whose apply failed and was retried here.
                sweptAfterStart = true;
                flowSweeper.request(SweepEvent.at(System.nanoTime()));
            }
            metrics.reconciled(result, reconcile.queuedNanos());
            reconcile.done().complete(result);
        } catch (RuntimeException | Error e) {
            metrics.reconcileFailed();
            reconcile.done().completeExceptionally(e);
        }
    }

    /**
     * At start, a pinned map set smaller than the configured capacity (cvs.bpf.capacity) is grown to it, live;
     * a failure leaves the smaller one serving and growth on demand still works.
     */
    private void growToMinimum() {
        capacityPolicy.toMinimum(datapath.usage().max()).ifPresent(target -> {
            try {
                resizeTo(target, durable, WriteMetrics.Resize.CONFIGURED);
            } catch (RuntimeException e) {
                log.error("The maps could not be grown to the configured capacity {}; they keep serving as they "
                        + "are", target, e);
            }
        });
    }

    /** Finishes what was accepted, then stops the thread. */
    @Override
    public void close() {
        closed = true;
        queue.add(new Stop());
        try {
            thread.join(60_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        flowSweeper.close();
    }
}
