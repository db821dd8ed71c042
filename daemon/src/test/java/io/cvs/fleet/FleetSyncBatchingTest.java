package io.cvs.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cvs.fleet.store.CommitResult;
import io.cvs.fleet.store.StoreOp;
import io.cvs.fleet.store.StoreOp.Expect;
import io.cvs.service.Service;
import io.cvs.service.ServiceConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a host takes in revisions that arrive together (a watch response of many transactions, or a backlog): as
 * one journaled change at the last revision, each service as its last event left it, and with one report to the
 * store rather than one per revision; the overview shows this host as it is, not as it last reported. On the in-memory fake of the store, which delivers a held-back backlog the
 * way etcd sends one in a watch response.
 */
class FleetSyncBatchingTest {

    private static final Duration SOON = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private final InMemoryFleetStore store = new InMemoryFleetStore(96);
    private final FleetCodec codec = new FleetCodec();
    private FakeFleetHost host;

    @AfterEach
    void close() {
        if (host != null) {
            host.close();
        }
        store.close();
    }

    @Test
    void revisionsDeliveredTogetherAreOneJournalRecordAtTheLastAndEachServiceAsItsLastEventLeftIt() {
        host = new FakeFleetHost(store, dir.resolve("b"), "b", Map.of());
        long web = create("web", "198.51.100.1", 1);
        long keep = create("keep", "198.51.100.2", 1);
        await().atMost(SOON).until(() -> host.applied.applied() >= keep);
        long recordsBefore = host.journal.lastSeq();

        store.holdWatches();
        long gone = create("gone", "198.51.100.3", 1);
        commit(put("keep", config("keep", "198.51.100.2", 3), new Expect.AtRevision(keep), Set.of()));
        commit(new StoreOp.Delete("web", new Expect.AtRevision(web), claims("web", "198.51.100.1")));
        // takes the name and address the delete released, as a service of its own
        create("web-again", config("web", "198.51.100.1", 2));
        long last = commit(new StoreOp.Delete("gone", new Expect.AtRevision(gone), claims("gone", "198.51.100.3")));
        assertThat(host.applied.applied()).isLessThan(last);
        store.releaseWatches();

        await().atMost(SOON).until(() -> host.applied.applied() >= last);
        assertThat(host.journal.lastSeq()).isEqualTo(recordsBefore + 1);
        assertThat(host.registry.appliedRevision()).isEqualTo(last);
        assertThat(host.registry.byName().values().stream().collect(Collectors.toMap(Service::id,
                s -> s.name() + " " + s.backends().size()))).isEqualTo(Map.of("keep", "keep 3", "web-again", "web 2"));
        assertThat(host.maps.services()).hasSize(2);

        // The one record restores all of it, and the restarted host watches from after the last revision.
        host.close();
        host = new FakeFleetHost(store, dir.resolve("b"), "b", Map.of(), false);
        assertThat(host.registry.appliedRevision()).isEqualTo(last);
        assertThat(host.registry.byName()).containsOnlyKeys("keep", "web");
    }

    @Test
    void aBurstOfAppliesIsReportedToTheStoreOnceItIsInNotOncePerRevision() {
        host = new FakeFleetHost(store, dir.resolve("b"), "b", Map.of());
        store.reportTakes(Duration.ofMillis(20));
        int reportsBefore = store.reports();

        long last = 0;
        for (int i = 1; i <= 200; i++) {
            last = create("s" + i, "198.51.100." + i, 1);
        }
        long lastCreate = last;
        await().atMost(SOON.multipliedBy(4)).until(() -> host.applied.applied() >= lastCreate);
        // The host's own report of the last revision follows its apply.
        await().atMost(SOON).until(() -> store.hosts().stream().anyMatch(h -> h.appliedRevision() >= lastCreate));

        // One report per apply would be 200; those asked for while one waits to run are that one.
        assertThat(store.reports() - reportsBefore).isLessThan(100);
    }

    @Test
    void theOverviewsRowOfThisHostIsWhatItAppliedNowNotItsLastReport() {
        host = new FakeFleetHost(store, dir.resolve("b"), "b", Map.of());
        long first = create("web", "198.51.100.1", 1);
        await().atMost(SOON).until(() -> store.hosts().stream().anyMatch(h -> h.appliedRevision() >= first));
        // Reports now lag far behind what the host applies.
        store.reportTakes(Duration.ofSeconds(3));
        long second = create("api", "198.51.100.2", 1);
        await().atMost(SOON).until(() -> host.applied.applied() >= second);

        FleetResponse.Host self = host.overview.overview().hosts().stream().filter(FleetResponse.Host::self)
                .findFirst().orElseThrow();
        assertThat(self.hostId()).isEqualTo("b");
        assertThat(self.appliedRevision()).isGreaterThanOrEqualTo(second);
        assertThat(store.hosts()).allSatisfy(h -> assertThat(h.appliedRevision()).isLessThan(second));
        store.reportTakes(Duration.ZERO);
    }

    private static Set<String> claims(String name, String vip) {
        return FleetCodec.claims(config(name, vip, 1));
    }

    private long create(String name, String vip, int backends) {
        return create(name, config(name, vip, backends));
    }

    private long create(String id, ServiceConfig config) {
        return commit(put(id, config, new Expect.Absent(), Set.of()));
    }

    private StoreOp.Put put(String id, ServiceConfig config, Expect expect, Set<String> released) {
        return new StoreOp.Put(id, codec.encode(id, config, Instant.now()), expect, FleetCodec.claims(config),
                released);
    }

    private long commit(StoreOp op) {
        CommitResult result = store.commit(List.of(op));
        assertThat(result).isInstanceOf(CommitResult.Committed.class);
        return ((CommitResult.Committed) result).revision();
    }

    private static ServiceConfig config(String name, String vip, int backends) {
        return FleetConvergenceTest.config(name, vip, backends);
    }
}
