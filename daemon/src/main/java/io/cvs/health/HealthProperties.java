package io.cvs.health;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How the health monitor spreads its probes.
 *
 * @param maxConcurrentProbes probes in flight at most; a probe due while that many are in flight waits for one
 *                            to end (counted in {@code cvs_health_probes_delayed_total})
 * @param jitter              each probe after a target's first comes {@code interval * (1 ± jitter)} after the
 *                            previous one was due (uniformly random), so probes that once met drift apart
 */
@Validated
@ConfigurationProperties("cvs.health")
public record HealthProperties(@Min(1) @DefaultValue("1000") int maxConcurrentProbes,
        @DecimalMin("0") @DecimalMax("0.5") @DefaultValue("0.1") double jitter) {

    public HealthProperties {
        if (maxConcurrentProbes < 1) {
            throw new IllegalArgumentException("cvs.health.max-concurrent-probes must be at least 1");
        }
        if (!(jitter >= 0 && jitter <= 0.5)) {
            throw new IllegalArgumentException("cvs.health.jitter must be between 0 and 0.5");
        }
    }
}
