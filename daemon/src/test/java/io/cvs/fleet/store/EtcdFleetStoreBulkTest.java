package io.cvs.fleet.store;

import static io.cvs.fleet.store.EtcdFleetStoreTest.committed;
import static io.cvs.fleet.store.EtcdFleetStoreTest.put;
import static io.cvs.fleet.store.EtcdFleetStoreTest.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cvs.fleet.store.CommitResult.Failure;
import io.cvs.fleet.store.StoreOp.Expect;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What makes a large bulk fast on etcd, against one real member: transactions planned from one reading of the
 * claims instead of a read each (and still refused only by what etcd holds now), and a watch that hands a
 * backlog to its listener in one call.
 */
class EtcdFleetStoreBulkTest extends OneEtcdMember {

    @Test
    void aCommitPlannedFromAnOlderReadingCommitsWhatIsFreeNowAndRefusesWhatIsTakenNow() {
        long one = committed(store.commit(List.of(put("1", "web", new Expect.Absent(), Set.of("name:web"),
                Set.of()))));
        PlanFrom then = store.planFrom(store.snapshot());
        assertThat(then.revision()).isGreaterThanOrEqualTo(one);

        // Since then: "1" released name:web, and "3" took name:api, free in the older reading.
        committed(store.commit(List.of(new StoreOp.Delete("1", new Expect.AtRevision(one), Set.of("name:web")))));
        committed(store.commit(List.of(put("3", "api", new Expect.Absent(), Set.of("name:api"), Set.of()))));

        long two = committed(store.commit(List.of(put("2", "web again", new Expect.Absent(), Set.of("name:web"),
                Set.of())), then));
        assertThat(store.commit(List.of(put("4", "api too", new Expect.Absent(), Set.of("name:api"), Set.of())),
                then)).isEqualTo(new Failure(Failure.Kind.CLAIMED, "4", "name:api", "3", 0));
        assertThat(store.get("4")).isNull();

        // What "2" took is held: a later bulk planned from a fresh reading is refused it, and so is a plain commit.
        PlanFrom now = store.planFrom(store.snapshot());
        assertThat(store.commit(List.of(put("5", "web too", new Expect.Absent(), Set.of("name:web"), Set.of())),
                now)).isEqualTo(new Failure(Failure.Kind.CLAIMED, "5", "name:web", "2", 0));
        assertThat(store.commit(List.of(put("2", "stale", new Expect.AtRevision(one), Set.of("name:web"),
                Set.of())), then)).isEqualTo(new Failure(Failure.Kind.STALE, "2", null, null, two));
        assertThat(text(store.get("2"))).isEqualTo("web again");

        // Planned from a reading where nothing changed since: committed, and its claims are taken.
        PlanFrom fresh = store.planFrom(store.snapshot());
        committed(store.commit(List.of(new StoreOp.Delete("2", new Expect.AtRevision(two), Set.of("name:web")),
                put("6", "web at last", new Expect.Absent(), Set.of("name:web"), Set.of())), fresh));
        assertThat(store.commit(List.of(put("7", "no", new Expect.Absent(), Set.of("name:web"), Set.of()))))
                .isEqualTo(new Failure(Failure.Kind.CLAIMED, "7", "name:web", "6", 0));
    }

    @Test
    void aBacklogThatQueuedWhileTheListenerWasBusyReachesItInOneCallInRevisionOrder() throws Exception {
        CountDownLatch inFirst = new CountDownLatch(1);
        CountDownLatch goOn = new CountDownLatch(1);
        List<List<Long>> calls = new CopyOnWriteArrayList<>();
        WatchListener listener = new WatchListener() {
            @Override
            public void changed(List<Revision> revisions) {
                calls.add(revisions.stream().map(Revision::revision).toList());
                inFirst.countDown();
                try {
                    goOn.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            public void compacted(long compactRevision) {
            }

            @Override
            public void broken(Throwable cause) {
            }
        };
        long first = committed(store.commit(List.of(put("a", "1", new Expect.Any()))));
        try (AutoCloseable watch = store.watch(first, listener)) {
            assertThat(inFirst.await(10, TimeUnit.SECONDS)).isTrue();
            long last = 0;
            for (int i = 0; i < 20; i++) {
                last = committed(store.commit(List.of(put("s" + i, "v", new Expect.Any()))));
            }
            // What etcd sent meanwhile reaches the watch in a few ms on loopback; it waits for the listener.
            Thread.sleep(1_000);
            goOn.countDown();
            long lastCommitted = last;
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> calls.get(calls.size() - 1).get(calls.get(calls.size() - 1).size() - 1)
                            == lastCommitted);
        }
        // One call per revision would be 21.
        assertThat(calls).hasSize(2);
        assertThat(calls.get(0)).containsExactly(first);
        assertThat(calls.get(1)).hasSize(20).isSorted();
    }
}
