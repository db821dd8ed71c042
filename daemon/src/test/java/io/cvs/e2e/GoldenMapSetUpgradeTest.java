package io.cvs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.datapath.Capacity;
import io.cvs.datapath.bpf.BpfDatapath;
import io.cvs.process.DaemonClient;
import io.cvs.process.DaemonLogs;
import io.cvs.process.DaemonProcess;
import io.cvs.testing.Bpftool;
import io.cvs.testing.GoldenMapSet;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/**
 * An upgrade in place: a map set that the previous version made (daemon/src/test/resources/mapset, restored byte
 * for byte with its journal) forwards a client's connections through its socket-LB programs; this version's daemon
 * starts on it with a larger configured capacity, takes it over, and carries it to a new map set of that capacity
 * while the client connects without pause. Not one connection may fail, and the services read back as the
 * previous daemon made them. Needs root, bpffs, cgroup v2, {@code ip}, {@code socat}, {@code ss}, {@code bash};
 * skips loudly without them (fails under CI). Traffic stays in the test's own namespaces.
 */
@ExtendWith(DaemonLogs.class)
class GoldenMapSetUpgradeTest {

    private static final String NAME = "cvs-test-java-" + ProcessHandle.current().pid() + "-golden";
    private static final Path WORK = Path.of("target", "cvs-test-" + ProcessHandle.current().pid(), "golden")
            .toAbsolutePath();
    private static final Path GOLDEN = Path.of("src/test/resources/mapset/v1-three-services");
    /** What the previous daemon was started with, as the golden meta records it. */
    private static final Capacity PREVIOUS = new Capacity(8, 32, 8, 16);
    private static final int PER_PHASE = 15;
    private static final Duration WITHIN = Duration.ofSeconds(30);

    /**
     * What the previous version did not pin: the IPv6 maps, the IPv6 socket table, the IPv6 programs' links, the
     * maps of the selection policies, and the owner record (which journal fed the maps).
     */
    private static final List<String> ADDED_BY_THIS_VERSION = List.of("cvs_svc6_v1", "cvs_be6_v1", "cvs_sknat6_v1",
            "sock_connect6", "sock_sendmsg6", "sock_recvmsg6", "sock_getpeername6", "cvs_meta2_v1", "cvs_pol_v1",
            "cvs_besel_v1", "cvs_maglev_v1", "cvs_aff_v1", "cvs_owner_v1");

    private static TrafficHost host;

    @BeforeAll
    static void host() throws Exception {
        EndToEndTools.require("bpftool");
        host = TrafficHost.start(NAME, 2, 8080);
    }

    @AfterAll
    static void undo() throws Exception {
        if (host != null) {
            host.close();
        }
    }

    @Test
    void aMapSetTheLastVersionMadeIsTakenOverAndGrownUnderTrafficWithoutAFailedConnection() throws Exception {
        try (BpfDatapath previous = BpfDatapath.open(host.pinDir(), PREVIOUS, host.cgroup())) {
            // the maps and programs as the previous daemon left them; its process is gone
        }
        GoldenMapSet.restore(GOLDEN.resolve("mapset.json"), host.pinDir());
        for (String pin : ADDED_BY_THIS_VERSION) {
            // unpinning a link detaches its program: the pin root is left as the previous version left it
            Files.delete(host.pinDir().resolve(pin));
        }
        assertThat(Bpftool.cgroupPrograms(host.cgroup())).as("the previous version's four programs").hasSize(4);
        Path journal = Files.createDirectories(WORK.resolve("journal"));
        try (Stream<Path> files = Files.list(GOLDEN.resolve("journal"))) {
            for (Path file : files.toList()) {
                Files.copy(file, journal.resolve(file.getFileName()));
            }
        }
        ConnectionLoop loop = ConnectionLoop.startAcross(host.sandbox(), host.cgroup(),
                List.of("203.0.113.81", "203.0.113.82"), 80, Set.of("b1", "b2"), WORK.resolve("loop.stop"), 180);
        loop.awaitSuccesses(System.nanoTime(), PER_PHASE, WITHIN,
                "through the previous version's maps, before any daemon");

        try (DaemonProcess daemon = DaemonProcess.start("golden-upgrade", "--cvs.datapath=bpf",
                "--cvs.bpf.pin-dir=" + host.pinDir(), "--cvs.bpf.cgroup=" + host.cgroup(),
                "--cvs.bpf.capacity.max-services=64",
                "--cvs.bpf.capacity.max-backends=256", "--cvs.journal.dir=" + journal)) {
            loop.awaitSuccesses(System.nanoTime(), PER_PHASE, WITHIN,
                    "after this version took the maps over and grew them");
            loop.stop();
            JsonNode capacity = DaemonClient.json(daemon.http().get("/api/v1/datapath/capacity"));
            JsonNode services = DaemonClient.json(daemon.http().get("/api/v1/services")).path("items");
            System.out.printf("golden map set: %d connections, %d failed; capacity %s, last resize %s%n",
                    loop.successesSince(0), loop.failures().size(), capacity.path("services"),
                    capacity.path("lastResize"));

            assertThat(loop.failures()).as("failed connections").isEmpty();
            assertThat(capacity.path("services").path("max").asInt()).isEqualTo(64);
            assertThat(capacity.path("backends").path("max").asInt()).isEqualTo(256);
            assertThat(capacity.path("maxBackendsPerService").asInt()).isEqualTo(PREVIOUS.maxMembers());
            assertThat(capacity.path("lastResize").path("trigger").asString()).isEqualTo("configured");
            assertThat(services).extracting(s -> s.path("name").asString())
                    .containsExactly("golden-api", "golden-dns", "golden-web");
            assertThat(services.get(2).path("version").asInt()).isEqualTo(2);
            assertThat(services.get(2).path("backends").get(0).path("weight").asInt()).isEqualTo(2);
            assertThat(Bpftool.cgroupPrograms(host.cgroup())).extracting(Bpftool.CgroupProgram::attachType)
                    .containsExactlyInAnyOrder(Bpftool.SOCKET_LB_ATTACH_TYPES);
            assertThat(Files.exists(Path.of(host.pinDir() + "_next"))).as("a staged set left behind").isFalse();
            assertThat(ADDED_BY_THIS_VERSION).as("pinned in place").allSatisfy(
                    pin -> assertThat(host.pinDir().resolve(pin)).exists());
            aSetWithoutOwnerRecordIsAdoptedByTheGivenJournalId(daemon.http(), journal);

            anIpv6ServiceOnTheUpgradedSetIsReached(daemon.http());
            aMaglevServiceWithAffinityOnTheUpgradedSetKeepsItsClient(daemon.http());
        }
    }

    private static void aMaglevServiceWithAffinityOnTheUpgradedSetKeepsItsClient(DaemonClient http)
            throws Exception {
        HttpResponse<String> created = http.post("/api/v1/services", "{\"name\":\"golden-sticky\","
                + "\"vip\":\"203.0.113.84\",\"port\":80,\"protocol\":\"TCP\",\"scheduler\":\"MAGLEV\","
                + "\"sessionAffinity\":{\"type\":\"CLIENT_IP\"},\"backends\":["
                + "{\"address\":\"" + Sandbox.backendAddress(1) + "\",\"port\":8080},"
                + "{\"address\":\"" + Sandbox.backendAddress(2) + "\",\"port\":8080}]}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);

        String first = host.sandbox().connect(host.cgroup(), "203.0.113.84", 80);
        assertThat(first).isIn("b1", "b2");
        for (int i = 0; i < 10; i++) {
            assertThat(host.sandbox().connect(host.cgroup(), "203.0.113.84", 80)).as("the same client")
                    .isEqualTo(first);
        }
    }

    /**
     * Neither the previous version's maps nor its journal have an identity: the journal gets an id on its first
     * open, the maps are adopted without a mismatch (nothing of theirs is held back) and record that journal.
     */
    private static void aSetWithoutOwnerRecordIsAdoptedByTheGivenJournalId(DaemonClient http, Path journal)
            throws Exception {
        String id = Files.readString(journal.resolve("journal-id")).trim();
        assertThat(id).matches("[0-9a-f]{32}");
        assertThat(DaemonClient.json(http.get("/api/v1/datapath")).has("journalMismatch")).isFalse();
        long lastSeq = DaemonClient.json(http.get("/actuator/health/journal")).path("details").path("lastSeq")
                .asLong();
        try (BpfDatapath maps = BpfDatapath.readOnly(host.pinDir())) {
            assertThat(maps.owner()).hasValueSatisfying(owner -> {
                assertThat(owner.journalId()).isEqualTo(id);
                assertThat(owner.appliedSeq()).isEqualTo(lastSeq).isPositive();
            });
        }
    }

    private static void anIpv6ServiceOnTheUpgradedSetIsReached(DaemonClient http) throws Exception {
        host.sandbox().serve6(1, 8081, "v6-b1");
        HttpResponse<String> created = http.post("/api/v1/services", "{\"name\":\"golden-web-v6\","
                + "\"vip\":\"2001:db8::81\",\"port\":80,\"protocol\":\"TCP\",\"backends\":[{\"address\":\""
                + Sandbox.backendAddress6(1) + "\",\"port\":8081}]}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);

        for (int i = 0; i < 3; i++) {
            assertThat(host.sandbox().connect(host.cgroup(), "2001:db8::81", 80)).isEqualTo("v6-b1");
        }
        assertThat(host.sandbox().connect(host.cgroup(), "203.0.113.81", 80)).as("IPv4 still served")
                .isIn("b1", "b2");
    }
}
