package io.cvs.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The dashboard is JSON Grafana can load: every panel queries the provisioned Prometheus data source, with at
 * least one expression; the service variable exists; the provisioning points where compose mounts the
 * dashboards. Whether the metrics it names exist is {@link MetricNamesTest}'s part, with a running daemon.
 */
class DashboardTest {

    private final Dashboard dashboard = Dashboard.ofRepository();

    @Test
    void everyPanelQueriesTheProvisionedDataSource() {
        String uid = provisionedDataSourceUid();
        List<JsonNode> panels = dashboard.panels();
        assertThat(panels).hasSizeGreaterThanOrEqualTo(10);
        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : panels) {
            String title = panel.path("title").asString();
            assertThat(ids.add(panel.path("id").asInt())).as("id of %s is unique", title).isTrue();
            assertThat(panel.path("gridPos").isObject()).as("%s has a place", title).isTrue();
            assertThat(panel.path("datasource").path("uid").asString()).as("data source of %s", title)
                    .isEqualTo(uid);
            assertThat(panel.path("targets").size()).as("queries of %s", title).isPositive();
            for (JsonNode target : panel.path("targets")) {
                assertThat(target.path("expr").asString()).as("a query of %s", title).isNotBlank();
                assertThat(target.path("datasource").path("uid").asString()).as("a query of %s", title)
                        .isEqualTo(uid);
            }
        }
    }

    @Test
    void panelsFollowTheServiceVariable() {
        JsonNode variables = dashboard.json().path("templating").path("list");
        assertThat(variables.size()).isEqualTo(1);
        assertThat(variables.get(0).path("name").asString()).isEqualTo("service");
        assertThat(variables.get(0).path("definition").asString()).startsWith("label_values(");
        assertThat(dashboard.expressions().stream().filter(e -> e.contains("service=~\"$service\"")).count())
                .as("queries filtered by the service variable").isGreaterThanOrEqualTo(8);
    }

    /**
     * The vip and backend labels hold bracketed IPv6 ({@code [fd00::2]:8080}), whose colons break anything that
     * splits host from port on the first one: the dashboard shows and joins whole label values, never pieces.
     */
    @Test
    void nothingTakesAnAddressLabelApart() {
        String json = dashboard.json().toString();
        for (String splitter : List.of("label_replace", "extractFields", "renameByRegex", "byRegexp")) {
            assertThat(json).as("the dashboard uses %s", splitter).doesNotContain(splitter);
        }
    }

    @Test
    void provisioningLoadsTheDashboardsWhereComposeMountsThem() {
        Map<String, Object> grafana = ComposeStack.ofRepository().service("grafana");
        List<String> volumes = Repo.at(grafana, "volumes");
        assertThat(volumes).contains("./deploy/grafana/provisioning:/etc/grafana/provisioning:ro");
        String mounted = volumes.stream().filter(v -> v.startsWith("./deploy/grafana/dashboards:"))
                .map(v -> v.split(":")[1]).findFirst().orElseThrow();
        List<Map<String, Object>> providers = Repo.at(Repo.yaml("deploy/grafana/provisioning/dashboards/cvs.yml"),
                "providers");
        assertThat(providers).singleElement().satisfies(provider ->
                assertThat((String) Repo.at(provider, "options", "path")).isEqualTo(mounted));
    }

    @Test
    void metricNamesAreTakenFromExpressionsAndNothingElse() {
        assertThat(PromQl.metricNames("histogram_quantile(0.99, sum by (le, source) "
                + "(rate(cvs_programming_duration_seconds_bucket{service=~\"$service\"}[$__rate_interval])))"))
                .containsExactly("cvs_programming_duration_seconds_bucket");
        assertThat(PromQl.metricNames("cvs_backend_up == 0 and on (service, vip, backend) cvs_backend_weight > 0"))
                .containsExactly("cvs_backend_up", "cvs_backend_weight");
        assertThat(PromQl.metricNames("count(cvs_backend_up{service=~\"$service\"} == 0) or vector(0)"))
                .containsExactly("cvs_backend_up");
        assertThat(PromQl.metricNames("1e3 * rate(a_total[5m] offset 5m) / ignoring(x) b:recorded"))
                .containsExactly("a_total", "b:recorded");
        assertThat(dashboard.metricNames()).contains("cvs_service_backends", "jvm_memory_used_bytes")
                .doesNotContain("service", "le", "rate", "sum", "histogram_quantile");
    }

    private static String provisionedDataSourceUid() {
        List<Map<String, Object>> sources = Repo.at(Repo.yaml("deploy/grafana/provisioning/datasources/prometheus.yml"),
                "datasources");
        assertThat(sources).singleElement().satisfies(source -> {
            assertThat(source.get("type")).isEqualTo("prometheus");
            List<String> prometheus = Repo.at(ComposeStack.ofRepository().service("prometheus"), "command");
            assertThat(prometheus).contains("--web.listen-address=" + ((String) source.get("url"))
                    .replaceFirst("^http://", ""));
        });
        return (String) sources.get(0).get("uid");
    }
}
