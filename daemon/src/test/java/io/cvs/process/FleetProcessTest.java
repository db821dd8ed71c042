package io.cvs.process;

import static io.cvs.testing.Addresses.ip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cvs.BpfDaemonHome;
import io.cvs.datapath.Protocol;
import io.cvs.datapath.ServiceKey;
import io.cvs.datapath.bpf.BpfDatapath;
import io.cvs.journal.TestJournals;
import io.cvs.testing.BpfEnvironment;
import io.cvs.testing.EtcdCluster;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Two real daemons in fleet mode on one real etcd (started by the test on loopback): host A on the memory
 * datapath, host B on the BPF datapath with its own pin directory and cgroup, each with its own journal and port.
 * A change made through A is in B's pinned maps within a second; the same If-Match on both hosts wins once;
 * a service for zone a moves onto B when B restarts with that label; B restarted while etcd is down forwards its
 * journaled state at once, answers reads with how stale they are, refuses writes with 503, and catches up once
 * etcd is back. Needs root, BPF and etcd (skips loudly without). LONG: about a minute (six daemon starts).
 */
@ExtendWith(DaemonLogs.class)
class FleetProcessTest {

    private static final String NAME = "cvs-test-java-" + ProcessHandle.current().pid() + "-fleet";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration SOON = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    private Path pinDir;
    private Path cgroup;
    private EtcdCluster etcd;
    private final String journalA = "--cvs.journal.dir=" + TestJournals.freshDir("fleet-a");
    private final String journalB = "--cvs.journal.dir=" + TestJournals.freshDir("fleet-b");
    private final List<DaemonProcess> daemons = new ArrayList<>();

    @BeforeEach
    void home() throws IOException {
        BpfEnvironment.require();
        EtcdCluster.requireInstalled();
        pinDir = BpfDaemonHome.pinDir(NAME);
        cgroup = BpfDaemonHome.createCgroup(NAME);
    }

    @AfterEach
    void undo() throws IOException {
        try {
            daemons.forEach(DaemonProcess::close);
            if (etcd != null) {
                etcd.close();
            }
        } finally {
            BpfDaemonHome.undo(pinDir, cgroup);
        }
    }

    @Test
    void aChangeOnOneHostIsInTheOthersMapsWithinASecondAndTheSameIfMatchWinsOnce() {
        etcd = EtcdCluster.start(1, dir.resolve("etcd"));
        DaemonProcess a = start("fleet-a", "a", "a", journalA, "--cvs.datapath=memory");
        DaemonProcess b = start("fleet-b", "b", "b", concat(journalB, bpf()));

        long sent = System.nanoTime();
        JsonNode web = DaemonClient.json(a.http().post("/api/v1/services", service("web", "198.51.100.10", 1, "")));
        ServiceKey key = new ServiceKey(ip("198.51.100.10"), 80, Protocol.TCP);
        await().atMost(SOON).pollInterval(Duration.ofMillis(5)).until(() -> inMaps(key) == 1);
        long convergedMillis = (System.nanoTime() - sent) / 1_000_000;
        System.out.printf("POST on A to B's maps: %d ms%n", convergedMillis);
        assertThat(convergedMillis).as("from A's request to B's maps").isLessThan(1000);

        HttpResponse<String> read = b.http().get("/api/v1/services/" + web.path("id").asString());
        assertThat(read.headers().firstValue("ETag")).hasValue("\"" + web.path("version").asLong() + "\"");
        assertThat(read.headers().firstValue("Cvs-Fleet-Applied-Revision").map(Long::parseLong).orElseThrow())
                .isGreaterThanOrEqualTo(web.path("version").asLong());
        assertThat(read.headers().firstValue("Cvs-Fleet-Store-Unreachable-Since")).isEmpty();

        String etag = "\"" + web.path("version").asLong() + "\"";
        String path = "/api/v1/services/" + web.path("id").asString();
        int first = a.http().send("PUT", path, service("web", "198.51.100.10", 2, ""), "If-Match", etag)
                .statusCode();
        HttpResponse<String> second = b.http().send("PUT", path, service("web", "198.51.100.10", 3, ""),
                "If-Match", etag);
        assertThat(List.of(first, second.statusCode())).containsExactly(200, 412);
        assertThat(second.body()).contains("urn:cvs:problem:precondition-failed");
        await().atMost(SOON).until(() -> inMaps(key) == 2);

        String metrics = b.http().get("/actuator/prometheus").body();
        assertThat(metrics).contains("cvs_fleet_applied_revision ", "cvs_fleet_lag_revisions ",
                "cvs_fleet_apply_seconds_bucket", "cvs_fleet_watch_restarts_total{reason=\"compacted\"}");
        JsonNode fleet = DaemonClient.json(a.http().get("/api/v1/fleet"));
        assertThat(fleet.path("mode").asString()).isEqualTo("fleet");
        await().atMost(SOON).until(() -> DaemonClient.json(a.http().get("/api/v1/fleet")).path("hosts").size() == 2);

        // A service for zone a only: not on B, until B restarts labelled zone=a.
        long zonedVersion = DaemonClient.json(a.http().post("/api/v1/services",
                service("zoned", "198.51.100.11", 1, "a"))).path("version").asLong();
        ServiceKey zoned = new ServiceKey(ip("198.51.100.11"), 80, Protocol.TCP);
        await().atMost(SOON).until(() -> appliedRevision(b) >= zonedVersion);
        assertThat(inMaps(zoned)).isZero();
        assertThat(b.http().get("/api/v1/services?name=zoned").body()).doesNotContain("198.51.100.11");
        b.stop();
        start("fleet-b-relabelled", "b", "a", concat(journalB, bpf()));
        await().atMost(SOON).until(() -> inMaps(zoned) == 1);
        assertThat(inMaps(key)).isEqualTo(2);
    }

    @Test
    void aHostRestartedWhileEtcdIsDownForwardsAtOnceAndCatchesUpWhenItReturns() {
        etcd = EtcdCluster.start(1, dir.resolve("etcd"));
        DaemonProcess a = start("fleet-a", "a", "a", journalA, "--cvs.datapath=memory");
        DaemonProcess b = start("fleet-b", "b", "b", concat(journalB, bpf()));
        DaemonClient.json(a.http().post("/api/v1/services", service("before", "198.51.100.20", 1, "")));
        ServiceKey before = new ServiceKey(ip("198.51.100.20"), 80, Protocol.TCP);
        await().atMost(SOON).until(() -> inMaps(before) == 1);
        b.stop();
        DaemonClient.json(a.http().post("/api/v1/services", service("meanwhile", "198.51.100.21", 1, "")));
        etcd.kill9(0);

        DaemonProcess restarted = start("fleet-b-etcd-down", "b", "b", concat(journalB, bpf()));
        assertThat(inMaps(before)).as("forwarded at once from the journal").isEqualTo(1);
        await().atMost(SOON).until(() -> unreachable(restarted));
        HttpResponse<String> write = restarted.http().post("/api/v1/services",
                service("refused", "198.51.100.22", 1, ""));
        assertThat(write.statusCode()).isEqualTo(503);
        assertThat(write.body()).contains("urn:cvs:problem:unavailable");
        assertThat(write.headers().firstValue("Retry-After")).isPresent();
        assertThat(restarted.http().get("/actuator/health/readiness").statusCode()).isEqualTo(200);
        assertThat(DaemonClient.json(restarted.http().get("/actuator/health/readiness")).path("status").asString())
                .isEqualTo("UP");
        assertThat(JSON.readTree(restarted.http().get("/actuator/health").body())
                .path("components").path("fleet").path("status").asString()).isEqualTo("DOWN");

        etcd.start(0);
        ServiceKey meanwhile = new ServiceKey(ip("198.51.100.21"), 80, Protocol.TCP);
        await().atMost(SOON).until(() -> inMaps(meanwhile) == 1);
        await().atMost(SOON).until(() -> restarted.http().get("/api/v1/services").headers()
                .firstValue("Cvs-Fleet-Store-Unreachable-Since").isEmpty());
        assertThat(inMaps(before)).isEqualTo(1);
    }

    private static long appliedRevision(DaemonProcess daemon) {
        return daemon.http().get("/api/v1/services").headers().firstValue("Cvs-Fleet-Applied-Revision")
                .map(Long::parseLong).orElse(0L);
    }

    private static boolean unreachable(DaemonProcess b) {
        return b.http().get("/api/v1/services").headers().firstValue("Cvs-Fleet-Store-Unreachable-Since")
                .isPresent();
    }

    private DaemonProcess start(String name, String hostId, String zone, String... args) {
        String[] all = Stream.concat(Stream.of("--cvs.fleet.etcd.endpoints=" + String.join(",", etcd.endpoints()),
                "--cvs.fleet.host-id=" + hostId, "--cvs.fleet.host-labels.zone=" + zone,
                "--cvs.fleet.prefix=/cvs/" + NAME + "/", "--cvs.fleet.request-timeout=1s",
                "--cvs.fleet.report-interval=500ms"), Stream.of(args)).toArray(String[]::new);
        DaemonProcess daemon = DaemonProcess.start(name, all);
        daemons.add(daemon);
        return daemon;
    }

    private static String[] concat(String first, String[] rest) {
        return Stream.concat(Stream.of(first), Stream.of(rest)).toArray(String[]::new);
    }

    private String[] bpf() {
        return new String[] {"--cvs.datapath=bpf", "--cvs.bpf.pin-dir=" + pinDir, "--cvs.bpf.cgroup=" + cgroup,
            "--cvs.bpf.capacity.max-services=8", "--cvs.bpf.capacity.max-backends=32",
            "--cvs.bpf.capacity.max-backends-per-service=8", "--cvs.bpf.capacity.selection-slots=16"};
    }

    /** How many backends B's pinned maps hold for key; 0 when they hold no such service. */
    private int inMaps(ServiceKey key) {
        try (BpfDatapath maps = BpfDatapath.readOnly(pinDir)) {
            return maps.backends(key).map(List::size).orElse(0);
        }
    }

    private static String service(String name, String vip, int backends, String zone) {
        StringBuilder list = new StringBuilder();
        for (int i = 1; i <= backends; i++) {
            list.append(i > 1 ? "," : "").append("{\"address\":\"10.0.0.").append(i).append("\",\"port\":8080}");
        }
        return "{\"name\":\"" + name + "\",\"vip\":\"" + vip + "\",\"port\":80,\"protocol\":\"TCP\",\"backends\":["
                + list + "]" + (zone.isEmpty() ? "" : ",\"hosts\":{\"matchLabels\":{\"zone\":\"" + zone + "\"}}")
                + "}";
    }
}
