package io.cvs.e2e;

import static io.cvs.e2e.FlowPeers.assertCleaned;
import static io.cvs.e2e.FlowPeers.millis;
import static io.cvs.e2e.FlowPeers.now;
import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.e2e.FlowPeers.Cleanup;
import io.cvs.e2e.FlowPeers.Client;
import io.cvs.e2e.FlowPeers.Server;
import io.cvs.process.DaemonClient;
import io.cvs.process.DaemonLogs;
import io.cvs.process.DaemonProcess;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/**
 * Issue 16 across a crash: the daemon is killed after a backend's removal was written but before the sweep that
 * follows it ran (the daemon's failpoint {@code CVS_FAILPOINT=flows-before-sweep} halts it there with status 137),
 * so the client's connected UDP socket still reaches the removed backend. The removal is durable and a sweep decides
 * from the maps alone: the sweep after the restart's first reconcile ends that socket, and no datagram reaches the
 * removed backend later than {@value FlowPeers#BOUND_MS} ms after the new daemon is ready. Root, BPF, cgroup v2,
 * {@code ip}, {@code socat}, {@code ss}, {@code bash}; skips loudly without (fails in CI). The test's own
 * namespaces (no default route) and cgroup, a VIP from 203.0.113.0/24.
 */
@ExtendWith(DaemonLogs.class)
class FlowSweepAfterCrashTest {

    private static final String NAME = "cvs-test-java-" + ProcessHandle.current().pid() + "-flowcrash";
    private static final Path WORK = Path.of("target", "cvs-test-" + ProcessHandle.current().pid(), "flowcrash")
            .toAbsolutePath();
    private static final String VIP = "203.0.113.60";
    private static final int BACKEND_PORT = 5353;

    private static TrafficHost host;

    @BeforeAll
    static void host() throws Exception {
        host = TrafficHost.build(NAME, 2);
    }

    @AfterAll
    static void undo() throws Exception {
        if (host != null) {
            host.close();
        }
    }

    @Test
    void aRemovalWhoseSweepACrashPreventedIsSweptAfterTheRestart() throws Exception {
        List<Server> servers = List.of(FlowPeers.server(host.sandbox(), 1, "udp:" + BACKEND_PORT),
                FlowPeers.server(host.sandbox(), 2, "udp:" + BACKEND_PORT));
        Client client = null;
        try {
            Server gone;
            long died;
            String id;
            String answer;
            try (DaemonProcess armed = DaemonProcess.start("flows-armed", Map.of("CVS_FAILPOINT",
                    "flows-before-sweep"), daemonArgs())) {
                id = DaemonClient.json(armed.http().post("/api/v1/services", service())).path("id").asString();
                client = FlowPeers.udpClient(host.sandbox(), host.sandbox().client(), host.cgroup(), "crash", VIP, 53);
                gone = FlowPeers.serverOf(client, servers, FlowPeers.WITHIN);
                try {
                    HttpResponse<String> removed = armed.http().delete("/api/v1/services/" + id + "/backends/"
                            + Sandbox.backendAddress(gone.backend) + ":" + BACKEND_PORT);
                    assertThat(removed.statusCode()).as(removed.body()).isEqualTo(204);
                    answer = "204";
                } catch (UncheckedIOException diedBeforeAnswering) {
                    // the failpoint gives the answer time to leave; on a slow machine it may not have: the write
                    // was durable before the sweep was asked for, all the same
                    answer = "no answer";
                }
                assertThat(armed.waitForExit(Duration.ofSeconds(10))).as("halted at flows-before-sweep").isTrue();
                assertThat(armed.exitCode()).as("exit status of the halt; %s", armed.tail()).isEqualTo(137);
                died = now();
            }
            Client crashed = client;
            // with no sweep, nothing ends the socket: it still reaches the removed backend
            Awaitility.await("the socket still reaches b" + gone.backend + " with no daemon")
                    .atMost(FlowPeers.WITHIN).pollInterval(Duration.ofMillis(10))
                    .until(() -> gone.from(crashed.tag).stream().filter(a -> a.nanos() > died).count() >= 5);
            assertThat(client.failures()).as("the client's calls before the restart").isEmpty();

            long restarting = now();
            try (DaemonProcess restarted = DaemonProcess.start("flows-restarted", daemonArgs())) {
                long ready = now();
                Server live = servers.get(2 - gone.backend);
                Cleanup figures = assertCleaned(client, gone, live, restarting, ready);
                JsonNode service = DaemonClient.json(restarted.http().get("/api/v1/services/" + id));
                assertThat(service.path("backends")).as("the removal survived the crash").hasSize(1);
                System.out.printf("flows e2e crash: removal answered %s, halted before the sweep, b%d still got "
                        + "the client's datagrams %d ms after the crash; after the restart (ready %d ms after the "
                        + "crash) the last one on it came %d ms after ready, the call failed at %d ms, first on b%d "
                        + "at %d ms%n",
                        answer, gone.backend, millis(gone.from(client.tag).stream().mapToLong(FlowPeers.Arrival::nanos)
                                .filter(t -> t < ready).max().orElseThrow() - died), millis(ready - died),
                        figures.lastOnGone(), figures.failed(), live.backend, figures.firstOnLive());
            }
        } finally {
            if (client != null) {
                client.stop();
            }
            servers.forEach(Server::stop);
        }
    }

    private static String service() {
        return "{\"name\":\"flowcrash\",\"vip\":\"" + VIP + "\",\"port\":53,\"protocol\":\"UDP\",\"backends\":["
                + "{\"address\":\"" + Sandbox.backendAddress(1) + "\",\"port\":" + BACKEND_PORT + "},"
                + "{\"address\":\"" + Sandbox.backendAddress(2) + "\",\"port\":" + BACKEND_PORT + "}]}";
    }

    private static String[] daemonArgs() {
        return new String[] {"--cvs.datapath=bpf", "--cvs.bpf.pin-dir=" + host.pinDir(),
            "--cvs.bpf.cgroup=" + host.cgroup(),
            "--cvs.bpf.capacity.max-services=8", "--cvs.bpf.capacity.max-backends=32",
            "--cvs.bpf.capacity.max-backends-per-service=8", "--cvs.bpf.capacity.selection-slots=16",
            "--cvs.journal.dir=" + WORK.resolve("journal")};
    }
}
