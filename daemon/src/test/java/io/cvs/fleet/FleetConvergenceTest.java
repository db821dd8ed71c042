package io.cvs.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.cvs.api.BackendSpec;
import io.cvs.api.ServiceRequest;
import io.cvs.fleet.store.StoreOp;
import io.cvs.service.HostSelector;
import io.cvs.service.Precondition;
import io.cvs.service.Service;
import io.cvs.service.ServiceConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.http.HttpHeaders;
import org.springframework.web.ErrorResponseException;

/**
 * Fleet mode's writer and convergence on the in-memory fake of the store, two hosts in this JVM on the memory
 * datapath: writes become store commits that come back to every host through the watch; the store's verdicts are
 * the API's problems; an outage, a compaction and a restart end in the store's state everywhere.
 */
class FleetConvergenceTest {

    private static final Duration SOON = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private final InMemoryFleetStore store = new InMemoryFleetStore(12);
    private FakeFleetHost a;
    private FakeFleetHost b;

    @AfterEach
    void close() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
        store.close();
    }

    private void twoHosts() {
        a = new FakeFleetHost(store, dir.resolve("a"), "a", Map.of("zone", "a"));
        b = new FakeFleetHost(store, dir.resolve("b"), "b", Map.of("zone", "b"));
    }

    @Test
    void aCreateOnOneHostIsInTheOthersMapsAndItsVersionIsTheStoresRevision() {
        twoHosts();
        Service web = a.writer.create(config("web", "198.51.100.1", 1));

        assertThat(web.version()).isEqualTo(store.get(web.id()).modRevision());
        assertThat(a.registry.get(web.id())).as("read after write on the writer's host").isEqualTo(web);
        await().atMost(SOON).until(() -> b.maps.services().contains(web.key()));
        assertThat(b.registry.get(web.id())).isEqualTo(web);
        assertThat(b.registry.appliedRevision()).isGreaterThanOrEqualTo(web.version());
    }

    @Test
    void theSameIfMatchOnTwoHostsWinsOnceAndThe412NamesTheCurrentVersion() {
        twoHosts();
        Service web = a.writer.create(config("web", "198.51.100.1", 1));
        await().atMost(SOON).until(() -> b.registry.byName().containsKey("web"));
        Precondition seen = Precondition.ifMatch(web.etag());

        Service won = a.writer.update(web.id(), seen, s -> config("web", "198.51.100.1", 2)).after();
        assertProblem(() -> b.writer.update(web.id(), seen, s -> config("web", "198.51.100.1", 3)), 412,
                "precondition-failed");
        assertProblem(() -> b.writer.delete(web.id(), seen), 412, "precondition-failed");

        await().atMost(SOON).until(() -> won.equals(b.registry.byName().get("web")));
    }

    @Test
    void aNameOrAddressTakenOnAnotherHostIsA409EvenBeforeThisHostHeardOfIt() {
        a = new FakeFleetHost(store, dir.resolve("a"), "a", Map.of("zone", "a"));
        // b forwards nothing of zone a: its local state never holds web, only the store's claims know it
        b = new FakeFleetHost(store, dir.resolve("b"), "b", Map.of("zone", "b"));
        a.writer.create(config("web", "198.51.100.1", 1).withHosts(HostSelector.matching(
                Map.of("zone", "a"))));

        assertProblem(() -> b.writer.create(config("web", "198.51.100.2", 1)), 409, "name-taken");
        assertProblem(() -> b.writer.create(config("api", "198.51.100.1", 1)), 409, "address-taken");
        assertThat(b.registry.byName()).isEmpty();
    }

    @Test
    void aSelectorKeepsAServiceOnItsHostsOnlyAndAChangeOfSelectorMovesIt() {
        twoHosts();
        ServiceConfig zoneA = config("web", "198.51.100.1", 1)
                .withHosts(HostSelector.matching(Map.of("zone", "a")));
        Service web = b.writer.create(zoneA);
        await().atMost(SOON).until(() -> a.maps.services().contains(web.key()));
        assertThat(b.maps.services()).isEmpty();
        assertThat(b.registry.byName()).as("removed here, not from the store").isEmpty();

        b.writer.update(web.id(), Precondition.NONE, s -> s.content()
                .withHosts(HostSelector.matching(Map.of("zone", "b"))));
        await().atMost(SOON).until(() -> b.maps.services().contains(web.key()) && a.maps.services().isEmpty());
    }

    @Test
    void aBulkLargerThanOneTransactionIsCommittedInChunksAndConvergesEverywhere() {
        twoHosts();
        List<ServiceConfig> ten = IntStream.range(1, 11)
                .mapToObj(i -> config("s" + i, "198.51.100." + i, 1)).toList();

        var result = a.writer.replaceAll(ten, false);

        assertThat(result.created()).hasSize(10);
        assertThat(store.commits()).isEqualTo(3);
        await().atMost(SOON).until(() -> b.maps.services().size() == 10);
        a.writer.replaceAll(ten.subList(0, 3), false);
        await().atMost(SOON).until(() -> b.maps.services().size() == 3 && a.maps.services().size() == 3);
    }

    @Test
    void aBulksChunksAreCommittedConcurrentlyAndARefusedOneStopsTheRestAnd409s() {
        twoHosts();
        // 160 creations, 40 chunks of 4; each commit takes 20 ms, so that chunks in flight overlap.
        List<ServiceConfig> many = IntStream.range(0, 160).mapToObj(i -> config("s" + i,
                (i < 80 ? "198.51.100." : "203.0.113.") + (1 + i % 80), 1)).toList();
        String[] intruded = new String[1];
        store.beforeCommit((number, ops) -> {
            sleep(20);
            if (number == 3) {
                // Another host takes the name of this chunk's first service between the plan and the commit.
                StoreOp.Put victim = (StoreOp.Put) ops.get(0);
                String nameClaim = victim.claims().stream().filter(c -> c.startsWith("name:")).findFirst()
                        .orElseThrow();
                intruded[0] = nameClaim;
                store.commitUncounted(List.of(new StoreOp.Put("intruder", victim.value(), new StoreOp.Expect.Absent(),
                        Set.of(nameClaim), Set.of())));
            }
        });

        ErrorResponseException refused = assertProblem(() -> a.writer.replaceAll(many, false), 409, "name-taken");

        assertThat(refused.getBody().getDetail()).contains("intruder");
        assertThat(store.commitsInProgress()).as("the chunks in flight ended before the answer").isZero();
        assertThat(store.mostConcurrentCommits()).isGreaterThan(1).isLessThanOrEqualTo(FakeFleetHost.BULK_CONCURRENCY);
        // No chunk issued after the refusal was seen: at most those in flight then, far from all 40.
        assertThat(store.commits()).isLessThanOrEqualTo(3 + 2 * FakeFleetHost.BULK_CONCURRENCY);
        // What committed stays committed: every chunk but the refused one, 4 services each, and the intruder.
        assertThat(store.snapshot().services()).hasSize(1 + 4 * (store.commits() - 1));
        assertThat(intruded[0]).isNotNull();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aBulkOnAHostMeansTheWholeFleetsStateNotWhatThisHostForwards() {
        twoHosts();
        ServiceConfig zoneA = config("zoned", "198.51.100.1", 1)
                .withHosts(HostSelector.matching(Map.of("zone", "a")));
        Service zoned = a.writer.create(zoneA);
        Service other = a.writer.create(config("other", "198.51.100.2", 1));
        await().atMost(SOON).until(() -> b.registry.byName().containsKey("other"));

        var dryRun = b.writer.replaceAll(List.of(zoneA.withBackends(config("x", "198.51.100.1", 2).backends())),
                true);
        assertThat(dryRun.updated()).extracting(r -> r.name()).containsExactly("zoned");
        assertThat(dryRun.deleted()).extracting(r -> r.name()).containsExactly("other");
        assertThat(store.get(other.id())).as("a dry run changes nothing").isNotNull();

        var result = b.writer.replaceAll(List.of(zoneA.withBackends(config("x", "198.51.100.1", 2).backends())),
                false);
        assertThat(result.updated()).extracting(r -> r.id()).containsExactly(zoned.id());
        assertThat(store.get(other.id())).isNull();
        await().atMost(SOON).until(() -> a.maps.backends(zoned.key()).map(List::size).orElse(0) == 2
                && a.maps.services().size() == 1 && b.maps.services().isEmpty());
    }

    @Test
    void whileTheStoreIsAwayWritesAre503WithRetryAfterReadsGoOnAndItsReturnResyncs() {
        twoHosts();
        Service web = a.writer.create(config("web", "198.51.100.1", 1));
        await().atMost(SOON).until(() -> b.registry.byName().containsKey("web"));

        store.available(false);
        ErrorResponseException refused = assertProblem(() -> a.writer.create(config("api", "198.51.100.2", 1)),
                503, "unavailable");
        assertThat(refused.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("3");
        await().atMost(SOON).until(() -> !b.status.reachable());
        assertThat(b.maps.services()).as("forwarding goes on").contains(web.key());
        assertThat(b.overview.overview().store().reachable()).isFalse();

        store.available(true);
        Service api = a.writer.create(config("api", "198.51.100.2", 1));
        await().atMost(SOON).until(() -> b.status.reachable() && b.maps.services().contains(api.key()));
        assertThat(b.restarts(FleetMetrics.Restart.OUTAGE) + b.restarts(FleetMetrics.Restart.BROKEN))
                .isGreaterThan(0);
    }

    @Test
    void aHostStoppedWhileTheStoreCompactedResyncsAndRemovesOnlyAfterTheSnapshot() {
        twoHosts();
        Service keep = a.writer.create(config("keep", "198.51.100.1", 1));
        Service drop = a.writer.create(config("drop", "198.51.100.2", 1));
        await().atMost(SOON).until(() -> b.maps.services().size() == 2);
        b.close();

        a.writer.delete(drop.id(), Precondition.NONE);
        Service taken = a.writer.create(config("taken", "198.51.100.2", 2));
        Service changed = a.writer.update(keep.id(), Precondition.NONE, s -> config("keep", "198.51.100.1", 3))
                .after();
        store.compact();

        b = new FakeFleetHost(store, dir.resolve("b"), "b", Map.of("zone", "b"), false);
        assertThat(b.maps.services()).as("the journal's state forwards before the store answers")
                .containsExactlyInAnyOrder(keep.key(), drop.key());
        b.sync.start();
        await().atMost(SOON).until(() -> changed.equals(b.registry.byName().get("keep"))
                && taken.equals(b.registry.byName().get("taken")) && !b.registry.byName().containsKey("drop"));
        assertThat(b.maps.backends(taken.key())).contains(taken.backends());
        assertThat(b.restarts(FleetMetrics.Restart.COMPACTED)).isEqualTo(1);
    }

    @Test
    void aRestartedHostWatchesFromItsJournalsRevisionAndCatchesUp() {
        twoHosts();
        a.writer.create(config("one", "198.51.100.1", 1));
        await().atMost(SOON).until(() -> b.registry.byName().containsKey("one"));
        long before = b.registry.appliedRevision();
        b.close();
        Service two = a.writer.create(config("two", "198.51.100.2", 1));

        b = new FakeFleetHost(store, dir.resolve("b"), "b", Map.of("zone", "b"));
        assertThat(b.registry.appliedRevision()).isEqualTo(before);
        await().atMost(SOON).until(() -> b.maps.services().contains(two.key()));
        assertThat(b.restarts(FleetMetrics.Restart.COMPACTED)).isZero();
    }

    @Test
    void theOverviewListsEveryHostAndAHostThatAppliedEverythingHasNoLag() {
        twoHosts();
        Service web = a.writer.create(config("web", "198.51.100.1", 1));
        await().atMost(SOON).until(() -> b.registry.appliedRevision() >= web.version());

        await().atMost(SOON).untilAsserted(() -> {
            FleetResponse view = b.overview.overview();
            assertThat(view.mode()).isEqualTo("fleet");
            assertThat(view.hosts()).extracting(FleetResponse.Host::hostId).containsExactly("a", "b");
            assertThat(view.hosts()).allSatisfy(h -> assertThat(h.ready()).isTrue());
            assertThat(view.applied().lagRevisions()).isLessThanOrEqualTo(2);
        });
    }

    static ServiceConfig config(String name, String vip, int backends) {
        List<BackendSpec> specs = IntStream.rangeClosed(1, backends)
                .mapToObj(i -> new BackendSpec("10.0.0." + i, 8080, 1)).toList();
        return new ServiceRequest(name, vip, 80, "TCP", specs, Map.of()).toConfig("");
    }

    private static ErrorResponseException assertProblem(Runnable call, int status, String type) {
        ErrorResponseException[] thrown = new ErrorResponseException[1];
        assertThatThrownBy(call::run).isInstanceOfSatisfying(ErrorResponseException.class, e -> {
            assertThat(e.getStatusCode().value()).isEqualTo(status);
            assertThat(e.getBody().getType().toString()).isEqualTo("urn:cvs:problem:" + type);
            thrown[0] = e;
        });
        return thrown[0];
    }
}
