package io.cvs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.process.DaemonClient;
import io.cvs.process.DaemonLogs;
import io.cvs.process.DaemonProcess;
import io.cvs.testing.Bpftool;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/**
 * A daemon killed with SIGKILL in the middle of growing its maps, at points from the fill to the removal of the old
 * set, while a client connects through the VIPs without pause: after each crash the next daemon starts on the same
 * pins and journal, finds exactly one complete map set at its pin directory (libcvsbpf finishes or rolls back the
 * switch when it opens), serves the same desired state, and not one connection failed meanwhile. Each daemon is
 * started armed for the next point (CVS_FAILPOINT, read by libcvsbpf), so it is checked first and then crashed by a
 * resize. libcvsbpf's own test_grow crashes at every one of its points; these are one per way of recovering,
 * through the daemon. Needs root, bpffs, cgroup v2, {@code ip}, {@code socat}, {@code ss}, {@code bash}; skips
 * loudly without them (fails under CI). Traffic stays in the test's namespaces; VIPs are from documentation ranges.
 */
@ExtendWith(DaemonLogs.class)
class GrowthCrashTest {

    private static final String NAME = "cvs-test-java-" + ProcessHandle.current().pid() + "-growcrash";
    private static final Path WORK = Path.of("target", "cvs-test-" + ProcessHandle.current().pid(), "growcrash")
            .toAbsolutePath();
    private static final int BACKENDS = 2;
    private static final int BACKEND_PORT = 8080;
    private static final List<String> VIPS = List.of("203.0.113.71", "203.0.113.72", "203.0.113.73");
    /**
     * In the cleanup, in the fill, after the switch, midway through the readers: one point per way the next open
     * recovers (removing what is left of the old set, rolling back, finishing). Ordered so that no point is armed in
     * a daemon whose open recovers through it: finishing a switch passes the points after the readers moved (the
     * pin moves, the exchange, the cleanup), rolling back passes none. libcvsbpf's test_grow crashes at all of them.
     */
    private static final List<String> POINTS = List.of("old-unpinned-1", "fill-started", "exchanged",
            "links-updated");
    private static final Duration WITHIN = Duration.ofSeconds(20);
    private static final int PER_PHASE = 10;

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
    void afterACrashAtAnyPointOfAGrowthOneCompleteMapSetServesTheSameServicesAndNoConnectionFailed()
            throws Exception {
        DaemonProcess daemon = DaemonProcess.start("growcrash-first", armed(POINTS.get(0)), daemonArgs());
        ConnectionLoop loop = null;
        try {
            String desired = desired();
            HttpResponse<String> applied = daemon.http().put("/api/v1/services", desired);
            assertThat(applied.statusCode()).as(applied.body()).isEqualTo(200);
            JsonNode services = servicesOf(daemon.http());
            loop = ConnectionLoop.startAcross(host.sandbox(), host.cgroup(), VIPS, 80, Set.of("b1", "b2"),
                    WORK.resolve("loop.stop"), 300);
            loop.awaitSuccesses(System.nanoTime(), PER_PHASE, WITHIN, "before the first crash");
            int maxServices = 8;
            for (int p = 0; p < POINTS.size(); p++) {
                maxServices *= 2;
                resizeAndDie(daemon, maxServices, POINTS.get(p));
                assertThat(daemon.waitForExit(Duration.ofSeconds(30))).as("killed at " + POINTS.get(p)).isTrue();
                loop.awaitSuccesses(System.nanoTime(), PER_PHASE, WITHIN,
                        "with no daemon after a crash at " + POINTS.get(p));
                String next = p + 1 < POINTS.size() ? POINTS.get(p + 1) : "";
                daemon = DaemonProcess.start("growcrash-after-" + POINTS.get(p), armed(next), daemonArgs());

                String point = POINTS.get(p);
                assertThat(Files.exists(Path.of(host.pinDir() + "_next"))).as("a staged set after " + point).isFalse();
                assertThat(MapSnapshot.of(host.pinDir()).ids()).as("a complete set after " + point).isNotNull();
                assertThat(servicesOf(daemon.http())).as("the desired state after " + point).isEqualTo(services);
                assertThat(Bpftool.cgroupPrograms(host.cgroup())).as("one program per hook after " + point)
                        .extracting(Bpftool.CgroupProgram::attachType)
                        .containsExactlyInAnyOrder(Bpftool.SOCKET_LB_ATTACH_TYPES);
                loop.awaitSuccesses(System.nanoTime(), PER_PHASE, WITHIN, "after the restart that followed " + point);
                assertThat(loop.failures()).as("failed connections up to " + point).isEmpty();
            }
            loop.stop();
            System.out.printf("growth crashes at %s: %d connections, %d failed%n", POINTS,
                    loop.successesSince(0), loop.failures().size());
            assertThat(loop.failures()).as("failed connections").isEmpty();
        } finally {
            if (loop != null) {
                loop.stop();
            }
            daemon.close();
        }
    }

    /** The resize never answers: the daemon kills itself at the armed point, which drops the connection. */
    private static void resizeAndDie(DaemonProcess daemon, int maxServices, String point) {
        try {
            HttpResponse<String> answer = daemon.http().put("/api/v1/datapath/capacity",
                    "{\"maxServices\":" + maxServices + "}");
            throw new AssertionError("the daemon armed for " + point + " answered " + answer.statusCode() + ": "
                    + answer.body());
        } catch (UncheckedIOException expected) {
            // the connection died with the daemon
        }
    }

    private static Map<String, String> armed(String point) {
        return point.isEmpty() ? Map.of() : Map.of("CVS_FAILPOINT", point);
    }

    /** The services as the API lists them: ids, versions and all, which a crash must not change. */
    private static JsonNode servicesOf(DaemonClient http) {
        return DaemonClient.json(http.get("/api/v1/services?limit=100")).path("items");
    }

    private static String desired() {
        List<String> services = new ArrayList<>();
        for (int i = 0; i < VIPS.size(); i++) {
            services.add("{\"name\":\"crash-" + i + "\",\"vip\":\"" + VIPS.get(i) + "\",\"port\":80,\"protocol\":"
                    + "\"TCP\",\"backends\":[{\"address\":\"" + Sandbox.backendAddress(1) + "\",\"port\":"
                    + BACKEND_PORT + "},{\"address\":\"" + Sandbox.backendAddress(2) + "\",\"port\":" + BACKEND_PORT
                    + ",\"weight\":" + (i + 1) + "}]}");
        }
        return "{\"services\":[" + String.join(",", services) + "]}";
    }

    private static String[] daemonArgs() {
        return new String[] {"--cvs.datapath=bpf", "--cvs.bpf.pin-dir=" + host.pinDir(),
            "--cvs.bpf.cgroup=" + host.cgroup(),
            "--cvs.bpf.capacity.max-services=8", "--cvs.bpf.capacity.max-backends=32",
            "--cvs.bpf.capacity.max-backends-per-service=8", "--cvs.bpf.capacity.selection-slots=16",
            "--cvs.journal.dir=" + WORK.resolve("journal")};
    }
}
