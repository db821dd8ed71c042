package io.cvs.write;

import io.cvs.datapath.Backend;
import io.cvs.datapath.Capacity;
import io.cvs.datapath.CapacityPolicy;
import io.cvs.datapath.CapacityPolicy.Need;
import io.cvs.datapath.Datapath;
import io.cvs.datapath.DatapathException;
import io.cvs.datapath.DatapathException.Resource;
import io.cvs.datapath.ServiceKey;
import io.cvs.datapath.Usage;
import io.cvs.selection.SelectionPolicy;
import io.cvs.service.BackendKey;
import io.cvs.service.HostLabels;
import io.cvs.service.Service;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.ObjLongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The datapath calls that take the maps from one set of services to another, by key: removals first (they only
 * free room), then changes in place (shrinking ones first), then creations. A key that passes to another service
 * is removed and created afresh, so its counters restart. {@link #checkRoom} walks these steps with the
 * datapath's own arithmetic before anything changes; {@link #run} undoes what it applied if a call fails.
 */
final class Transition {

    private static final Logger log = LoggerFactory.getLogger(Transition.class);

    /**
     * One datapath call: before null creates, after null removes. The services are kept whole: what the maps get
     * is their {@linkplain DownBackends#effective effective} backends at the time the step runs.
     */
    private record Step(ServiceKey key, Service before, Service after) {

        int growth() {
            return size(after) - size(before);
        }

        private static int size(Service service) {
            return service == null ? 0 : service.backends().size();
        }
    }

    private final List<Step> steps;

    private Transition(List<Step> steps) {
        this.steps = steps;
    }

    /**
     * The services of these that a host with these labels forwards; the same collection when all are (the usual
     * case, and then nothing is copied).
     */
    static Collection<Service> forwarded(Collection<Service> services, HostLabels host) {
        if (services.stream().allMatch(host::forwards)) {
            return services;
        }
        return services.stream().filter(host::forwards).toList();
    }

    static Transition between(Collection<Service> from, Collection<Service> to) {
        Map<ServiceKey, Service> old = byKey(from);
        Map<ServiceKey, Service> target = byKey(to);
        List<Step> removals = new ArrayList<>();
        List<Step> changes = new ArrayList<>();
        List<Step> creations = new ArrayList<>();
        old.forEach((key, was) -> {
            Service will = target.get(key);
            if (will == null || !will.id().equals(was.id())) {
                removals.add(new Step(key, was, null));
            } else if (!will.backends().equals(was.backends())
                    || !Objects.equals(will.content().healthCheck(), was.content().healthCheck())
                    || !will.content().selection().equals(was.content().selection())) {
                changes.add(new Step(key, was, will));
            }
        });
        target.forEach((key, will) -> {
            Service was = old.get(key);
            if (was == null || !was.id().equals(will.id())) {
                creations.add(new Step(key, null, will));
            }
        });
        changes.sort(Comparator.comparingInt(Step::growth));
        List<Step> steps = new ArrayList<>(removals);
        steps.addAll(changes);
        steps.addAll(creations);
        return new Transition(steps);
    }

    /** The one step that writes a service's backends again, as {@link #run} then finds them. */
    static Transition refresh(Service service) {
        return new Transition(List.of(new Step(service.key(), service, service)));
    }

    /** Whether a step changes a service that has a health check, or had one: the probe targets may differ. */
    boolean touchesHealthChecks() {
        return steps.stream().anyMatch(step -> hasCheck(step.before()) || hasCheck(step.after()));
    }

    private static boolean hasCheck(Service service) {
        return service != null && service.content().healthCheck() != null;
    }

    /** Calls back with each service the steps change (before null: created; after null: removed). */
    void forEachChange(BiConsumer<Service, Service> change) {
        steps.forEach(step -> change.accept(step.before(), step.after()));
    }

    /**
     * Room at the steps' peak, from usage: a created service takes an id before any later step frees one, a
     * changed service's new backends take ids before its removed ones come back, and a service that becomes MAGLEV
     * takes a Maglev region before one that leaves MAGLEV later frees its own. Maglev slots: the largest table.
     */
    Need peak(Usage usage) {
        long services = usage.services();
        long backends = usage.backends();
        long regions = usage.maglevTables();
        long peakServices = services;
        long peakBackends = backends;
        long peakRegions = regions;
        long slots = 0;
        for (Step step : steps) {
            boolean wasMaglev = step.before() != null && step.before().content().selection().isMaglev();
            if (step.after() == null) {
                services--;
                backends -= step.before().backends().size();
                regions -= wasMaglev ? 1 : 0;
                continue;
            }
            if (step.before() == null) {
                services++;
                peakServices = Math.max(peakServices, services);
            }
            int fresh = fresh(step.after().backends(),
                    step.before() == null ? List.of() : step.before().backends());
            peakBackends = Math.max(peakBackends, backends + fresh);
            backends += step.growth();
            SelectionPolicy selection = step.after().content().selection();
            if (selection.isMaglev()) {
                slots = Math.max(slots, selection.maglevTableSize());
                regions += wasMaglev ? 0 : 1;
                peakRegions = Math.max(peakRegions, regions);
            } else if (wasMaglev) {
                // freed after the flip that leaves MAGLEV: the region was held up to this step
                regions--;
            }
        }
        return new Need(peakServices, peakBackends, peakRegions, slots);
    }

    /**
     * Refuses, changing nothing, when a service would have too many backends or the whole change needs more room
     * than the maps may hold (their capacity, or the ceiling of automatic growth).
     */
    void checkRoom(Usage usage, CapacityPolicy policy) {
        Capacity max = usage.max();
        for (Step step : steps) {
            if (step.after() != null && step.after().backends().size() > max.maxMembers()) {
                throw DatapathException.tooManyBackends(step.after().backends().size(), max.maxMembers());
            }
        }
        Need peak = peak(usage);
        Capacity limit = policy.allowance(max);
        if (peak.services() > limit.maxServices()) {
            throw DatapathException.noRoom(Resource.SERVICES, usage.services(), peak.services(),
                    max.maxServices(), limit.maxServices(), policy.automatic());
        }
        if (peak.backends() > limit.maxBackends()) {
            throw DatapathException.noRoom(Resource.BACKENDS, usage.backends(), peak.backends(),
                    max.maxBackends(), limit.maxBackends(), policy.automatic());
        }
        if (peak.maglevTables() > limit.maglevTables()) {
            throw DatapathException.noRoom(Resource.MAGLEV_TABLES, usage.maglevTables(), peak.maglevTables(),
                    max.maglevTables(), limit.maglevTables(), policy.automatic());
        }
        if (peak.maglevSlots() > limit.maglevSlots()) {
            throw DatapathException.tableTooLarge(peak.maglevSlots(), max.maglevSlots(), limit.maglevSlots(),
                    policy.automatic());
        }
    }

    /**
     * Applies every step as {@link #run(Datapath, Function)} does and returns the time the steps of MAGLEV services
     * took (each rebuilds its table and flips), in ns; -1 when no step wrote a MAGLEV service.
     */
    long runTimed(Datapath datapath, Function<Service, List<Backend>> view) {
        long[] maglev = {-1};
        run(datapath, view, (service, nanos) -> {
            if (service.content().selection().isMaglev()) {
                maglev[0] = Math.max(0, maglev[0]) + nanos;
            }
        });
        return maglev[0];
    }

    /**
     * Applies every step, each service's backends as view makes them; if one fails, undoes the applied ones in
     * reverse order and rethrows.
     */
    void run(Datapath datapath, Function<Service, List<Backend>> view) {
        run(datapath, view, (service, nanos) -> { });
    }

    /** {@link #run(Datapath, Function)}, telling timed how long each service written (not removed) took. */
    private void run(Datapath datapath, Function<Service, List<Backend>> view, ObjLongConsumer<Service> timed) {
        List<Step> done = new ArrayList<>();
        try {
            for (Step step : steps) {
                long started = System.nanoTime();
                call(datapath, step.key(), step.after(), view);
                if (step.after() != null) {
                    timed.accept(step.after(), System.nanoTime() - started);
                }
                done.add(step);
            }
        } catch (RuntimeException failure) {
            for (int i = done.size() - 1; i >= 0; i--) {
                Step step = done.get(i);
                try {
                    call(datapath, step.key(), step.before(), view);
                } catch (RuntimeException undo) {
                    log.error("Could not undo the change of {} after a failed write; the datapath differs from "
                            + "the desired state there until the next change of it", step.key(), undo);
                    failure.addSuppressed(undo);
                }
            }
            throw failure;
        }
    }

    private static void call(Datapath datapath, ServiceKey key, Service service,
            Function<Service, List<Backend>> view) {
        if (service == null) {
            datapath.remove(key);
        } else {
            datapath.apply(key, view.apply(service), service.content().selection());
        }
    }

    /** Backends of desired not in current: each needs a free id before those of removed ones come back. */
    private static int fresh(List<Backend> desired, List<Backend> current) {
        Set<BackendKey> kept = new HashSet<>();
        current.forEach(b -> kept.add(BackendKey.of(b)));
        return (int) desired.stream().filter(b -> !kept.contains(BackendKey.of(b))).count();
    }

    private static Map<ServiceKey, Service> byKey(Collection<Service> services) {
        Map<ServiceKey, Service> byKey = new HashMap<>();
        services.forEach(s -> byKey.put(s.key(), s));
        return byKey;
    }
}
