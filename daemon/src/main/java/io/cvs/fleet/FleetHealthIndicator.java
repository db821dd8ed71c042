package io.cvs.fleet;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * The {@code fleet} component of {@code /actuator/health} in fleet mode: DOWN while the store does not answer.
 * Not part of readiness: a host without its store still forwards what it applied.
 */
final class FleetHealthIndicator extends AbstractHealthIndicator {

    private final FleetStatus status;
    private final AppliedRevisions applied;

    FleetHealthIndicator(FleetStatus status, AppliedRevisions applied) {
        super("Fleet health check failed");
        this.status = status;
        this.applied = applied;
    }

    @Override
    protected void doHealthCheck(Health.Builder health) {
        (status.reachable() ? health.up() : health.down()
                .withDetail("unreachableSince", status.unreachableSince().toString()))
                .withDetail("appliedRevision", applied.applied())
                .withDetail("storeRevision", status.storeRevision());
        if (status.lastError() != null) {
            health.withDetail("lastError", status.lastError());
        }
    }
}
