package io.cvs.fleet;

import static io.cvs.fleet.FleetConvergenceTest.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cvs.api.BackendSpec;
import io.cvs.api.ServiceRequest;
import io.cvs.datapath.ServiceKey;
import io.cvs.fleet.store.EtcdFleetStore;
import io.cvs.fleet.store.EtcdSettings;
import io.cvs.fleet.store.FleetStore;
import io.cvs.service.Precondition;
import io.cvs.service.Service;
import io.cvs.service.ServiceConfig;
import io.cvs.testing.EtcdCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.web.ErrorResponseException;

/**
 * Fleet mode against a real etcd (a member started by the test on loopback, {@link EtcdCluster}), two hosts in
 * this JVM wired as the daemon wires them, each with its own journal and etcd client, on the memory datapath (the
 * maps are the process test's point, {@code FleetProcessTest}): concurrent writers over both hosts end identical
 * everywhere; etcd killed -9 under writers loses no acknowledged write and no host removes what it forwards; a
 * host stopped while etcd compacts resyncs; a 3-member cluster losing a follower changes nothing, losing its leader
 * gives a few 503s and writes go on, losing two (quorum) is an outage like etcd's absence. About 30 s in all.
 */
class FleetOnEtcdTest {

    private static final Duration SOON = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private EtcdCluster etcd;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeAll
    static void etcdInstalled() {
        EtcdCluster.requireInstalled();
    }

    @AfterEach
    void close() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    private FleetStore store() {
        EtcdFleetStore store = new EtcdFleetStore(new EtcdSettings(etcd.endpoints(), "/cvs/test/", null, null, null,
                null, null, Duration.ofSeconds(1), Duration.ofSeconds(1), EtcdSettings.ETCD_DEFAULT_MAX_TXN_OPS));
        closing.add(store);
        return store;
    }

    private FakeFleetHost host(String id) {
        FakeFleetHost host = new FakeFleetHost(store(), dir.resolve(id), id, Map.of("zone", id));
        closing.add(host);
        return host;
    }

    @Test
    void aBulkOfManyTransactionsCommittedConcurrentlyConvergesAndASecondOneDeletesUpdatesAndCreates() {
        etcd = EtcdCluster.start(1, dir.resolve("etcd"));
        FakeFleetHost a = host("a");
        FakeFleetHost b = host("b");
        // 200 services: 7 transactions of at most 32, 8 in flight.
        List<ServiceConfig> first = IntStream.range(0, 200).mapToObj(i -> config("bulk-" + i,
                (i < 100 ? "198.51.100." : "203.0.113.") + (1 + i % 100), 1)).toList();

        var created = a.writer.replaceAll(first, false);

        assertThat(created.created()).hasSize(200);
        await().atMost(SOON).until(() -> a.maps.services().size() == 200 && b.maps.services().size() == 200);

        // Keep 100 with two backends each, delete the other 100, create 50 on the addresses they freed.
        List<ServiceConfig> second = new ArrayList<>(IntStream.range(0, 100).mapToObj(i -> config("bulk-" + i,
                "198.51.100." + (1 + i), 2)).toList());
        IntStream.range(0, 50).mapToObj(i -> config("new-" + i, "203.0.113." + (1 + i), 1)).forEach(second::add);

        var replaced = a.writer.replaceAll(second, false);

        assertThat(replaced.created()).hasSize(50);
        assertThat(replaced.deleted()).hasSize(100);
        await().atMost(SOON).until(() -> b.maps.services().size() == 150 && b.registry.byName().values().stream()
                .filter(s -> s.name().startsWith("bulk-")).allMatch(s -> s.backends().size() == 2));
        assertThat(b.registry.byName().keySet()).containsExactlyInAnyOrderElementsOf(
                second.stream().map(ServiceConfig::name).toList());
    }

    @Test
    void twoHundredChangesFromFourWritersOverBothHostsEndIdenticalEverywhere() throws Exception {
        etcd = EtcdCluster.start(1, dir.resolve("etcd"));
        FakeFleetHost a = host("a");
        FakeFleetHost b = host("b");
        ExecutorService writers = Executors.newFixedThreadPool(4);
        List<Future<?>> done = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            FakeFleetHost via = w % 2 == 0 ? a : b;
            FakeFleetHost other = w % 2 == 0 ? b : a;
            int writer = w;
            done.add(writers.submit(() -> {
                // 50 changes per writer, alternating hosts: create 10, update each 3 times, delete 10 of 40... kept
                List<Service> mine = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    mine.add((i % 2 == 0 ? via : other).writer.create(
                            config("w" + writer + "-" + i, "198.51.100." + (writer * 10 + i + 1), 1)));
                }
                for (int round = 2; round <= 4; round++) {
                    for (int i = 0; i < 10; i++) {
                        int backends = round;
                        String name = mine.get(i).name();
                        String vip = "198.51.100." + (writer * 10 + i + 1);
                        ((i + round) % 2 == 0 ? via : other).writer.update(mine.get(i).id(), Precondition.NONE,
                                s -> config(name, vip, backends));
                    }
                }
                for (int i = 0; i < 10; i += 1) {
                    if (i % 3 == 0) {
                        (i % 2 == 0 ? other : via).writer.delete(mine.get(i).id(), Precondition.NONE);
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
        writers.shutdown();

        List<Service> inStore = store().snapshot().services().stream()
                .map(new FleetCodec()::decode).toList();
        assertThat(inStore).hasSize(4 * 6);
        await().atMost(SOON).untilAsserted(() -> {
            assertThat(a.registry.byName().values()).containsExactlyInAnyOrderElementsOf(inStore);
            assertThat(b.registry.byName().values()).containsExactlyInAnyOrderElementsOf(inStore);
        });
        for (Service s : inStore) {
            assertThat(a.maps.backends(s.key())).contains(s.backends());
            assertThat(b.maps.backends(s.key())).contains(s.backends());
        }
        assertThat(a.maps.services()).hasSize(inStore.size());
        assertThat(b.maps.services()).hasSize(inStore.size());
        // Host reports move etcd's revision too; etcd's progress notification tells the hosts they are level.
        await().atMost(SOON).until(() -> b.overview.overview().applied().lagRevisions() == 0);
        await().atMost(SOON).until(() -> b.overview.overview().hosts().stream()
                .allMatch(h -> h.ready() && h.lagRevisions() <= 2));
    }

    @Test
    void etcdKilledUnderEightWritersLosesNoAcknowledgedWriteAndNoHostRemovesWhatItForwards() throws Exception {
        etcd = EtcdCluster.start(1, dir.resolve("etcd"));
        FakeFleetHost a = host("a");
        FakeFleetHost b = host("b");
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicInteger unavailable = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger next = new AtomicInteger();
        List<String> removedSeen = new CopyOnWriteArrayList<>();
        ExecutorService threads = Executors.newFixedThreadPool(9);
        List<Future<?>> writers = new ArrayList<>();
        for (int w = 0; w < 8; w++) {
            FakeFleetHost via = w % 2 == 0 ? a : b;
            writers.add(threads.submit(() -> {
                while (!stop.get()) {
                    int n = next.incrementAndGet();
                    if (n > 200) {
                        return null;
                    }
                    try {
                        via.writer.create(config("s" + n, "198.51." + (100 + n / 250) + "." + (n % 250 + 1), 1));
                        acknowledged.add("s" + n);
                    } catch (ErrorResponseException e) {
                        assertThat(e.getStatusCode().value()).as(e.getMessage()).isIn(503, 409);
                        unavailable.incrementAndGet();
                        Thread.sleep(50);
                    }
                }
                return null;
            }));
        }
        // Writers only create: a key that left a host's maps is a removal that must never happen.
        Future<?> watcher = threads.submit(() -> {
            Map<String, Set<ServiceKey>> seen = Map.of("a", ConcurrentHashMap.newKeySet(), "b",
                    ConcurrentHashMap.newKeySet());
            while (!stop.get()) {
                for (FakeFleetHost h : List.of(a, b)) {
                    Set<ServiceKey> now = Set.copyOf(h.maps.services());
                    seen.get(h.hostId).stream().filter(k -> !now.contains(k)).forEach(k -> removedSeen.add(
                            h.hostId + " " + k));
                    seen.get(h.hostId).addAll(now);
                }
                Thread.sleep(5);
            }
            return null;
        });
        await().atMost(SOON).until(() -> acknowledged.size() >= 20);
        etcd.kill9(0);
        await().atMost(SOON).until(() -> unavailable.get() >= 8);
        etcd.start(0);
        for (Future<?> f : writers) {
            f.get(60, TimeUnit.SECONDS);
        }
        Set<String> inStore = store().snapshot().services().stream().map(new FleetCodec()::decode)
                .map(Service::name).collect(Collectors.toSet());
        assertThat(inStore).containsAll(acknowledged);
        await().atMost(SOON).untilAsserted(() -> {
            assertThat(a.registry.byName().keySet()).containsExactlyInAnyOrderElementsOf(inStore);
            assertThat(b.registry.byName().keySet()).containsExactlyInAnyOrderElementsOf(inStore);
            assertThat(b.maps.services()).hasSize(inStore.size());
        });
        stop.set(true);
        watcher.get(10, TimeUnit.SECONDS);
        threads.shutdown();
        assertThat(removedSeen).as("services a host stopped forwarding").isEmpty();
        System.out.printf("etcd killed under 8 writers: %d acknowledged, %d in etcd, %d refused meanwhile%n",
                acknowledged.size(), inStore.size(), unavailable.get());
    }

    @Test
    void aThreeMemberClusterLosingAFollowerChangesNothingAndLosingItsLeaderOnlyBriefly() throws Exception {
        etcd = EtcdCluster.start(3, dir.resolve("etcd"));
        FakeFleetHost a = host("a");
        FakeFleetHost b = host("b");
        int leader = etcd.leader();
        int follower = (leader + 1) % 3;
        etcd.kill9(follower);
        Writes followerLost = write(List.of(a, b), 1, 40);
        assertThat(followerLost.refused()).as("one follower lost: no effect").isZero();
        etcd.start(follower);

        Writes leaderLost = new Writes(List.of(a, b), 1000);
        leaderLost.start(4);
        await().atMost(SOON).until(() -> leaderLost.acknowledged.size() >= 10);
        etcd.kill9(leader);
        int atKill = leaderLost.acknowledged.size();
        await().atMost(SOON).until(() -> leaderLost.acknowledged.size() >= atKill + 40);
        leaderLost.stop();
        System.out.printf("3 members, leader killed under 4 writers: %d refused (503), %d acknowledged after%n",
                leaderLost.refused(), leaderLost.acknowledged.size() - atKill);
        assertThat(leaderLost.refused()).as("a few 503s while the two left elect a leader").isLessThan(40);

        Set<String> inStore = store().snapshot().services().stream().map(new FleetCodec()::decode)
                .map(Service::name).collect(Collectors.toSet());
        assertThat(inStore).containsAll(leaderLost.acknowledged).containsAll(followerLost.acknowledged);
        await().atMost(SOON).untilAsserted(() -> {
            assertThat(a.registry.byName().keySet()).containsExactlyInAnyOrderElementsOf(inStore);
            assertThat(b.registry.byName().keySet()).containsExactlyInAnyOrderElementsOf(inStore);
        });

        // Two of three gone: no quorum, the same as no etcd at all; back: a resync.
        etcd.start(leader);
        int now = etcd.leader();
        int other = (now + 1) % 3;
        etcd.kill9(now);
        etcd.kill9(other);
        Writes noQuorum = write(List.of(a, b), 2000, 2);
        assertThat(noQuorum.acknowledged).isEmpty();
        await().atMost(SOON).until(() -> !b.status.reachable());
        assertThat(b.maps.services()).as("forwarding goes on").hasSize(inStore.size());
        etcd.start(now);
        etcd.start(other);
        Service after = a.writer.create(config("after", "198.51.100.99", 1));
        await().atMost(SOON).until(() -> b.status.reachable() && b.maps.services().contains(after.key()));
    }

    private static Writes write(List<FakeFleetHost> hosts, int first, int count) throws Exception {
        Writes writes = new Writes(hosts, first);
        writes.start(1);
        await().atMost(SOON).until(() -> writes.acknowledged.size() + writes.refused() >= count);
        writes.stop();
        return writes;
    }

    /** Writers creating services of their own over the hosts in turn until stopped; 503s counted and retried. */
    private static final class Writes {

        final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        private final AtomicInteger refused = new AtomicInteger();
        private final AtomicInteger next;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final List<FakeFleetHost> hosts;
        private final ExecutorService threads = Executors.newCachedThreadPool();
        private final List<Future<?>> running = new ArrayList<>();

        Writes(List<FakeFleetHost> hosts, int first) {
            this.hosts = hosts;
            this.next = new AtomicInteger(first);
        }

        void start(int writers) {
            for (int w = 0; w < writers; w++) {
                FakeFleetHost via = hosts.get(w % hosts.size());
                running.add(threads.submit(() -> {
                    while (!stop.get()) {
                        int n = next.getAndIncrement();
                        try {
                            via.writer.create(new ServiceRequest("l" + n, "2001:db8::" + Integer.toHexString(n),
                                    80, "TCP", List.of(new BackendSpec("fd00::1", 8080, 1)), Map.of()).toConfig(""));
                            acknowledged.add("l" + n);
                        } catch (ErrorResponseException e) {
                            assertThat(e.getStatusCode().value()).as(e.getMessage()).isIn(503, 409);
                            refused.incrementAndGet();
                            Thread.sleep(100);
                        }
                    }
                    return null;
                }));
            }
        }

        int refused() {
            return refused.get();
        }

        void stop() throws Exception {
            stop.set(true);
            for (Future<?> f : running) {
                f.get(30, TimeUnit.SECONDS);
            }
            threads.shutdown();
        }
    }

    @Test
    void aHostStoppedWhileEtcdCompactsResyncsFromASnapshot() {
        etcd = EtcdCluster.start(1, dir.resolve("etcd"));
        FakeFleetHost a = host("a");
        FakeFleetHost b = new FakeFleetHost(store(), dir.resolve("b"), "b", Map.of("zone", "b"));
        Service keep = a.writer.create(config("keep", "198.51.100.1", 1));
        Service drop = a.writer.create(config("drop", "198.51.100.2", 1));
        await().atMost(SOON).until(() -> b.maps.services().size() == 2);
        b.close();

        a.writer.delete(drop.id(), Precondition.NONE);
        Service taken = a.writer.create(config("taken", "198.51.100.2", 2));
        etcd.compact();

        FakeFleetHost restarted = host("b");
        await().atMost(SOON).until(() -> taken.equals(restarted.registry.byName().get("taken"))
                && !restarted.registry.byName().containsKey("drop"));
        assertThat(restarted.registry.byName().get("keep")).isEqualTo(keep);
        assertThat(restarted.restarts(FleetMetrics.Restart.COMPACTED)).isEqualTo(1);
    }
}
