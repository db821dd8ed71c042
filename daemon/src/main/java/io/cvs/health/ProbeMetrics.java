package io.cvs.health;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The monitor's meters, made once so that a probe costs no lookups. In Prometheus:
 * {@code cvs_health_probes_total{type,result}}, {@code cvs_health_probe_duration_seconds{type}} (histogram),
 * {@code cvs_health_probes_in_flight}, {@code cvs_health_probes_delayed_total} (a probe came due while
 * {@code cvs.health.max-concurrent-probes} were in flight) and {@code cvs_health_transitions_total{to}}.
 */
final class ProbeMetrics {

    /** From a loopback connect (~0.1 ms) to the longest sensible timeout. */
    private static final Duration[] BUCKETS = {Duration.ofMillis(1).dividedBy(2), Duration.ofMillis(1),
        Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
        Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10)};

    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();
    private final Counter[][] probes;
    private final Timer[] durations;
    private final Counter up;
    private final Counter down;
    private final Counter delayed;

    <T> ProbeMetrics(MeterRegistry registry, T inFlightSource, ToDoubleFunction<T> inFlight) {
        this.registry = registry;
        HealthCheck.Type[] types = HealthCheck.Type.values();
        ProbeOutcome.Result[] results = ProbeOutcome.Result.values();
        probes = new Counter[types.length][results.length];
        durations = new Timer[types.length];
        for (HealthCheck.Type type : types) {
            String typeLabel = type.name().toLowerCase(Locale.ROOT);
            for (ProbeOutcome.Result result : results) {
                probes[type.ordinal()][result.ordinal()] = add(Counter.builder("cvs.health.probes")
                        .description("Health probes that ended, by check type and result")
                        .tags("type", typeLabel, "result", result.label).register(registry));
            }
            durations[type.ordinal()] = add(Timer.builder("cvs.health.probe.duration")
                    .description("Time from a health probe's start to its result")
                    .tags("type", typeLabel).serviceLevelObjectives(BUCKETS).register(registry));
        }
        add(Gauge.builder("cvs.health.probes.in.flight", inFlightSource, inFlight)
                .description("Health probes started and not ended").register(registry));
        delayed = add(Counter.builder("cvs.health.probes.delayed")
                .description("Health probes that came due while the most allowed were in flight, so waited")
                .register(registry));
        up = add(transitions("up"));
        down = add(transitions("down"));
    }

    private Counter transitions(String to) {
        return Counter.builder("cvs.health.transitions").description("Backends that went up or down")
                .tag("to", to).register(registry);
    }

    private <M extends Meter> M add(M meter) {
        meters.add(meter);
        return meter;
    }

    void probed(HealthCheck.Type type, ProbeOutcome.Result result, long nanos) {
        probes[type.ordinal()][result.ordinal()].increment();
        durations[type.ordinal()].record(nanos, TimeUnit.NANOSECONDS);
    }

    void transition(boolean toUp) {
        (toUp ? up : down).increment();
    }

    void delayed() {
        delayed.increment();
    }

    /** Takes the meters out of the registry, so a closed monitor's gauge does not linger. */
    void remove() {
        meters.forEach(registry::remove);
    }
}
