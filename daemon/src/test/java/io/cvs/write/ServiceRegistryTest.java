package io.cvs.write;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cvs.api.BackendSpec;
import io.cvs.api.ServiceRequest;
import io.cvs.datapath.Capacity;
import io.cvs.datapath.MemoryDatapath;
import io.cvs.journal.Journal;
import io.cvs.journal.TestJournals;
import io.cvs.reconcile.ReconcileResult;
import io.cvs.service.Precondition;
import io.cvs.service.Service;
import io.cvs.service.ServiceConfig;
import io.cvs.service.ServiceRef;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.web.ErrorResponseException;

/** The desired state: versions, conflicts, room checked before anything changes, and undo on datapath failure. */
class ServiceRegistryTest {

    /** Capacity: 3 services, 6 backends, 4 per service. */
    private final MemoryDatapath memory = new MemoryDatapath(new Capacity(3, 6, 4, 16), null);
    private final DatapathFailingOnce datapath = new DatapathFailingOnce(memory);
    private final Journal journal = TestJournals.open("registry");
    private final ServiceRegistry registry = new ServiceRegistry(datapath, journal, true, Duration.ofSeconds(30));

    @AfterEach
    void close() {
        registry.close();
        journal.close();
    }

    private static ServiceConfig config(String name, String vip, int backends) {
        List<BackendSpec> specs = new ArrayList<>();
        for (int i = 1; i <= backends; i++) {
            specs.add(new BackendSpec("10.0.0." + i, 8080, 1));
        }
        return new ServiceRequest(name, vip, 80, "TCP", specs, Map.of()).toConfig("");
    }

    @Test
    void createAssignsAnOpaqueIdAndVersionOneAndAppliesTheDatapath() {
        Service web = registry.create(config("web", "192.0.2.1", 2));

        assertThat(web.id()).matches("svc-[0-9a-z]{10}");
        assertThat(web.etag()).isEqualTo("\"1\"");
        assertThat(memory.backends(web.key())).contains(web.backends());
        assertThat(registry.byName()).containsOnlyKeys("web");
    }

    @Test
    void eachChangeGrowsTheVersionAndAChangeOfNothingKeepsIt() {
        Service web = registry.create(config("web", "192.0.2.1", 1));

        Service changed = registry.update(web.id(), Precondition.NONE, s -> config("web", "192.0.2.1", 2)).after();
        Service same = registry.update(web.id(), Precondition.NONE, s -> config("web", "192.0.2.1", 2)).after();

        assertThat(changed.version()).isEqualTo(2);
        assertThat(same).isSameAs(changed);
    }

    @Test
    void aTakenNameOrAddressIsAConflictAndChangesNothing() {
        Service web = registry.create(config("web", "192.0.2.1", 1));

        assertProblem(() -> registry.create(config("web", "192.0.2.2", 1)), 409, "name-taken");
        assertProblem(() -> registry.create(config("api", "192.0.2.1", 1)), 409, "address-taken");
        assertThat(registry.byName().values()).containsExactly(web);
        assertThat(memory.services()).containsExactly(web.key());
    }

    @Test
    void aStaleIfMatchIs412WithTheCurrentTag() {
        Service web = registry.create(config("web", "192.0.2.1", 1));

        assertThatThrownBy(() -> registry.delete(web.id(), Precondition.ifMatch("\"7\", W/\"1\"")))
                .isInstanceOfSatisfying(ErrorResponseException.class, e -> {
                    assertThat(e.getStatusCode().value()).isEqualTo(412);
                    assertThat(e.getBody().getProperties()).containsEntry("currentEtag", "\"1\"");
                });
        registry.delete(web.id(), Precondition.ifMatch("\"1\""));
        assertThat(registry.byName()).isEmpty();
        assertThat(memory.services()).isEmpty();
    }

    @Test
    void tooManyBackendsAndNoRoomAreRefusedBeforeAnythingChanges() {
        registry.create(config("a", "192.0.2.1", 4));
        registry.create(config("b", "192.0.2.2", 2));

        assertProblem(() -> registry.create(config("c", "192.0.2.3", 5)), 409, "too-many-backends");
        assertProblem(() -> registry.create(config("c", "192.0.2.3", 1)), 507, "capacity-exhausted");
        assertThat(registry.byName()).containsOnlyKeys("a", "b");
        assertThat(memory.status().usage().backends()).isEqualTo(6);
    }

    @Test
    void aDatapathFailureAfterTheJournalKeepsTheChangeDesiredUntilTheReconcilerAppliesIt() {
        Service web = registry.create(config("web", "192.0.2.1", 1));
        datapath.failAfter(0);

        assertThatThrownBy(() -> registry.update(web.id(), Precondition.NONE, s -> config("web", "192.0.2.9", 2)))
                .isInstanceOfSatisfying(ErrorResponseException.class, e -> {
                    assertThat(e.getStatusCode().value()).isEqualTo(500);
                    assertThat(e.getBody().getDetail()).contains("saved in the journal", "reconciler");
                });
        Service desired = registry.find(web.id()).orElseThrow();
        assertThat(desired.version()).isEqualTo(2);
        assertThat(memory.services()).as("the failed step was undone").containsExactly(web.key());

        ReconcileResult result = registry.reconcile();

        assertThat(result.added()).isEqualTo(1);
        assertThat(result.removed()).isEqualTo(1);
        assertThat(memory.services()).containsExactly(desired.key());
        assertThat(memory.backends(desired.key())).contains(desired.backends());
    }

    @Test
    void bulkCreatesUpdatesDeletesAndKeepsTheUnchanged() {
        Service a = registry.create(config("a", "192.0.2.1", 1));
        Service b = registry.create(config("b", "192.0.2.2", 1));
        registry.create(config("c", "192.0.2.3", 1));

        ApplyResult result = registry.replaceAll(List.of(config("a", "192.0.2.1", 1), config("b", "192.0.2.2", 2),
                config("d", "192.0.2.4", 1)), false);

        assertThat(result.unchanged()).containsExactly(ServiceRef.of(a));
        assertThat(result.updated()).containsExactly(new ServiceRef(b.id(), "b"));
        assertThat(result.deleted()).extracting(ServiceRef::name).containsExactly("c");
        assertThat(result.created()).extracting(ServiceRef::name).containsExactly("d");
        assertThat(registry.byName()).containsOnlyKeys("a", "b", "d");
        assertThat(memory.services()).hasSize(3);
    }

    @Test
    void bulkMaySwapAddressesBetweenServices() {
        Service a = registry.create(config("a", "192.0.2.1", 1));
        Service b = registry.create(config("b", "192.0.2.2", 2));

        registry.replaceAll(List.of(config("a", "192.0.2.2", 1), config("b", "192.0.2.1", 2)), false);

        assertThat(memory.backends(a.key())).contains(registry.find(b.id()).orElseThrow().backends());
        assertThat(memory.backends(b.key())).contains(registry.find(a.id()).orElseThrow().backends());
    }

    @Test
    void aDryRunChangesNothingAndGivesNoIdToWhatItWouldCreate() {
        registry.create(config("a", "192.0.2.1", 1));

        ApplyResult result = registry.replaceAll(List.of(config("b", "192.0.2.2", 1)), true);

        assertThat(result.dryRun()).isTrue();
        assertThat(result.created()).containsExactly(new ServiceRef(null, "b"));
        assertThat(registry.byName()).containsOnlyKeys("a");
        assertThat(memory.services()).hasSize(1);
    }

    @Test
    void bulkWithoutRoomForTheNewSetIs507AndChangesNothing() {
        registry.create(config("a", "192.0.2.1", 1));

        assertProblem(() -> registry.replaceAll(List.of(config("a", "192.0.2.1", 1), config("b", "192.0.2.2", 4),
                config("c", "192.0.2.3", 4)), false), 507, "capacity-exhausted");
        assertThat(registry.byName()).containsOnlyKeys("a");
        assertThat(memory.status().usage().backends()).isEqualTo(1);
    }

    @Test
    void aBulkFailingMidwayInTheDatapathUndoesItsStepsAndTheNextReconcileAppliesItWhole() {
        Service a = registry.create(config("a", "192.0.2.1", 1));
        Service b = registry.create(config("b", "192.0.2.2", 1));
        datapath.failAfter(1);

        assertProblem(() -> registry.replaceAll(List.of(config("a", "192.0.2.1", 2), config("c", "192.0.2.3", 1)),
                false), 500, "internal");
        assertThat(memory.services()).as("the steps done were undone").containsExactlyInAnyOrder(a.key(), b.key());
        assertThat(memory.backends(a.key())).contains(a.backends());
        assertThat(registry.byName()).containsOnlyKeys("a", "c");

        registry.reconcile();

        assertThat(memory.services()).containsExactlyInAnyOrderElementsOf(
                registry.byName().values().stream().map(Service::key).toList());
        registry.byName().values().forEach(s -> assertThat(memory.backends(s.key())).contains(s.backends()));
    }

    @Test
    void concurrentCreatesOfOneNameLetExactlyOneWin() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> calls = new ArrayList<>();
        try {
            for (int i = 1; i <= 8; i++) {
                String vip = "192.0.2." + i;
                calls.add(pool.submit(() -> registry.create(config("web", vip, 1))));
            }
            int won = 0;
            for (Future<?> call : calls) {
                try {
                    call.get();
                    won++;
                } catch (ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(ErrorResponseException.class);
                }
            }
            assertThat(won).isEqualTo(1);
        } finally {
            pool.shutdown();
        }
        assertThat(memory.services()).containsExactly(registry.byName().get("web").key());
    }

    private static void assertProblem(Runnable call, int status, String type) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(ErrorResponseException.class, e -> {
            assertThat(e.getStatusCode().value()).isEqualTo(status);
            assertThat(e.getBody().getType().toString()).isEqualTo("urn:cvs:problem:" + type);
        });
    }
}
