package io.cvs.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cvs.metrics.PrometheusText;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The metric names agreed for issue 7, as Prometheus scrapes them. */
class HealthMetricsTest {

    @Test
    void probesTheirDurationsInFlightDelaysAndTransitionsAreScraped() throws Exception {
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        RecordingListener listener = new RecordingListener();
        try (AcceptingServer server = AcceptingServer.closingEach();
                HealthMonitor monitor = new HealthMonitor(new HealthProperties(1000, 0.1), listener, prometheus)) {
            AcceptingServer gone = AcceptingServer.closingEach();
            gone.close();
            TargetKey up = Checks.key("web", "127.0.0.1", server.port());
            TargetKey down = Checks.key("web", "127.0.0.1", gone.port());
            monitor.update(List.of(new ProbeTarget(up, Checks.tcp().build(), false),
                    new ProbeTarget(down, Checks.tcp().build(), true)));
            await().pollInterval(Duration.ofMillis(10)).atMost(Duration.ofSeconds(5))
                    .until(() -> listener.of(up).size() == 1 && listener.of(down).size() == 1);

            Map<String, PrometheusText.Family> scrape = PrometheusText.parse(prometheus.scrape());
            PrometheusText.Family probes = scrape.get("cvs_health_probes_total");
            assertThat(probes.type()).isEqualTo("counter");
            assertThat(probes.value("", "result", "success", "type", "tcp")).isPositive();
            assertThat(probes.value("", "result", "failure", "type", "tcp")).isPositive();
            assertThat(probes.value("", "result", "timeout", "type", "udp")).isZero();
            PrometheusText.Family durations = scrape.get("cvs_health_probe_duration_seconds");
            assertThat(durations.type()).isEqualTo("histogram");
            assertThat(durations.value("_bucket", "type", "tcp", "le", "1.0")).isPositive();
            assertThat(durations.value("_count", "type", "http")).isZero();
            assertThat(scrape.get("cvs_health_probes_in_flight").type()).isEqualTo("gauge");
            assertThat(scrape.get("cvs_health_probes_delayed_total").value("")).isZero();
            PrometheusText.Family transitions = scrape.get("cvs_health_transitions_total");
            assertThat(transitions.value("", "to", "up")).isEqualTo(1);
            assertThat(transitions.value("", "to", "down")).isEqualTo(1);
            assertThat(monitor.probing()).isTrue();
            assertThat(monitor.targets()).isEqualTo(2);
        }
        assertThat(PrometheusText.parse(prometheus.scrape()).keySet()).as("a closed monitor's meters are gone")
                .noneMatch(name -> name.startsWith("cvs_health"));
    }
}
