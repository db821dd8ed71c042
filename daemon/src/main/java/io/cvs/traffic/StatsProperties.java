package io.cvs.traffic;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.PositiveOrZero;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How the recent rates of {@code GET /api/v1/services/{id}/stats} are measured.
 *
 * @param rateInterval      how often every service's counters are sampled; a rate is the change between the last
 *                          two samples divided by the time between them (ipvsadm's estimator samples every 2 s)
 * @param backendSeriesMax  the per-backend series of {@code /actuator/prometheus} are reported while the services
 *                          have at most this many backends in all (0: never); the per-service series always are.
 *                          At 100,000 backends the text format is about 35 MB and a second per scrape, and grows
 *                          with it; raise it to opt in beyond that
 */
@Validated
@ConfigurationProperties("cvs.stats")
public record StatsProperties(@NotNull @DefaultValue("5s") Duration rateInterval,
        @DefaultValue("100000") @PositiveOrZero int backendSeriesMax) {

    /** The defaults, for code that makes the beans without Spring. */
    public static final int BACKEND_SERIES_MAX = 100_000;

    public StatsProperties {
        if (rateInterval != null && rateInterval.toMillis() < 100) {
            throw new IllegalArgumentException("cvs.stats.rate-interval must be at least 100ms");
        }
    }
}
