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
 * content unchanged, and a held name missing from the request deleted.
 */
final class DesiredStatePlan {

    private final List<ServiceConfig> desired;
    private final List<Service> target = new ArrayList<>();
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
        held.values().stream().filter(s -> !byName.containsKey(s.name()))
                .forEach(s -> plan.deleted.add(ServiceRef.of(s)));
        for (ServiceConfig config : desired) {
            Service was = held.get(config.name());
            if (was == null) {
                // A dry run's placeholder id only tells the transition that this is a new service.
                String id = dryRun ? "dry-run:" + config.name() : ids.next();
                plan.target.add(new Service(id, 1, config));
                plan.created.add(new ServiceRef(dryRun ? null : id, config.name()));
                continue;
            }
            Service will = was.with(config);
            plan.target.add(will);
            (will == was ? plan.unchanged : plan.updated).add(ServiceRef.of(will));
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

    List<Service> target() {
        return target;
    }

    ApplyResult result() {
        return new ApplyResult(dryRun, sorted(created), sorted(updated), sorted(deleted), sorted(unchanged));
    }

    private static List<ServiceRef> sorted(List<ServiceRef> refs) {
        return refs.stream().sorted(Comparator.comparing(ServiceRef::name)).toList();
    }
}
