package io.cvs.write;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.api.BackendSpec;
import io.cvs.api.HealthCheckSpec;
import io.cvs.api.ServiceRequest;
import io.cvs.datapath.Capacity;
import io.cvs.datapath.MemoryDatapath;
import io.cvs.datapath.ServiceKey;
import io.cvs.journal.Journal;
import io.cvs.journal.TestJournals;
import io.cvs.service.BackendKey;
import io.cvs.service.OnBackendRemoval;
import io.cvs.service.Precondition;
import io.cvs.service.Service;
import io.cvs.service.ServiceConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Which changes sweep flows (the memory datapath records each sweep and its reset list): the writes and verdicts
 * that make a backend leave, and the first reconcile of a start; not those that leave every backend where it was.
 */
class FlowSweepTriggersTest {

    private final MemoryDatapath memory = new MemoryDatapath(new Capacity(8, 32, 8, 64), null);
    private final Path journalDir = TestJournals.freshDir("flow-sweep-triggers");
    private Journal journal = Journal.open(journalDir, TestJournals.DEFAULTS);
    private ServiceRegistry registry = new ServiceRegistry(memory, journal, true, Duration.ofSeconds(30));

    @BeforeEach
    void started() {
        registry.firstReconcile().join();
        settle();
    }

    @AfterEach
    void close() {
        registry.close();
        journal.close();
    }

    private static ServiceConfig web(String policy, boolean checked, int... weights) {
        List<BackendSpec> backends = new ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            backends.add(new BackendSpec("10.0.0." + (i + 1), 8080, weights[i]));
        }
        HealthCheckSpec check = checked ? new HealthCheckSpec("TCP", null, null, null, null, null, "UP", "FAIL_OPEN",
                null, null, null, null) : null;
        return new ServiceRequest("web", "192.0.2.1", 80, "TCP", backends, Map.of(), check, policy).toConfig("");
    }

    /** Waits for the sweeps asked for so far (verdicts queue behind a reconcile, which runs after them). */
    private void settle() {
        registry.reconcile();
        try {
            assertThat(registry.flowSweeper().awaitIdle(Duration.ofSeconds(10))).isTrue();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private int sweeps() {
        settle();
        return memory.sweeps().size();
    }

    private Service update(Service service, ServiceConfig config) {
        return registry.update(service.id(), Precondition.NONE, s -> config).after();
    }

    @Test
    void theFirstReconcileOfAStartSweepsOnce() {
        assertThat(memory.sweeps()).as("after the first reconcile; later ones that change nothing do not")
                .containsExactly(Set.of());
        assertThat(sweeps()).isEqualTo(1);
    }

    @Test
    void removingABackendSweepsButAddingOneOrChangingWeightsDoesNot() {
        Service web = registry.create(web(null, false, 1, 1));
        assertThat(sweeps()).as("created").isEqualTo(1);
        web = update(web, web(null, false, 1, 1, 1));
        web = update(web, web(null, false, 5, 1, 1));
        assertThat(sweeps()).as("added, reweighted").isEqualTo(1);

        update(web, web(null, false, 5, 1));
        assertThat(sweeps()).as("removed").isEqualTo(2);
    }

    @Test
    void drainingABackendKeepsItsFlowsSoDoesNotSweep() {
        Service web = registry.create(web(null, false, 1, 1));

        update(web, web(null, false, 1, 0));

        assertThat(sweeps()).isEqualTo(1);
    }

    @Test
    void deletingAServiceSweepsWithItsResetPolicyAndReplacingAllSweepsTheOnesItDrops() {
        Service web = registry.create(web("RESET", false, 1));
        ServiceKey key = web.key();
        assertThat(sweeps()).isEqualTo(1);

        registry.delete(web.id(), Precondition.NONE);
        assertThat(sweeps()).isEqualTo(2);
        assertThat(memory.sweeps().get(1)).as("the deleted service's TCP too").containsExactly(key);

        registry.create(web(null, false, 1));
        registry.replaceAll(List.of(), false);
        assertThat(sweeps()).isEqualTo(3);
        assertThat(memory.sweeps().get(2)).as("a KEEP service's TCP stays").isEmpty();
    }

    @Test
    void theResetListIsTheResetServicesWhenTheSweepRuns() {
        Service web = registry.create(web("RESET", false, 1, 1));

        update(web, web("RESET", false, 1));

        assertThat(sweeps()).isEqualTo(2);
        assertThat(memory.sweeps().get(1)).containsExactly(web.key());
        assertThat(registry.get(web.id()).content().onBackendRemoval()).isEqualTo(OnBackendRemoval.RESET);
    }

    @Test
    void aBackendGoingDownSweepsAndComingBackDoesNot() {
        Service web = registry.create(web(null, true, 1, 1));
        assertThat(sweeps()).isEqualTo(1);

        registry.healthChanged(web.id(), BackendKey.parse("10.0.0.2:8080"), false);
        assertThat(sweeps()).as("down").isEqualTo(2);

        registry.healthChanged(web.id(), BackendKey.parse("10.0.0.2:8080"), true);
        assertThat(sweeps()).as("up").isEqualTo(2);
    }

    @Test
    void oneBackendComingBackWhileAllWereDownFailOpenSweepsTheOthersItTakesOut() {
        Service web = registry.create(web(null, true, 1, 1));
        registry.healthChanged(web.id(), BackendKey.parse("10.0.0.1:8080"), false);
        assertThat(sweeps()).as("one down").isEqualTo(2);
        registry.healthChanged(web.id(), BackendKey.parse("10.0.0.2:8080"), false);
        assertThat(sweeps()).as("all down, FAIL_OPEN: all in rotation again").isEqualTo(2);

        registry.healthChanged(web.id(), BackendKey.parse("10.0.0.2:8080"), true);

        assertThat(sweeps()).as("10.0.0.1 leaves rotation again").isEqualTo(3);
    }

    @Test
    void aRestartSweepsOnceMoreAfterItsFirstReconcile() {
        registry.create(web(null, false, 1));
        assertThat(sweeps()).isEqualTo(1);
        registry.close();
        journal.close();

        journal = Journal.open(journalDir, TestJournals.DEFAULTS);
        registry = new ServiceRegistry(memory, journal, true, Duration.ofSeconds(30));
        registry.firstReconcile().join();

        assertThat(sweeps()).isEqualTo(2);
    }
}
