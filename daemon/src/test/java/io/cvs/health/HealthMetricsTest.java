package io.cvs.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
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

            String scrape = prometheus.scrape();
            assertThat(scrape).containsPattern("(?m)^cvs_health_probes_total\\{result=\"success\",type=\"tcp\"} [1-9]")
                    .containsPattern("(?m)^cvs_health_probes_total\\{result=\"failure\",type=\"tcp\"} [1-9]")
                    .containsPattern("(?m)^cvs_health_probes_total\\{result=\"timeout\",type=\"udp\"} 0")
                    .containsPattern("(?m)^cvs_health_probe_duration_seconds_bucket\\{type=\"tcp\",le=\"1.0\"} [1-9]")
                    .containsPattern("(?m)^cvs_health_probe_duration_seconds_count\\{type=\"http\"} 0")
                    .containsPattern("(?m)^cvs_health_probes_in_flight [0-9]")
                    .containsPattern("(?m)^cvs_health_probes_delayed_total 0")
                    .containsPattern("(?m)^cvs_health_transitions_total\\{to=\"up\"} 1")
                    .containsPattern("(?m)^cvs_health_transitions_total\\{to=\"down\"} 1");
        }
        assertThat(prometheus.scrape()).as("a closed monitor's meters are gone").doesNotContain("cvs_health");
    }
}
