package io.cvs.fleet;

import io.cvs.fleet.store.CommitResult;
import io.cvs.fleet.store.FleetStore;
import io.cvs.fleet.store.PlanFrom;
import io.cvs.fleet.store.Snapshot;
import io.cvs.fleet.store.StoreOp;
import io.cvs.fleet.store.StoreOp.Expect;
import io.cvs.fleet.store.StoreUnavailableException;
import io.cvs.fleet.store.StoredService;
import io.cvs.service.Precondition;
import io.cvs.service.Service;
import io.cvs.service.ServiceConfig;
import io.cvs.service.ServiceIds;
import io.cvs.service.ServiceProblems;
import io.cvs.system.ProblemType;
import io.cvs.write.ApplyResult;
import io.cvs.write.DesiredStatePlan;
import io.cvs.write.ServiceRegistry;
import io.cvs.write.ServiceRegistry.Updated;
import io.cvs.write.ServiceWrites;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.Set;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.web.ErrorResponseException;

/**
 * Fleet mode's writes: each API change becomes one store transaction, never a change of the local registry
 * (which follows the store through {@link FleetSync}, like every host's). A write is checked first against this
 * host's state, for a fast 400 or 409 with the problems a single host gives; then the store decides: a name or
 * address another service claims is a 409, an entry at another revision than the If-Match (or, without one, than
 * the revision read) a 412 (without If-Match the write is tried again on the fresh entry), an entry gone a 404.
 * The 2xx comes once the store committed, after waiting (at most cvs.fleet.apply-wait) until this host applied
 * that revision, so that a read that follows sees the write. A store that does not answer is a 503 with
 * Retry-After; a commit that timed out may still have happened (the client reads before retrying).
 *
 * <p>A bulk request is matched by name against the store's whole state (services of every host, read at one
 * revision), so it means the same on every host whatever its labels. It is cut into transactions of at most
 * {@link FleetStore#maxKeysPerCommit()} keys, committed phase after phase by {@link BulkCommits}: deletions
 * first (they free names and addresses), then updates, then creations, each phase's transactions at most
 * cvs.fleet.bulk-concurrency at a time (updates that take a claim another update releases go one transaction
 * after another, after the other updates). It is atomic per transaction only: a refusal stops issuing
 * transactions, and those already committed stay committed.
 */
final class FleetWriter implements ServiceWrites {

    private static final Logger log = LoggerFactory.getLogger(FleetWriter.class);

    /** Attempts of a write without If-Match whose entry changed between the read and the commit. */
    private static final int ATTEMPTS = 5;

    private final FleetStore store;
    private final BulkCommits bulk;
    private final ServiceRegistry registry;
    private final FleetCodec codec;
    private final AppliedRevisions applied;
    private final Duration applyWait;
    private final long retryAfterSeconds;
    private final Clock clock;
    private final ServiceIds ids = new ServiceIds();

    FleetWriter(FleetStore store, ServiceRegistry registry, FleetCodec codec, AppliedRevisions applied,
            Duration applyWait, Duration retryAfter, int bulkConcurrency, Clock clock) {
        this.store = store;
        this.bulk = new BulkCommits(store, bulkConcurrency);
        this.registry = registry;
        this.codec = codec;
        this.applied = applied;
        this.applyWait = applyWait;
        this.retryAfterSeconds = Math.max(1, retryAfter.toSeconds());
        this.clock = clock;
    }

    @Override
    public Service create(ServiceConfig config) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Service proposed = new Service(ids.next(), 1, config);
            registry.check(null, proposed);
            CommitResult result = commit(List.of(put(proposed.id(), config, new Expect.Absent(), Set.of())));
            if (result instanceof CommitResult.Committed committed) {
                awaitApplied(committed.revision());
                return new Service(proposed.id(), committed.revision(), config);
            }
            CommitResult.Failure failure = (CommitResult.Failure) result;
            if (failure.kind() != CommitResult.Failure.Kind.EXISTS) {
                throw refused(failure, null, false);
            }
            // Another host issued the same random id at the same time: take another.
        }
        throw new IllegalStateException("no free service id after " + ATTEMPTS + " attempts");
    }

    @Override
    public Updated update(String id, Precondition precondition, Function<Service, ServiceConfig> edit,
            IntFunction<String> backendField) {
        boolean asked = precondition.tags() != null && !precondition.any();
        Service before = current(id, precondition);
        for (int attempt = 0; ; attempt++) {
            precondition.check(before);
            Service after = before.with(edit.apply(before));
            if (after == before) {
                return new Updated(before, before);
            }
            registry.check(before, after);
            Set<String> released = new HashSet<>(FleetCodec.claims(before.content()));
            released.removeAll(FleetCodec.claims(after.content()));
            CommitResult result = commit(List.of(put(id, after.content(), new Expect.AtRevision(before.version()),
                    released)));
            if (result instanceof CommitResult.Committed committed) {
                awaitApplied(committed.revision());
                return new Updated(before, new Service(id, committed.revision(), after.content()));
            }
            CommitResult.Failure failure = (CommitResult.Failure) result;
            if (failure.kind() != CommitResult.Failure.Kind.STALE || asked || attempt + 1 >= ATTEMPTS) {
                throw refused(failure, before, asked);
            }
            before = fromStore(id);
        }
    }

    @Override
    public void delete(String id, Precondition precondition) {
        boolean asked = precondition.tags() != null && !precondition.any();
        Service before = current(id, precondition);
        for (int attempt = 0; ; attempt++) {
            precondition.check(before);
            CommitResult result = commit(List.of(new StoreOp.Delete(id, new Expect.AtRevision(before.version()),
                    FleetCodec.claims(before.content()))));
            if (result instanceof CommitResult.Committed committed) {
                awaitApplied(committed.revision());
                return;
            }
            CommitResult.Failure failure = (CommitResult.Failure) result;
            if (failure.kind() != CommitResult.Failure.Kind.STALE || asked || attempt + 1 >= ATTEMPTS) {
                throw refused(failure, before, asked);
            }
            before = fromStore(id);
        }
    }

    @Override
    public ApplyResult replaceAll(List<ServiceConfig> desired, boolean dryRun) {
        long started = System.nanoTime();
        NavigableMap<String, Service> held = new TreeMap<>();
        Snapshot snapshot = call(store::snapshot);
        snapshot.services().forEach(stored -> {
            Service service = codec.decode(stored);
            held.put(service.name(), service);
        });
        DesiredStatePlan plan = registry.plan(held, desired, ids, dryRun);
        if (dryRun) {
            return plan.result();
        }
        Map<String, Service> added = plan.added().stream().collect(Collectors.toMap(Service::id, s -> s));
        List<StoreOp> deletes = new ArrayList<>();
        List<StoreOp.Put> updates = new ArrayList<>();
        Set<String> releasedByUpdates = new HashSet<>();
        Map<StoreOp.Put, Set<String>> taken = new HashMap<>();
        for (Service was : plan.removed()) {
            Service will = added.remove(was.id());
            if (will == null) {
                deletes.add(new StoreOp.Delete(was.id(), new Expect.AtRevision(was.version()),
                        FleetCodec.claims(was.content())));
            } else {
                Set<String> released = new HashSet<>(FleetCodec.claims(was.content()));
                released.removeAll(FleetCodec.claims(will.content()));
                releasedByUpdates.addAll(released);
                StoreOp.Put update = put(was.id(), will.content(), new Expect.AtRevision(was.version()), released);
                Set<String> takes = new HashSet<>(FleetCodec.claims(will.content()));
                takes.removeAll(FleetCodec.claims(was.content()));
                taken.put(update, takes);
                updates.add(update);
            }
        }
        // An update that takes a claim another update releases must come after it: those go last, in order.
        List<StoreOp> independent = new ArrayList<>();
        List<StoreOp> dependent = new ArrayList<>();
        for (StoreOp.Put update : updates) {
            boolean waits = taken.get(update).stream().anyMatch(releasedByUpdates::contains);
            (waits ? dependent : independent).add(update);
        }
        // What is left was created, in the request's order.
        List<StoreOp> creates = plan.added().stream().filter(s -> added.containsKey(s.id()))
                .map(s -> (StoreOp) put(s.id(), s.content(), new Expect.Absent(), Set.of())).toList();
        // The claims as of the snapshot, read once: each transaction is planned from them rather than reading first.
        PlanFrom planFrom = call(() -> store.planFrom(snapshot));
        long planned = System.nanoTime();
        BulkCommits.Outcome outcome = call(() -> bulk.commit(planFrom, List.of(new BulkCommits.Phase(deletes, true),
                new BulkCommits.Phase(independent, true), new BulkCommits.Phase(dependent, false),
                new BulkCommits.Phase(creates, true))));
        if (outcome instanceof BulkCommits.Outcome.Refused refusedChunk) {
            throw refused(refusedChunk.failure(), null, false);
        }
        long last = ((BulkCommits.Outcome.Committed) outcome).lastRevision();
        long committed = System.nanoTime();
        if (last > 0) {
            awaitApplied(last);
        }
        if (log.isDebugEnabled()) {
            // Where a bulk's time goes: what etcd costs, and what this host does before and after.
            log.debug("Bulk of {} services: read and planned in {} ms, {} deletions, {} updates and {} creations "
                    + "committed in {} ms, applied here {} ms later", desired.size(), millis(started, planned),
                    deletes.size(), updates.size(), creates.size(), millis(planned, committed),
                    millis(committed, System.nanoTime()));
        }
        return plan.result();
    }

    /**
     * The service as the write starts from: this host's copy, or the store's when this host has none (it does
     * not forward it) or has an older one than the If-Match names.
     */
    private Service current(String id, Precondition precondition) {
        ServiceIds.check(id);
        Service local;
        try {
            local = registry.get(id);
        } catch (ErrorResponseException notHere) {
            local = null;
        }
        if (local != null && (precondition.tags() == null || precondition.any()
                || precondition.tags().contains(local.etag()))) {
            return local;
        }
        return fromStore(id);
    }

    private Service fromStore(String id) {
        StoredService stored = call(() -> store.get(id));
        if (stored == null) {
            throw ServiceProblems.noService(id);
        }
        return codec.decode(stored);
    }

    private StoreOp.Put put(String id, ServiceConfig config, Expect expect, Set<String> released) {
        return new StoreOp.Put(id, codec.encode(id, config, clock.instant()), expect, FleetCodec.claims(config),
                released);
    }

    private CommitResult commit(List<StoreOp> ops) {
        return call(() -> store.commit(ops));
    }

    private <T> T call(Supplier<T> storeCall) {
        try {
            return storeCall.get();
        } catch (StoreUnavailableException e) {
            throw unavailable(e, retryAfterSeconds);
        }
    }

    /** 503 {@code urn:cvs:problem:unavailable}, Retry-After: the store did not answer; nothing was committed. */
    static ErrorResponseException unavailable(StoreUnavailableException cause, long retryAfterSeconds) {
        ErrorResponseException error = new ErrorResponseException(HttpStatusCode.valueOf(503),
                ProblemType.UNAVAILABLE.problem("The fleet's store did not answer (" + cause.getMessage() + "). "
                        + "Reads go on from this host's state; writes work again once the store answers. A write "
                        + "that timed out may still have been committed: read before retrying."), cause);
        error.getHeaders().set(HttpHeaders.RETRY_AFTER, String.valueOf(retryAfterSeconds));
        return error;
    }

    /** The problem a single host gives for the same mistake. asked: the client sent If-Match tags. */
    private ErrorResponseException refused(CommitResult.Failure failure, Service before, boolean asked) {
        return switch (failure.kind()) {
            case MISSING -> ServiceProblems.noService(failure.id());
            case STALE -> before == null ? ServiceProblems.preconditionFailed(
                    new Service(failure.id(), failure.modRevision(), null), "Service " + failure.id()
                            + " changed (now version " + failure.modRevision() + ") while the bulk was committed; "
                            + "the transactions committed before stay committed.")
                    : ServiceProblems.preconditionFailed(
                    new Service(failure.id(), failure.modRevision(), before.content()),
                    "The service is at version " + failure.modRevision() + ", not " + before.version()
                            + (asked ? "." : "; it changed again and again while this write was tried."));
            case EXISTS -> ServiceProblems.preconditionFailed(
                    new Service(failure.id(), failure.modRevision(), before == null ? null : before.content()),
                    "Service " + failure.id() + " exists already.");
            case CLAIMED -> claimed(failure);
        };
    }

    private ErrorResponseException claimed(CommitResult.Failure failure) {
        Service holder = fromStoreOrNull(failure.holder());
        if (holder == null) {
            return new ErrorResponseException(HttpStatusCode.valueOf(409), ProblemType.ADDRESS_TAKEN.problem(
                    failure.claim() + " belongs to service " + failure.holder() + "."), null);
        }
        return failure.claim().startsWith("name:") ? ServiceProblems.nameTaken(holder)
                : ServiceProblems.addressTaken(holder);
    }

    private Service fromStoreOrNull(String id) {
        try {
            StoredService stored = store.get(id);
            return stored == null ? null : codec.decode(stored);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static long millis(long fromNanos, long toNanos) {
        return (toNanos - fromNanos) / 1_000_000;
    }

    private void awaitApplied(long revision) {
        applied.await(revision, applyWait);
    }
}
