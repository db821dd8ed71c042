package io.cvs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.metrics.PrometheusText;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A connected UDP client stays on no backend that left its service: the daemon runs the socket-LB's flow sweep after
 * the REST write, so the client's socket is ended (its next send fails) instead of sending to the removed backend
 * until it gives up, while clients of a kept backend and of a drained one (weight 0) go on. Root, BPF, ip and socat;
 * skipped where the kernel cannot end sockets (the daemon reports mechanism none).
 */
@ExtendWith(SandboxHost.class)
@SandboxHost.Backends(3)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "cvs.datapath=bpf",
    "cvs.security.admin-token=" + FlowSweepsThroughTheApiTest.ADMIN_TOKEN})
@DirtiesContext
class FlowSweepsThroughTheApiTest {

    static final String ADMIN_TOKEN = "admin-token-for-the-flow-sweep-test";
    private static final int PORT = 5300;

    @LocalServerPort
    private int port;

    @DynamicPropertySource
    static void daemonProperties(DynamicPropertyRegistry properties) {
        SandboxHost.daemonProperties(properties, FlowSweepsThroughTheApiTest.class);
    }

    private static SandboxHost.Environment host() {
        return SandboxHost.of(FlowSweepsThroughTheApiTest.class);
    }

    private AdminApi api() {
        return new AdminApi(port, ADMIN_TOKEN);
    }

    /** A UDP service at vip whose one backend is backend i. */
    private String udpService(String name, String vip, int i) throws Exception {
        return api().create("{\"name\":\"" + name + "\",\"vip\":\"" + vip + "\",\"port\":" + PORT
                + ",\"protocol\":\"UDP\",\"backends\":[{\"address\":\"" + Sandbox.backendAddress(i) + "\",\"port\":"
                + PORT + "}]}");
    }

    /** A client with one connected UDP socket to vip, sending a datagram every 100 ms until a send fails. */
    private Process client(String vip) {
        return host().sandbox().startClient(host().cgroup(), "exec socat -u SYSTEM:\"while true; do echo ping; "
                + "sleep 0.1; done\" UDP:" + vip + ":" + PORT);
    }

    private static long size(Path file) throws Exception {
        return Files.exists(file) ? Files.size(file) : 0;
    }

    @Test
    void aConnectedUdpClientOfARemovedBackendIsEndedAndOthersGoOn(@TempDir Path dir) throws Exception {
        String mechanism = api().getJson("/api/v1/datapath").path("flows").path("mechanism").asString();
        Assumptions.assumeFalse("none".equals(mechanism), "this kernel cannot end sockets");
        Path[] received = new Path[4];
        for (int i = 1; i <= 3; i++) {
            received[i] = dir.resolve("b" + i);
            host().sandbox().sinkUdp(i, PORT, received[i]);
        }
        String removed = udpService("removed", "192.0.2.81", 1);
        udpService("kept", "192.0.2.82", 2);
        String drained = udpService("drained", "192.0.2.83", 3);
        Process[] clients = {null, client("192.0.2.81"), client("192.0.2.82"), client("192.0.2.83")};
        try {
            sweptWhenRemovedNotWhenDrained(removed, drained, clients, received);
        } finally {
            // the cgroup can only be removed once its processes are gone, the loops' orphaned sleeps too
            for (int i = 1; i <= 3; i++) {
                clients[i].descendants().forEach(ProcessHandle::destroyForcibly);
                clients[i].destroyForcibly();
                clients[i].waitFor(5, TimeUnit.SECONDS);
            }
            Path procs = host().cgroup().resolve("cgroup.procs");
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> {
                Files.readAllLines(procs).forEach(pid -> ProcessHandle.of(Long.parseLong(pid.strip()))
                        .ifPresent(ProcessHandle::destroyForcibly));
                return Files.readString(procs).isBlank();
            });
        }
    }

    private void sweptWhenRemovedNotWhenDrained(String removed, String drained, Process[] clients, Path[] received)
            throws Exception {
        for (int i = 1; i <= 3; i++) {
            Path file = received[i];
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> size(file) > 0);
        }

        assertThat(api().delete("/api/v1/services/" + removed + "/backends/" + Sandbox.backendAddress(1) + ":"
                + PORT).statusCode()).isEqualTo(204);
        assertThat(api().patch("/api/v1/services/" + drained, "{\"backends\":[{\"address\":\""
                + Sandbox.backendAddress(3) + "\",\"port\":" + PORT + ",\"weight\":0}]}").statusCode())
                .isEqualTo(200);

        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !clients[1].isAlive());
        assertThat(clients[1].exitValue()).as("its send failed").isNotZero();
        long kept = size(received[2]);
        long drainedBytes = size(received[3]);
        Awaitility.await().atMost(Duration.ofSeconds(5))
                .until(() -> size(received[2]) > kept && size(received[3]) > drainedBytes);
        assertThat(clients[2].isAlive()).as("the kept backend's client").isTrue();
        assertThat(clients[3].isAlive()).as("the drained backend's client keeps its flow").isTrue();

        PrometheusText.Family ended = PrometheusText.parse(api().get("/actuator/prometheus").body())
                .get("cvs_flows_terminated_total");
        assertThat(ended.value("", "backend", Sandbox.backendAddress(1) + ":" + PORT, "reason", "removed",
                "service", "removed")).isGreaterThanOrEqualTo(1);
    }
}
