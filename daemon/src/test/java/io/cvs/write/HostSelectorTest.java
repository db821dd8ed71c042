package io.cvs.write;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.address.AddressProperties;
import io.cvs.address.LocalAddresses;
import io.cvs.api.BackendSpec;
import io.cvs.api.ServiceRequest;
import io.cvs.datapath.Capacity;
import io.cvs.datapath.CapacityPolicy;
import io.cvs.datapath.MemoryDatapath;
import io.cvs.flows.FlowMetrics;
import io.cvs.journal.Journal;
import io.cvs.journal.JournalOptions;
import io.cvs.ownership.MapOwnership;
import io.cvs.service.HostLabels;
import io.cvs.service.HostSelector;
import io.cvs.service.Precondition;
import io.cvs.service.Service;
import io.cvs.service.ServiceConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A service's {@code hosts} selector on one host: the host's labels decide whether its maps hold the service; the
 * desired state (and the journal) hold it either way. And fleet changes carry their revision through the journal.
 */
class HostSelectorTest {

    private static final JournalOptions OPTIONS = new JournalOptions(1000, 1 << 20, false);
    private static final HostLabels ZONE_A = HostLabels.of(Map.of("zone", "a", "rack", "7"));

    @TempDir
    Path dir;

    private final MemoryDatapath maps = new MemoryDatapath(new Capacity(16, 64, 8, 16), null);

    @Test
    void aServiceForOtherHostsIsKeptButNotForwardedAndMovesInWhenItSelectsThisHost() {
        try (Journal journal = Journal.open(dir, OPTIONS);
                ServiceRegistry registry = registry(journal, ZONE_A)) {
            registry.firstReconcile().join();
            Service here = registry.create(config("here", "198.51.100.1", Map.of("zone", "a")));
            Service elsewhere = registry.create(config("elsewhere", "198.51.100.2", Map.of("zone", "b")));
            Service everywhere = registry.create(config("everywhere", "198.51.100.3", Map.of()));

            assertThat(registry.byName()).containsOnlyKeys("here", "elsewhere", "everywhere");
            assertThat(maps.services()).containsExactlyInAnyOrder(here.key(), everywhere.key());

            registry.update(elsewhere.id(), Precondition.NONE,
                    s -> s.content().withHosts(HostSelector.matching(Map.of("rack", "7"))));
            assertThat(maps.services()).contains(elsewhere.key());

            registry.update(here.id(), Precondition.NONE,
                    s -> s.content().withHosts(HostSelector.matching(Map.of("zone", "a", "rack", "8"))));
            assertThat(maps.services()).doesNotContain(here.key()).hasSize(2);
            assertThat(registry.reconcile().removed()).isZero();
        }
    }

    @Test
    void aRestartRestoresSelectorsAndTheLastFleetRevisionAndForwardsOnlyWhatSelectsIt() {
        Service a = new Service("svc-a", 11, config("a", "198.51.100.1", Map.of("zone", "a")));
        Service b = new Service("svc-b", 12, config("b", "198.51.100.2", Map.of("zone", "b")));
        try (Journal journal = Journal.open(dir, OPTIONS);
                ServiceRegistry registry = registry(journal, ZONE_A)) {
            registry.firstReconcile().join();
            registry.applyFromFleet(12, List.of(a, b), List.of()).join();
            assertThat(registry.appliedRevision()).isEqualTo(12);
            assertThat(registry.byName()).as("b selects other hosts: removed here in fleet mode")
                    .containsOnlyKeys("a");
            registry.applyFromFleet(15, List.of(), List.of("svc-unknown")).join();
            assertThat(registry.appliedRevision()).as("a revision that changes nothing here").isEqualTo(15);
        }
        List.copyOf(maps.services()).forEach(maps::remove);
        try (Journal journal = Journal.open(dir, OPTIONS);
                ServiceRegistry restored = registry(journal, ZONE_A)) {
            restored.firstReconcile().join();
            assertThat(restored.appliedRevision()).isEqualTo(15);
            assertThat(restored.byName().get("a")).isEqualTo(a);
            assertThat(maps.services()).containsExactly(a.key());
        }
    }

    @Test
    void theJournalWritesFormatFiveUnlessAServiceNamesItsHostsOrTheRecordHasARevision() {
        Service plain = new Service("svc-p", 1, config("p", "198.51.100.1", Map.of()));
        Service named = new Service("svc-n", 1, config("n", "198.51.100.2", Map.of("zone", "a")));

        assertThat(JournalCodec.state(List.of(plain))[0]).isEqualTo((byte) 5);
        assertThat(JournalCodec.state(List.of(plain, named))[0]).isEqualTo((byte) 6);
        assertThat(JournalCodec.change(new JournalCodec.Change(List.of(), List.of("x"), 9))[0]).isEqualTo((byte) 6);
        assertThat(JournalCodec.readStateAndRevision(JournalCodec.state(List.of(plain, named), 42)))
                .isEqualTo(new JournalCodec.State(List.of(plain, named), 42));
        JournalCodec.Change change = new JournalCodec.Change(List.of(named), List.of("svc-x"), 7);
        assertThat(JournalCodec.readChange(JournalCodec.change(change))).isEqualTo(change);
    }

    private ServiceRegistry registry(Journal journal, HostLabels host) {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        return new ServiceRegistry(maps, journal, CapacityPolicy.FIXED, true, Duration.ofSeconds(30),
                new WriteMetrics(meters), new FlowMetrics(meters),
                new AddressChecks(AddressProperties.DEFAULTS, LocalAddresses.none()), new MapOwnership(), false,
                host);
    }

    private static ServiceConfig config(String name, String vip, Map<String, String> hosts) {
        return new ServiceRequest(name, vip, 80, "TCP", List.of(new BackendSpec("10.0.0.1", 8080, 1)), Map.of(),
                null, null, null, null, null, hosts.isEmpty() ? null : new ServiceRequest.Hosts(hosts))
                .toConfig("");
    }
}
