package io.cvs.health;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.stereotype.Component;

/**
 * The {@code healthChecks} component of {@code /actuator/health}: down when the probe loop stopped after an
 * unexpected failure, since then no backend leaves or re-enters rotation by itself any more.
 */
@Component
class HealthChecksHealthIndicator extends AbstractHealthIndicator {

    private final HealthMonitor monitor;

    HealthChecksHealthIndicator(HealthMonitor monitor) {
        super("Health checks' health check failed");
        this.monitor = monitor;
    }

    @Override
    protected void doHealthCheck(Health.Builder health) {
        (monitor.probing() ? health.up() : health.down())
                .withDetail("targets", monitor.targets())
                .withDetail("inFlight", monitor.inFlight());
    }
}
