package io.cvs.write;

import io.cvs.datapath.Capacity;
import io.cvs.datapath.Datapath.Repair;
import io.cvs.reconcile.ReconcileResult;
import io.cvs.service.ServiceTable;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.LongStream;
import java.util.stream.Stream;

/**
 * The write path's meters, recorded by the {@link Committer}: how long a change takes from being accepted to being
 * in the maps ({@code cvs_programming_duration_seconds{source}}), how many records share one fsync
 * ({@code cvs_journal_batch_size}), and what reconciles found ({@code cvs_reconcile_runs_total{result}},
 * {@code cvs_reconcile_repairs_total{action}}, and {@code cvs_datapath_repairs_total{part}}: map pins, socket-LB
 * links or cvs.ko's binding put back after something outside the daemon removed them). Every series exists from the
 * start, at 0.
 */
final class WriteMetrics {

    /** Where a change to the maps came from: the {@code source} label. */
    enum Source {
        /** A write through the REST API: from accepted (queued to the committer) to its datapath steps done. */
        API,
        /** A health verdict that changed the maps: from its arrival at the committer to the maps changed. */
        HEALTH,
        /** A reconcile that repaired something: from queued to done. One that found nothing to do is not a change. */
        RECONCILE;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Why the maps were resized: the {@code trigger} label. */
    enum Resize {
        /** A write needed more room than the maps had (cvs.bpf.growth.automatic). */
        AUTOMATIC,
        /** An operator asked: PUT /api/v1/datapath/capacity. */
        REQUESTED,
        /** At start, the pinned maps were smaller than cvs.bpf.capacity. */
        CONFIGURED;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** 100 µs (one upsert through JNA) to 10 s (a change queued behind a large import or a slow disk). */
    private static final Duration[] PROGRAMMING_BUCKETS = Stream.of(100L, 250L, 500L, 1_000L, 2_500L, 5_000L,
            10_000L, 25_000L, 50_000L, 100_000L, 250_000L, 500_000L, 1_000_000L, 2_500_000L, 5_000_000L, 10_000_000L)
            .map(micros -> Duration.ofNanos(micros * 1_000)).toArray(Duration[]::new);

    /** Powers of two from 1 to the committer's largest batch, 4096. */
    private static final double[] BATCH_BUCKETS = LongStream.rangeClosed(0, 12).mapToDouble(i -> 1L << i).toArray();

    private final Map<Source, Timer> programming = new EnumMap<>(Source.class);
    private final DistributionSummary batches;
    private final Counter reconcilesOk;
    private final Counter reconcilesFailed;
    private final Counter added;
    private final Counter fixed;
    private final Counter removed;
    private final Map<Repair.Part, Counter> datapathRepairs = new EnumMap<>(Repair.Part.class);
    private final Map<Resize, Timer> resizes = new EnumMap<>(Resize.class);
    private final Timer maglevRebuilds;
    private final MeterRegistry meters;
    private volatile LastResize lastResize;

    WriteMetrics(MeterRegistry meters) {
        this.meters = meters;
        for (Source source : Source.values()) {
            programming.put(source, Timer.builder("cvs.programming.duration")
                    .description("Time from a change accepted to its datapath steps done (the maps programmed)")
                    .tag("source", source.label())
                    .serviceLevelObjectives(PROGRAMMING_BUCKETS)
                    .register(meters));
        }
        batches = DistributionSummary.builder("cvs.journal.batch.size")
                .description("Records written to the journal with one fsync (group commit)")
                .serviceLevelObjectives(BATCH_BUCKETS)
                .register(meters);
        reconcilesOk = reconcileRuns(meters, "ok");
        reconcilesFailed = reconcileRuns(meters, "failed");
        added = repairs(meters, "added");
        fixed = repairs(meters, "fixed");
        removed = repairs(meters, "removed");
        for (Repair.Part part : Repair.Part.values()) {
            datapathRepairs.put(part, Counter.builder("cvs.datapath.repairs")
                    .description("Parts of the datapath a reconcile put back after something outside the daemon "
                            + "removed them: map pins, socket-LB links, cvs.ko's binding")
                    .tag("part", part.label())
                    .register(meters));
        }
        maglevRebuilds = Timer.builder("cvs.maglev.rebuild")
                .description("Per write that changed MAGLEV services: the time their upserts took, each rebuilding its "
                        + "Maglev table and flipping the generation")
                .serviceLevelObjectives(PROGRAMMING_BUCKETS)
                .register(meters);
        for (Resize trigger : Resize.values()) {
            resizes.put(trigger, Timer.builder("cvs.maps.resize.duration")
                    .description("Resizes of the map set (a new set filled and switched to under traffic), and how "
                            + "long each took")
                    .tag("trigger", trigger.label())
                    .register(meters));
        }
    }

    /** The maps were resized from one capacity to another, starting at startedNanos. */
    void resized(Resize trigger, Capacity from, Capacity to, long startedNanos) {
        Duration took = Duration.ofNanos(System.nanoTime() - startedNanos);
        resizes.get(trigger).record(took);
        lastResize = new LastResize(trigger.label(), from, to, Instant.now(), took);
    }

    /** How many times the maps were resized since start. */
    long resizes() {
        return resizes.values().stream().mapToLong(Timer::count).sum();
    }

    /** The last resize since start, if any. */
    Optional<LastResize> lastResize() {
        return Optional.ofNullable(lastResize);
    }

    /** A change from source, accepted at acceptedNanos ({@link System#nanoTime()}), is in the maps now. */
    void programmed(Source source, long acceptedNanos) {
        programming.get(source).record(System.nanoTime() - acceptedNanos, TimeUnit.NANOSECONDS);
    }

    /** {@code cvs_services{scheduler=random|maglev}}: the desired services by scheduler, as table says now. */
    void countServices(Supplier<ServiceTable> table) {
        Gauge.builder("cvs.services", () -> table.get().maglev().size())
                .description("Services in the desired state, by scheduler")
                .tag("scheduler", "maglev")
                .register(meters);
        Gauge.builder("cvs.services", () -> table.get().byId().size() - table.get().maglev().size())
                .description("Services in the desired state, by scheduler")
                .tag("scheduler", "random")
                .register(meters);
    }

    /** A write's MAGLEV services took nanos to rebuild and flip; a negative value: it wrote none. */
    void maglevRebuilt(long nanos) {
        if (nanos >= 0) {
            maglevRebuilds.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    /** records were appended to the journal with one fsync. */
    void batch(int records) {
        batches.record(records);
    }

    /**
     * A reconcile queued at queuedNanos finished with result: failed when a service could not be written. When it
     * repaired something, that repair was a change programmed by {@link Source#RECONCILE}.
     */
    void reconciled(ReconcileResult result, long queuedNanos) {
        (result.failed() == 0 ? reconcilesOk : reconcilesFailed).increment();
        added.increment(result.added());
        fixed.increment(result.fixed());
        removed.increment(result.removed());
        result.repairs().forEach(repair -> datapathRepairs.get(repair.part()).increment());
        if (result.changed() > 0) {
            programmed(Source.RECONCILE, queuedNanos);
        }
    }

    /** A reconcile threw: the maps could not even be read. */
    void reconcileFailed() {
        reconcilesFailed.increment();
    }

    private static Counter reconcileRuns(MeterRegistry meters, String result) {
        return Counter.builder("cvs.reconcile.runs")
                .description("Reconciles of the maps with the desired state; failed: a service could not be written")
                .tag("result", result)
                .register(meters);
    }

    private static Counter repairs(MeterRegistry meters, String action) {
        return Counter.builder("cvs.reconcile.repairs")
                .description("Services a reconcile added to the maps (missing), fixed (differed) or removed (not desired)")
                .tag("action", action)
                .register(meters);
    }
}
