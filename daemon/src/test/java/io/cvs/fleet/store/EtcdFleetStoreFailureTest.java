package io.cvs.fleet.store;

import static io.cvs.fleet.store.EtcdFleetStoreTest.committed;
import static io.cvs.fleet.store.EtcdFleetStoreTest.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.cvs.fleet.store.StoreOp.Expect;
import io.cvs.testing.EtcdCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** EtcdFleetStore when etcd fails: a member killed -9, a leader lost, members' health. */
class EtcdFleetStoreFailureTest {

    @TempDir
    Path dir;

    @BeforeAll
    static void etcd() {
        EtcdCluster.requireInstalled();
    }

    @Test
    void callsFailWithinTheTimeoutWhileEtcdIsKilledAndWorkAgainAfterItsRestart() throws Exception {
        try (EtcdCluster etcd = EtcdCluster.start(1, dir);
                EtcdFleetStore store = new EtcdFleetStore(oneSecondCalls(etcd))) {
            long before = committed(store.commit(List.of(put("a", "a1", new Expect.Absent()))));
            EtcdFleetStoreTest.Recorder recorder = new EtcdFleetStoreTest.Recorder();
            AutoCloseable watch = store.watch(before + 1, recorder);
            etcd.kill9(0);

            for (Runnable call : List.<Runnable>of(() -> store.commit(List.of(put("b", "b1", new Expect.Absent()))),
                    () -> store.get("a"), store::snapshot, store::hosts, store::status)) {
                long start = System.nanoTime();
                assertThatThrownBy(call::run).isInstanceOf(StoreUnavailableException.class);
                long millis = (System.nanoTime() - start) / 1_000_000;
                assertThat(millis).as("failed within the 1 s call timeout, with margin").isLessThan(2_000);
            }

            etcd.start(0);
            long restarted = System.nanoTime();
            await().atMost(Duration.ofSeconds(10)).ignoreExceptionsInstanceOf(StoreUnavailableException.class)
                    .until(() -> store.get("a") != null);
            System.out.printf("etcd restarted: the store answers again after %d ms%n",
                    (System.nanoTime() - restarted) / 1_000_000);
            assertThat(store.get("a").modRevision()).isEqualTo(before);
            long after = committed(store.commit(List.of(put("b", "b1", new Expect.Absent()))));
            await().atMost(Duration.ofSeconds(10)).until(() -> !recorder.changes.isEmpty());
            assertThat(recorder.changes).as("the watch resumed across the restart").containsExactly(after + " b=b1");
            assertThat(recorder.ends).isEmpty();
            watch.close();
        }
    }

    private static EtcdSettings oneSecondCalls(EtcdCluster etcd) {
        EtcdSettings plain = EtcdSettings.plain(etcd.endpoints(), "/cvs/v1/");
        return new EtcdSettings(plain.endpoints(), plain.prefix(), null, null, null, null, null,
                Duration.ofSeconds(1), Duration.ofSeconds(1), plain.maxTxnOps());
    }

    @Test
    void aThreeMemberClusterLosingItsLeaderRefusesCommitsForSecondsOnly() throws Exception {
        try (EtcdCluster etcd = EtcdCluster.start(3, dir);
                EtcdFleetStore store = new EtcdFleetStore(EtcdSettings.plain(etcd.endpoints(), "/cvs/v1/"))) {
            StoreStatus healthy = store.status();
            assertThat(healthy.members()).hasSize(3).allMatch(StoreStatus.Member::healthy)
                    .filteredOn(StoreStatus.Member::leader).hasSize(1);
            long start = committed(store.commit(List.of(put("a", "0", new Expect.Absent()))));
            EtcdFleetStoreTest.Recorder recorder = new EtcdFleetStoreTest.Recorder();
            AutoCloseable watch = store.watch(start + 1, recorder);

            int leader = etcd.leader();
            long killed = System.nanoTime();
            etcd.kill9(leader);
            long firstFailure = 0;
            long lastFailure = 0;
            int failures = 0;
            int n = 1;
            while (System.nanoTime() - killed < Duration.ofSeconds(20).toNanos()) {
                try {
                    committed(store.commit(List.of(put("a", Integer.toString(n), new Expect.Any()))));
                    n++;
                    if (n > 50 && System.nanoTime() - Math.max(killed, lastFailure) > 2_000_000_000L) {
                        break;
                    }
                } catch (StoreUnavailableException e) {
                    failures++;
                    lastFailure = System.nanoTime();
                    firstFailure = firstFailure == 0 ? lastFailure : firstFailure;
                }
            }
            long gap = failures == 0 ? 0 : (lastFailure - killed) / 1_000_000;
            System.out.printf("leader killed: %d commits failed, the last %d ms after the kill; %d commits after%n",
                    failures, gap, n - 1);
            assertThat(gap).as("commits fail for a few seconds at most").isLessThan(8_000);
            assertThat(n).as("commits go on after the election").isGreaterThan(50);

            StoreStatus degraded = store.status();
            String killedUrl = etcd.endpoint(leader);
            assertThat(degraded.members()).hasSize(3);
            assertThat(degraded.members()).filteredOn(m -> m.clientUrl().equals(killedUrl)).singleElement()
                    .satisfies(m -> {
                        assertThat(m.healthy()).isFalse();
                        assertThat(m.error()).isNotBlank();
                    });
            assertThat(degraded.members()).filteredOn(StoreStatus.Member::leader).hasSize(1)
                    .allMatch(m -> !m.clientUrl().equals(killedUrl));
            assertThat(degraded.revision()).isPositive();

            // the watch went on through the election: every acknowledged commit, in order, once
            int acknowledged = n - 1;
            await().atMost(Duration.ofSeconds(10)).until(() -> recorder.changes.size() >= acknowledged);
            List<Long> revisions = recorder.changes.stream().map(c -> Long.parseLong(c.split(" ")[0])).toList();
            assertThat(revisions).isSorted().doesNotHaveDuplicates();
            assertThat(recorder.changes).last().asString().endsWith(" a=" + acknowledged);
            assertThat(recorder.ends).isEmpty();
            watch.close();
        }
    }
}
