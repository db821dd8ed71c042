package io.cvs.write;

import io.cvs.service.Service;
import io.cvs.service.ServiceConfig;
import io.cvs.service.ServiceIds;
import io.cvs.service.ServiceRef;
import io.cvs.system.Violations;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;

/**
 * The services a bulk request ends with, matched by name against the held ones: a new name is created (an id
 * only when not a dry run), a held name with other content updated (same id, next version), one with the same
 * content unchanged, and a held name missing from the request deleted. The plan is kept as the difference
 * ({@link #removed}, {@link #added}), so the journal record, the datapath steps and the next table cost what
 * changed, not what is held: unchanged services are the same objects and take part in none of them.
 */
public final class DesiredStatePlan {

    private final List<ServiceConfig> desired;
    /** What the held state loses: the old versions of updated and deleted services. */
    private final List<Service> removed = new ArrayList<>();
    /** What it gains, in the request's order: created services and the new versions of updated ones. */
    private final List<Service> added = new ArrayList<>();
    /** The same, each as a change of one service named by its index in the request (for the address checks). */
    private final List<AddressChecks.Change> addressChanges = new ArrayList<>();
    private final List<ServiceRef> created = new ArrayList<>();
    private final List<ServiceRef> updated = new ArrayList<>();
    private final List<ServiceRef> deleted = new ArrayList<>();
    private final List<ServiceRef> unchanged = new ArrayList<>();
    private final boolean dryRun;

    private DesiredStatePlan(List<ServiceConfig> desired, boolean dryRun) {
        this.desired = desired;
        this.dryRun = dryRun;
    }

    static DesiredStatePlan of(NavigableMap<String, Service> held, List<ServiceConfig> desired, ServiceIds ids,
            boolean dryRun) {
        DesiredStatePlan plan = new DesiredStatePlan(desired, dryRun);
        Map<String, ServiceConfig> byName = new HashMap<>();
        desired.forEach(d -> byName.put(d.name(), d));
        // Walks the held services once; every one is either named in the request or deleted, so this costs no
        // more than reading the request plus what it deletes.
        held.values().stream().filter(s -> !byName.containsKey(s.name())).forEach(s -> {
            plan.deleted.add(ServiceRef.of(s));
            plan.removed.add(s);
        });
        for (int i = 0; i < desired.size(); i++) {
            ServiceConfig config = desired.get(i);
            String prefix = "services[" + i + "].";
            Service was = held.get(config.name());
            if (was == null) {
                // A dry run's placeholder id only tells the transition that this is a new service.
                String id = dryRun ? "dry-run:" + config.name() : ids.next();
                Service created = new Service(id, 1, config);
                plan.added.add(created);
                plan.addressChanges.add(AddressChecks.Change.of(null, created, prefix));
                plan.created.add(new ServiceRef(dryRun ? null : id, config.name()));
                continue;
            }
            Service will = was.with(config);
            if (will == was) {
                plan.unchanged.add(ServiceRef.of(will));
                continue;
            }
            plan.removed.add(was);
            plan.added.add(will);
            plan.addressChanges.add(AddressChecks.Change.of(was, will, prefix));
            plan.updated.add(ServiceRef.of(will));
        }
        return plan;
    }

    /** A 400 naming {@code services[i].backends} for each entry with more backends than one service may have. */
    void checkBackendsPerService(int max) {
        Violations violations = new Violations();
        for (int i = 0; i < desired.size(); i++) {
            int count = desired.get(i).backends().size();
            if (count > max) {
                violations.add("services[" + i + "].backends",
                        "must have at most " + max + " backends (the map set's limit per service)", null);
            }
        }
        violations.throwIfAny();
    }

    /** The held services the request replaces or deletes. */
    public List<Service> removed() {
        return removed;
    }

    /** The services the request creates or changes, in its order (which the journal record keeps). */
    public List<Service> added() {
        return added;
    }

    /** The created and changed services, for the address checks; the same size as {@link #added}. */
    List<AddressChecks.Change> addressChanges() {
        return addressChanges;
    }

    public ApplyResult result() {
        return new ApplyResult(dryRun, sorted(created), sorted(updated), sorted(deleted), sorted(unchanged));
    }

    private static List<ServiceRef> sorted(List<ServiceRef> refs) {
        return refs.stream().sorted(Comparator.comparing(ServiceRef::name)).toList();
    }
}
