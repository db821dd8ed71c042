package io.cvs.write;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.address.AddressProperties;
import io.cvs.address.LocalAddresses;
import io.cvs.api.BackendSpec;
import io.cvs.api.ServiceRequest;
import io.cvs.datapath.CapacityPolicy;
import io.cvs.datapath.MemoryDatapath;
import io.cvs.flows.FlowMetrics;
import io.cvs.journal.Journal;
import io.cvs.journal.JournalOptions;
import io.cvs.journal.TestJournals;
import io.cvs.ownership.JournalMismatch;
import io.cvs.ownership.MapOwnership;
import io.cvs.reconcile.ReconcileResult;
import io.cvs.service.Precondition;
import io.cvs.service.Service;
import io.cvs.service.ServiceConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.springframework.util.FileSystemUtils;

/**
 * A registry restarted on its journal holds what the last one acknowledged, from snapshots and the records after
 * them; the reconcile after it fills empty maps and leaves maps that already match alone. On maps another journal
 * fed, or this one further than it reaches, it removes nothing until the prune is confirmed.
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

    @Test
    void mapsFedByAnotherJournalKeepTheirServicesUntilThePruneIsConfirmed() {
        writeSomeHistory();
        int held = maps.services().size();
        MapOwnership ownership = new MapOwnership();

        try (Journal journal = Journal.open(TestJournals.freshDir("other"), SMALL_SNAPSHOTS);
                ServiceRegistry other = registry(journal, ownership)) {
            ReconcileResult first = other.firstReconcile().join();
            assertThat(first.removed()).isZero();
            assertThat(first.held()).isEqualTo(held);
            assertThat(ownership.mismatch()).hasValueSatisfying(m -> {
                assertThat(m.kind()).isEqualTo(JournalMismatch.Kind.OTHER_JOURNAL);
                assertThat(m.journalId()).isEqualTo(journal.id());
            });
            Service added = other.create(config("added", 99, 1));
            assertThat(maps.services()).hasSize(held + 1);
            assertThat(maps.owner()).as("the record still names the journal that fed the maps")
                    .hasValueSatisfying(o -> assertThat(o.journalId()).isNotEqualTo(journal.id()));

            ReconcileResult confirmed = other.reconcile(true);
            assertThat(confirmed.removed()).isEqualTo(held);
            assertThat(maps.services()).containsExactly(added.key());
            assertThat(ownership.mismatch()).isEmpty();
            assertThat(maps.owner()).hasValueSatisfying(o -> {
                assertThat(o.journalId()).isEqualTo(journal.id());
                assertThat(o.appliedSeq()).isEqualTo(journal.lastSeq());
            });
        }
    }

    @Test
    void anOlderCopyOfTheJournalIsBehindTheMaps() throws Exception {
        Path older = TestJournals.freshDir("older");
        try (Journal journal = Journal.open(dir, SMALL_SNAPSHOTS);
                ServiceRegistry registry = new ServiceRegistry(maps, journal, true, Duration.ofSeconds(30))) {
            registry.create(config("kept", 1, 1));
        }
        FileSystemUtils.copyRecursively(dir, older);
        Files.delete(older.resolve("lock"));
        try (Journal journal = Journal.open(dir, SMALL_SNAPSHOTS);
                ServiceRegistry registry = new ServiceRegistry(maps, journal, true, Duration.ofSeconds(30))) {
            registry.create(config("newer", 2, 1));
        }
        MapOwnership ownership = new MapOwnership();

        try (Journal journal = Journal.open(older, SMALL_SNAPSHOTS);
                ServiceRegistry restored = registry(journal, ownership)) {
            assertThat(restored.firstReconcile().join().held()).isEqualTo(1);
            assertThat(maps.services()).hasSize(2);
            assertThat(ownership.mismatch()).hasValueSatisfying(m -> {
                assertThat(m.kind()).isEqualTo(JournalMismatch.Kind.JOURNAL_BEHIND);
                assertThat(m.mapsAppliedSequence()).isEqualTo(2);
                assertThat(m.journalSequence()).isEqualTo(1);
            });
        }
    }

    private ServiceRegistry registry(Journal journal, MapOwnership ownership) {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        return new ServiceRegistry(maps, journal, CapacityPolicy.FIXED, true, Duration.ofSeconds(30),
                new WriteMetrics(meters), new FlowMetrics(meters),
                new AddressChecks(AddressProperties.DEFAULTS, LocalAddresses.none()), ownership, false);
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
