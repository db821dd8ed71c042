package io.cvs.fleet;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The fleet's meters: {@code cvs_fleet_applied_revision} and {@code cvs_fleet_lag_revisions} (gauges),
 * {@code cvs_fleet_watch_restarts_total{reason}} and {@code cvs_fleet_apply_seconds}, the time from a writer's
 * commit to this host's maps (a histogram; across hosts as exact as their clocks agree).
 */
final class FleetMetrics {

    /** Why the watch started again: the store compacted past it, it broke, or the store was away. */
    enum Restart {
        COMPACTED, BROKEN, OUTAGE;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final MeterRegistry meters;
    private final Timer apply;

    FleetMetrics(MeterRegistry meters, LongSupplier applied, LongSupplier lag) {
        this.meters = meters;
        Gauge.builder("cvs.fleet.applied.revision", applied::getAsLong)
                .description("The fleet store's revision this host has applied to its maps").register(meters);
        Gauge.builder("cvs.fleet.lag.revisions", lag::getAsLong)
                .description("How many store revisions this host is behind the store's, as last read")
                .register(meters);
        for (Restart reason : Restart.values()) {
            restarts(reason);
        }
        this.apply = Timer.builder("cvs.fleet.apply")
                .description("From a writer's commit to the change applied in this host's maps (clocks of two "
                        + "hosts: approximate)")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30)).register(meters);
    }

    private Counter restarts(Restart reason) {
        return Counter.builder("cvs.fleet.watch.restarts").tag("reason", reason.label())
                .description("Watches of the store started again, by reason").register(meters);
    }

    void restarted(Restart reason) {
        restarts(reason).increment();
    }

    /** A change committed at commitMillis (the writer's clock) is applied now; a clock behind counts as 0. */
    void applied(long commitMillis, long nowMillis) {
        apply.record(Duration.ofMillis(Math.max(0, nowMillis - commitMillis)));
    }

    long restartCount(Restart reason) {
        return (long) restarts(reason).count();
    }
}
