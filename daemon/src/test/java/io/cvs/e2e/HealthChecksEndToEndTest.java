package io.cvs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.metrics.PrometheusText;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Active health checks end to end: the daemon probes backends in namespaces of their own (reached from this host
 * as a host reaches its containers), and a client namespace connects to the VIP through the socket-LB programs.
 * A backend whose server stops leaves rotation within interval x fall and comes back within interval x rise, and
 * every backend down follows the service's policy. The API and the parsed scrape ({@code cvs_backend_up}) say so. Root, BPF, ip and socat; skips loudly without (fails in CI).
 */
@ExtendWith(SandboxHost.class)
@SandboxHost.Backends(value = 3, linkedToHost = true)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "cvs.datapath=bpf",
    "cvs.security.admin-token=" + HealthChecksEndToEndTest.ADMIN_TOKEN})
@DirtiesContext
class HealthChecksEndToEndTest {

    static final String ADMIN_TOKEN = "admin-token-for-the-health-test";

    private static final int INTERVAL_MS = 200;
    private static final int RISE = 2;
    private static final int FALL = 2;
    /** Probes come interval x (1 ± jitter) apart; scheduling on a loaded 2-core machine adds the rest. */
    private static final Duration SLACK = Duration.ofMillis(1500);

    @LocalServerPort
    private int port;

    @DynamicPropertySource
    static void daemonProperties(DynamicPropertyRegistry properties) {
        SandboxHost.daemonProperties(properties, HealthChecksEndToEndTest.class);
    }

    private static SandboxHost.Environment host() {
        return SandboxHost.of(HealthChecksEndToEndTest.class);
    }

    private AdminApi api() {
        return new AdminApi(port, ADMIN_TOKEN);
    }

    private String createChecked(String name, String vip, int backendPort, String whenAllDown) throws Exception {
        StringBuilder backends = new StringBuilder();
        for (int i = 1; i <= 3; i++) {
            backends.append(i > 1 ? "," : "").append("{\"address\":\"").append(Sandbox.backendAddress(i))
                    .append("\",\"port\":").append(backendPort).append('}');
        }
        return api().create("{\"name\":\"" + name + "\",\"vip\":\"" + vip + "\",\"port\":80,\"protocol\":\"TCP\","
                + "\"backends\":[" + backends + "],\"healthCheck\":{\"type\":\"TCP\",\"intervalMs\":" + INTERVAL_MS
                + ",\"timeoutMs\":" + INTERVAL_MS + ",\"rise\":" + RISE + ",\"fall\":" + FALL + ",\"whenAllDown\":\""
                + whenAllDown + "\"}}");
    }

    private List<Process> serveAll(int backendPort) {
        List<Process> servers = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            servers.add(host().sandbox().serve(i, backendPort, "b" + i));
        }
        return servers;
    }

    private JsonNode health(String id) throws Exception {
        return api().getJson("/api/v1/services/" + id + "/health");
    }

    /** Waits until backend i (1-based) is in state, and returns how long that took from startNanos. */
    private Duration awaitState(String id, int i, String state, long startNanos, Duration limit) {
        Awaitility.await().atMost(limit).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> assertThat(
                health(id).path("backends").get(i - 1).path("state").asString()).isEqualTo(state));
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    private List<String> connect(String vip, int times) throws Exception {
        List<String> greetings = new ArrayList<>();
        for (int n = 0; n < times; n++) {
            greetings.add(host().sandbox().connect(host().cgroup(), vip, 80));
        }
        return greetings;
    }

    /** cvs_backend_up of backend i of the "checked" service, from a parsed scrape. */
    private double up(int i) throws Exception {
        return scrape().get("cvs_backend_up").value("", "service", "checked", "vip", "192.0.2.30:80/TCP", "backend",
                Sandbox.backendAddress(i) + ":8080");
    }

    private double transitions(String to) throws Exception {
        return scrape().get("cvs_health_transitions_total").value("", "to", to);
    }

    private Map<String, PrometheusText.Family> scrape() throws Exception {
        return PrometheusText.parse(api().get("/actuator/prometheus").body());
    }

    private long refused(String id) throws Exception {
        return api().getJson("/api/v1/services/" + id + "/stats").path("refused").asLong();
    }

    @Test
    void aDeadBackendLeavesRotationByItselfAndComesBackWhenItAnswersAgain() throws Exception {
        List<Process> servers = serveAll(8080);
        String id = createChecked("checked", "192.0.2.30", 8080, "FAIL_OPEN");
        for (int i = 1; i <= 3; i++) {
            awaitState(id, i, "UP", System.nanoTime(), Duration.ofSeconds(10));
        }
        assertThat(connect("192.0.2.30", 30)).contains("b1", "b2", "b3");

        long stopped = System.nanoTime();
        host().sandbox().stopServing(servers.get(1), 2, 8080);
        Duration tookDown = awaitState(id, 2, "DOWN", stopped, Duration.ofMillis(INTERVAL_MS * FALL).plus(SLACK));

        JsonNode down = health(id).path("backends").get(1);
        assertThat(down.path("inRotation").asBoolean()).isFalse();
        assertThat(down.path("lastResult").asString()).isEqualTo("connection refused");
        assertThat(up(2)).as("cvs_backend_up of the stopped backend").isEqualTo(0);
        assertThat(up(1)).isEqualTo(1);
        assertThat(transitions("down")).isGreaterThanOrEqualTo(1);
        // A connection to the stopped backend would be refused, and connect() fails on any refusal.
        assertThat(connect("192.0.2.30", 30)).as("no new connection reaches the stopped backend")
                .doesNotContain("b2").contains("b1", "b3");

        long restarted = System.nanoTime();
        host().sandbox().serve(2, 8080, "b2");
        Duration tookUp = awaitState(id, 2, "UP", restarted, Duration.ofMillis(INTERVAL_MS * RISE).plus(SLACK));

        assertThat(health(id).path("backends").get(1).path("inRotation").asBoolean()).isTrue();
        assertThat(up(2)).isEqualTo(1);
        assertThat(connect("192.0.2.30", 30)).contains("b2");
        JsonNode configured = api().getJson("/api/v1/services/" + id);
        assertThat(configured.path("backends")).as("health never changes the configuration").hasSize(3);
        System.out.printf("health e2e: down after %d ms (interval x fall = %d ms), up after %d ms (interval x "
                + "rise = %d ms)%n", tookDown.toMillis(), INTERVAL_MS * FALL, tookUp.toMillis(), INTERVAL_MS * RISE);
    }

    /** A checked service whose three servers all stopped, once the API shows every backend down. */
    private String allDown(String name, String vip, int backendPort, String whenAllDown) throws Exception {
        List<Process> servers = serveAll(backendPort);
        String id = createChecked(name, vip, backendPort, whenAllDown);
        for (int i = 1; i <= 3; i++) {
            awaitState(id, i, "UP", System.nanoTime(), Duration.ofSeconds(10));
        }
        for (int i = 1; i <= 3; i++) {
            host().sandbox().stopServing(servers.get(i - 1), i, backendPort);
        }
        for (int i = 1; i <= 3; i++) {
            awaitState(id, i, "DOWN", System.nanoTime(), Duration.ofMillis(INTERVAL_MS * FALL).plus(SLACK));
        }
        assertThat(health(id).path("allDown").asBoolean()).isTrue();
        return id;
    }

    @Test
    void everyBackendDownFailClosedRefusesNewConnections() throws Exception {
        String id = allDown("closed", "192.0.2.31", 8090, "FAIL_CLOSED");
        health(id).path("backends").forEach(b -> assertThat(b.path("inRotation").asBoolean()).isFalse());
        long refusedBefore = refused(id);

        assertThat(host().sandbox().connectionFailure(host().cgroup(), "192.0.2.31", 80))
                .contains("Connection refused");
        assertThat(refused(id)).as("refused by the datapath, not by a backend").isEqualTo(refusedBefore + 1);
    }

    @Test
    void everyBackendDownFailOpenKeepsSelectingAll() throws Exception {
        String id = allDown("open", "192.0.2.32", 8091, "FAIL_OPEN");
        health(id).path("backends").forEach(b -> assertThat(b.path("inRotation").asBoolean()).isTrue());
        long refusedBefore = refused(id);

        // The datapath still selects a backend (counted as a connection), whose closed port then refuses.
        host().sandbox().connectionFailure(host().cgroup(), "192.0.2.32", 80);
        JsonNode stats = api().getJson("/api/v1/services/" + id + "/stats");
        assertThat(stats.path("refused").asLong()).as("not refused by the datapath").isEqualTo(refusedBefore);
        long connections = 0;
        for (JsonNode backend : stats.path("backends")) {
            connections += backend.path("connections").asLong();
        }
        assertThat(connections).isEqualTo(1);
    }
}
