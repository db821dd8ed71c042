package io.cvs.write;

import io.cvs.address.AddressProperties;
import io.cvs.address.LocalAddresses;
import io.cvs.datapath.Capacity;
import io.cvs.datapath.CapacityPolicy;
import io.cvs.datapath.Datapath;
import io.cvs.datapath.Usage;
import io.cvs.flows.FlowMetrics;
import io.cvs.flows.FlowSweeper;
import io.cvs.journal.Journal;
import io.cvs.journal.JournalWriteException;
import io.cvs.ownership.MapOwnership;
import io.cvs.reconcile.ReconcileResult;
import io.cvs.reconcile.ReconcileRunner;
import io.cvs.selection.SelectionPolicy;
import io.cvs.service.BackendKey;
import io.cvs.service.DownBackends;
import io.cvs.service.HostLabels;
import io.cvs.service.Precondition;
import io.cvs.service.Service;
import io.cvs.service.ServiceConfig;
import io.cvs.service.ServiceDirectory;
import io.cvs.service.ServiceIds;
import io.cvs.service.ServiceProblems;
import io.cvs.service.ServiceTable;
import io.cvs.system.InvalidRequestException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.ErrorResponseException;

/**
 * The desired state, restored from the journal at start. A write is checked under one lock against the accepted
 * state (everything written or being written), queued to the {@link Committer} in that order, and answered once
 * the committer made it durable and applied it; readers see the published state (everything durable) without
 * locking. A write that fails a check, or whose journal write fails, changes nothing anywhere.
 */
public final class ServiceRegistry implements ServiceDirectory, ServiceWrites, ReconcileRunner, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ServiceRegistry.class);

    /** A change of one service: what it was and what it is now (the same object when nothing changed). */
    public record Updated(Service before, Service after) {
    }

    private final CapacityPolicy capacityPolicy;
    private final AddressChecks addresses;
    private final WriteMetrics metrics;
    private final ServiceIds ids = new ServiceIds();
    private final ReentrantLock writes = new ReentrantLock();
    private final Committer committer;
    /** Everything durable: what reads see; the committer publishes to it. */
    private final Published published;
    /** Published plus the writes queued to the committer; guarded by writes. */
    private ServiceTable accepted;
    /** The journal failures counted when accepted last started again from published; guarded by writes. */
    private long acceptedEpoch;
    private volatile ReconcileResult lastReconcile;
    private final CompletableFuture<ReconcileResult> firstReconcile;
    /** This host's labels: the maps hold only the services that select it. */
    private final HostLabels host;

    /**
     * With the maps fixed at the size they have, meters kept only in this registry and the default address rules
     * without local addresses (see {@link LocalAddresses#none()}), for tests and tools.
     */
    public ServiceRegistry(Datapath datapath, Journal journal, boolean groupCommit, Duration reconcileInterval) {
        this(datapath, journal, CapacityPolicy.FIXED, groupCommit, reconcileInterval);
    }

    /** With meters kept only in this registry, for tests and tools. */
    public ServiceRegistry(Datapath datapath, Journal journal, CapacityPolicy capacityPolicy, boolean groupCommit,
            Duration reconcileInterval) {
        this(datapath, journal, capacityPolicy, groupCommit, reconcileInterval, new SimpleMeterRegistry(),
                AddressProperties.DEFAULTS, LocalAddresses.none());
    }

    /** With meters kept only in this registry and the given address rules, for tests. */
    public ServiceRegistry(Datapath datapath, Journal journal, boolean groupCommit, Duration reconcileInterval,
            AddressProperties addressProperties, LocalAddresses local) {
        this(datapath, journal, CapacityPolicy.FIXED, groupCommit, reconcileInterval, new SimpleMeterRegistry(),
                addressProperties, local);
    }

    ServiceRegistry(Datapath datapath, Journal journal, CapacityPolicy capacityPolicy, boolean groupCommit,
            Duration reconcileInterval, MeterRegistry meters) {
        this(datapath, journal, capacityPolicy, groupCommit, reconcileInterval, meters, AddressProperties.DEFAULTS,
                LocalAddresses.none());
    }

    ServiceRegistry(Datapath datapath, Journal journal, CapacityPolicy capacityPolicy, boolean groupCommit,
            Duration reconcileInterval, MeterRegistry meters, AddressProperties addressProperties,
            LocalAddresses local) {
        this(datapath, journal, capacityPolicy, groupCommit, reconcileInterval, new WriteMetrics(meters),
                new FlowMetrics(meters), new AddressChecks(addressProperties, local), new MapOwnership(), false,
                HostLabels.NONE);
    }

    /** For a host without labels: it forwards only the services that select every host. */
    ServiceRegistry(Datapath datapath, Journal journal, CapacityPolicy capacityPolicy, boolean groupCommit,
            Duration reconcileInterval, WriteMetrics metrics, FlowMetrics flowMetrics, AddressChecks addresses,
            MapOwnership ownership, boolean pruneOnMismatch) {
        this(datapath, journal, capacityPolicy, groupCommit, reconcileInterval, metrics, flowMetrics, addresses,
                ownership, pruneOnMismatch, HostLabels.NONE);
    }

    /**
     * @param addresses        the address rules that need the host or the other services
     * @param ownership        where a mismatch between the maps' owner record and the journal is reported
     * @param pruneOnMismatch  remove what the journal lacks at start even then (cvs.reconcile.prune-on-journal-mismatch)
     * @param host             this host's labels (cvs.fleet.host-labels): what it forwards of services that name hosts
     */
    ServiceRegistry(Datapath datapath, Journal journal, CapacityPolicy capacityPolicy, boolean groupCommit,
            Duration reconcileInterval, WriteMetrics metrics, FlowMetrics flowMetrics, AddressChecks addresses,
            MapOwnership ownership, boolean pruneOnMismatch, HostLabels host) {
        this.capacityPolicy = capacityPolicy;
        this.addresses = addresses;
        this.metrics = metrics;
        this.host = host;
        boolean startedEmpty = journal.recoveredSnapshot() == null && journal.recoveredRecords().isEmpty();
        JournalRestore.Restored restored = JournalRestore.of(journal);
        this.published = new Published(restored.table(), datapath.usage().max());
        published.restoredRevision(restored.revision());
        addresses.warnOfRefused(published.table());
        metrics.countServices(published::table);
        this.accepted = published.table();
        accepted.byId().keySet().forEach(ids::reserve);
        this.committer = new Committer(journal, published, datapath, capacityPolicy, reconcileInterval,
                groupCommit, metrics, flowMetrics, new OwnerCheck(journal, datapath, ownership, pruneOnMismatch),
                startedEmpty, host);
        // Queued now, so it runs while Spring still starts the rest of the daemon; readiness waits for it.
        this.firstReconcile = committer.reconcile(false).thenApply(this::reconciled);
        firstReconcile.exceptionally(e -> {
            log.error("The first reconcile after start failed; readiness stays down until one succeeds", e);
            return null;
        });
    }

    Optional<Service> find(String id) {
        return Optional.ofNullable(published.table().byId().get(id));
    }

    /** The service, a 400 naming {@code id} for an id that no service can have, or a 404. */
    public Service get(String id) {
        return get(published.table(), id);
    }

    private static Service get(ServiceTable table, String id) {
        ServiceIds.check(id);
        Service service = table.byId().get(id);
        if (service == null) {
            throw ServiceProblems.noService(id);
        }
        return service;
    }

    /** The services whose VIP is the address, whatever their port and protocol. */
    Collection<Service> servicesWithVip(InetAddress address) {
        return published.table().vipHolders(address);
    }

    /** Every service, ordered by name. */
    @Override
    public NavigableMap<String, Service> byName() {
        return published.table().byName();
    }

    @Override
    public Service create(ServiceConfig config) {
        Service created;
        CompletableFuture<Void> done;
        writes.lock();
        try {
            created = new Service(ids.next(), 1, config);
            checkConflicts(accepted(), created);
            addresses.check(accepted.with(null, created), List.of(AddressChecks.Change.of(null, created, "")));
            done = acceptOne(null, created);
        } finally {
            writes.unlock();
        }
        await(done);
        return created;
    }

    /**
     * Changes one service in the order of the contract: 404, the precondition, then the edit (which may refuse
     * with its own 400, 409 or 412), conflicts and room. An edit that changes nothing keeps the version.
     */
    @Override
    public Updated update(String id, Precondition precondition, Function<Service, ServiceConfig> edit) {
        return update(id, precondition, edit, i -> "backends[" + i + "].address");
    }

    /**
     * {@link #update(String, Precondition, Function)}, naming a refused backend address by its index in the
     * service's backends with backendField: the backend endpoints name their own field ({@code address}).
     */
    @Override
    public Updated update(String id, Precondition precondition, Function<Service, ServiceConfig> edit,
            IntFunction<String> backendField) {
        Updated updated;
        CompletableFuture<Void> done = CompletableFuture.completedFuture(null);
        writes.lock();
        try {
            Service before = get(accepted(), id);
            precondition.check(before);
            Service after = before.with(edit.apply(before));
            checkTableSize(after);
            if (after != before) {
                checkConflicts(accepted, after);
                addresses.check(accepted.with(before, after),
                        List.of(new AddressChecks.Change(before, after, "", backendField)));
                done = acceptOne(before, after);
            }
            updated = new Updated(before, after);
        } finally {
            writes.unlock();
        }
        await(done);
        return updated;
    }

    @Override
    public void delete(String id, Precondition precondition) {
        CompletableFuture<Void> done;
        writes.lock();
        try {
            Service before = get(accepted(), id);
            precondition.check(before);
            done = acceptOne(before, null);
        } finally {
            writes.unlock();
        }
        await(done);
    }

    /** Makes the registry hold exactly these services, matched by name (see {@link DesiredStatePlan}). */
    @Override
    public ApplyResult replaceAll(List<ServiceConfig> desired, boolean dryRun) {
        DesiredStatePlan plan;
        CompletableFuture<Void> done = CompletableFuture.completedFuture(null);
        writes.lock();
        try {
            plan = DesiredStatePlan.of(accepted().byName(), desired, ids, dryRun);
            plan.checkBackendsPerService(published.capacity().maxMembers());
            addresses.check(accepted.with(plan.removed(), plan.added()), plan.addressChanges());
            if (dryRun) {
                Transition.between(plan.removed(), plan.added()).checkRoom(usage(), capacityPolicy);
            } else {
                done = accept(plan.removed(), plan.added());
            }
        } finally {
            writes.unlock();
        }
        await(done);
        return plan.result();
    }

    /** Makes the maps equal the desired state now, after every write accepted before; see {@link Reconciler}. */
    @Override
    public ReconcileResult reconcile() {
        return reconcile(false);
    }

    @Override
    public ReconcileResult reconcile(boolean prune) {
        try {
            return reconciled(committer.reconcile(prune).join());
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    /** The reconcile queued at start, which readiness waits for. */
    public CompletableFuture<ReconcileResult> firstReconcile() {
        return firstReconcile;
    }

    private ReconcileResult reconciled(ReconcileResult result) {
        lastReconcile = result;
        return result;
    }

    /**
     * A health check's verdict on a backend: queued to the committer like a write, so it reaches the maps in
     * order with them, but never journaled. A verdict on a backend or check that is gone by then is ignored.
     */
    void healthChanged(String serviceId, BackendKey backend, boolean up) {
        committer.health(serviceId, backend, up);
    }

    /** Registers who follows the probe targets; see {@link Committer#listenToHealth}. */
    void listenToHealth(Committer.HealthListener listener) {
        committer.listenToHealth(listener);
    }

    /** The backends health checks took out of rotation, as last applied to the maps. */
    @Override
    public DownBackends down() {
        return committer.down();
    }

    /**
     * What ends the flows of backends that leave, on a thread of its own: tests and tools wait for it with
     * {@link FlowSweeper#awaitIdle}.
     */
    public FlowSweeper flowSweeper() {
        return committer.flowSweeper();
    }

    /** The last reconcile's result; empty until the first finished. */
    @Override
    public Optional<ReconcileResult> lastReconcile() {
        return Optional.ofNullable(lastReconcile);
    }

    /**
     * With the lock held and every other check passed: checks room, then queues the change to the committer
     * and makes the accepted state the same without removed and with added. Both are only what changes (held
     * services not in them stay as they are), so the record, the datapath steps and the next table cost what
     * changes, never what is held. Nothing removed or added queues nothing.
     */
    private CompletableFuture<Void> accept(Collection<Service> removed, Collection<Service> added) {
        JournalCodec.Change change = JournalCodec.Change.between(removed, added);
        if (change.puts().isEmpty() && change.deletes().isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        return queue(change, transition(removed, added), accepted.with(removed, added), 0);
    }

    /** The datapath steps of a change: only what this host forwards reaches its maps. */
    private Transition transition(Collection<Service> removed, Collection<Service> added) {
        return Transition.between(Transition.forwarded(removed, host), Transition.forwarded(added, host));
    }

    /** {@link #accept} of one service created (before null), changed, or deleted (after null). */
    private CompletableFuture<Void> acceptOne(Service before, Service after) {
        return accept(before == null ? List.of() : List.of(before), after == null ? List.of() : List.of(after));
    }

    private CompletableFuture<Void> queue(JournalCodec.Change change, Transition transition, ServiceTable next,
            long revision) {
        transition.checkRoom(usage(), capacityPolicy);
        CompletableFuture<Void> done = new CompletableFuture<>();
        committer.submit(new Committer.Write(JournalCodec.change(change), transition, next, acceptedEpoch, done,
                System.nanoTime(), revision));
        accepted = next;
        return done;
    }

    /**
     * With the lock held: the accepted state, started again from the published one when a journal append failed
     * since (the committer refuses every write accepted on top of the failed ones, so none of them will count).
     */
    private ServiceTable accepted() {
        long failures = published.journalFailures();
        if (failures != acceptedEpoch) {
            accepted = published.table();
            acceptedEpoch = failures;
        }
        return accepted;
    }

    /** The room the accepted state takes: what the maps will hold once the committer caught up. */
    private Usage usage() {
        return new Usage(published.capacity(), accepted.byId().size(), accepted.backends(), maglevServices(accepted));
    }

    /** Services that hold a Maglev region. */
    private static int maglevServices(ServiceTable table) {
        return table.maglev().size();
    }

    /**
     * Resizes the maps to target (zero fields: as they are) after every write accepted before, without
     * interrupting forwarding, and returns their new capacity. Refused, changing nothing, with a 400 for a
     * capacity no map set can have and a 409 when target cannot hold what is accepted; fields left at zero keep
     * their value.
     */
    public Capacity resize(Capacity requested) {
        CompletableFuture<Capacity> done;
        writes.lock();
        try {
            Capacity current = published.capacity();
            Capacity target = requested.orElse(current);
            target.problem().ifPresent(problem -> {
                throw InvalidRequestException.of("capacity", problem, target.toString());
            });
            CapacityFit.check(accepted(), target);
            done = committer.resize(target);
        } finally {
            writes.unlock();
        }
        try {
            return done.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    /** The maps' capacity now, how they grow, and their last resize. */
    public CapacityState capacityState() {
        Usage usage = new Usage(published.capacity(), published.table().byId().size(),
                published.table().backends(), maglevServices(published.table()));
        return new CapacityState(usage, capacityPolicy, metrics.resizes(), metrics.lastResize().orElse(null));
    }

    /** Waits for the committer; its failures reach the client as the problems they are. */
    private static void await(CompletableFuture<Void> done) {
        try {
            done.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof JournalWriteException journal) {
                throw ServiceProblems.journalFailed(journal);
            }
            if (e.getCause() instanceof ErrorResponseException problem) {
                throw problem;
            }
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    /**
     * A 400 naming {@code maglev.tableSize} when a MAGLEV service would have more backends than table slots: a
     * whole service is validated so by the API, but a backend added on its own is checked here.
     */
    private static void checkTableSize(Service service) {
        SelectionPolicy selection = service.content().selection();
        if (selection.isMaglev() && service.backends().size() > selection.maglevTableSize()) {
            throw InvalidRequestException.of("maglev.tableSize", "must be at least the number of backends ("
                    + service.backends().size() + "): make the table larger before adding backends",
                    selection.maglevTableSize());
        }
    }

    /** A 409 when another service has the name, else when another has the key: two lookups, not a walk. */
    private static void checkConflicts(ServiceTable current, Service changed) {
        Service named = current.byName().get(changed.name());
        if (named != null && !named.id().equals(changed.id())) {
            throw ServiceProblems.nameTaken(named);
        }
        Service keyed = current.byKey().get(changed.key());
        if (keyed != null && !keyed.id().equals(changed.id())) {
            throw ServiceProblems.addressTaken(keyed);
        }
    }

    /** This host's labels, which decide what it forwards of the services that name their hosts. */
    public HostLabels hostLabels() {
        return host;
    }

    /** The fleet store's revision the published state is at (0: single-host mode, or none applied yet). */
    public long appliedRevision() {
        return published.appliedRevision();
    }

    /**
     * Fleet mode: makes the local state what the store holds at revision, as one journaled change. puts are the
     * store's entries as services (version: the entry's mod revision); one this host does not forward is removed
     * here (never from the store); deletes are the ids the store deleted. Uniqueness was the store's to check, so
     * only room is checked. A change that changes nothing here is journaled still, so that a restart watches from
     * after revision. Completes once durable and applied, or with the failure.
     */
    public CompletableFuture<Void> applyFromFleet(long revision, Collection<Service> puts, Collection<String> deletes) {
        writes.lock();
        try {
            ServiceTable current = accepted();
            Map<String, Service> removed = new HashMap<>();
            List<Service> added = new ArrayList<>();
            for (Service put : puts) {
                Service was = current.byId().get(put.id());
                if (was != null && was.equals(put) && host.forwards(put)) {
                    continue;
                }
                if (was != null) {
                    removed.put(was.id(), was);
                }
                if (host.forwards(put)) {
                    added.add(put);
                    ids.reserve(put.id());
                }
            }
            for (String id : deletes) {
                Service was = current.byId().get(id);
                if (was != null) {
                    removed.put(id, was);
                }
            }
            JournalCodec.Change between = JournalCodec.Change.between(removed.values(), added);
            JournalCodec.Change change = new JournalCodec.Change(between.puts(), between.deletes(), revision);
            return queue(change, transition(removed.values(), added), current.with(removed.values(), added),
                    revision);
        } finally {
            writes.unlock();
        }
    }

    /**
     * Fleet mode: checks a change of one service (before null: a create) against the local state as the API
     * checks it here, for a fast 400 or 409 before the store is asked: the Maglev table, name and address
     * conflicts, and the address rules.
     */
    public void check(Service before, Service after) {
        writes.lock();
        try {
            checkTableSize(after);
            checkConflicts(accepted(), after);
            // This host's copy, which may be older than the store's before, or absent when it forwards none of it
            Service held = accepted.byId().get(after.id());
            addresses.check(accepted.with(held == null ? List.of() : List.of(held), List.of(after)),
                    List.of(AddressChecks.Change.of(held, after, "")));
        } finally {
            writes.unlock();
        }
    }

    /**
     * Fleet mode: what making the state these services would change, matched by name against held (the store's
     * whole state, services of every host), checked as a bulk request is here (backends per service, the address
     * rules against held as changed) except for room, which each host checks for itself; changes nothing. ids is
     * where new services' ids come from.
     */
    public DesiredStatePlan plan(NavigableMap<String, Service> held, List<ServiceConfig> desired, ServiceIds newIds,
            boolean dryRun) {
        DesiredStatePlan plan = DesiredStatePlan.of(held, desired, newIds, dryRun);
        plan.checkBackendsPerService(published.capacity().maxMembers());
        addresses.check(ServiceTable.of(held.values()).with(plan.removed(), plan.added()), plan.addressChanges());
        return plan;
    }

    /** Finishes the writes accepted so far, then stops the committer. */
    @Override
    public void close() {
        committer.close();
    }
}
