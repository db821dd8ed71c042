package io.cvs.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.journal.TestJournals;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code /actuator/prometheus} of the whole daemon on the memory datapath, over real HTTP, parsed: the per-service
 * and per-backend series with exactly the agreed labels, and the daemon's own meters. The memory datapath forwards
 * nothing, so its connection counters are 0 and it reports no packets or bytes.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "cvs.datapath=memory",
    "cvs.security.admin-token=" + ScrapedMetricsTest.ADMIN})
class ScrapedMetricsTest {

    static final String ADMIN = "admin-token-for-the-metrics-test";

    private static final Set<String> BACKEND_LABELS = Set.of("service", "vip", "backend");
    private static final Set<String> SERVICE_LABELS = Set.of("service", "vip");
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort
    private int port;

    @DynamicPropertySource
    static void journalDir(DynamicPropertyRegistry properties) {
        properties.add("cvs.journal.dir", () -> TestJournals.freshDir("metrics").toString());
    }

    @BeforeEach
    void webAndDns() throws Exception {
        for (var service : JSON.readTree(send("GET", "/api/v1/services", null).body()).path("items")) {
            send("DELETE", "/api/v1/services/" + service.path("id").asString(), null);
        }
        assertThat(send("POST", "/api/v1/services", """
                {"name": "web", "vip": "192.0.2.10", "port": 80, "protocol": "TCP",
                 "backends": [{"address": "10.0.0.1", "port": 8080, "weight": 2}, {"address": "10.0.0.2", "port": 8080}]}
                """).statusCode()).isEqualTo(201);
        assertThat(send("POST", "/api/v1/services", """
                {"name": "dns", "vip": "192.0.2.53", "port": 53, "protocol": "UDP",
                 "backends": [{"address": "10.0.0.3", "port": 53, "weight": 0}]}
                """).statusCode()).isEqualTo(201);
    }

    @Test
    void everyBackendHasItsCountersWeightAndStateWithExactlyServiceVipAndBackendAsLabels() throws Exception {
        Map<String, PrometheusText.Family> families = scrape();

        assertThat(families.get("cvs_backend_connections_total").type()).isEqualTo("counter");
        assertThat(families.get("cvs_backend_weight").type()).isEqualTo("gauge");
        assertThat(families.get("cvs_backend_up").type()).isEqualTo("gauge");
        for (String name : new String[] {"cvs_backend_connections_total", "cvs_backend_weight", "cvs_backend_up"}) {
            assertThat(families.get(name).labelNames()).as(name).containsExactly(BACKEND_LABELS);
            assertThat(families.get(name).samples()).as(name).extracting(s -> s.labels().get("backend"))
                    .containsExactlyInAnyOrder("10.0.0.1:8080", "10.0.0.2:8080", "10.0.0.3:53");
        }
        PrometheusText.Family weight = families.get("cvs_backend_weight");
        assertThat(weight.value("", "service", "web", "vip", "192.0.2.10:80/TCP", "backend", "10.0.0.1:8080"))
                .isEqualTo(2);
        assertThat(weight.value("", "service", "dns", "vip", "192.0.2.53:53/UDP", "backend", "10.0.0.3:53"))
                .isZero();
        assertThat(families.get("cvs_backend_connections_total").samples()).allSatisfy(
                s -> assertThat(s.value()).isZero());
        assertThat(families.get("cvs_backend_up").samples()).allSatisfy(s -> assertThat(s.value()).isEqualTo(1));
        assertThat(families).as("the memory datapath counts no packets or bytes")
                .doesNotContainKeys("cvs_backend_packets_total", "cvs_backend_bytes_total");
    }

    @Test
    void everyServiceHasItsTotalsAndBackendCountWithExactlyServiceAndVipAsLabels() throws Exception {
        Map<String, PrometheusText.Family> families = scrape();

        for (String name : new String[] {"cvs_service_connections_total", "cvs_service_refused_total",
            "cvs_service_retried_total"}) {
            assertThat(families.get(name).type()).as(name).isEqualTo("counter");
            assertThat(families.get(name).labelNames()).as(name).containsExactly(SERVICE_LABELS);
            assertThat(families.get(name).samples()).as(name).hasSize(2);
        }
        PrometheusText.Family backends = families.get("cvs_service_backends");
        assertThat(backends.type()).isEqualTo("gauge");
        assertThat(backends.value("", "service", "web", "vip", "192.0.2.10:80/TCP")).isEqualTo(2);
        assertThat(backends.value("", "service", "dns", "vip", "192.0.2.53:53/UDP")).isEqualTo(1);
    }

    @Test
    void anIpv6ServiceIsLabelledInCanonicalFormWithItsAddressesBracketed() throws Exception {
        assertThat(send("POST", "/api/v1/services", """
                {"name": "web-v6", "vip": "2001:DB8:0:0::10", "port": 80, "protocol": "TCP",
                 "backends": [{"address": "fd00:0::2", "port": 8080, "weight": 3}]}
                """).statusCode()).isEqualTo(201);

        Map<String, PrometheusText.Family> families = scrape();

        assertThat(families.get("cvs_backend_weight")
                .value("", "service", "web-v6", "vip", "[2001:db8::10]:80/TCP", "backend", "[fd00::2]:8080"))
                .isEqualTo(3);
        assertThat(families.get("cvs_service_backends").value("", "service", "web-v6", "vip", "[2001:db8::10]:80/TCP"))
                .isEqualTo(1);
    }

    @Test
    void aDeletedServiceLeavesNoSeriesBehind() throws Exception {
        String id = JSON.readTree(send("GET", "/api/v1/services?name=dns", null).body()).path("items").path(0)
                .path("id").asString();
        assertThat(send("DELETE", "/api/v1/services/" + id, null).statusCode()).isEqualTo(204);

        Map<String, PrometheusText.Family> families = scrape();

        assertThat(families.get("cvs_backend_weight").samples()).extracting(s -> s.labels().get("service"))
                .containsOnly("web");
        assertThat(families.get("cvs_service_backends").samples()).extracting(s -> s.labels().get("service"))
                .containsExactly("web");
    }

    @Test
    void theDatapathSaysWhatItIsAndHowFullItsMapsAre() throws Exception {
        Map<String, PrometheusText.Family> families = scrape();

        assertThat(families.get("cvs_datapath_info").type()).isEqualTo("gauge");
        assertThat(families.get("cvs_datapath_info").value("", "mode", "memory", "forwarders", "none"))
                .isEqualTo(1);
        PrometheusText.Family entries = families.get("cvs_map_entries");
        assertThat(entries.type()).isEqualTo("gauge");
        assertThat(entries.value("", "map", "services")).isEqualTo(2);
        assertThat(entries.value("", "map", "backends")).isEqualTo(3);
        PrometheusText.Family max = families.get("cvs_map_max_entries");
        assertThat(max.value("", "map", "services")).isEqualTo(1024);
        assertThat(max.value("", "map", "backends")).isEqualTo(16384);
    }

    @Test
    void servicesAreCountedBySchedulerMaglevRebuildsTimedAndAffinityEntriesCounted() throws Exception {
        assertThat(send("POST", "/api/v1/services", """
                {"name": "cart", "vip": "192.0.2.11", "port": 80, "protocol": "TCP", "scheduler": "MAGLEV",
                 "maglev": {"tableSize": 251}, "sessionAffinity": {"type": "CLIENT_IP"},
                 "backends": [{"address": "10.0.0.4", "port": 8080}, {"address": "10.0.0.5", "port": 8080}]}
                """).statusCode()).isEqualTo(201);

        Map<String, PrometheusText.Family> families = scrape();

        PrometheusText.Family services = families.get("cvs_services");
        assertThat(services.type()).isEqualTo("gauge");
        assertThat(services.value("", "scheduler", "maglev")).isEqualTo(1);
        assertThat(services.value("", "scheduler", "random")).isEqualTo(2);
        assertThat(families.get("cvs_map_entries").value("", "map", "maglev_tables")).isEqualTo(1);
        assertThat(families.get("cvs_map_max_entries").value("", "map", "maglev_tables")).isEqualTo(16);
        PrometheusText.Family rebuilds = families.get("cvs_maglev_rebuild_seconds");
        assertThat(rebuilds.type()).isEqualTo("histogram");
        assertThat(rebuilds.value("_count")).as("the creation of cart").isEqualTo(1);
        PrometheusText.Family affinity = families.get("cvs_affinity_entries");
        assertThat(affinity.value("", "state", "all")).as("nothing connects through memory").isZero();
        assertThat(affinity.value("", "state", "fresh")).isZero();
        assertThat(families.get("cvs_affinity_max_entries").value("")).isEqualTo(65536);
    }

    @Test
    void writesAndReconcilesAreTimedAndCounted() throws Exception {
        assertThat(send("POST", "/api/v1/datapath/reconcile", null).statusCode()).isEqualTo(200);

        Map<String, PrometheusText.Family> families = scrape();

        PrometheusText.Family programming = families.get("cvs_programming_duration_seconds");
        assertThat(programming.type()).isEqualTo("histogram");
        assertThat(programming.value("_count", "source", "api")).as("at least the two creations of this test")
                .isGreaterThanOrEqualTo(2);
        assertThat(programming.samples()).extracting(s -> s.labels().get("le")).contains("1.0E-4", "10.0", "+Inf");
        assertThat(families.get("cvs_reconcile_runs_total").value("", "result", "ok")).isGreaterThanOrEqualTo(2);
        assertThat(families.get("cvs_reconcile_runs_total").value("", "result", "failed")).isZero();
        assertThat(families.get("cvs_reconcile_repairs_total").labelNames()).containsExactly(Set.of("action"));
        assertThat(families.get("cvs_datapath_repairs_total").labelNames()).containsExactly(Set.of("part"));
        assertThat(families.get("cvs_datapath_repairs_total").value("", "part", "socket-lb")).isZero();
        PrometheusText.Family fsync = families.get("cvs_journal_fsync_duration_seconds");
        assertThat(fsync.type()).isEqualTo("histogram");
        assertThat(fsync.value("_count")).isGreaterThanOrEqualTo(2);
        assertThat(fsync.samples()).extracting(s -> s.labels().get("le")).contains("5.0E-5", "1.0");
        PrometheusText.Family batches = families.get("cvs_journal_batch_size");
        assertThat(batches.type()).isEqualTo("histogram");
        assertThat(batches.value("_count")).isEqualTo(fsync.value("_count"));
        assertThat(batches.samples()).extracting(s -> s.labels().get("le")).contains("1.0", "4096.0");
    }

    private Map<String, PrometheusText.Family> scrape() throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri("/actuator/prometheus")).build(),
                BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return PrometheusText.parse(response.body());
    }

    private HttpResponse<String> send(String method, String path, String json) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer " + ADMIN);
        if (json == null) {
            request.method(method, BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json").method(method, BodyPublishers.ofString(json));
        }
        return HTTP.send(request.build(), BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }
}
