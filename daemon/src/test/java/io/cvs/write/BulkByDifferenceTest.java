package io.cvs.write;

import static io.cvs.testing.Addresses.backend;
import static io.cvs.testing.Addresses.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.datapath.Backend;
import io.cvs.datapath.MemoryDatapath;
import io.cvs.datapath.ServiceKey;
import io.cvs.journal.Journal;
import io.cvs.journal.JournalRecord;
import io.cvs.journal.TestJournals;
import io.cvs.service.Service;
import io.cvs.service.ServiceConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * A bulk PUT is worked out from its difference with the held state only, and that changes nothing anyone sees:
 * each record is byte for byte what the whole-state comparison wrote before ({@link JournalCodec.Change#between}
 * of every held service and every service of the request, in its order), the maps end up holding exactly the
 * desired state (services passing keys among themselves included), and a restart restores it.
 */
class BulkByDifferenceTest {

    @Test
    void randomBulkWritesJournalWhatTheWholeStateComparisonWroteAndLeaveTheMapsEqual() {
        Random random = new Random(7L);
        Path dir = TestJournals.freshDir("bulk-difference");
        MemoryDatapath memory = new MemoryDatapath(MemoryDatapath.LIBCVSBPF_DEFAULT, null);
        List<byte[]> expected = new ArrayList<>();
        Map<String, Service> last;
        try (Journal journal = Journal.open(dir, TestJournals.DEFAULTS);
                ServiceRegistry registry = new ServiceRegistry(memory, journal, true, Duration.ofSeconds(30))) {
            for (int round = 0; round < 80; round++) {
                List<Service> held = List.copyOf(registry.byName().values());
                List<ServiceConfig> desired = desired(random, round);
                boolean dryRun = random.nextInt(8) == 0;

                registry.replaceAll(desired, dryRun);

                if (dryRun) {
                    assertThat(registry.byName().values()).as("round %d: a dry run changes nothing", round)
                            .containsExactlyElementsOf(held);
                    continue;
                }
                List<Service> target = desired.stream().map(c -> registry.byName().get(c.name())).toList();
                JournalCodec.Change change = JournalCodec.Change.between(held, target);
                if (!change.puts().isEmpty() || !change.deletes().isEmpty()) {
                    expected.add(JournalCodec.change(change));
                }
                assertThat(registry.byName().keySet()).as("round %d", round)
                        .containsExactlyElementsOf(desired.stream().map(ServiceConfig::name).sorted().toList());
                assertThat(memory.services()).as("round %d: the maps hold the desired keys", round)
                        .containsExactlyInAnyOrderElementsOf(target.stream().map(Service::key).toList());
                for (Service s : target) {
                    assertThat(memory.backends(s.key())).as("round %d: %s", round, s.name()).contains(s.backends());
                }
            }
            last = Map.copyOf(registry.byName());
        }
        try (Journal journal = Journal.open(dir, TestJournals.DEFAULTS)) {
            List<JournalRecord> records = journal.recoveredRecords();
            assertThat(records).hasSameSizeAs(expected).hasSizeGreaterThan(50);
            for (int i = 0; i < records.size(); i++) {
                assertThat(records.get(i).payload()).as("record %d", i).isEqualTo(expected.get(i));
            }
            try (ServiceRegistry restarted = new ServiceRegistry(memory, journal, true, Duration.ofSeconds(30))) {
                assertThat(restarted.byName()).isEqualTo(last);
            }
        }
    }

    /**
     * Some of 20 names, in a random order, over a shuffle of 24 keys (so held services often move to a key
     * another one leaves), with 0 to 3 backends: many are unchanged from one round to the next, some not.
     */
    private static List<ServiceConfig> desired(Random random, int round) {
        List<ServiceKey> keys = new ArrayList<>();
        for (int k = 0; k < 24; k++) {
            keys.add(tcp("192.0.2." + (k + 1), 80));
        }
        Collections.shuffle(keys, random);
        List<ServiceConfig> desired = new ArrayList<>();
        for (int n = 0; n < 20; n++) {
            if (random.nextInt(10) < 7) {
                // A name keeps its key and backends most rounds, so many entries are unchanged
                boolean moves = random.nextInt(4) == 0;
                ServiceKey key = moves ? keys.get(n) : tcp("198.51.100." + (n + 1), 80);
                int count = random.nextInt(3) == 0 ? random.nextInt(4) : 2;
                List<Backend> backends = new ArrayList<>();
                for (int b = 0; b < count; b++) {
                    backends.add(backend("10.0." + n + "." + (b + 1), 8080, moves ? 1 + (round + b) % 2 : 1));
                }
                desired.add(new ServiceConfig("name-" + n, key, backends, new TreeMap<>()));
            }
        }
        Collections.shuffle(desired, random);
        return desired;
    }
}
