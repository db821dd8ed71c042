package io.cvs.reconcile;

import io.cvs.datapath.Backend;
import io.cvs.datapath.Datapath;
import io.cvs.datapath.Datapath.Repair;
import io.cvs.datapath.DatapathException;
import io.cvs.datapath.ServiceKey;
import io.cvs.selection.SelectionPolicy;
import io.cvs.service.DownBackends;
import io.cvs.service.Service;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the maps equal the desired state without flushing: it reads what the maps hold, writes only services
 * that are missing, differ or fail their consistency check, and removes what is not desired only after every
 * desired service was written (docs/design.md). A service that found no room is tried again after the removals.
 * A matching service is never rewritten, so forwarding state (generation, tables, counters) stays as it was.
 * Before comparing, it puts back what the chosen forwarders need and something outside the daemon removed (map
 * pins, the socket-LB's links, cvs.ko's binding: {@link Datapath#repair()}); a repair that fails counts as failed.
 */
public final class Reconciler {

    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

    private final Datapath datapath;
    /** The datapath learnt the maps when it was opened, just before the first reconcile: no need to again. */
    private boolean first = true;

    public Reconciler(Datapath datapath) {
        this.datapath = datapath;
    }

    /**
     * The state health checks left in the maps when the daemon last stopped; read once, before the first
     * reconcile compares anything (see {@link DownBackends#seed}).
     */
    public DownBackends healthInMaps(Collection<Service> desired) {
        Set<ServiceKey> held = new HashSet<>(datapath.services());
        return DownBackends.seed(desired, service -> held.contains(service.key())
                ? datapath.backends(service.key()) : Optional.empty());
    }

    /**
     * Makes the maps hold each desired service's backends as view gives them, with its selection policy, and
     * nothing else. A service whose policy or Maglev table differs from the desired one is rewritten too.
     */
    public ReconcileResult reconcile(Collection<Service> desired, Function<Service, List<Backend>> view) {
        return reconcile(desired, view, true);
    }

    /**
     * {@link #reconcile(Collection, Function)}, but with prune false the services in the maps that are not desired
     * are kept and counted as held: the maps then hold the union (the journal does not match them).
     */
    public ReconcileResult reconcile(Collection<Service> desired, Function<Service, List<Backend>> view,
            boolean prune) {
        long started = System.nanoTime();
        // What the forwarders need is put back first: a service compare on maps nobody reads would say all is well.
        int failed = 0;
        List<Repair> repairs = List.of();
        try {
            repairs = datapath.repair();
            repairs.forEach(r -> log.warn("Reconcile repaired the datapath ({}): {}", r.part().label(), r.what()));
        } catch (DatapathException e) {
            failed++;
            log.error("Reconcile: the datapath could not be repaired; its forwarders may not read the maps: {}",
                    e.getBody().getDetail());
        }
        // What the datapath remembers of the maps is relearnt first, in case someone wrote them behind our back.
        boolean resynced = first || resync();
        first = false;
        Set<ServiceKey> held = new HashSet<>(datapath.services());
        int added = 0;
        int fixed = 0;
        int unchanged = 0;
        List<Service> noRoom = new ArrayList<>();
        Set<ServiceKey> wanted = new HashSet<>();
        List<Service> services = new ArrayList<>(desired);
        List<List<Backend>> backends = new ArrayList<>(services.size());
        List<ServiceKey> keys = new ArrayList<>(services.size());
        List<SelectionPolicy> policies = new ArrayList<>(services.size());
        for (Service service : services) {
            wanted.add(service.key());
            keys.add(service.key());
            backends.add(view.apply(service));
            policies.add(service.content().selection());
        }
        // One question for all services: at 10,000 a get and a verify each were most of a restart's reconcile.
        List<Datapath.Held> found = datapath.compare(keys, backends, policies);
        for (int i = 0; i < services.size(); i++) {
            Service service = services.get(i);
            Datapath.Held now = found.get(i);
            if (now == Datapath.Held.SAME) {
                unchanged++;
                continue;
            }
            Outcome outcome = write(service, backends.get(i), false);
            if (outcome == Outcome.NO_ROOM) {
                noRoom.add(service);
                continue;
            }
            if (outcome == Outcome.FAILED) {
                failed++;
                continue;
            }
            if (now != Datapath.Held.MISSING) {
                fixed++;
                log.info("Reconcile: {} {} differed in the maps; rewritten", service.name(), service.key());
            } else {
                added++;
                log.info("Reconcile: {} {} was missing from the maps; added", service.name(), service.key());
            }
        }
        int removed = 0;
        int kept = 0;
        for (ServiceKey key : held) {
            if (wanted.contains(key)) {
                continue;
            }
            if (!prune) {
                kept++;
            } else if (datapath.remove(key)) {
                removed++;
                log.info("Reconcile: {} is not desired; removed from the maps", key);
            }
        }
        for (Service service : noRoom) {
            if (write(service, view.apply(service), true) == Outcome.WRITTEN) {
                added++;
            } else {
                failed++;
            }
        }
        if (!resynced && resync()) {
            log.info("Reconcile: the datapath relearnt the maps once the damaged services were rewritten");
        }
        ReconcileResult result = new ReconcileResult(Instant.now(), added, fixed, removed, failed, unchanged,
                Duration.ofNanos(System.nanoTime() - started), kept, repairs);
        if (result.changed() > 0 || failed > 0 || kept > 0 || result.repaired() > 0) {
            log.info("Reconcile: {} repaired, {} added, {} fixed, {} removed, {} failed, {} unchanged, {} held in {} ms",
                    result.repaired(), added, fixed, removed, failed, unchanged, kept, result.took().toMillis());
        } else {
            log.debug("Reconcile: {} services unchanged in {} ms", unchanged, result.took().toMillis());
        }
        return result;
    }

    /**
     * False when the maps hold what the datapath refuses to learn (a member naming a backend out of range, say):
     * rewriting the services that fail their check repairs that, and a second resync after them then succeeds.
     */
    private boolean resync() {
        try {
            datapath.resync();
            return true;
        } catch (DatapathException e) {
            log.warn("Reconcile: the datapath could not relearn the maps ({}); rewriting what differs first",
                    e.getBody().getDetail());
            return false;
        }
    }

    /** How writing one service went. */
    private enum Outcome {
        WRITTEN,
        NO_ROOM,
        FAILED
    }

    /**
     * Writes the service. A first try that finds no room says so quietly, since the removals may free some; any
     * other failure, and the last try's, is logged.
     */
    private Outcome write(Service service, List<Backend> backends, boolean lastTry) {
        try {
            datapath.apply(service.key(), backends, service.content().selection());
            return Outcome.WRITTEN;
        } catch (DatapathException e) {
            boolean noRoom = e.reason() == DatapathException.Reason.CAPACITY_EXHAUSTED;
            if (lastTry || !noRoom) {
                log.warn("Reconcile: {} {} could not be written: {}", service.name(), service.key(),
                        e.getBody().getDetail());
            }
            return noRoom && !lastTry ? Outcome.NO_ROOM : Outcome.FAILED;
        }
    }
}
