package io.cvs.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.datapath.Backend;
import io.cvs.datapath.Capacity;
import io.cvs.datapath.Datapath;
import io.cvs.datapath.Flows;
import io.cvs.datapath.DatapathStatus;
import io.cvs.datapath.MemoryDatapath;
import io.cvs.datapath.ServiceCounters;
import io.cvs.datapath.ServiceKey;
import io.cvs.journal.Journal;
import io.cvs.journal.TestJournals;
import io.cvs.write.ServiceRegistry;
import java.time.Duration;
import io.cvs.selection.AffinityUsage;
import io.cvs.selection.ClientFlow;
import io.cvs.selection.PickedBackend;
import io.cvs.selection.SelectionPolicy;
import java.net.InetAddress;
import java.util.OptionalLong;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/** Readiness waits for the first reconcile: out of service while it runs, up with its counts once it is done. */
class ReconcileHealthIndicatorTest {

    private final CountDownLatch mapsReadable = new CountDownLatch(1);
    /** A memory datapath whose listing, the first thing a reconcile reads, waits until the test allows it. */
    private final Datapath datapath = new Datapath() {
        private final MemoryDatapath memory = new MemoryDatapath(MemoryDatapath.LIBCVSBPF_DEFAULT, null);

        @Override
        public Optional<SelectionPolicy> policy(ServiceKey key) {
            return memory.policy(key);
        }

        @Override
        public Optional<PickedBackend> pick(ServiceKey key, ClientFlow client) {
            return memory.pick(key, client);
        }

        @Override
        public OptionalLong clientNetns(InetAddress address) {
            return memory.clientNetns(address);
        }

        @Override
        public AffinityUsage affinityUsage() {
            return memory.affinityUsage();
        }

        @Override
        public List<ServiceKey> services() {
            try {
                mapsReadable.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return memory.services();
        }

        @Override
        public void apply(ServiceKey key, List<Backend> backends, SelectionPolicy policy) {
            memory.apply(key, backends, policy);
        }

        @Override
        public boolean remove(ServiceKey key) {
            return memory.remove(key);
        }

        @Override
        public Flows.Support flowSupport() {
            return memory.flowSupport();
        }

        @Override
        public List<Flows.Ended> sweepFlows(Set<ServiceKey> resetTcp) {
            return memory.sweepFlows(resetTcp);
        }

        @Override
        public Optional<List<Backend>> backends(ServiceKey key) {
            return memory.backends(key);
        }

        @Override
        public Optional<ServiceCounters> counters(ServiceKey key) {
            return memory.counters(key);
        }

        @Override
        public void resync() {
            memory.resync();
        }

        @Override
        public boolean consistent(ServiceKey key) {
            return memory.consistent(key);
        }

        @Override
        public DatapathStatus status() {
            return memory.status();
        }

        @Override
        public void resize(Capacity target, Map<ServiceKey, List<Backend>> contents,
            Map<ServiceKey, SelectionPolicy> policies) {
            memory.resize(target, contents, policies);
        }
    };
    private final Journal journal = TestJournals.open("reconcile-health");
    private final ServiceRegistry registry = new ServiceRegistry(datapath, journal, true, Duration.ofSeconds(30));
    private final ReconcileHealthIndicator indicator = new ReconcileHealthIndicator(registry);

    @AfterEach
    void close() {
        mapsReadable.countDown();
        registry.close();
        journal.close();
    }

    @Test
    void outOfServiceUntilTheFirstReconcileThenUpWithWhatItDid() {
        assertThat(indicator.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);

        mapsReadable.countDown();
        registry.firstReconcile().join();

        Health health = indicator.health();
        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsEntry("added", 0).containsEntry("removed", 0)
                .containsKeys("lastRun", "tookMillis");
    }
}
