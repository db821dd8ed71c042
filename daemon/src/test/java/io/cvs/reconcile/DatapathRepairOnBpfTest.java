package io.cvs.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cvs.BpfDaemonHome;
import io.cvs.api.BackendSpec;
import io.cvs.api.ServiceRequest;
import io.cvs.datapath.Capacity;
import io.cvs.datapath.Datapath.Drift;
import io.cvs.datapath.Datapath.Repair;
import io.cvs.datapath.Forwarder;
import io.cvs.datapath.bpf.BpfDatapath;
import io.cvs.journal.Journal;
import io.cvs.journal.TestJournals;
import io.cvs.service.Service;
import io.cvs.service.ServiceConfig;
import io.cvs.testing.BpfEnvironment;
import io.cvs.testing.Bpftool;
import io.cvs.write.ServiceRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The reconcile owns the attachment, on real maps and a real cgroup: pins and links removed behind the daemon's
 * back (rm of a link pin, rm -r of the pin root) are put back by the next reconcile and counted as repaired, not
 * reported unchanged; a repair that cannot be made (a pin holding another map) is a failed reconcile; the drift
 * check sees each of these, and a service entry deleted with bpftool, and the datapath's usage counts what the maps
 * hold. Needs root and BPF (skips loudly without, fails in CI). Traffic through the repaired links is
 * {@code e2e/DetachedDatapathRepairTest}'s.
 */
class DatapathRepairOnBpfTest {

    private static final Capacity SMALL = new Capacity(8, 32, 4, 16, 64, 4, 31);
    private static final String NAME = "cvs-test-java-" + ProcessHandle.current().pid() + "-repair";

    private Path pinDir;
    private Path cgroup;
    private BpfDatapath datapath;
    private Journal journal;
    private ServiceRegistry registry;

    @BeforeEach
    void start() throws Exception {
        BpfEnvironment.require();
        pinDir = BpfDaemonHome.pinDir(NAME);
        cgroup = BpfDaemonHome.createCgroup(NAME);
        datapath = BpfDatapath.open(pinDir, SMALL, cgroup);
        journal = TestJournals.open("repair-bpf");
        registry = new ServiceRegistry(datapath, journal, true, Duration.ofSeconds(30));
        registry.create(config("web", "192.0.2.40", "10.1.0.1"));
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (registry != null) {
                registry.close();
            }
            if (journal != null) {
                journal.close();
            }
            if (datapath != null) {
                datapath.close();
            }
        } finally {
            BpfDaemonHome.undo(pinDir, cgroup);
        }
    }

    @Test
    void aRemovedLinkPinIsReattachedByTheNextReconcileAndCountedAsRepaired() throws Exception {
        Files.delete(pinDir.resolve("sock_connect4"));
        assertThat(datapath.status().forwardingAsChosen()).isFalse();
        assertThat(drift().detached()).containsExactly(Forwarder.SOCKET_LB);

        ReconcileResult result = registry.reconcile();

        assertThat(result.repairs()).extracting(Repair::part).containsExactly(Repair.Part.SOCKET_LB);
        assertThat(result.repaired()).isEqualTo(1);
        assertThat(result.failed()).isZero();
        assertThat(datapath.status().socketLbAttached()).isTrue();
        assertThat(Bpftool.cgroupPrograms(cgroup)).hasSize(Bpftool.SOCKET_LB_ATTACH_TYPES.length);
        assertThat(drift().any()).isFalse();
        assertThat(registry.reconcile().repaired()).as("a second reconcile finds all in place").isZero();
    }

    @Test
    void aRemovedPinRootIsPinnedAgainFromTheHeldMapsAndReattached() throws Exception {
        Map<String, String> before = Bpftool.entries(pinDir.resolve("cvs_svc_v1"));
        removeTree(pinDir);
        // bpffs releases an unpinned link after an RCU grace period, not in unlink() itself.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(Bpftool.cgroupPrograms(cgroup)).as("unpinned links are released").isEmpty());
        Drift gone = drift();
        assertThat(gone.pinsMissing()).as("the set's 15 maps and the owner record").isEqualTo(16);
        assertThat(gone.servicesHeld()).as("the maps live on in the daemon's fds").isEqualTo(1);

        ReconcileResult result = registry.reconcile();

        assertThat(result.repairs()).extracting(Repair::part)
                .containsExactly(Repair.Part.PINS, Repair.Part.SOCKET_LB);
        assertThat(result.failed()).isZero();
        assertThat(result.unchanged()).isEqualTo(1);
        assertThat(Bpftool.entries(pinDir.resolve("cvs_svc_v1"))).as("the same map, pinned again")
                .isEqualTo(before);
        assertThat(datapath.status().forwardingAsChosen()).isTrue();
        assertThat(drift().any()).isFalse();
    }

    @Test
    void aPinHoldingAnotherMapIsNeverOverwrittenAndTheReconcileFails() throws Exception {
        Files.delete(pinDir.resolve("cvs_svc_v1"));
        Files.delete(pinDir.resolve("sock_connect4"));
        bpftool("map", "create", pinDir.resolve("cvs_svc_v1").toString(), "type", "array", "key", "4", "value", "4",
                "entries", "1", "name", "foreign");
        assertThat(drift().pinsForeign()).isEqualTo(1);

        ReconcileResult result = registry.reconcile();

        assertThat(result.failed()).as("a repair that fails is a failed reconcile").isEqualTo(1);
        assertThat(result.repaired()).isZero();
        assertThat(datapath.status().forwardingAsChosen()).isFalse();
        Files.delete(pinDir.resolve("cvs_svc_v1"));
        ReconcileResult after = registry.reconcile();
        assertThat(after.repairs()).extracting(Repair::part)
                .containsExactly(Repair.Part.PINS, Repair.Part.SOCKET_LB);
        assertThat(after.failed()).isZero();
    }

    @Test
    void theDriftSeesADeletedServiceEntryAndCountsWhatTheMapsHold() throws Exception {
        Service api = registry.create(config("api", "192.0.2.41", "10.2.0.1", "10.2.0.2"));
        assertThat(drift().servicesHeld()).isEqualTo(2);
        byte[] apiKey = Bpftool.dump(pinDir.resolve("cvs_svc_v1")).stream()
                .filter(e -> e.key()[3] == 41).findFirst().orElseThrow().key();

        Bpftool.delete(pinDir.resolve("cvs_svc_v1"), apiKey);

        Drift drift = drift();
        assertThat(drift.missing()).isEqualTo(1);
        assertThat(drift.servicesHeld()).as("what the maps hold, not what was written").isEqualTo(1);
        assertThat(drift.backendsHeld()).isEqualTo(1);
        assertThat(datapath.usage().services()).as("the ids the writer gave out, until it resyncs").isEqualTo(2);
        ReconcileResult result = registry.reconcile();
        assertThat(result.added()).isEqualTo(1);
        assertThat(datapath.backends(api.key())).contains(api.backends());
        assertThat(drift().any()).isFalse();
        assertThat(drift().backendsHeld()).isEqualTo(3);
    }

    /** The check itself, without its timer: each call is what one tick or one inotify event does. */
    @Test
    void theDriftCheckReconcilesWhatDriftedAndRetriesAFailedRepairOnlyEveryInterval() throws Exception {
        DriftCheck check = new DriftCheck(datapath, registry, new ReconcileProperties(Duration.ofMinutes(10),
                Duration.ofSeconds(2), false));
        ReconcileResult first = registry.lastReconcile().orElseThrow();
        check.check();
        assertThat(registry.lastReconcile()).as("nothing drifted: no reconcile").contains(first);

        Files.delete(pinDir.resolve("sock_sendmsg4"));
        check.check();

        ReconcileResult repaired = registry.lastReconcile().orElseThrow();
        assertThat(repaired.repairs()).extracting(Repair::part).containsExactly(Repair.Part.SOCKET_LB);
        assertThat(datapath.status().forwardingAsChosen()).isTrue();
        Files.delete(pinDir.resolve("sock_sendmsg4"));
        check.check();
        assertThat(registry.lastReconcile().orElseThrow()).as("the same removal again is repaired again")
                .isNotSameAs(repaired).satisfies(r -> assertThat(r.repaired()).isEqualTo(1));

        Files.delete(pinDir.resolve("cvs_gen_v1"));
        bpftool("map", "create", pinDir.resolve("cvs_gen_v1").toString(), "type", "array", "key", "4", "value", "4",
                "entries", "1", "name", "foreign");
        check.check();
        ReconcileResult failed = registry.lastReconcile().orElseThrow();
        assertThat(failed.failed()).isEqualTo(1);
        check.check();
        assertThat(registry.lastReconcile()).as("the same drift, within the interval: not again").contains(failed);
        Files.delete(pinDir.resolve("cvs_gen_v1"));
        check.check();
        assertThat(registry.lastReconcile().orElseThrow().repairs()).extracting(Repair::part)
                .containsExactly(Repair.Part.PINS);
    }

    private Drift drift() {
        return datapath.drift().orElseThrow();
    }

    private static void removeTree(Path root) throws Exception {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static void bpftool(String... arguments) throws Exception {
        Process process = new ProcessBuilder(Stream.concat(Stream.of("bpftool"), Stream.of(arguments)).toList())
                .redirectErrorStream(true).start();
        assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(new String(process.getInputStream().readAllBytes())).isZero();
    }

    private static ServiceConfig config(String name, String vip, String... backends) {
        List<BackendSpec> specs = Stream.of(backends).map(b -> new BackendSpec(b, 8080, 1)).toList();
        return new ServiceRequest(name, vip, 80, "TCP", specs, Map.of()).toConfig("");
    }
}
