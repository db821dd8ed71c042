package io.cvs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.datapath.MapIds;
import io.cvs.process.DaemonClient;
import io.cvs.process.DaemonLogs;
import io.cvs.process.DaemonProcess;
import io.cvs.testing.Bpftool;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/**
 * Maps that grow under traffic: while a client connects through 50 VIPs without pause, services are created past
 * the maps' capacity three times over (each time the daemon builds a map set twice as large beside the serving
 * one, fills it and switches every reader to it) and an operator then resizes once more through the capacity
 * endpoint. Not one connection may fail; the counters go on from where they were (they add up to exactly the
 * connections made); afterwards exactly one program is attached per hook and no map of an old set is left in the
 * kernel. Needs root, bpffs, cgroup v2, {@code ip}, {@code socat}, {@code ss} and {@code bash}; skips loudly without
 * them (fails under CI). Traffic stays in the test's own namespaces, VIPs are from documentation ranges, the
 * programs attach to a cgroup of this test.
 */
@ExtendWith(DaemonLogs.class)
class GrowthUnderTrafficTest {

    private static final String NAME = "cvs-test-java-" + ProcessHandle.current().pid() + "-growth";
    private static final Path WORK = Path.of("target", "cvs-test-" + ProcessHandle.current().pid(), "growth")
            .toAbsolutePath();
    private static final int BACKENDS = 3;
    private static final int BACKEND_PORT = 8080;
    private static final int TRAFFIC_VIPS = 50;
    private static final Duration WITHIN = Duration.ofSeconds(20);
    /** Connections to see after each resize, through every one of the VIPs in turn. */
    private static final int PER_PHASE = 20;

    private static TrafficHost host;

    @BeforeAll
    static void host() throws Exception {
        host = TrafficHost.start(NAME, BACKENDS, BACKEND_PORT);
    }

    @AfterAll
    static void undo() throws Exception {
        if (host != null) {
            host.close();
        }
    }

    @Test
    void noConnectionFailsAndTheCountersGoOnWhileTheMapsGrowFourTimes() throws Exception {
        try (DaemonProcess daemon = DaemonProcess.start("growth", daemonArgs())) {
            DaemonClient http = daemon.http();
            List<String> vips = new ArrayList<>();
            for (int i = 1; i <= TRAFFIC_VIPS; i++) {
                vips.add("203.0.113." + i);
            }
            apply(http, vips, 0);
            long began = System.nanoTime();
            ConnectionLoop loop = ConnectionLoop.startAcross(host.sandbox(), host.cgroup(), vips, 80,
                    Set.of("b1", "b2", "b3"),
                    WORK.resolve("loop.stop"), 180);
            loop.awaitSuccesses(began, PER_PHASE, WITHIN, "before any growth");
            Set<Integer> oldMaps = new HashSet<>();

            for (int others : List.of(70, 150, 350)) {
                oldMaps.addAll(mapIds());
                long before = totalConnections(http);
                apply(http, vips, others);
                assertThat(totalConnections(http)).as("connections counted after growing to hold %d", others)
                        .isGreaterThanOrEqualTo(before);
                loop.awaitSuccesses(System.nanoTime(), PER_PHASE, WITHIN,
                        "after growing for " + others + " more services");
            }
            oldMaps.addAll(mapIds());
            HttpResponse<String> resized = http.put("/api/v1/datapath/capacity", "{\"maxServices\":1024}");
            assertThat(resized.statusCode()).as(resized.body()).isEqualTo(200);
            loop.awaitSuccesses(System.nanoTime(), PER_PHASE, WITHIN, "after the requested resize");
            loop.stop();

            JsonNode capacity = DaemonClient.json(http.get("/api/v1/datapath/capacity"));
            long successes = loop.successesSince(began);
            System.out.printf("growth: %d connections through %d VIPs, %d failed; capacity now %s; resizes %d, "
                    + "last %s%n", successes, TRAFFIC_VIPS, loop.failures().size(), capacity.path("services"),
                    capacity.path("resizes").asLong(), capacity.path("lastResize"));
            assertThat(loop.failures()).as("failed connections").isEmpty();
            assertThat(capacity.path("services").path("max").asInt()).isEqualTo(1024);
            assertThat(capacity.path("services").path("used").asInt()).isEqualTo(TRAFFIC_VIPS + 350);
            assertThat(capacity.path("resizes").asLong()).isEqualTo(4);
            assertThat(capacity.path("lastResize").path("trigger").asString()).isEqualTo("requested");
            assertThat(totalConnections(http)).as("connections counted, across four map sets").isEqualTo(successes);
            assertThat(Bpftool.cgroupPrograms(host.cgroup())).extracting(Bpftool.CgroupProgram::attachType)
                    .containsExactlyInAnyOrder(Bpftool.SOCKET_LB_ATTACH_TYPES);
            Set<Integer> current = mapIds();
            oldMaps.removeAll(current);
            assertThat(oldMaps).hasSize(4 * MapIds.MAP_NAMES.size());
            assertThat(Bpftool.mapIds()).as("maps of the old sets still in the kernel").doesNotContainAnyElementsOf(
                    oldMaps);
            assertThat(Files.exists(Path.of(host.pinDir() + "_next"))).as("a staged set left behind").isFalse();
        }
    }

    /** The 50 traffic services and others more, each on its own VIP, in one bulk request. */
    private static void apply(DaemonClient http, List<String> vips, int others) {
        StringBuilder body = new StringBuilder("{\"services\":[");
        String sandboxBackends = sandboxBackends();
        for (int i = 0; i < vips.size(); i++) {
            body.append(i > 0 ? "," : "").append(service("traffic-" + i, vips.get(i), 80, sandboxBackends));
        }
        for (int i = 0; i < others; i++) {
            body.append(',').append(service("other-" + i, "198.51.100." + (i % 250 + 1), 10_000 + i,
                    "{\"address\":\"10.80." + (i / 250) + "." + (i % 250 + 1) + "\",\"port\":80}"));
        }
        HttpResponse<String> applied = http.put("/api/v1/services", body.append("]}").toString());
        assertThat(applied.statusCode()).as(applied.body()).isEqualTo(200);
    }

    private static String service(String name, String vip, int port, String backends) {
        return "{\"name\":\"" + name + "\",\"vip\":\"" + vip + "\",\"port\":" + port
                + ",\"protocol\":\"TCP\",\"backends\":[" + backends + "]}";
    }

    private static String sandboxBackends() {
        StringBuilder backends = new StringBuilder();
        for (int i = 1; i <= BACKENDS; i++) {
            backends.append(i > 1 ? "," : "").append("{\"address\":\"").append(Sandbox.backendAddress(i))
                    .append("\",\"port\":").append(BACKEND_PORT).append('}');
        }
        return backends.toString();
    }

    /** Connections the datapath counted for the traffic services: the sum over their backends. */
    private static long totalConnections(DaemonClient http) {
        long total = 0;
        for (JsonNode service : DaemonClient.json(http.get("/api/v1/services?limit=1000")).path("items")) {
            if (!service.path("name").asString().startsWith("traffic-")) {
                continue;
            }
            JsonNode stats = DaemonClient.json(http.get("/api/v1/services/" + service.path("id").asString()
                    + "/stats"));
            for (JsonNode backend : stats.path("backends")) {
                total += backend.path("connections").asLong();
            }
        }
        return total;
    }

    /** The kernel ids of the maps of the set the daemon serves now. */
    private static Set<Integer> mapIds() throws Exception {
        MapIds ids = MapSnapshot.of(host.pinDir()).ids();
        return Set.of(ids.meta(), ids.services(), ids.generations(), ids.select(), ids.members(), ids.backends(),
                ids.backendStats(), ids.serviceStats(), ids.services6(), ids.backends6(), ids.meta2(), ids.policies(),
                ids.selectable(), ids.maglev(), ids.affinity());
    }

    private static String[] daemonArgs() {
        return new String[] {"--cvs.datapath=bpf", "--cvs.bpf.pin-dir=" + host.pinDir(),
            "--cvs.bpf.cgroup=" + host.cgroup(),
            "--cvs.bpf.capacity.max-services=64", "--cvs.bpf.capacity.max-backends=512",
            "--cvs.bpf.capacity.max-backends-per-service=8", "--cvs.bpf.capacity.selection-slots=16",
            "--cvs.bpf.growth.max-services=512", "--cvs.journal.dir=" + WORK.resolve("journal")};
    }
}
