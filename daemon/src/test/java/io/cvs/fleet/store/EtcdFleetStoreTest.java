package io.cvs.fleet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cvs.fleet.store.CommitResult.Committed;
import io.cvs.fleet.store.CommitResult.Failure;
import io.cvs.fleet.store.StoreOp.Expect;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** EtcdFleetStore against one real etcd member: commits, claims, snapshots, watches, host reports. */
class EtcdFleetStoreTest extends OneEtcdMember {

    static StoreOp.Put put(String id, String value, Expect expect, Set<String> claims, Set<String> released) {
        return new StoreOp.Put(id, value.getBytes(StandardCharsets.UTF_8), expect, claims, released);
    }

    static StoreOp.Put put(String id, String value, Expect expect) {
        return put(id, value, expect, Set.of(), Set.of());
    }

    static long committed(CommitResult result) {
        assertThat(result).isInstanceOf(Committed.class);
        return ((Committed) result).revision();
    }

    static String text(StoredService service) {
        return new String(service.value(), StandardCharsets.UTF_8);
    }

    @Test
    void eachExpectationHoldsOrFailsWithTheEntrysRevisionNow() {
        long created = committed(store.commit(List.of(put("a", "v1", new Expect.Absent()))));
        assertThat(store.get("a")).satisfies(s -> {
            assertThat(text(s)).isEqualTo("v1");
            assertThat(s.modRevision()).isEqualTo(created);
            assertThat(s.createRevision()).isEqualTo(created);
        });
        assertThat(store.commit(List.of(put("a", "again", new Expect.Absent()))))
                .isEqualTo(new Failure(Failure.Kind.EXISTS, "a", null, null, created));
        assertThat(store.commit(List.of(put("b", "v", new Expect.AtRevision(created)))))
                .isEqualTo(new Failure(Failure.Kind.MISSING, "b", null, null, 0));

        long updated = committed(store.commit(List.of(put("a", "v2", new Expect.AtRevision(created)))));
        assertThat(store.commit(List.of(put("a", "lost update", new Expect.AtRevision(created)))))
                .isEqualTo(new Failure(Failure.Kind.STALE, "a", null, null, updated));
        assertThat(store.commit(List.of(new StoreOp.Delete("a", new Expect.AtRevision(created), Set.of()))))
                .isEqualTo(new Failure(Failure.Kind.STALE, "a", null, null, updated));
        assertThat(text(store.get("a"))).isEqualTo("v2");

        long replaced = committed(store.commit(List.of(put("a", "v3", new Expect.Any()))));
        committed(store.commit(List.of(new StoreOp.Delete("a", new Expect.AtRevision(replaced), Set.of()))));
        assertThat(store.get("a")).isNull();
        assertThat(store.commit(List.of(new StoreOp.Delete("a", new Expect.AtRevision(replaced), Set.of()))))
                .isEqualTo(new Failure(Failure.Kind.MISSING, "a", null, null, 0));
        committed(store.commit(List.of(new StoreOp.Delete("a", new Expect.Any(), Set.of()))));
    }

    @Test
    void claimsAreTakenRefusedNamingTheHolderAndReleasedOnUpdateAndOnDelete() {
        long web = committed(store.commit(List.of(put("1", "web", new Expect.Absent(),
                Set.of("name:web", "vip:192.0.2.10:80/TCP"), Set.of()))));
        assertThat(store.commit(List.of(put("2", "web too", new Expect.Absent(),
                Set.of("name:web2", "vip:192.0.2.10:80/TCP"), Set.of()))))
                .isEqualTo(new Failure(Failure.Kind.CLAIMED, "2", "vip:192.0.2.10:80/TCP", "1", 0));
        assertThat(store.get("2")).as("a refused commit writes nothing").isNull();
        // the holder keeps its own claims on update
        long renamed = committed(store.commit(List.of(put("1", "web renamed", new Expect.AtRevision(web),
                Set.of("name:www", "vip:192.0.2.10:80/TCP"), Set.of("name:web")))));
        committed(store.commit(List.of(put("2", "web", new Expect.Absent(), Set.of("name:web"), Set.of()))));
        assertThat(store.commit(List.of(put("3", "x", new Expect.Absent(), Set.of("name:www"), Set.of()))))
                .isEqualTo(new Failure(Failure.Kind.CLAIMED, "3", "name:www", "1", 0));

        committed(store.commit(List.of(new StoreOp.Delete("1", new Expect.AtRevision(renamed),
                Set.of("name:www", "vip:192.0.2.10:80/TCP")))));
        committed(store.commit(List.of(put("3", "x", new Expect.Absent(),
                Set.of("name:www", "vip:192.0.2.10:80/TCP"), Set.of()))));
    }

    @Test
    void aTransactionOfSeveralOpsIsAllOrNothing() {
        long a = committed(store.commit(List.of(put("a", "a1", new Expect.Absent(), Set.of("name:a"), Set.of()))));
        Failure refused = (Failure) store.commit(List.of(
                put("b", "b1", new Expect.Absent(), Set.of("name:b"), Set.of()),
                new StoreOp.Delete("a", new Expect.AtRevision(a), Set.of("name:a")),
                put("c", "c1", new Expect.AtRevision(a))));
        assertThat(refused.kind()).isEqualTo(Failure.Kind.MISSING);
        assertThat(refused.id()).isEqualTo("c");
        assertThat(store.get("b")).isNull();
        assertThat(text(store.get("a"))).isEqualTo("a1");
        assertThat(store.commit(List.of(put("z", "z", new Expect.Absent(), Set.of("name:b"), Set.of()))))
                .as("the refused transaction took no claim").isInstanceOf(Committed.class);

        // a claim released by one op is taken by the next of the same transaction
        long both = committed(store.commit(List.of(
                new StoreOp.Delete("a", new Expect.AtRevision(a), Set.of("name:a")),
                put("d", "d1", new Expect.Absent(), Set.of("name:a"), Set.of()))));
        assertThat(store.get("a")).isNull();
        assertThat(store.get("d").modRevision()).isEqualTo(both);
    }

    @Test
    void aSnapshotIsOneRevisionWhileAnotherThreadWrites() throws Exception {
        int initial = 1200;
        for (int from = 0; from < initial; from += store.maxKeysPerCommit()) {
            List<StoreOp> ops = IntStream.range(from, Math.min(initial, from + store.maxKeysPerCommit()))
                    .mapToObj(i -> (StoreOp) put("s" + i, "v", new Expect.Absent())).toList();
            committed(store.commit(ops));
        }
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger written = new AtomicInteger();
        Thread writer = new Thread(() -> {
            while (writing.get() && written.get() < 5000) {
                int n = written.getAndIncrement();
                store.commit(List.of(put("w" + n, "v", new Expect.Absent()),
                        put("s" + (n % initial), "v" + n, new Expect.Any())));
            }
        });
        writer.start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> written.get() > 20);
            Snapshot snapshot = store.snapshot();
            assertThat(written.get()).as("writes went on during the snapshot").isGreaterThan(20);
            assertThat(snapshot.services()).allSatisfy(s -> assertThat(s.modRevision())
                    .isLessThanOrEqualTo(snapshot.revision()));
            long writes = snapshot.services().stream().filter(s -> s.id().startsWith("w")).count();
            assertThat(snapshot.services()).hasSize(initial + (int) writes);
            // every write with a revision up to the snapshot's is in it: they are w0..w(writes-1)
            assertThat(snapshot.services().stream().filter(s -> s.id().startsWith("w")).map(StoredService::id))
                    .containsExactlyInAnyOrderElementsOf(IntStream.range(0, (int) writes).mapToObj(i -> "w" + i)
                            .toList());
        } finally {
            writing.set(false);
            writer.join(10_000);
        }
    }

    @Test
    void aWatchFromAPastRevisionDeliversEachTransactionInOrder() throws Exception {
        long first = committed(store.commit(List.of(put("a", "a1", new Expect.Absent()),
                put("b", "b1", new Expect.Absent()))));
        long second = committed(store.commit(List.of(put("a", "a2", new Expect.Any()))));
        long third = committed(store.commit(List.of(new StoreOp.Delete("b", new Expect.Any(), Set.of()),
                put("c", "c1", new Expect.Absent(), Set.of("name:c"), Set.of()))));
        Recorder recorder = new Recorder();
        try (AutoCloseable watch = store.watch(first, recorder)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> recorder.changes.size() >= 3);
            long fourth = committed(store.commit(List.of(put("d", "d1", new Expect.Absent()))));
            await().atMost(Duration.ofSeconds(5)).until(() -> recorder.changes.size() >= 4);
            assertThat(recorder.changes).containsExactly(
                    first + " a=a1 b=b1", second + " a=a2", third + " b=deleted c=c1", fourth + " d=d1");
            assertThat(recorder.threads).as("one thread").hasSize(1);
        }
        assertThat(recorder.ends).isEmpty();
    }

    @Test
    void aWatchFromACompactedRevisionIsToldOnceAndEnds() throws Exception {
        long old = committed(store.commit(List.of(put("a", "a1", new Expect.Absent()))));
        committed(store.commit(List.of(put("a", "a2", new Expect.Any()))));
        long compacted = etcd.compact();
        Recorder recorder = new Recorder();
        try (AutoCloseable watch = store.watch(old, recorder)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> !recorder.ends.isEmpty());
            committed(store.commit(List.of(put("b", "b1", new Expect.Absent()))));
            Thread.sleep(300); // nothing may follow the end
            assertThat(recorder.ends).containsExactly("compacted " + compacted);
            assertThat(recorder.changes).isEmpty();
        }
    }

    @Test
    void aHostReportVanishesWhenItsLeaseRunsOutAfterTheReporterCloses() {
        HostReport report = new HostReport("host-a", 42, Instant.parse("2026-01-02T03:04:05Z"), true, "memory",
                Map.of("zone", "a"), null, Duration.ofSeconds(2));
        String prefix = "/cvs-test/hosts-" + PREFIXES.incrementAndGet() + "/";
        try (EtcdFleetStore reporter = open(prefix); EtcdFleetStore viewer = open(prefix)) {
            reporter.report(report);
            reporter.report(report);
            assertThat(viewer.hosts()).containsExactly(report);
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() -> viewer.hosts().size() == 1);
            reporter.close();
            long closed = System.nanoTime();
            await().atMost(Duration.ofSeconds(6)).until(() -> viewer.hosts().isEmpty());
            System.out.printf("host report gone %d ms after its reporter closed (ttl 2 s)%n",
                    (System.nanoTime() - closed) / 1_000_000);
        }
    }

    @Test
    void aHostReportComesBackUnderANewLeaseWhenItsLeaseWasLost() throws Exception {
        HostReport report = new HostReport("host-b", 7, Instant.parse("2026-01-02T03:04:05Z"), false, "bpf",
                Map.of(), "maps: ENOSPC", Duration.ofSeconds(30));
        String prefix = "/cvs-test/lost-" + PREFIXES.incrementAndGet() + "/";
        try (EtcdFleetStore reporter = open(prefix);
                Client admin = Client.builder().endpoints(etcd.endpoints().toArray(String[]::new)).build()) {
            reporter.report(report);
            assertThat(reporter.hosts()).containsExactly(report);
            ByteSequence key = ByteSequence.from(prefix + "hosts/host-b", StandardCharsets.UTF_8);
            long lease = admin.getKVClient().get(key).get(5, TimeUnit.SECONDS).getKvs().get(0).getLease();
            admin.getLeaseClient().revoke(lease).get(5, TimeUnit.SECONDS);
            assertThat(reporter.hosts()).as("revoking the lease took the report").isEmpty();

            reporter.report(report);
            assertThat(reporter.hosts()).containsExactly(report);
            long renewed = admin.getKVClient().get(key).get(5, TimeUnit.SECONDS).getKvs().get(0).getLease();
            assertThat(renewed).isNotEqualTo(lease);
        }
    }

    @Test
    void fortyTwoServicesWithTwoClaimsEachFitEtcdsDefaultTransactionAndADeleteReleasesTheClaimsItNames() {
        // Three keys a service (its entry and two claims), etcd's default --max-txn-ops 128.
        assertThat(store.maxKeysPerCommit()).isEqualTo(128);
        List<StoreOp> ops = IntStream.range(0, 42).mapToObj(i -> (StoreOp) put("s" + i, "v",
                new Expect.Absent(), Set.of("name:s" + i, "vip:198.51.100." + i + ":80/TCP"), Set.of())).toList();
        assertThat(ops.stream().mapToInt(StoreOp::keys).sum()).isEqualTo(126);
        committed(store.commit(ops));
        List<StoreOp> deletes = IntStream.range(0, 42).mapToObj(i -> (StoreOp) new StoreOp.Delete("s" + i,
                new Expect.Any(), Set.of("name:s" + i, "vip:198.51.100." + i + ":80/TCP"))).toList();
        committed(store.commit(deletes));
        committed(store.commit(ops));
    }

    /** Records what a watch delivers, as "revision id=value ..." lines. */
    static final class Recorder implements WatchListener {
        final List<String> changes = new CopyOnWriteArrayList<>();
        final List<String> ends = new CopyOnWriteArrayList<>();
        final Set<Thread> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();

        @Override
        public void changed(List<Revision> revisions) {
            threads.add(Thread.currentThread());
            revisions.forEach(r -> changes.add(r.revision() + r.events().stream().map(e -> " " + e.id() + "="
                    + (e.service() == null ? "deleted" : text(e.service()))).reduce("", String::concat)));
        }

        @Override
        public void compacted(long compactRevision) {
            ends.add("compacted " + compactRevision);
        }

        @Override
        public void broken(Throwable cause) {
            ends.add("broken " + cause);
        }
    }
}
