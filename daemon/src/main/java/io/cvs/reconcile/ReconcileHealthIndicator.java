package io.cvs.reconcile;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.stereotype.Component;

/**
 * The {@code reconcile} component of {@code /actuator/health}, and of readiness: out of service until the first
 * reconcile after start made the maps equal the restored state, since before that a client could be served
 * from maps that the daemon has not checked yet.
 */
@Component
class ReconcileHealthIndicator extends AbstractHealthIndicator {

    private final ReconcileRunner reconciles;

    ReconcileHealthIndicator(ReconcileRunner reconciles) {
        super("Reconcile health check failed");
        this.reconciles = reconciles;
    }

    @Override
    protected void doHealthCheck(Health.Builder health) {
        reconciles.lastReconcile().ifPresentOrElse(last -> health.up()
                .withDetail("lastRun", last.at().toString())
                .withDetail("added", last.added())
                .withDetail("fixed", last.fixed())
                .withDetail("removed", last.removed())
                .withDetail("failed", last.failed())
                .withDetail("unchanged", last.unchanged())
                .withDetail("tookMillis", last.took().toMillis())
                .withDetail("repaired", last.repaired()),
                () -> health.outOfService().withDetail("reason", "the first reconcile after start has not finished"));
    }
}
