package io.cvs.service;

import io.cvs.datapath.Datapath;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.springframework.stereotype.Component;

/**
 * The desired state: every service by id, in memory. Reads take the current snapshot without locking; writes take
 * one lock, check everything (conflicts, then room in the maps), change the datapath and only then publish the new
 * snapshot, so a write that fails leaves both as they were.
 *
 * <p>It starts empty and leaves what the datapath holds alone (nothing is flushed at start); restoring the
 * services of the previous run comes with the journal, which also appends each write in {@link #commit}.
 */
@Component
class ServiceRegistry {

    /** An immutable view of all services, by id and by name. */
    private record Snapshot(Map<String, Service> byId, NavigableMap<String, Service> byName) {

        static Snapshot of(Collection<Service> services) {
            Map<String, Service> byId = new HashMap<>();
            NavigableMap<String, Service> byName = new TreeMap<>();
            services.forEach(s -> {
                byId.put(s.id(), s);
                byName.put(s.name(), s);
            });
            return new Snapshot(Map.copyOf(byId), Collections.unmodifiableNavigableMap(byName));
        }
    }

    /** A change of one service: what it was and what it is now (the same object when nothing changed). */
    record Updated(Service before, Service after) {
    }

    private final Datapath datapath;
    private final ServiceIds ids = new ServiceIds();
    private final ReentrantLock writes = new ReentrantLock();
    private volatile Snapshot snapshot = Snapshot.of(List.of());

    ServiceRegistry(Datapath datapath) {
        this.datapath = datapath;
    }

    Optional<Service> find(String id) {
        return Optional.ofNullable(snapshot.byId().get(id));
    }

    /** The service, a 400 naming {@code id} for an id that no service can have, or a 404. */
    Service get(String id) {
        ServiceIds.check(id);
        return find(id).orElseThrow(() -> ServiceProblems.noService(id));
    }

    /** Every service, ordered by name. */
    NavigableMap<String, Service> byName() {
        return snapshot.byName();
    }

    Service create(ServiceDraft draft) {
        writes.lock();
        try {
            Service created = new Service(ids.next(), 1, draft);
            checkConflicts(created);
            List<Service> target = new ArrayList<>(snapshot.byId().values());
            target.add(created);
            commit(target);
            return created;
        } finally {
            writes.unlock();
        }
    }

    /**
     * Changes one service in the order of the contract: 404, the precondition, then the edit (which may refuse
     * with its own 400, 409 or 412), conflicts and room. An edit that changes nothing keeps the version.
     */
    Updated update(String id, Precondition precondition, Function<Service, ServiceDraft> edit) {
        writes.lock();
        try {
            Service before = get(id);
            precondition.check(before);
            Service after = before.with(edit.apply(before));
            if (after != before) {
                checkConflicts(after);
                List<Service> target = new ArrayList<>(snapshot.byId().values());
                target.replaceAll(s -> s.id().equals(id) ? after : s);
                commit(target);
            }
            return new Updated(before, after);
        } finally {
            writes.unlock();
        }
    }

    void delete(String id, Precondition precondition) {
        writes.lock();
        try {
            precondition.check(get(id));
            List<Service> target = new ArrayList<>(snapshot.byId().values());
            target.removeIf(s -> s.id().equals(id));
            commit(target);
        } finally {
            writes.unlock();
        }
    }

    /** Makes the registry hold exactly these services, matched by name (see {@link DesiredStatePlan}). */
    ApplyResult replaceAll(List<ServiceDraft> desired, boolean dryRun) {
        writes.lock();
        try {
            DesiredStatePlan plan = DesiredStatePlan.of(snapshot.byName(), desired, ids, dryRun);
            plan.checkBackendsPerService(datapath.status().usage().max().maxMembers());
            if (dryRun) {
                Transition.between(snapshot.byId().values(), plan.target())
                        .checkRoom(datapath.status().usage());
            } else {
                commit(plan.target());
            }
            return plan.result();
        } finally {
            writes.unlock();
        }
    }

    /** With the lock held: every check passed but room; then room, the datapath, and publishing. */
    private void commit(Collection<Service> target) {
        Transition transition = Transition.between(snapshot.byId().values(), target);
        transition.checkRoom(datapath.status().usage());
        // The journal appends the change here: after every check, before the maps change.
        transition.run(datapath);
        snapshot = Snapshot.of(target);
    }

    private void checkConflicts(Service changed) {
        for (Service other : snapshot.byId().values()) {
            if (other.id().equals(changed.id())) {
                continue;
            }
            if (other.name().equals(changed.name())) {
                throw ServiceProblems.nameTaken(other);
            }
            if (other.key().equals(changed.key())) {
                throw ServiceProblems.addressTaken(other);
            }
        }
    }
}
