package io.cvs.service;

import io.cvs.datapath.Backend;
import io.cvs.health.HealthCheck;
import io.cvs.health.HealthCheck.WhenAllDown;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;

/**
 * The backends that health checks took out of rotation, by service id: the one piece of state that is not
 * journaled (it is observed, not configured). Immutable, so the committer swaps it whole and readers never lock;
 * a persistent map, so a change of one service's backends (a verdict, or a write on a checked service) costs
 * O(log n) rather than a copy of every service's.
 *
 * <p>{@link #effective} turns a service's configuration into what the datapath holds: a down backend keeps its
 * place, id, counters and weight but is marked {@linkplain Backend#down() down}, which the maps tell apart from an
 * operator's drain (weight 0): it gets no new connections and its flows are swept. When every backend that has
 * weight is down, the service's {@link WhenAllDown} policy decides.
 */
public final class DownBackends {

    public static final DownBackends NONE = new DownBackends(HashTreePMap.empty());

    private final PMap<String, Set<BackendKey>> down;

    private DownBackends(PMap<String, Set<BackendKey>> down) {
        this.down = down;
    }

    public boolean isDown(String serviceId, BackendKey backend) {
        return down.getOrDefault(serviceId, Set.of()).contains(backend);
    }

    /** How many backends are down in all. */
    public int count() {
        return down.values().stream().mapToInt(Set::size).sum();
    }

    /** The backends as the datapath should hold them now. */
    public List<Backend> effective(Service service) {
        Set<BackendKey> out = down.get(service.id());
        if (service.content().healthCheck() == null || out == null || out.isEmpty()) {
            return service.backends();
        }
        List<Backend> inRotation = new ArrayList<>(service.backends().size());
        boolean anyWeight = false;
        for (Backend b : service.backends()) {
            boolean isDown = out.contains(BackendKey.of(b));
            anyWeight |= !isDown && b.weight() > 0;
            inRotation.add(b.withDown(isDown));
        }
        if (!anyWeight && service.content().healthCheck().whenAllDown() == WhenAllDown.FAIL_OPEN) {
            return service.backends();
        }
        return inRotation;
    }

    /**
     * Whether the service has backends with weight and every one of them is down: when its policy decides. A
     * service drained by configuration (no backend with weight) is not "all down".
     */
    public boolean allDown(Service service) {
        if (service.content().healthCheck() == null) {
            return false;
        }
        boolean anyWeighted = false;
        for (Backend b : service.backends()) {
            if (b.weight() > 0) {
                anyWeighted = true;
                if (!isDown(service.id(), BackendKey.of(b))) {
                    return false;
                }
            }
        }
        return anyWeighted;
    }

    /** With one backend's new state; this same object when nothing changed. */
    public DownBackends with(String serviceId, BackendKey backend, boolean up) {
        Set<BackendKey> current = down.getOrDefault(serviceId, Set.of());
        if (current.contains(backend) != up) {
            return this;
        }
        Set<BackendKey> next = new HashSet<>(current);
        if (up) {
            next.remove(backend);
        } else {
            next.add(backend);
        }
        return replace(serviceId, next);
    }

    /**
     * After a write changed a service (before null: created; after null: deleted): backends that are new to the
     * check start in its initial state, the others keep theirs, and backends or checks that are gone are forgotten.
     */
    public DownBackends admit(Service before, Service after) {
        if (after == null || after.content().healthCheck() == null) {
            String id = after == null ? before.id() : after.id();
            return down.containsKey(id) ? replace(id, Set.of()) : this;
        }
        HealthCheck check = after.content().healthCheck();
        boolean wasChecked = before != null && before.content().healthCheck() != null
                && before.id().equals(after.id());
        Set<BackendKey> known = new HashSet<>();
        if (wasChecked) {
            before.backends().forEach(b -> known.add(BackendKey.of(b)));
        }
        Set<BackendKey> current = down.getOrDefault(after.id(), Set.of());
        Set<BackendKey> next = new HashSet<>();
        for (Backend b : after.backends()) {
            BackendKey key = BackendKey.of(b);
            boolean startsDown = check.initialState() == HealthCheck.InitialState.DOWN;
            if (known.contains(key) ? current.contains(key) : startsDown) {
                next.add(key);
            }
        }
        return next.equals(current) ? this : replace(after.id(), next);
    }

    /**
     * The state the maps show at start, for services with a check: a backend the maps hold as down was down when
     * the daemon stopped, and so was one configured with weight that they hold at weight 0 (daemons before the down
     * flag took a backend out that way); one the maps do not hold starts as the check says.
     * Health is not journaled, so this keeps a restart from putting dead backends back or live ones out.
     */
    public static DownBackends seed(Collection<Service> services, Function<Service, Optional<List<Backend>>> held) {
        Map<String, Set<BackendKey>> down = new HashMap<>();
        for (Service service : services) {
            HealthCheck check = service.content().healthCheck();
            if (check == null) {
                continue;
            }
            Optional<List<Backend>> inMaps = held.apply(service);
            Set<BackendKey> out = new HashSet<>();
            for (Backend b : service.backends()) {
                Optional<Backend> there = inMaps.flatMap(list -> list.stream()
                        .filter(h -> h.address().equals(b.address()) && h.port() == b.port()).findFirst());
                boolean isDown = there.isPresent()
                        ? there.get().down() || b.weight() > 0 && there.get().weight() == 0
                        : check.initialState() == HealthCheck.InitialState.DOWN;
                if (isDown) {
                    out.add(BackendKey.of(b));
                }
            }
            if (!out.isEmpty()) {
                down.put(service.id(), Set.copyOf(out));
            }
        }
        return new DownBackends(HashTreePMap.from(down));
    }

    private DownBackends replace(String serviceId, Set<BackendKey> next) {
        return new DownBackends(next.isEmpty() ? down.minus(serviceId) : down.plus(serviceId, Set.copyOf(next)));
    }
}
