package io.cvs.reconcile;

import io.cvs.system.PeriodicTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Reconciles every {@code cvs.reconcile.interval}, repairing drift made outside the daemon. The first reconcile
 * is not this loop's: the registry queues it when it is built (readiness waits for it).
 */
@Component
class ReconcileLoop extends PeriodicTask {

    private static final Logger log = LoggerFactory.getLogger(ReconcileLoop.class);

    private final ReconcileRunner reconciles;
    private final ReconcileProperties properties;

    ReconcileLoop(ReconcileRunner reconciles, ReconcileProperties properties) {
        super("cvs-reconcile", properties.interval(), properties.interval());
        this.reconciles = reconciles;
        this.properties = properties;
    }

    @Override
    protected void runOnce() {
        try {
            reconciles.reconcile();
        } catch (RuntimeException e) {
            log.error("Reconcile failed; trying again in {}", properties.interval(), e);
        }
    }
}
