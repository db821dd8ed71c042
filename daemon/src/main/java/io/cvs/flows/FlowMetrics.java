package io.cvs.flows;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The sweeps' meters: flows ended per service, backend and reason ({@code cvs_flows_terminated_total}), the time
 * from the event to the end of the sweep that ended its flows ({@code cvs_flows_cleanup_seconds}), and sweeps by
 * result ({@code cvs_flow_sweeps_total{result}}: ok, failed).
 */
public final class FlowMetrics {

    /** 1 ms (a sweep right after a write) to 60 s (one queued behind a long walk of many sockets). */
    private static final Duration[] CLEANUP_BUCKETS = Stream.of(1L, 2L, 5L, 10L, 25L, 50L, 100L, 250L, 500L, 1_000L,
            2_500L, 5_000L, 10_000L, 30_000L, 60_000L).map(Duration::ofMillis).toArray(Duration[]::new);

    private final MeterRegistry meters;
    private final Timer cleanup;
    private final Counter sweepsOk;
    private final Counter sweepsFailed;

    public FlowMetrics(MeterRegistry meters) {
        this.meters = meters;
        this.cleanup = Timer.builder("cvs.flows.cleanup")
                .description("Time from a backend leaving (write committed, health verdict) to the end of the sweep "
                        + "that ended its flows")
                .serviceLevelObjectives(CLEANUP_BUCKETS)
                .register(meters);
        this.sweepsOk = sweeps("ok");
        this.sweepsFailed = sweeps("failed");
    }

    private Counter sweeps(String result) {
        return Counter.builder("cvs.flow.sweeps").description("Flow sweeps run, by result")
                .tag("result", result).register(meters);
    }

    void ended(String service, String backend, FlowReason reason, int flows) {
        Counter.builder("cvs.flows.terminated")
                .description("Flows ended because their backend left the service: connected UDP sockets, TCP "
                        + "connections of RESET services, cvs.ko conntrack entries")
                .tag("service", service).tag("backend", backend).tag("reason", reason.label())
                .register(meters).increment(flows);
    }

    void cleanedUp(long eventNanos, long doneNanos) {
        cleanup.record(Math.max(0, doneNanos - eventNanos), TimeUnit.NANOSECONDS);
    }

    void swept(boolean ok) {
        (ok ? sweepsOk : sweepsFailed).increment();
    }
}
