package io.cvs.write;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.address.AddressProperties;
import io.cvs.address.LocalAddresses;
import io.cvs.datapath.CapacityPolicy;
import io.cvs.datapath.MemoryDatapath;
import io.cvs.flows.FlowMetrics;
import io.cvs.journal.Journal;
import io.cvs.journal.TestJournals;
import io.cvs.ownership.MapOwnership;
import io.cvs.service.HostLabels;
import io.cvs.service.Service;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The golden fleet journal ({@code src/test/resources/journal/format-6/}, made by {@link GoldenFormatSixWriter}):
 * format 6's selectors and fleet revisions restore field by field, a format-5 record after them keeps the revision,
 * and the host's labels decide what reaches its maps. The bytes are never regenerated.
 */
class GoldenFormatSixTest {

    private static final String[] FILES = {"journal-id", "snapshot-00000000000000000003.snap",
        "segment-00000000000000000004.wal"};

    @TempDir
    Path dir;

    @Test
    void aFleetHostsJournalRestoresSelectorsAndTheLastFleetRevision() throws IOException {
        copyGolden();
        MemoryDatapath maps = new MemoryDatapath(MemoryDatapath.LIBCVSBPF_DEFAULT, null);
        try (Journal journal = Journal.open(dir, TestJournals.DEFAULTS)) {
            assertThat(journal.recoveredSnapshot()[0]).as("the snapshot is format 6").isEqualTo((byte) 6);
            assertThat(JournalCodec.readStateAndRevision(journal.recoveredSnapshot()).revision()).isEqualTo(12);
            assertThat(journal.recoveredRecords()).extracting(r -> (int) r.payload()[0]).containsExactly(6, 5);
            try (ServiceRegistry registry = registry(maps, journal, HostLabels.of(Map.of("zone", "a")))) {
                registry.firstReconcile().join();

                assertThat(registry.byName().values()).containsExactlyInAnyOrder(GoldenFormatSixWriter.web(15, 2),
                        GoldenFormatSixWriter.dns(), GoldenFormatSixWriter.local());
                assertThat(registry.appliedRevision()).as("the local record after r4 carries none")
                        .isEqualTo(15);
                assertThat(maps.services()).as("zone a forwards web and local, not dns (zone b)")
                        .containsExactlyInAnyOrder(GoldenFormatSixWriter.web(15, 2).key(),
                                GoldenFormatSixWriter.local().key());
            }
        }
    }

    @Test
    void theFormatSixSnapshotHoldsTheStateAtItsRevision() throws IOException {
        copyGolden();
        try (Journal journal = Journal.open(dir, TestJournals.DEFAULTS)) {
            List<Service> snapshot = JournalCodec.readState(journal.recoveredSnapshot());
            assertThat(snapshot).containsExactlyInAnyOrder(GoldenFormatSixWriter.web(7, 1),
                    GoldenFormatSixWriter.api(), GoldenFormatSixWriter.dns());
        }
    }

    private void copyGolden() throws IOException {
        for (String file : FILES) {
            try (InputStream in = getClass().getResourceAsStream("/journal/format-6/" + file)) {
                Files.copy(in, dir.resolve(file));
            }
        }
    }

    private static ServiceRegistry registry(MemoryDatapath maps, Journal journal, HostLabels host) {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        return new ServiceRegistry(maps, journal, CapacityPolicy.FIXED, true, Duration.ofSeconds(30),
                new WriteMetrics(meters), new FlowMetrics(meters),
                new AddressChecks(AddressProperties.DEFAULTS, LocalAddresses.none()), new MapOwnership(), false,
                host);
    }
}
