package io.cvs.traffic;

import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How the recent rates of {@code GET /api/v1/services/{id}/stats} are measured.
 *
 * @param rateInterval how often every service's counters are sampled; a rate is the change between the last two
 *                     samples divided by the time between them (ipvsadm's estimator samples every 2 s)
 */
@Validated
@ConfigurationProperties("cvs.stats")
public record StatsProperties(@NotNull @DefaultValue("5s") Duration rateInterval) {

    public StatsProperties {
        if (rateInterval != null && rateInterval.toMillis() < 100) {
            throw new IllegalArgumentException("cvs.stats.rate-interval must be at least 100ms");
        }
    }
}
