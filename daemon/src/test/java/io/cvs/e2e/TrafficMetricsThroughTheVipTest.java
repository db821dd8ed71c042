package io.cvs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.metrics.PrometheusText;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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
 * End to end on the real kernel: a known number of TCP connections from a client namespace through a VIP to three
 * backends in namespaces of their own, through the socket-LB programs on a cgroup of this test; then
 * {@code /actuator/prometheus}, scraped over HTTP and parsed, and the stats API must count per backend exactly the
 * connections each backend accepted (counted on the backends' side). Needs root, BPF, {@code ip}, {@code socat} and
 * {@code ss} ({@link SandboxHost}); the client namespace has no default route.
 */
@ExtendWith(SandboxHost.class)
@SandboxHost.Backends(3)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "cvs.datapath=bpf",
    "cvs.stats.rate-interval=500ms",
    "cvs.security.admin-token=" + TrafficMetricsThroughTheVipTest.ADMIN_TOKEN})
@DirtiesContext
class TrafficMetricsThroughTheVipTest {

    static final String ADMIN_TOKEN = "admin-token-for-the-metrics-end-to-end-test";

    private static final String VIP = "192.0.2.30";
    private static final String VIP_LABEL = VIP + ":80/TCP";
    private static final int BACKENDS = 3;
    private static final int BACKEND_PORT = 8080;
    private static final int CONNECTIONS = 120;

    @LocalServerPort
    private int port;

    @DynamicPropertySource
    static void daemonProperties(DynamicPropertyRegistry properties) {
        SandboxHost.daemonProperties(properties, TrafficMetricsThroughTheVipTest.class);
    }

    private static SandboxHost.Environment host() {
        return SandboxHost.of(TrafficMetricsThroughTheVipTest.class);
    }

    private AdminApi api() {
        return new AdminApi(port, ADMIN_TOKEN);
    }

    @Test
    void prometheusAndTheStatsCountExactlyTheConnectionsEachBackendAccepted() throws Exception {
        Path acceptLogs = Files.createTempDirectory(Files.createDirectories(Path.of("target").toAbsolutePath()),
                "accepted-");
        StringBuilder backends = new StringBuilder();
        for (int i = 1; i <= BACKENDS; i++) {
            host().sandbox().serveCounting(i, BACKEND_PORT, "b" + i, acceptLogs.resolve("b" + i));
            backends.append(i == 1 ? "" : ",").append("{\"address\":\"").append(Sandbox.backendAddress(i))
                    .append("\",\"port\":").append(BACKEND_PORT).append(",\"weight\":").append(i).append('}');
        }
        String id = api().create("{\"name\":\"e2e-metrics\",\"vip\":\"" + VIP
                + "\",\"port\":80,\"protocol\":\"TCP\",\"backends\":[" + backends + "]}");

        Map<String, Integer> greetings = connect(CONNECTIONS);
        Instant trafficEnded = Instant.now();

        Map<String, Long> accepted = new HashMap<>();
        for (int i = 1; i <= BACKENDS; i++) {
            Path log = acceptLogs.resolve("b" + i);
            accepted.put(Sandbox.backendAddress(i) + ":" + BACKEND_PORT,
                    Files.exists(log) ? Files.readAllLines(log).size() : 0L);
            assertThat(greetings.getOrDefault("b" + i, 0).longValue()).as("b%d greeted what it accepted", i)
                    .isEqualTo(accepted.get(Sandbox.backendAddress(i) + ":" + BACKEND_PORT));
        }
        assertThat(accepted.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(CONNECTIONS);
        assertThat(accepted.values()).as("weights 1:2:3 over %d connections", CONNECTIONS).allMatch(n -> n > 0);

        Map<String, PrometheusText.Family> families = scrape();
        PrometheusText.Family perBackend = families.get("cvs_backend_connections_total");
        assertThat(perBackend.type()).isEqualTo("counter");
        for (Map.Entry<String, Long> backend : accepted.entrySet()) {
            assertThat(perBackend.value("", "service", "e2e-metrics", "vip", VIP_LABEL, "backend", backend.getKey()))
                    .as(backend.getKey()).isEqualTo(backend.getValue().doubleValue());
        }
        assertThat(families.get("cvs_service_connections_total").value("", "service", "e2e-metrics", "vip",
                VIP_LABEL)).isEqualTo(CONNECTIONS);
        assertThat(families.get("cvs_service_refused_total").value("", "service", "e2e-metrics", "vip", VIP_LABEL))
                .isZero();
        assertThat(families).as("socket-LB counts no packets of a TCP service, and no bytes at all")
                .doesNotContainKeys("cvs_backend_packets_total", "cvs_backend_bytes_total");
        assertThat(families.get("cvs_datapath_info").value("", "mode", "bpf", "forwarders", "socket-lb"))
                .isEqualTo(1);
        assertThat(families.get("cvs_map_entries").value("", "map", "backends")).isEqualTo(BACKENDS);

        JsonNode stats = Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> api().getJson("/api/v1/services/" + id + "/stats"),
                        json -> json.has("rate") && Instant.parse(json.path("rate").path("sampledAt").asString())
                                .isAfter(trafficEnded));
        for (JsonNode backend : stats.path("backends")) {
            String key = backend.path("address").asString() + ":" + backend.path("port").asInt();
            assertThat(backend.path("connections").asLong()).as(key).isEqualTo(accepted.get(key));
            double perSecond = backend.path("rate").path("connectionsPerSecond").asDouble(-1);
            assertThat(perSecond * stats.path("rate").path("windowSeconds").asDouble()).as(key)
                    .isBetween(0.0, (double) accepted.get(key));
        }
        assertThat(stats.path("rate").path("connectionsPerSecond").asDouble(-1)).isGreaterThanOrEqualTo(0);
    }

    /** count connections through the VIP from one client process in the cgroup; greetings by backend. */
    private Map<String, Integer> connect(int count) throws Exception {
        Process client = host().sandbox().startClient(host().cgroup(), "for i in $(seq " + count
                + "); do socat -T2 -u TCP:" + VIP + ":80,connect-timeout=2 STDOUT || echo failed; done");
        String out = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(client.waitFor(60, TimeUnit.SECONDS)).as("the client loop ended").isTrue();
        Map<String, Integer> greetings = new HashMap<>();
        List<String> lines = out.lines().toList();
        lines.forEach(line -> greetings.merge(line.trim(), 1, Integer::sum));
        assertThat(lines).as("one greeting per connection, no failure").hasSize(count).doesNotContain("failed");
        return greetings;
    }

    private Map<String, PrometheusText.Family> scrape() throws Exception {
        return PrometheusText.parse(api().get("/actuator/prometheus").body());
    }
}
