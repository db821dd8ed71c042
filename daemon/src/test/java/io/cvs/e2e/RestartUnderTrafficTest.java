package io.cvs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.process.DaemonClient;
import io.cvs.process.DaemonLogs;
import io.cvs.process.DaemonProcess;
import io.cvs.testing.Bpftool;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/**
 * Never flush on restart: while a client connects to a VIP without pause, the daemon is killed with SIGKILL and a
 * new one is started on the same pin directory, cgroup and journal directory. Not one connection may fail, before,
 * while no daemon runs, while the new one starts (and attaches its programs again), or after; and the maps the
 * datapath reads must hold the same maps and the same bytes afterwards: a restart must not rewrite what is already
 * right. Needs root, bpffs, cgroup v2, {@code ip}, {@code socat}, {@code ss} and {@code bash}; skips loudly without
 * them (fails under CI). Traffic stays in the test's own namespaces (the client's has no default route), the VIP is
 * from a documentation range, the programs attach to a cgroup of this test.
 *
 * <p>The new daemon restores the service from the journal and reconciles it against the maps, which match, so they
 * come out byte for byte the same, and the API serves the service as before, same id and version.
 */
@ExtendWith(DaemonLogs.class)
class RestartUnderTrafficTest {

    private static final String NAME = "cvs-test-java-" + ProcessHandle.current().pid() + "-restart";
    private static final Path WORK = Path.of("target", "cvs-test-" + ProcessHandle.current().pid(), "restart")
            .toAbsolutePath();
    private static final String VIP = "203.0.113.30";
    private static final int BACKENDS = 3;
    private static final int BACKEND_PORT = 8080;
    private static final Duration WITHIN = Duration.ofSeconds(15);
    /** Successes to see in each phase: before the kill, while no daemon runs, while the new one starts, after. */
    private static final int PER_PHASE = 30;

    private static TrafficHost host;

    @BeforeAll
    static void host() throws Exception {
        host = TrafficHost.start(NAME, BACKENDS, BACKEND_PORT);
    }

    /** After the test closed its daemons, so the writer lock that detaching needs is free. */
    @AfterAll
    static void undo() throws Exception {
        if (host != null) {
            host.close();
        }
    }

    @Test
    void noConnectionFailsAndNoForwardingEntryIsRewrittenWhenTheDaemonIsKilledAndStartedAgain() throws Exception {
        ConnectionLoop loop;
        MapSnapshot beforeKill;
        JsonNode serviceBefore;
        long began;
        long killed;
        try (DaemonProcess first = DaemonProcess.start("before-kill", daemonArgs())) {
            HttpResponse<String> created = first.http().post("/api/v1/services", service());
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            serviceBefore = DaemonClient.json(created);
            began = System.nanoTime();
            loop = ConnectionLoop.start(host.sandbox(), host.cgroup(), VIP, 80, Set.of("b1", "b2", "b3"),
                    WORK.resolve("loop.stop"));
            loop.awaitSuccesses(began, PER_PHASE, WITHIN, "before the kill");
            beforeKill = MapSnapshot.of(host.pinDir());

            first.kill9();
            killed = System.nanoTime();
        }
        loop.awaitSuccesses(killed, PER_PHASE, WITHIN, "while no daemon runs");
        long restarting = System.nanoTime();
        try (DaemonProcess second = DaemonProcess.start("after-kill", daemonArgs())) {
            long ready = System.nanoTime();
            loop.awaitSuccesses(ready, PER_PHASE, WITHIN, "after the restart");
            MapSnapshot afterRestart = MapSnapshot.of(host.pinDir());
            loop.stop();
            System.out.printf("connections to %s: %d before the kill, %d with no daemon, %d while the new one started "
                    + "(%d ms), %d after; %d failed%n", VIP, loop.successesBetween(began, killed),
                    loop.successesBetween(killed, restarting), loop.successesBetween(restarting, ready),
                    (ready - restarting) / 1_000_000, loop.successesSince(ready), loop.failures().size());

            assertThat(loop.failures()).as("failed connections").isEmpty();
            assertThat(loop.successesBetween(began, killed)).as("before the kill").isGreaterThanOrEqualTo(PER_PHASE);
            assertThat(loop.successesBetween(killed, restarting)).as("while no daemon ran")
                    .isGreaterThanOrEqualTo(PER_PHASE);
            assertThat(loop.successesBetween(restarting, ready)).as("while the new daemon started")
                    .isGreaterThanOrEqualTo(PER_PHASE);
            assertThat(loop.successesSince(ready)).as("after the restart").isGreaterThanOrEqualTo(PER_PHASE);
            assertThat(afterRestart.ids()).as("map ids").isEqualTo(beforeKill.ids());
            assertThat(beforeKill.changesIn(afterRestart)).as("entries the restart rewrote").isEmpty();
            assertThat(Bpftool.cgroupPrograms(host.cgroup())).extracting(Bpftool.CgroupProgram::attachType)
                    .containsExactlyInAnyOrder(Bpftool.SOCKET_LB_ATTACH_TYPES);
            assertThat(DaemonClient.json(second.http().get("/api/v1/services/" + serviceBefore.path("id").asString())))
                    .as("the service, restored from the journal").isEqualTo(serviceBefore);
            assertThat(DaemonClient.json(second.http().get("/actuator/health/readiness")).path("components")
                    .path("reconcile").path("details").path("unchanged").asInt()).as("reconciled, untouched")
                    .isEqualTo(1);
        }
    }

    private static String[] daemonArgs() {
        return new String[] {"--cvs.datapath=bpf", "--cvs.bpf.pin-dir=" + host.pinDir(),
            "--cvs.bpf.cgroup=" + host.cgroup(),
            "--cvs.bpf.capacity.max-services=8", "--cvs.bpf.capacity.max-backends=32",
            "--cvs.bpf.capacity.max-backends-per-service=8", "--cvs.bpf.capacity.selection-slots=16",
            "--cvs.journal.dir=" + WORK.resolve("journal")};
    }

    private static String service() {
        StringBuilder backends = new StringBuilder();
        for (int i = 1; i <= BACKENDS; i++) {
            backends.append(i > 1 ? "," : "").append("{\"address\":\"").append(Sandbox.backendAddress(i))
                    .append("\",\"port\":").append(BACKEND_PORT).append('}');
        }
        return "{\"name\":\"restart\",\"vip\":\"" + VIP + "\",\"port\":80,\"protocol\":\"TCP\",\"backends\":["
                + backends + "]}";
    }
}
