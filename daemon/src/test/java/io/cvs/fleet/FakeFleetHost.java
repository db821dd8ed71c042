package io.cvs.fleet;

import io.cvs.datapath.Capacity;
import io.cvs.datapath.MemoryDatapath;
import io.cvs.fleet.store.FleetStore;
import io.cvs.journal.Journal;
import io.cvs.journal.JournalOptions;
import io.cvs.service.HostLabels;
import io.cvs.write.LabelledRegistries;
import io.cvs.write.ServiceRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One host of a fleet in this JVM, wired as FleetConfiguration wires a daemon: a registry on the memory datapath
 * with its own journal, its convergence and its writer, on a given store (the fake, or real etcd). Reopening the
 * same journal directory is a restart.
 */
final class FakeFleetHost implements AutoCloseable {

    /** As the daemon's default cvs.fleet.bulk-concurrency. */
    static final int BULK_CONCURRENCY = 8;

    final String hostId;
    final MemoryDatapath maps = new MemoryDatapath(new Capacity(256, 1024, 16, 64), null);
    final Journal journal;
    final ServiceRegistry registry;
    final FleetStatus status = new FleetStatus();
    final AppliedRevisions applied = new AppliedRevisions();
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final FleetMetrics metrics;
    final FleetSync sync;
    final FleetWriter writer;
    final FleetOverview overview;

    FakeFleetHost(FleetStore store, Path journalDir, String hostId, Map<String, String> labels) {
        this(store, journalDir, hostId, labels, true);
    }

    FakeFleetHost(FleetStore store, Path journalDir, String hostId, Map<String, String> labels, boolean start) {
        this.hostId = hostId;
        this.journal = Journal.open(journalDir, new JournalOptions(1000, 1 << 22, false));
        this.registry = LabelledRegistries.open(maps, journal, HostLabels.of(labels));
        FleetCodec codec = new FleetCodec();
        this.metrics = new FleetMetrics(meters, applied::applied,
                () -> Math.max(0, status.storeRevision() - applied.applied()));
        this.sync = new FleetSync(store, registry, codec, status, applied, metrics, new HostReporter.Identity(hostId,
                labels, FleetConfiguration.ready(registry), () -> "memory", Duration.ofMillis(200),
                Duration.ofSeconds(5)), Clock.systemUTC());
        this.writer = new FleetWriter(store, registry, codec, applied, Duration.ofSeconds(2), Duration.ofSeconds(3),
                BULK_CONCURRENCY, Clock.systemUTC());
        this.overview = new FleetOverview(hostId, labels, FleetConfiguration.ready(registry), () -> "memory",
                Clock.systemUTC(), store, List.of("memory://"), status, applied);
        registry.firstReconcile().join();
        if (start) {
            sync.start();
        }
    }

    double restarts(FleetMetrics.Restart reason) {
        return metrics.restartCount(reason);
    }

    @Override
    public void close() {
        sync.close();
        registry.close();
        journal.close();
    }
}
