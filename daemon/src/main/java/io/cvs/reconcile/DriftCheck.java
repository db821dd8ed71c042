package io.cvs.reconcile;

import io.cvs.datapath.Datapath;
import io.cvs.datapath.Datapath.Drift;
import io.cvs.datapath.DatapathException;
import io.cvs.system.PeriodicTask;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Every {@code cvs.reconcile.drift-check-interval}, and at once when {@link PinWatch} sees a pin go, a cheap look
 * ({@link Datapath#drift()}) at whether the maps, their pins or the chosen forwarders changed behind the daemon's
 * back; when they did, a reconcile through the runner, in order with the writes, repairs it instead of the next
 * periodic one, up to {@code cvs.reconcile.interval} later. A drift that the reconcile could not repair (a pin
 * holding another map, say) is tried again only every {@code interval}, so that it is not logged every few seconds.
 */
@Component
class DriftCheck extends PeriodicTask {

    private static final Logger log = LoggerFactory.getLogger(DriftCheck.class);

    private final Datapath datapath;
    private final ReconcileRunner reconciles;
    private final Duration retryInterval;
    private String lastDrift = "";
    private long lastReconcileNanos;

    DriftCheck(Datapath datapath, ReconcileRunner reconciles, ReconcileProperties properties) {
        super("cvs-drift-check", properties.driftCheckInterval(), properties.driftCheckInterval());
        this.datapath = datapath;
        this.reconciles = reconciles;
        this.retryInterval = properties.interval();
    }

    @Override
    protected void runOnce() {
        check();
    }

    /** Looks, and reconciles when something drifted; safe from any thread. Before the first reconcile: nothing. */
    synchronized void check() {
        if (reconciles.lastReconcile().isEmpty()) {
            return;
        }
        Optional<Drift> drift;
        try {
            drift = datapath.drift().filter(Drift::any);
        } catch (DatapathException e) {
            log.warn("Drift check: the maps could not be read: {}", e.getBody().getDetail());
            return;
        }
        if (drift.isEmpty()) {
            lastDrift = "";
            return;
        }
        String what = drift.get().describe();
        long now = System.nanoTime();
        if (what.equals(lastDrift) && now - lastReconcileNanos < retryInterval.toNanos()) {
            log.debug("Drift check: still {}; the last reconcile could not repair it", what);
            return;
        }
        log.warn("Drift check: {}; reconciling now", what);
        lastReconcileNanos = now;
        try {
            reconciles.reconcile();
            // What the reconcile could not repair is not retried (nor logged) at every check, only every interval.
            lastDrift = datapath.drift().filter(Drift::any).map(Drift::describe).orElse("");
        } catch (RuntimeException e) {
            lastDrift = what;
            log.error("Reconcile after drift failed; the next check tries again", e);
        }
    }
}
