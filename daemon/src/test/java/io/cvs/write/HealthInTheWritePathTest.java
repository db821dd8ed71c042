package io.cvs.write;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.api.BackendSpec;
import io.cvs.api.HealthCheckSpec;
import io.cvs.api.ServiceRequest;
import io.cvs.datapath.Backend;
import io.cvs.datapath.Capacity;
import io.cvs.datapath.MemoryDatapath;
import io.cvs.journal.Journal;
import io.cvs.journal.TestJournals;
import io.cvs.service.BackendKey;
import io.cvs.service.Precondition;
import io.cvs.service.Service;
import io.cvs.service.ServiceConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Health verdicts reach the maps through the committer, like writes, without being journaled: a down backend is
 * held with its weight and marked down (no share of the selection), every backend down follows the service's
 * policy, and a restart keeps what the maps show.
 */
class HealthInTheWritePathTest {

    private final MemoryDatapath memory = new MemoryDatapath(new Capacity(8, 32, 8, 64), null);
    private final Path journalDir = TestJournals.freshDir("health-write-path");
    private Journal journal = Journal.open(journalDir, TestJournals.DEFAULTS);
    private ServiceRegistry registry = new ServiceRegistry(memory, journal, true, Duration.ofSeconds(30));

    @AfterEach
    void close() {
        registry.close();
        journal.close();
    }

    private static ServiceConfig config(String whenAllDown, String initialState, int... weights) {
        List<BackendSpec> backends = new ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            backends.add(new BackendSpec("10.0.0." + (i + 1), 8080, weights[i]));
        }
        HealthCheckSpec check = new HealthCheckSpec("TCP", null, null, null, null, null, initialState, whenAllDown,
                null, null, null, null);
        return new ServiceRequest("web", "192.0.2.1", 80, "TCP", backends, Map.of(), check).toConfig("");
    }

    private static BackendKey key(int i) {
        return BackendKey.parse("10.0.0." + i + ":8080");
    }

    /** What the maps hold for the service, after every verdict queued so far (a reconcile queues behind them). */
    private List<Backend> inMaps(Service service) {
        registry.reconcile();
        return memory.backends(service.key()).orElseThrow();
    }

    /** The weight each backend has in the selection: its own, or 0 while it is down. */
    private List<Integer> weightsInMaps(Service service) {
        return inMaps(service).stream().map(b -> b.down() ? 0 : b.weight()).toList();
    }

    @Test
    void aDownBackendKeepsItsWeightMarkedDownAndComesBack() {
        Service web = registry.create(config("FAIL_OPEN", "UP", 2, 3, 5));

        registry.healthChanged(web.id(), key(2), false);
        assertThat(inMaps(web)).extracting(Backend::weight).containsExactly(2, 3, 5);
        assertThat(inMaps(web)).extracting(Backend::down).containsExactly(false, true, false);
        assertThat(registry.get(web.id()).backends()).extracting(Backend::down).containsOnly(false);

        registry.healthChanged(web.id(), key(2), true);
        assertThat(inMaps(web)).extracting(Backend::down).containsOnly(false);
    }

    @Test
    void aDrainedBackendThatGoesDownIsMarkedDownSoItsFlowsAreSwept() {
        Service web = registry.create(config("FAIL_OPEN", "UP", 1, 0));

        registry.healthChanged(web.id(), key(2), false);

        assertThat(inMaps(web)).extracting(Backend::down).containsExactly(false, true);
    }

    @Test
    void allDownFailOpenSelectsFromAllAsConfigured() {
        Service web = registry.create(config("FAIL_OPEN", "UP", 1, 1));
        registry.healthChanged(web.id(), key(1), false);
        registry.healthChanged(web.id(), key(2), false);

        assertThat(weightsInMaps(web)).containsExactly(1, 1);
        assertThat(registry.down().allDown(registry.get(web.id()))).isTrue();
    }

    @Test
    void allDownFailClosedSelectsNone() {
        Service web = registry.create(config("FAIL_CLOSED", "UP", 1, 1));
        registry.healthChanged(web.id(), key(1), false);
        assertThat(weightsInMaps(web)).containsExactly(0, 1);
        registry.healthChanged(web.id(), key(2), false);

        assertThat(weightsInMaps(web)).containsExactly(0, 0);
    }

    @Test
    void aServiceDrainedByConfigurationIsNotAllDown() {
        Service drained = registry.create(config("FAIL_CLOSED", "UP", 0, 0));
        registry.healthChanged(drained.id(), key(1), false);

        assertThat(weightsInMaps(drained)).containsExactly(0, 0);
        assertThat(registry.down().allDown(registry.get(drained.id()))).isFalse();
    }

    @Test
    void newBackendsStartInTheCheckInitialState() {
        Service web = registry.create(config("FAIL_CLOSED", "DOWN", 1, 1));
        assertThat(weightsInMaps(web)).containsExactly(0, 0);
        registry.healthChanged(web.id(), key(1), true);

        Service grown = registry.update(web.id(), Precondition.NONE, s -> config("FAIL_CLOSED", "DOWN", 1, 1, 4))
                .after();

        assertThat(weightsInMaps(grown)).as("the up backend keeps its state; the new one starts down")
                .containsExactly(1, 0, 0);
    }

    @Test
    void removingTheCheckPutsEveryBackendBack() {
        Service web = registry.create(config("FAIL_OPEN", "UP", 1, 1));
        registry.healthChanged(web.id(), key(1), false);
        assertThat(weightsInMaps(web)).containsExactly(0, 1);

        registry.update(web.id(), Precondition.NONE, s -> s.content().withHealthCheck(null));

        assertThat(weightsInMaps(web)).containsExactly(1, 1);
        assertThat(registry.down().count()).isZero();
    }

    @Test
    void verdictsOnGoneBackendsOrServicesAreIgnored() {
        Service web = registry.create(config("FAIL_OPEN", "UP", 1, 1));
        registry.healthChanged(web.id(), key(9), false);
        registry.healthChanged("svc-0000000000", key(1), false);

        assertThat(weightsInMaps(web)).containsExactly(1, 1);
        assertThat(registry.down().count()).isZero();
    }

    @Test
    void healthIsNotJournaledButARestartKeepsWhatTheMapsShow() {
        Service web = registry.create(config("FAIL_OPEN", "UP", 1, 1, 1));
        registry.healthChanged(web.id(), key(3), false);
        assertThat(weightsInMaps(web)).containsExactly(1, 1, 0);
        long journaled = journal.status().lastSeq();

        registry.close();
        journal.close();
        journal = Journal.open(journalDir, TestJournals.DEFAULTS);
        registry = new ServiceRegistry(memory, journal, true, Duration.ofSeconds(30));
        registry.firstReconcile().join();

        assertThat(journaled).as("one record: the create").isEqualTo(1);
        assertThat(weightsInMaps(web)).containsExactly(1, 1, 0);
        assertThat(registry.down().isDown(web.id(), key(3))).isTrue();
    }
}
