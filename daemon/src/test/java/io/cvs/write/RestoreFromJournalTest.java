package io.cvs.write;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.api.BackendSpec;
import io.cvs.api.ServiceRequest;
import io.cvs.datapath.MemoryDatapath;
import io.cvs.journal.Journal;
import io.cvs.journal.JournalOptions;
import io.cvs.journal.TestJournals;
import io.cvs.reconcile.ReconcileResult;
import io.cvs.service.Precondition;
import io.cvs.service.Service;
import io.cvs.service.ServiceConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A registry restarted on its journal holds what the last one acknowledged, from snapshots and the records after
 * them; the reconcile after it fills empty maps and leaves maps that already match alone.
 */
class RestoreFromJournalTest {

    /** A snapshot every 5 records, so a restore reads a snapshot and replays records after it. */
    private static final JournalOptions SMALL_SNAPSHOTS = new JournalOptions(5, 1 << 20, false);

    private final Path dir = TestJournals.freshDir("restore");
    private final MemoryDatapath maps = new MemoryDatapath(MemoryDatapath.LIBCVSBPF_DEFAULT, null);

    @Test
    void aRestartHoldsEveryServiceAsLastWrittenAndReconcilesNothingWhenTheMapsMatch() throws Exception {
        Map<String, Service> before = writeSomeHistory();

        try (Journal journal = Journal.open(dir, SMALL_SNAPSHOTS);
                ServiceRegistry restarted = new ServiceRegistry(maps, journal, true, Duration.ofSeconds(30))) {
            assertThat(restarted.byName()).isEqualTo(before);
            ReconcileResult result = restarted.firstReconcile().join();
            assertThat(result.changed()).isZero();
            assertThat(result.unchanged()).isEqualTo(before.size());
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString())).as("snapshots were taken")
                    .anyMatch(name -> name.startsWith("snapshot-"));
        }
    }

    @Test
    void aRestartOnEmptyMapsAddsEveryServiceAndANewServiceGetsAnIdNotUsedBefore() {
        Map<String, Service> before = writeSomeHistory();
        MemoryDatapath empty = new MemoryDatapath(MemoryDatapath.LIBCVSBPF_DEFAULT, null);

        try (Journal journal = Journal.open(dir, SMALL_SNAPSHOTS);
                ServiceRegistry restarted = new ServiceRegistry(empty, journal, true, Duration.ofSeconds(30))) {
            assertThat(restarted.firstReconcile().join().added()).isEqualTo(before.size());
            before.values().forEach(s -> assertThat(empty.backends(s.key())).contains(s.backends()));
            Service fresh = restarted.create(config("fresh", 99, 1));
            assertThat(before.values()).extracting(Service::id).doesNotContain(fresh.id());
        }
    }

    @Test
    void anEmptyJournalIsAnEmptyDesiredStateSoTheFirstReconcileRemovesWhatTheMapsHeld() {
        maps.apply(config("left-over", 7, 2).key(), config("left-over", 7, 2).backends());

        try (Journal journal = Journal.open(dir, SMALL_SNAPSHOTS);
                ServiceRegistry fresh = new ServiceRegistry(maps, journal, true, Duration.ofSeconds(30))) {
            assertThat(fresh.byName()).isEmpty();
            assertThat(fresh.firstReconcile().join().removed()).isEqualTo(1);
            assertThat(maps.services()).isEmpty();
        }
    }

    /** 12 services created, some changed twice, some deleted: more than two snapshots' worth of records. */
    private Map<String, Service> writeSomeHistory() {
        try (Journal journal = Journal.open(dir, SMALL_SNAPSHOTS);
                ServiceRegistry registry = new ServiceRegistry(maps, journal, true, Duration.ofSeconds(30))) {
            for (int i = 1; i <= 12; i++) {
                registry.create(config("s" + i, i, 1));
            }
            for (Service s : List.copyOf(registry.byName().values())) {
                int n = Integer.parseInt(s.name().substring(1));
                if (n % 3 == 0) {
                    registry.delete(s.id(), Precondition.NONE);
                } else if (n % 2 == 0) {
                    registry.update(s.id(), Precondition.NONE, x -> config(s.name(), n, 2));
                    registry.update(s.id(), Precondition.NONE, x -> config(s.name(), n, 3));
                }
            }
            registry.replaceAll(registry.byName().values().stream().map(Service::content).toList(), false);
            return Map.copyOf(registry.byName());
        }
    }

    private static ServiceConfig config(String name, int vip, int backends) {
        List<BackendSpec> specs = Stream.iterate(1, i -> i + 1).limit(backends)
                .map(i -> new BackendSpec("10.0." + vip + "." + i, 8080, i)).toList();
        return new ServiceRequest(name, "192.0.2." + vip, 80, vip % 2 == 0 ? "UDP" : "TCP", specs,
                Map.of("app", name, "tier", "web")).toConfig("");
    }
}
